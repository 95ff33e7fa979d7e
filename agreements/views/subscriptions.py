"""Adding, editing and removing one subscriber; preferences; administrators."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.tenancy.decorators import organization_required

from .. import selectors
from ..forms import AgreementPreferencesForm, SubscriberForm
from ..models import AdminRole
from ..services import open_license as agreement_services
from ..services import subscriptions as services
from .common import agreement_page


def _to_grid(request, agreement):
    url = reverse("agreements:subscribers", args=[agreement.public_id])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _panel_or_page(request, panel: str, page: str, context: dict):
    return render(request, panel if request.htmx else page, context)


@organization_required
def subscriber_add(request, public_id):
    """The "Add subscriber" fly-out panel (a page of its own without JavaScript)."""
    agreement, access = agreement_page(request, public_id, write=True)
    form = SubscriberForm(request.POST or None, agreement=agreement)
    form.seats_show()
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_assign(
                actor=request.actor,
                agreement=agreement,
                level=form.cleaned_data["level"],
                details=form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s now has the %(level)s subscription and is told by email.")
                % {"name": subscription.full_name, "level": subscription.line.level.name},
            )
            return _to_grid(request, agreement)
    context = {"agreement": agreement, "access": access, "form": form, "adding": True}
    return _panel_or_page(
        request, "agreements/_subscriber_panel.html", "agreements/subscriber_form.html", context
    )


@organization_required
def subscriber_edit(request, public_id, guid):
    agreement, access = agreement_page(request, public_id, write=True)
    subscription = selectors.subscription_get(agreement=agreement, guid=guid)
    form = SubscriberForm.for_subscription(request.POST or None, subscription=subscription)
    form.seats_show(held_level_code=subscription.line.level.code)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                actor=request.actor,
                subscription=subscription,
                level=form.cleaned_data["level"],
                details=form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Subscription saved."))
            return _to_grid(request, agreement)
    context = {"agreement": agreement, "access": access, "form": form, "subscription": subscription}
    return _panel_or_page(
        request, "agreements/_subscriber_panel.html", "agreements/subscriber_form.html", context
    )


@organization_required
def subscriber_remove(request, public_id, guid):
    agreement, access = agreement_page(request, public_id, write=True)
    subscription = selectors.subscription_get(agreement=agreement, guid=guid)
    if request.method == "POST":
        services.subscriptions_remove(
            actor=request.actor, agreement=agreement, subscriptions=[subscription]
        )
        messages.success(
            request,
            _("The subscription of %(name)s was removed; the seat is free.")
            % {"name": subscription.full_name or subscription.sign_in_email},
        )
        return _to_grid(request, agreement)
    context = {"agreement": agreement, "access": access, "subscription": subscription}
    return render(request, "agreements/subscriber_remove.html", context)


@organization_required
def preferences(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=(AdminRole.SUPER_ADMIN,))
    form = AgreementPreferencesForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        agreement_services.agreement_preferences_save(actor=request.actor, form=form)
        messages.success(request, _("Preferences saved."))
        return redirect("agreements:preferences", public_id=agreement.public_id)
    context = {"agreement": agreement, "access": access, "form": form}
    return render(request, "agreements/preferences.html", context)


@organization_required
@require_POST
def administrator_remove(request, public_id, admin_id):
    agreement, _access = agreement_page(request, public_id, allowed=(AdminRole.SUPER_ADMIN,))
    admin = get_object_or_404(selectors.agreement_admin_list(agreement=agreement), pk=admin_id)
    try:
        agreement_services.agreement_admin_remove(actor=request.actor, admin=admin)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(email)s no longer administers this agreement.") % {"email": admin.user.email},
        )
    return redirect("agreements:administrators", public_id=agreement.public_id)


urlpatterns = [
    path("agreements/<uuid:public_id>/subscribers/add/", subscriber_add, name="subscriber_add"),
    path(
        "agreements/<uuid:public_id>/subscribers/<uuid:guid>/",
        subscriber_edit,
        name="subscriber_edit",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/<uuid:guid>/remove/",
        subscriber_remove,
        name="subscriber_remove",
    ),
    path("agreements/<uuid:public_id>/preferences/", preferences, name="preferences"),
    path(
        "agreements/<uuid:public_id>/administrators/<int:admin_id>/remove/",
        administrator_remove,
        name="administrator_remove",
    ),
]
