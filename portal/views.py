"""Pages that bring several apps together."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from agreements.selectors import agreement_list
from benefits.selectors import partner_membership_current


@login_required
def home(request):
    actor = request.actor
    if actor.organization is None:
        return redirect("agreements:not_recognised")
    organization = actor.organization
    context = {
        "agreements": agreement_list(actor=actor),
        "partner_membership": (
            partner_membership_current(actor=actor) if organization.is_partner else None
        ),
    }
    return render(request, "home.html", context)
