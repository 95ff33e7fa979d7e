from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .context import Actor
from .models import Invitation, Membership, Organization


def organization_get(*, actor: Actor, public_id) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(actor), public_id=public_id)


def membership_list(*, actor: Actor) -> QuerySet[Membership]:
    return Membership.objects.visible_to(actor).select_related("user").order_by("user__email")


def membership_get(*, actor: Actor, public_id) -> Membership:
    return get_object_or_404(
        Membership.objects.visible_to(actor).select_related("user", "organization"),
        public_id=public_id,
    )


def invitation_list_pending(*, actor: Actor) -> QuerySet[Invitation]:
    return Invitation.objects.visible_to(actor).pending().select_related("invited_by")


def invitation_get_pending(*, actor: Actor, public_id) -> Invitation:
    return get_object_or_404(
        invitation_list_pending(actor=actor).select_related("organization"), public_id=public_id
    )


def invitation_list_addressed_to(*, user) -> list[Invitation]:
    """Pending, unexpired invitations to the user's verified address: what the welcome page
    offers someone who signed up directly instead of through the email's link."""
    if not user.is_authenticated or not user.is_verified:
        return []
    invitations = Invitation.objects.pending().filter(  # scoping: addressed to their own email
        email__iexact=user.email
    )
    return [i for i in invitations.select_related("organization") if not i.is_expired]
