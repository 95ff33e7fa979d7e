from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.audit.models import AuditEntry
from portal.tenancy.context import Actor

from .access import AgreementAccess, agreement_access
from .models import (
    Agreement,
    AgreementAdmin,
    AgreementInvitation,
    AgreementLine,
    PartnerLink,
    Subscription,
)


def _with_lines(agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """With their lines and levels, which most agreement pages count or list."""
    lines = AgreementLine.objects.select_related("level")
    return agreements.prefetch_related(Prefetch("lines", queryset=lines))


def agreement_list(*, actor: Actor) -> QuerySet[Agreement]:
    return _with_lines(Agreement.objects.visible_to(actor)).order_by(
        "customer_name", "authorization_number"
    )


# The agreements dropdown names this many; a partner with hundreds of customers finds the
# others on the home page, which searches them.
AGREEMENT_MENU_SIZE = 10


@dataclass(frozen=True)
class AgreementMenu:
    agreements: list[Agreement]
    has_more: bool


def agreement_menu(*, actor: Actor) -> AgreementMenu:
    """The agreements dropdown: one light query, however many agreements there are."""
    first = list(
        Agreement.objects.visible_to(actor)
        .only("public_id", "authorization_number", "customer_name")
        .order_by("customer_name", "authorization_number")[: AGREEMENT_MENU_SIZE + 1]
    )
    return AgreementMenu(
        agreements=first[:AGREEMENT_MENU_SIZE], has_more=len(first) > AGREEMENT_MENU_SIZE
    )


def agreement_search(*, actor: Actor, query: str) -> QuerySet[Agreement]:
    """The actor's agreements whose customer or numbers contain `query`."""
    agreements = agreement_list(actor=actor)
    if query:
        agreements = agreements.filter(
            Q(customer_name__icontains=query)
            | Q(authorization_number__icontains=query)
            | Q(license_number__icontains=query)
        )
    return agreements


def agreement_get_with_access(*, actor: Actor, public_id) -> tuple[Agreement, AgreementAccess]:
    """The agreement and the actor's access to it, for the agreement's pages; any agreement
    they may not see, or none, is the same 404.

    The rule of `visible_to`, checked on the one agreement (agreements/access.py):
    `visible_to`'s subqueries cost more to compile (about 3 ms) than the small queries of
    agreement_access take to run.
    """
    # scoping: agreement_access below is visible_to's rule, for this one agreement.
    # Without the customer and partner of record, which only the overview shows.
    agreement = get_object_or_404(_with_lines(Agreement.objects.all()), public_id=public_id)
    access = agreement_access(actor=actor, agreement=agreement)
    if access is None:
        raise Http404
    return agreement, access


def agreement_matching(
    *, authorization_number: str, license_number: str, customer_email: str
) -> Agreement | None:
    """The agreement these three values name together, or None.

    Deliberately not scoped to an actor: proving these values is how a partner gets access.
    Only the partner-link services call it, under the attempt limit.
    """
    return (
        Agreement.objects.filter(
            authorization_number=authorization_number.strip(),
            license_number=license_number.strip(),
            customer_email__iexact=customer_email.strip(),
        )
        .select_related("partner_of_record", "customer_organization")
        .first()
    )


def agreement_admin_list(*, agreement: Agreement) -> QuerySet[AgreementAdmin]:
    return AgreementAdmin.objects.filter(agreement=agreement).select_related("user")


def agreement_invitation_list_addressed_to(*, user) -> list[AgreementInvitation]:
    """Pending, unexpired invitations to administer an agreement, sent to the user's verified
    address, for the welcome page."""
    if not user.is_authenticated or not user.is_verified:
        return []
    invitations = AgreementInvitation.objects.pending().filter(email__iexact=user.email)
    return [i for i in invitations.select_related("agreement") if not i.is_expired]


def agreement_invitation_list_pending(*, agreement: Agreement) -> QuerySet[AgreementInvitation]:
    return (
        AgreementInvitation.objects.filter(agreement=agreement)
        .pending()
        .select_related("invited_by")
    )


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
    order = {status: rank for rank, status in enumerate(PartnerLink.Status)}
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


def agreements_to_take_charge_of(*, user) -> list[Agreement]:
    """Agreements nobody has taken charge of yet whose customer email is the user's verified
    address: proving that mailbox is proving to be the customer."""
    if not user.is_authenticated or not user.is_verified:
        return []
    return list(
        Agreement.objects.filter(
            customer_organization__isnull=True, customer_email__iexact=user.email
        )
        .select_related("partner_of_record")
        .order_by("authorization_number")
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


def agreement_to_take_charge_of_or_none(*, public_id, email: str) -> Agreement | None:
    """The agreement a take-charge link names, while nobody has taken charge of it and its
    customer email is still the address the link was made for."""
    return Agreement.objects.filter(  # scoping: the signed link is the proof of the email
        public_id=public_id, customer_organization__isnull=True, customer_email__iexact=email
    ).first()


def agreement_history(*, agreement: Agreement) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(agreement=agreement).select_related("actor", "organization")


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


def order_list(*, actor: Actor) -> QuerySet[Agreement]:
    """Orders the actor's partner organization placed (as partner of record). Listing them
    gives no access to their subscriptions: that takes a partner link."""
    if actor.organization is None:
        return Agreement.objects.none()
    removed = PartnerLink.objects.blocking().filter(
        agreement=OuterRef("pk"), partner_organization=actor.organization
    )
    return (
        Agreement.objects.filter(partner_of_record=actor.organization)
        .annotate(access_removed=Exists(removed))
        .select_related("customer_organization")
        .prefetch_related(Prefetch("lines", queryset=AgreementLine.objects.select_related("level")))
        .order_by("-created_at")
    )


def licensing_agreement_get(*, contact_email: str, public_id) -> Agreement:
    return get_object_or_404(
        licensing_agreement_list(contact_email=contact_email), public_id=public_id
    )


def subscriber_list(*, agreement: Agreement) -> QuerySet[Subscription]:
    """The agreement's assigned subscriptions with their level: one query for any page."""
    return Subscription.objects.assigned().filter(agreement=agreement).select_related("line__level")


def subscription_get(*, agreement: Agreement, guid) -> Subscription:
    return get_object_or_404(
        subscriber_list(agreement=agreement).select_related("agreement"), guid=guid
    )


def my_subscription_list(*, user) -> QuerySet[Subscription]:
    """The subscriptions assigned to the user's (verified) sign-in email, on any agreement."""
    if not user.is_authenticated or not user.is_verified:
        return Subscription.objects.none()
    return (
        Subscription.objects.assigned()
        # LOWER() on both sides, not `iexact` (UPPER()), so the sign-in email index serves it.
        .alias(sign_in_lower=Lower("sign_in_email"))
        .filter(sign_in_lower=Lower(Value(user.email)))
        .select_related("agreement", "line__level")
        .order_by("agreement__customer_name", "line__level__sort_order")
    )
