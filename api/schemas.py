from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """What an operation answers. Plain pydantic, not ninja's Schema: every answer is built
    from the values it names, so ninja's per-object ORM getter (a wrap validator run again
    on each nested object as the answer is checked) has nothing to do, and a page of 500
    subscribers is checked once, not twice."""

    model_config = ConfigDict(from_attributes=True)


class ProblemOut(Out):
    type: str
    title: str
    status: int
    instance: str
    detail: str | None = None
    errors: list[dict] | None = None


class LevelOut(Out):
    code: str
    name: str
    purchased: int
    assigned: int
    available: int


class AgreementOut(Out):
    id: UUID
    authorization_number: str
    license_number: str
    customer_name: str
    status: str
    starts_on: date
    ends_on: date
    access: str
    levels: list[LevelOut]


class AgreementPage(Out):
    items: list[AgreementOut]
    next_cursor: str | None


class SubscriberOut(Out):
    id: UUID = Field(description="The subscription's GUID.")
    first_name: str
    last_name: str
    sign_in_email: str
    notification_email: str
    level: str = Field(description="The subscription level's code.")
    downloads_enabled: bool
    reference: str
    country: str
    language: str
    assigned_at: datetime | None


class SubscriberPage(Out):
    items: list[SubscriberOut]
    next_cursor: str | None


class SubscriberIn(Schema):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    sign_in_email: str = Field(max_length=254)
    notification_email: str = Field("", max_length=254)
    level: str = Field(description="A level code bought on the agreement.", max_length=64)
    downloads_enabled: bool = True
    reference: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    language: str = Field("en", max_length=8)


class SubscriberPatch(Schema):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    sign_in_email: str | None = Field(None, max_length=254)
    notification_email: str | None = Field(None, max_length=254)
    level: str | None = Field(None, max_length=64)
    downloads_enabled: bool | None = None
    reference: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    language: str | None = Field(None, max_length=8)


class BulkIn(Schema):
    subscribers: list[SubscriberIn] = Field(min_length=1)


class BulkOut(Out):
    created: list[SubscriberOut]


class CountOut(Out):
    count: int


class HistoryEntryOut(Out):
    at: datetime
    action: str
    action_label: str
    actor_email: str
    api_token: str | None = Field(None, description="The token that acted, if one did.")
    concerning: str


class HistoryPage(Out):
    items: list[HistoryEntryOut]
    next_cursor: str | None


class LevelUsageMonthOut(Out):
    month: date = Field(description="The month's first day.")
    peak: int | None = Field(description="The most seats assigned at once that month.")


class LevelUsageOut(Out):
    code: str
    name: str
    purchased: int
    assigned: int
    peak: int = Field(description="The most seats assigned at once in the past year.")
    peak_day: date
    months: list[LevelUsageMonthOut]


class EmailOut(Out):
    id: UUID
    kind: str
    kind_label: str
    recipient: str
    status: str = Field(
        description="pending, sent, delivered, bounced, complained, failed or cancelled."
    )
    created_at: datetime
    sent_at: datetime | None


class EmailPage(Out):
    items: list[EmailOut]
    next_cursor: str | None


class PartnerLinkOut(Out):
    id: UUID
    partner: str
    status: str = Field(description="pending, active, declined, expired, removed or ended.")
    scope: str = Field(description="manage or read_only.")
    method: str
    linked_at: datetime
    ends_on: date | None


class BenefitAssigneeOut(Out):
    id: UUID
    email: str
    full_name: str
    status: str
    assigned_at: datetime


class BenefitOut(Out):
    id: UUID
    name: str
    tab: str
    kind: str
    seats: int
    assigned: int
    assignees: list[BenefitAssigneeOut]


class BenefitAssignIn(Schema):
    email: str = Field(max_length=254, description="A user of your organization.")
    alternate_email: str = Field(
        "", max_length=254, description="Support benefits: a second address to tell."
    )
