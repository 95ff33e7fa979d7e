"""An agreement's subscribers: list, get, create, bulk create, update, delete, resend."""

from operator import attrgetter
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from agreements.models import Agreement, Subscription
from agreements.subscribers.forms import SubscriberForm
from agreements.subscribers.grid import subscriber_search
from agreements.subscribers.selectors import subscriber_list, subscription_get
from agreements.subscribers.services.assignments import (
    BulkAssignError,
    subscription_assign,
    subscription_update,
    subscriptions_assign_bulk,
    subscriptions_remove,
    subscriptions_resend,
)
from agreements.workbooks.columns import MAX_ROWS

from ..idempotency import idempotent
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from ..problems import Problem, form_errors
from ..schemas import (
    BulkIn,
    BulkOut,
    CountOut,
    ProblemOut,
    SubscriberIn,
    SubscriberOut,
    SubscriberPage,
    SubscriberPatch,
)
from .common import ERRORS, WRITE_ERRORS, agreement_for, etag_of, service_error

router = Router(tags=["subscribers"])

# Sorts the list offers: each is a unique key set ending with the primary key.
SUBSCRIBER_SORTS = {
    "last_name": {"k_last": Lower("last_name"), "k_first": Lower("first_name")},
    "first_name": {"k_first": Lower("first_name"), "k_last": Lower("last_name")},
    "sign_in_email": {"k_email": Lower("sign_in_email")},
    "assigned_at": {"k_assigned": F("assigned_at")},
}


# Each field of the subscriber resource, and where a subscription keeps it.
SUBSCRIBER_FIELDS = {
    "id": "guid",
    "first_name": "first_name",
    "last_name": "last_name",
    "sign_in_email": "sign_in_email",
    "notification_email": "notification_email",
    "level": "line__level__code",
    "downloads_enabled": "downloads_enabled",
    "reference": "reference",
    "country": "country",
    "language": "language",
    "assigned_at": "assigned_at",
}
_SUBSCRIBER_GETTERS = {
    name: attrgetter(path.replace("__", ".")) for name, path in SUBSCRIBER_FIELDS.items()
}


def _subscriber_out(subscription: Subscription) -> SubscriberOut:
    return SubscriberOut(**{name: get(subscription) for name, get in _SUBSCRIBER_GETTERS.items()})


def _subscriber_row_out(values: dict) -> SubscriberOut:
    """A list's row, read as plain values (`.values()`): no three model instances a row."""
    return SubscriberOut(**{name: values[path] for name, path in SUBSCRIBER_FIELDS.items()})


# Text that reaches a query has no NUL character: PostgreSQL cannot compare one (the pages'
# forms refuse it the same way).
NO_NUL = r"^[^\x00]*$"


class SubscriberFilter(Schema):
    q: str = NinjaField(
        "",
        max_length=100,
        pattern=NO_NUL,
        description="Words found in a name, email or reference.",
    )
    sort: str = NinjaField(
        "last_name", pattern="^-?(last_name|first_name|sign_in_email|assigned_at)$"
    )
    level: str | None = NinjaField(None, max_length=64, pattern=NO_NUL)
    cursor: str | None = None
    limit: int = NinjaField(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/agreements/{uuid:agreement_id}/subscribers", response={200: SubscriberPage, **ERRORS})
def subscribers_list(request, agreement_id: UUID, filters: Query[SubscriberFilter]):
    """The agreement's subscribers, filtered and sorted, a page at a time."""
    agreement, _access = agreement_for(request, agreement_id, with_lines=False)
    descending = filters.sort.startswith("-")
    keys = SUBSCRIBER_SORTS[filters.sort.removeprefix("-")]
    rows = subscriber_search(subscriber_list(agreement=agreement), filters.q)
    if filters.level:
        rows = rows.filter(line__level__code=filters.level)
    rows = rows.annotate(**keys, k_id=F("pk"))
    page, next_cursor = keyset_page(
        rows.values(*SUBSCRIBER_FIELDS.values(), *keys, "k_id"),
        keys=[*keys, "k_id"],
        cursor=filters.cursor,
        limit=filters.limit,
        descending=descending,
    )
    return SubscriberPage(items=[_subscriber_row_out(row) for row in page], next_cursor=next_cursor)


@router.get(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}",
    response={200: SubscriberOut, **ERRORS},
)
def subscriber_get(request, response: HttpResponse, agreement_id: UUID, subscriber_id: UUID):
    agreement, _access = agreement_for(request, agreement_id, with_lines=False)
    out = _subscriber_out(subscription_get(agreement=agreement, guid=subscriber_id))
    response["ETag"] = etag_of(out)
    return out


