"""The agreements and their subscribers, through the same selectors and services as the
pages: a token sees and changes exactly what its organization's people would.

About 400 lines, one router: every operation here hangs off one agreement and shares its
lookup (`_agreement`) and paging. It becomes a package by resource (agreements, subscribers,
partner links, webhooks) when the next resources of issue 19 arrive."""

import hashlib
import json
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from agreements.access import AgreementAccess
from agreements.models import Agreement, AgreementAdmin, PartnerLink, Subscription
from agreements.selectors import agreement_get_with_access, agreement_history, agreement_list
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

from .auth import require_write
from .idempotency import idempotent
from .paging import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from .problems import Problem, form_errors
from .schemas import (
    AgreementOut,
    AgreementPage,
    BulkIn,
    BulkOut,
    CountOut,
    HistoryEntryOut,
    HistoryPage,
    LevelOut,
    ProblemOut,
    SubscriberIn,
    SubscriberOut,
    SubscriberPage,
    SubscriberPatch,
)

router = Router(tags=["agreements"])

ERRORS = {400: ProblemOut, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}
WRITE_ERRORS = {**ERRORS, 403: ProblemOut, 409: ProblemOut, 412: ProblemOut, 422: ProblemOut}

# Sorts the list offers: each is a unique key set ending with the primary key.
SUBSCRIBER_SORTS = {
    "last_name": {"k_last": Lower("last_name"), "k_first": Lower("first_name")},
    "first_name": {"k_first": Lower("first_name"), "k_last": Lower("last_name")},
    "sign_in_email": {"k_email": Lower("sign_in_email")},
    "assigned_at": {"k_assigned": F("assigned_at")},
}


def _levels(agreement: Agreement) -> list[LevelOut]:
    return [
        LevelOut(
            code=line.level.code,
            name=line.level.name,
            purchased=line.seats_purchased,
            assigned=line.seats_assigned,
            available=line.seats_available,
        )
        for line in agreement.lines.all()
    ]


def _agreement_out(agreement: Agreement, access: str) -> AgreementOut:
    return AgreementOut(
        id=agreement.public_id,
        authorization_number=agreement.authorization_number,
        license_number=agreement.license_number,
        customer_name=agreement.customer_name,
        status=agreement.status,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        access=access,
        levels=_levels(agreement),
    )


def _subscriber_out(subscription: Subscription) -> SubscriberOut:
    return SubscriberOut(
        id=subscription.guid,
        first_name=subscription.first_name,
        last_name=subscription.last_name,
        sign_in_email=subscription.sign_in_email,
        notification_email=subscription.notification_email,
        level=subscription.line.level.code,
        downloads_enabled=subscription.downloads_enabled,
        reference=subscription.reference,
        country=subscription.country,
        language=subscription.language,
        assigned_at=subscription.assigned_at,
    )


def _etag(out: Schema) -> str:
    raw = json.dumps(out.model_dump(mode="json"), sort_keys=True).encode()
    return f'"{hashlib.sha256(raw).hexdigest()[:32]}"'


def _agreement(request, agreement_id: UUID, *, write: bool = False):
    if write:
        require_write(request)
    agreement, access = agreement_get_with_access(actor=request.actor, public_id=agreement_id)
    # A read-only partner's write is refused like the pages refuse it: as if nothing were there.
    if write and not access.can_write:
        raise Http404
    return agreement, access


