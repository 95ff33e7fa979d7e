from django.urls import reverse

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .models import Invitation
from .tokens import invitation_token_make


@email_kind("invitation")
def invitation_context(context: dict) -> dict:
    invitation = Invitation.objects.get(pk=context["invitation_id"])
    token = invitation_token_make(invitation)
    return {"accept_url": absolute_url(reverse("tenancy:invitation_accept", args=[token]))}
