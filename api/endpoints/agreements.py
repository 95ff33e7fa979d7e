"""Agreements: the list, one agreement, its levels and its history."""

from uuid import UUID

from django.db.models import F
from django.http import Http404
from ninja import Query, Router

from agreements.access import AgreementAccess
from agreements.models import Agreement, AgreementAdmin, PartnerLink
from agreements.selectors import agreement_history, agreement_list

from ..paging import DEFAULT_LIMIT, MAX_LIMIT, keyset_page, newest_first_page
from ..schemas import (
    AgreementOut,
    AgreementPage,
    HistoryEntryOut,
    HistoryPage,
    LevelOut,
)
from .common import ERRORS, agreement_for

router = Router(tags=["agreements"])


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
    agreement, access = agreement_for(request, agreement_id)
    return _agreement_out(agreement, access.value)


@router.get("/agreements/{uuid:agreement_id}/levels", response={200: list[LevelOut], **ERRORS})
def agreement_levels(request, agreement_id: UUID):
    """Seats purchased, assigned and available for each level bought."""
    agreement, _access = agreement_for(request, agreement_id)
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
    agreement, access = agreement_for(request, agreement_id)
    if not access.is_customer:
        raise Http404
    page, next_cursor = newest_first_page(
        agreement_history(agreement=agreement), cursor=cursor, limit=limit
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