def _form(agreement: Agreement, data: dict) -> SubscriberForm:
    form = SubscriberForm(
        {key: value for key, value in data.items() if value is not False}, agreement=agreement
    )
    if not form.is_valid():
        raise Problem(
            422, "invalid-subscriber", _("Some values are not valid."), errors=form_errors(form)
        )
    return form


@router.post(
    "/agreements/{uuid:agreement_id}/subscribers", response={201: SubscriberOut, **WRITE_ERRORS}
)
@idempotent
def subscriber_create(request, agreement_id: UUID, payload: SubscriberIn):
    """Assign a seat and email the subscriber."""
    agreement, _access = agreement_for(request, agreement_id, write=True)
    form = _form(agreement, payload.model_dump())
    try:
        subscription = subscription_assign(
            actor=request.actor,
            agreement=agreement,
            level=form.cleaned_data["level"],
            details=form.details(),
        )
    except ValidationError as error:
        raise service_error(error) from error
    return Status(201, _subscriber_out(subscription))


@router.post(
    "/agreements/{uuid:agreement_id}/subscribers/bulk", response={201: BulkOut, **WRITE_ERRORS}
)
@idempotent
def subscribers_create_bulk(request, agreement_id: UUID, payload: BulkIn):
    """Assign every subscriber or none (up to a workbook's limit of rows)."""
    agreement, _access = agreement_for(request, agreement_id, write=True)
    if len(payload.subscribers) > MAX_ROWS:
        raise Problem(422, "too-many-rows", _("Too many subscribers at once."))
    rows, errors = [], []
    for index, item in enumerate(payload.subscribers):
        form = SubscriberForm(item.model_dump(), agreement=agreement)
        if form.is_valid():
            rows.append((form.cleaned_data["level"], form.details()))
        else:
            errors += [{**error, "index": index} for error in form_errors(form)]
    if errors:
        raise Problem(422, "invalid-subscriber", _("Some values are not valid."), errors=errors)
    try:
        created = subscriptions_assign_bulk(
            actor=request.actor, agreement=agreement, rows=rows, source="API"
        )
    except BulkAssignError as error:
        raise Problem(
            422,
            "bulk-rejected",
            _("No subscriber was added: some rows cannot be assigned."),
            errors=[
                {"index": index, "field": None, "detail": str(message)}
                for index, message in sorted(error.errors.items())
            ],
        ) from error
    by_id = {
        row.pk: row
        for row in subscriber_list(agreement=agreement).filter(pk__in=[row.pk for row in created])
    }
    return Status(
        201, BulkOut(created=[_subscriber_out(by_id[row.pk]) for row in created if row.pk in by_id])
    )


@router.patch(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}",
    response={200: SubscriberOut, 428: ProblemOut, **WRITE_ERRORS},
)
def subscriber_update(
    request,
    response: HttpResponse,
    agreement_id: UUID,
    subscriber_id: UUID,
    payload: SubscriberPatch,
):
    """Change a subscriber. Send the ETag you read as If-Match: a change made meanwhile by
    someone else is refused (412) rather than overwritten."""
    agreement, _access = agreement_for(request, agreement_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=subscriber_id)
    current = _subscriber_out(subscription)
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise Problem(428, "if-match-required", _("Send the subscriber's ETag as If-Match."))
    if if_match != etag_of(current):
        raise Problem(412, "changed-meanwhile", _("The subscriber changed since you read it."))
    data = current.model_dump()
    data.update(payload.model_dump(exclude_none=True))
    form = _form(agreement, data)
    try:
        updated = subscription_update(
            actor=request.actor,
            subscription=subscription,
            level=form.cleaned_data["level"],
            details=form.details(),
        )
    except ValidationError as error:
        raise service_error(error) from error
    out = _subscriber_out(subscription_get(agreement=agreement, guid=updated.guid))
    response["ETag"] = etag_of(out)
    return out


@router.delete(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}",
    response={204: None, **WRITE_ERRORS},
)
def subscriber_delete(request, agreement_id: UUID, subscriber_id: UUID):
    """Remove the subscriber: the seat is free again."""
    agreement, _access = agreement_for(request, agreement_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=subscriber_id)
    subscriptions_remove(actor=request.actor, agreement=agreement, subscriptions=[subscription])
    return Status(204, None)


@router.post(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}/resend",
    response={200: CountOut, **WRITE_ERRORS},
)
@idempotent
def subscriber_resend(request, agreement_id: UUID, subscriber_id: UUID):
    """Email the subscriber their subscription again."""
    agreement, _access = agreement_for(request, agreement_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=subscriber_id)
    count = subscriptions_resend(
        actor=request.actor, agreement=agreement, subscriptions=[subscription]
    )
    return Status(200, CountOut(count=count))
