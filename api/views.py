from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.tenancy.decorators import organization_manager_required

from . import selectors, services
from .forms import ApiTokenForm


@organization_manager_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                actor=request.actor,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at,
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            # The secret is shown on this answer only: it is stored hashed.
            form = ApiTokenForm()
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
    context = {"tokens": selectors.api_token_list(actor=request.actor), "form": form}
    response = render(request, "api/tokens.html", {**context, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@organization_manager_required
@require_POST
def token_revoke(request, public_id):
    token = selectors.api_token_get(actor=request.actor, public_id=public_id)
    services.api_token_revoke(actor=request.actor, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens:tokens")