@router.get("/agreements", response={200: AgreementPage, **ERRORS})
def agreements_list(
    request,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """The agreements the token's organization sees, by customer name."""
    rows = agreement_list(actor=request.actor).annotate(
        k_name=F("customer_name"), k_number=F("authorization_number"), k_id=F("pk")
    )
    page, next_cursor = keyset_page(
        rows, keys=["k_name", "k_number", "k_id"], cursor=cursor, limit=limit
    )
    access = _accesses(request.actor, page)
    return AgreementPage(
        items=[_agreement_out(agreement, access[agreement.pk]) for agreement in page],
        next_cursor=next_cursor,
    )


def _accesses(actor, agreements: list[Agreement]) -> dict[int, str]:
    """Each listed agreement's access, in two queries for the page."""
    ids = [agreement.pk for agreement in agreements]
    # scoping: the rows of agreements the list above already scoped to the actor.
    roles = dict(
        AgreementAdmin.objects.filter(user=actor.user, agreement_id__in=ids)
        .filter(agreement__customer_organization=actor.organization)
        .values_list("agreement_id", "role")
    )
    scopes = dict(
        PartnerLink.objects.granting_access()
        .filter(partner_organization=actor.organization, agreement_id__in=ids)
        .values_list("agreement_id", "scope")
    )
    result = {}
    for agreement_id in ids:
        if agreement_id in roles:
            result[agreement_id] = AgreementAccess(roles[agreement_id]).value
        elif scopes.get(agreement_id) == PartnerLink.Scope.READ_ONLY:
            result[agreement_id] = AgreementAccess.PARTNER_READ_ONLY.value
        else:
            result[agreement_id] = AgreementAccess.PARTNER.value
    return result


@router.get("/agreements/{uuid:agreement_id}", response={200: AgreementOut, **ERRORS})
def agreement_get(request, agreement_id: UUID):
    agreement, access = _agreement(request, agreement_id)
    return _agreement_out(agreement, access.value)


@router.get("/agreements/{uuid:agreement_id}/levels", response={200: list[LevelOut], **ERRORS})
def agreement_levels(request, agreement_id: UUID):
    """Seats purchased, assigned and available for each level bought."""
    agreement, _access = _agreement(request, agreement_id)
    return _levels(agreement)


@router.get("/agreements/{uuid:agreement_id}/history", response={200: HistoryPage, **ERRORS})
def history_list(
    request,
    agreement_id: UUID,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """What happened on the agreement, newest first: the customer's History page (partners
    do not see it, as on the pages)."""
    agreement, access = _agreement(request, agreement_id)
    if not access.is_customer:
        raise Http404
    rows = agreement_history(agreement=agreement).annotate(k_at=F("created_at"), k_id=F("pk"))
    page, next_cursor = keyset_page(
        rows, keys=["k_at", "k_id"], cursor=cursor, limit=limit, descending=True
    )
    return HistoryPage(
        items=[
            HistoryEntryOut(
                at=entry.created_at,
                action=entry.action,
                action_label=entry.get_action_display(),
                actor_email=entry.actor_email,
                api_token=(entry.details or {}).get("api_token", {}).get("name"),
                concerning=str(entry.concerning),
            )
            for entry in page
        ],
        next_cursor=next_cursor,
    )


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
    agreement, _access = _agreement(request, agreement_id)
    descending = filters.sort.startswith("-")
    keys = SUBSCRIBER_SORTS[filters.sort.removeprefix("-")]
    rows = subscriber_search(subscriber_list(agreement=agreement), filters.q)
    if filters.level:
        rows = rows.filter(line__level__code=filters.level)
    rows = rows.annotate(**keys, k_id=F("pk"))
    page, next_cursor = keyset_page(
        rows,
        keys=[*keys, "k_id"],
        cursor=filters.cursor,
        limit=filters.limit,
        descending=descending,
    )
    return SubscriberPage(items=[_subscriber_out(row) for row in page], next_cursor=next_cursor)


@router.get(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}",
    response={200: SubscriberOut, **ERRORS},
)
def subscriber_get(request, response: HttpResponse, agreement_id: UUID, subscriber_id: UUID):
    agreement, _access = _agreement(request, agreement_id)
    out = _subscriber_out(subscription_get(agreement=agreement, guid=subscriber_id))
    response["ETag"] = _etag(out)
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


def _service_error(error: ValidationError) -> Problem:
    return Problem(
        422,
        getattr(error, "code", None) or "rejected",
        _("The change cannot be made."),
        " ".join(error.messages),
    )


@router.post(
    "/agreements/{uuid:agreement_id}/subscribers", response={201: SubscriberOut, **WRITE_ERRORS}
)
@idempotent
def subscriber_create(request, agreement_id: UUID, payload: SubscriberIn):
    """Assign a seat and email the subscriber."""
    agreement, _access = _agreement(request, agreement_id, write=True)
    form = _form(agreement, payload.model_dump())
    try:
        subscription = subscription_assign(
            actor=request.actor,
            agreement=agreement,
            level=form.cleaned_data["level"],
            details=form.details(),
        )
    except ValidationError as error:
        raise _service_error(error) from error
    return Status(201, _subscriber_out(subscription))


@router.post(
    "/agreements/{uuid:agreement_id}/subscribers/bulk", response={201: BulkOut, **WRITE_ERRORS}
)
@idempotent
def subscribers_create_bulk(request, agreement_id: UUID, payload: BulkIn):
    """Assign every subscriber or none (up to a workbook's limit of rows)."""
    agreement, _access = _agreement(request, agreement_id, write=True)
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
    agreement, _access = _agreement(request, agreement_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=subscriber_id)
    current = _subscriber_out(subscription)
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise Problem(428, "if-match-required", _("Send the subscriber's ETag as If-Match."))
    if if_match != _etag(current):
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
        raise _service_error(error) from error
    out = _subscriber_out(subscription_get(agreement=agreement, guid=updated.guid))
    response["ETag"] = _etag(out)
    return out


@router.delete(
    "/agreements/{uuid:agreement_id}/subscribers/{uuid:subscriber_id}",
    response={204: None, **WRITE_ERRORS},
)
def subscriber_delete(request, agreement_id: UUID, subscriber_id: UUID):
    """Remove the subscriber: the seat is free again."""
    agreement, _access = _agreement(request, agreement_id, write=True)
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
    agreement, _access = _agreement(request, agreement_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=subscriber_id)
    count = subscriptions_resend(
        actor=request.actor, agreement=agreement, subscriptions=[subscription]
    )
    return Status(200, CountOut(count=count))
