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
