from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.tenancy.decorators import organization_manager_required

from . import selectors, services
from .forms import WebhookEndpointForm


def _secret_page(request, endpoint, secret: str):
    """The endpoint's page with its signing secret, shown on this answer only."""
    response = _endpoint_page(request, endpoint, secret=secret)
    response["Cache-Control"] = "no-store"
    return response


def _endpoint_page(request, endpoint, *, secret: str = ""):
    return render(
        request,
        "webhooks/endpoint.html",
        {
            "endpoint": endpoint,
            "deliveries": selectors.webhook_delivery_log(endpoint=endpoint),
            "secret": secret,
        },
    )


def _form_errors(form: WebhookEndpointForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@organization_manager_required
def endpoints(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(
                actor=request.actor,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Endpoint added. Copy its signing secret now."))
            return _secret_page(request, endpoint, endpoint.secret)
    return render(
        request,
        "webhooks/endpoints.html",
        {"endpoints": selectors.webhook_endpoint_list(actor=request.actor), "form": form},
    )


@organization_manager_required
def endpoint(request, public_id):
    found = selectors.webhook_endpoint_get(actor=request.actor, public_id=public_id)
    return _endpoint_page(request, found)


@organization_manager_required
def endpoint_edit(request, public_id):
    found = selectors.webhook_endpoint_get(actor=request.actor, public_id=public_id)
    initial = {
        "url": found.url,
        "description": found.description,
        "events": found.events,
        "is_active": found.is_active,
    }
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                actor=request.actor, endpoint=found, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:endpoint", public_id=found.public_id)
    return render(request, "webhooks/endpoint_edit.html", {"endpoint": found, "form": form})


@organization_manager_required
def endpoint_delete(request, public_id):
    found = selectors.webhook_endpoint_get(actor=request.actor, public_id=public_id)
    if request.method == "POST":
        services.webhook_endpoint_delete(actor=request.actor, endpoint=found)
        messages.success(request, _("Endpoint %(url)s removed.") % {"url": found.url})
        return redirect("webhooks:endpoints")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": found})


@organization_manager_required
@require_POST
def endpoint_secret_roll(request, public_id):
    found = selectors.webhook_endpoint_get(actor=request.actor, public_id=public_id)
    secret = services.webhook_secret_roll(actor=request.actor, endpoint=found)
    messages.success(request, _("New signing secret made. Deliveries from now on use it."))
    return _secret_page(request, found, secret)


@organization_manager_required
@require_POST
def endpoint_ping(request, public_id):
    found = selectors.webhook_endpoint_get(actor=request.actor, public_id=public_id)
    services.webhook_ping(actor=request.actor, endpoint=found)
    messages.success(request, _("Test event sent. Its answer shows in the log below."))
    return redirect("webhooks:endpoint", public_id=found.public_id)


@organization_manager_required
def delivery(request, public_id):
    found = selectors.webhook_delivery_get(actor=request.actor, public_id=public_id)
    return render(
        request,
        "webhooks/delivery.html",
        {"delivery": found, "attempts": selectors.webhook_attempt_list(delivery=found)},
    )


@organization_manager_required
@require_POST
def delivery_redeliver(request, public_id):
    found = selectors.webhook_delivery_get(actor=request.actor, public_id=public_id)
    try:
        services.webhook_redeliver(actor=request.actor, delivery=found)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Event queued to be sent again, with the same id."))
    return redirect("webhooks:delivery", public_id=found.public_id)
