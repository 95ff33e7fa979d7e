"""An agreement's partner links: the customer sees every partner and decides; a partner sees
its own link only."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Status

from agreements.models import PartnerLink
from agreements.partner_links.selectors import partner_link_get, partner_link_list
from agreements.partner_links.services.decisions import (
    partner_link_approve,
    partner_link_decline,
    partner_link_remove,
)

from ..idempotency import idempotent
from ..schemas import PartnerLinkOut
from .common import ERRORS, WRITE_ERRORS, agreement_for, service_error

router = Router(tags=["partner links"])


def _out(link: PartnerLink) -> PartnerLinkOut:
    return PartnerLinkOut(
        id=link.public_id,
        partner=link.partner_organization.name,
        status=link.status,
        scope=link.scope,
        method=link.method,
        linked_at=link.linked_at,
        ends_on=link.ends_on,
    )


@router.get(
    "/agreements/{uuid:agreement_id}/partner-links", response={200: list[PartnerLinkOut], **ERRORS}
)
def partner_links_list(request, agreement_id: UUID):
    """The agreement's partners, each by its latest link (the customer's Partners page); a
    partner's token sees its own link."""
    agreement, access = agreement_for(request, agreement_id)
    links = partner_link_list(agreement=agreement)
    if not access.is_customer:
        own = request.actor.acting_organization.pk
        links = [link for link in links if link.partner_organization_id == own]
    return [_out(link) for link in links]


def _decide(request, agreement_id: UUID, link_id: UUID, decision) -> PartnerLinkOut:
    agreement, access = agreement_for(request, agreement_id, write=True)
    if not access.is_customer_admin:
        raise Http404  # a partner cannot decide about partners, its own link included
    link = partner_link_get(agreement=agreement, public_id=link_id)
    try:
        decided = decision(actor=request.actor, link=link)
    except ValidationError as error:
        raise service_error(error) from error
    if decided is None:  # remove returns nothing: read the link as it now stands
        decided = partner_link_get(agreement=agreement, public_id=link_id)
    return _out(decided)


@router.post(
    "/agreements/{uuid:agreement_id}/partner-links/{uuid:link_id}/remove",
    response={200: PartnerLinkOut, **WRITE_ERRORS},
)
@idempotent
def partner_link_remove_op(request, agreement_id: UUID, link_id: UUID):
    """End the partner's access, at once and for good (until a super admin allows it
    again). Removing a link that no longer grants access changes nothing."""
    return Status(200, _decide(request, agreement_id, link_id, partner_link_remove))


@router.post(
    "/agreements/{uuid:agreement_id}/partner-links/{uuid:link_id}/approve",
    response={200: PartnerLinkOut, **WRITE_ERRORS},
)
@idempotent
def partner_link_approve_op(request, agreement_id: UUID, link_id: UUID):
    """Approve a partner's pending request (super admins)."""
    return Status(200, _decide(request, agreement_id, link_id, partner_link_approve))


@router.post(
    "/agreements/{uuid:agreement_id}/partner-links/{uuid:link_id}/decline",
    response={200: PartnerLinkOut, **WRITE_ERRORS},
)
@idempotent
def partner_link_decline_op(request, agreement_id: UUID, link_id: UUID):
    """Decline a partner's pending request (super admins)."""
    return Status(200, _decide(request, agreement_id, link_id, partner_link_decline))
