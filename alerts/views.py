"""The notification center: the bell's panel, the list of alerts, dismissing them, and the
alert settings (a person's emails; the organization's rules, for its owners and admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.htmx import fragment_or_page, redirect_after_htmx, wants_fragment
from portal.tenancy.decorators import organization_manager_required, organization_required

from . import selectors, services
from .forms import AlertPreferenceForm, AlertRulesForm

PAGE_SIZE = 50


@organization_required
def alert_list(request):
    page = Paginator(selectors.alert_list(actor=request.actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return fragment_or_page(
        request,
        fragment="alerts/_list.html",
        page="alerts/list.html",
        context={"page": page, "alerts": page.object_list},
    )


@organization_required
def bell(request):
    """The bell's panel, loaded when it opens; without JavaScript the bell leads to the list."""
    if wants_fragment(request):
        alerts = selectors.bell_alerts(actor=request.actor)
        response = render(request, "alerts/_bell_panel.html", {"alerts": alerts})
    else:
        response = redirect("alerts:list")
    patch_vary_headers(response, ("HX-Request",))
    return response


def _count_update(request) -> str:
    """The bell's number again, for htmx to swap in out of band."""
    return render_to_string(
        "alerts/_count.html",
        {"alert_count": selectors.alert_count(actor=request.actor), "oob": True},
        request=request,
    )


@require_POST
@organization_required
def dismiss(request, public_id):
    alert = selectors.alert_get(actor=request.actor, public_id=public_id)
    try:
        services.alert_dismiss(actor=request.actor, alert=alert)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_after_htmx(request, reverse("alerts:list"))
    if wants_fragment(request):
        # The dismissed row goes (swapped with nothing) and the bell counts one fewer.
        return HttpResponse(_count_update(request))
    messages.success(request, _("Alert dismissed."))
    return redirect("alerts:list")


@require_POST
@organization_required
def dismiss_all(request):
    count = services.alerts_dismiss_all(actor=request.actor)
    messages.success(
        request,
        ngettext("%(count)s alert dismissed.", "%(count)s alerts dismissed.", count)
        % {"count": count},
    )
    return redirect_after_htmx(request, reverse("alerts:list"))


@organization_required
def preferences(request):
    saved = selectors.alert_preference(user=request.actor.signed_in_user)
    form = AlertPreferenceForm(
        request.POST or None,
        initial={"digest": saved.digest, "email_kinds": saved.email_kinds},
    )
    if request.method == "POST" and form.is_valid():
        services.alert_preference_save(actor=request.actor, **form.cleaned_data)
        messages.success(request, _("Your alert emails are saved."))
        return redirect("alerts:preferences")
    return render(request, "alerts/preferences.html", {"form": form})


@organization_manager_required
def rules(request):
    current = selectors.alert_rules(organization=request.actor.acting_organization)
    form = AlertRulesForm(request.POST or None, rules=current)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.alert_rules_save(actor=request.actor, choices=form.choices())
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(
                request,
                _("Alert settings saved.") if changed else _("Nothing changed."),
            )
            return redirect("alerts:rules")
    return render(request, "alerts/rules.html", {"form": form})
