from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from agreements.models import Agreement, AgreementLine, PartnerLink
from portal.tenancy.context import Actor


def partner_link_list(*, agreement: Agreement) -> list[PartnerLink]:
    """The agreement's partners, each by its latest link: waiting and in force first, then
    those whose access ended, for the record. Earlier links are in the History."""
    links = (
        PartnerLink.objects.filter(agreement=agreement)
        .select_related(
            "partner_organization", "linked_by", "removed_by", "decided_by", "allowed_again_by"
        )
        .order_by("-linked_at", "-pk")
    )
    latest: dict[int, PartnerLink] = {}
    for link in links:
        latest.setdefault(link.partner_organization_id, link)
    order: dict[str, int] = {status: rank for rank, status in enumerate(PartnerLink.Status)}
    return sorted(latest.values(), key=lambda link: order[link.status])


def partner_link_list_active(*, agreement: Agreement) -> QuerySet[PartnerLink]:
    return (
        PartnerLink.objects.granting_access()
        .filter(agreement=agreement)
        .select_related("partner_organization")
    )


def partner_link_get(*, agreement: Agreement, public_id) -> PartnerLink:
    return get_object_or_404(
        PartnerLink.objects.filter(agreement=agreement).select_related(
            "partner_organization", "linked_by", "agreement"
        ),
        public_id=public_id,
    )


def partner_link_requests(*, actor: Actor) -> QuerySet[PartnerLink]:
    """The actor's partner organization's links that give no access: waiting for a customer,
    or ended by one and not allowed again, for its home page."""
    if actor.organization is None or not actor.organization.is_partner:
        return PartnerLink.objects.none()
    waiting = Q(status=PartnerLink.Status.PENDING)
    ended = Q(status__in=PartnerLink.BLOCKING, allowed_again_at__isnull=True)
    return (
        PartnerLink.objects.filter(waiting | ended, partner_organization=actor.organization)
        .exclude(
            # Superseded by a newer link of the same partner.
            agreement__partner_links__in=PartnerLink.objects.granting_access().filter(
                partner_organization=actor.organization
            )
        )
        .select_related("agreement")
        .order_by("-linked_at")[:20]
    )


def partner_invitation_link_or_none(
    *, actor: Actor, public_id, allowed_again_at: str
) -> PartnerLink | None:
    """The ended link of the actor's organization that a customer's invitation names, while
    that Allow again is the latest word on it."""
    if actor.organization is None:
        return None
    link = (
        PartnerLink.objects.filter(public_id=public_id, partner_organization=actor.organization)
        .select_related("agreement", "partner_organization")
        .first()
    )
    if link is None or link.allowed_again_at is None:
        return None
    return link if link.allowed_again_at.isoformat() == allowed_again_at else None


# What the licensing service center (the stand-in site) shows a licensing contact.
def licensing_agreement_list(*, contact_email: str) -> QuerySet[Agreement]:
    """The licensing service center's relationship summary: Open Licenses whose partner of
    record registered this email as a licensing contact."""
    removed = PartnerLink.objects.blocking().filter(
        agreement=OuterRef("pk"), partner_organization=OuterRef("partner_of_record")
    )
    return (
        Agreement.objects.filter(partner_of_record__licensing_contacts__email__iexact=contact_email)
        .annotate(access_removed=Exists(removed))
        .select_related("partner_of_record")
        .prefetch_related(Prefetch("lines", queryset=AgreementLine.objects.select_related("level")))
        .distinct()
        .order_by("customer_name")
    )


def licensing_agreement_get_or_none(*, contact_email: str, public_id) -> Agreement | None:
    return licensing_agreement_list(contact_email=contact_email).filter(public_id=public_id).first()


def licensing_agreement_get(*, contact_email: str, public_id) -> Agreement:
    return get_object_or_404(
        licensing_agreement_list(contact_email=contact_email), public_id=public_id
    )
