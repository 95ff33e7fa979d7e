import uuid
from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import Subscription
from agreements.pages import agreement_from_request
from agreements.subscribers.forms import SubscriberForm
from agreements.subscribers.grid import (
    PAGE_SIZES,
    GridState,
    page_links,
    subscriber_grid_queryset,
    subscriber_page,
)
from agreements.subscribers.selectors import subscription_get
from agreements.subscribers.services.assignments import (
    subscription_assign,
    subscription_update,
    subscriptions_remove,
    subscriptions_resend,
)
from portal.htmx import fragment_or_page, redirect_after_htmx
from portal.limits import email_resend_limit_enforce
from portal.tenancy.decorators import organization_required


def _to_grid(request, agreement):
    return redirect_after_htmx(
        request, reverse("agreements:subscribers", args=[agreement.public_id])
    )


def _subscriber_form(request, context: dict):
    """The Add and Edit subscriber form: a fly-out panel for htmx, a page of its own otherwise."""
    return fragment_or_page(
        request,
        fragment="agreements/_subscriber_panel.html",
        page="agreements/subscriber_form.html",
        context=context,
    )


@organization_required
def subscriber_add(request, public_id):
    """The "Add subscriber" fly-out panel (a page of its own without JavaScript)."""
    agreement, access = agreement_from_request(request, public_id, write=True)
    form = SubscriberForm(request.POST or None, agreement=agreement)
    form.seats_show()
    if request.method == "POST" and form.is_valid():
        try:
            subscription = subscription_assign(
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
    return _subscriber_form(request, context)


@organization_required
def subscriber_edit(request, public_id, guid):
    agreement, access = agreement_from_request(request, public_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=guid)
    form = SubscriberForm.for_subscription(request.POST or None, subscription=subscription)
    form.seats_show(held_level_code=subscription.line.level.code)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_update(
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
    return _subscriber_form(request, context)


@organization_required
def subscriber_remove(request, public_id, guid):
    agreement, access = agreement_from_request(request, public_id, write=True)
    subscription = subscription_get(agreement=agreement, guid=guid)
    if request.method == "POST":
        subscriptions_remove(actor=request.actor, agreement=agreement, subscriptions=[subscription])
        messages.success(
            request,
            _("The subscription of %(name)s was removed; the seat is free.")
            % {"name": subscription.full_name or subscription.sign_in_email},
        )
        return _to_grid(request, agreement)
    context = {"agreement": agreement, "access": access, "subscription": subscription}
    return render(request, "agreements/subscriber_remove.html", context)


# How many of the people about to lose their subscription the confirmation names.
CONFIRM_LIST_LIMIT = 20


ACTIONS = ("resend", "delete")


@organization_required
def subscribers(request, public_id):
    """The grid as a page, or only its results for htmx (search, sort, pages)."""
    agreement, access = agreement_from_request(request, public_id)
    state = GridState.from_params(request.GET)
    page = subscriber_page(agreement=agreement, state=state)
    context = {
        "agreement": agreement,
        "access": access,
        "state": state,
        "page": page,
        "headers": state.headers(),
        "page_links": page_links(state=state, page=page),
        "page_sizes": PAGE_SIZES,
    }
    return fragment_or_page(
        request,
        fragment="agreements/_subscribers_results.html",
        page="agreements/subscribers.html",
        context=context,
    )


@organization_required
def subscriber_actions(request, public_id):
    """Resend or delete the selected subscribers, or all those matching the filter. Delete
    first shows who would lose their subscription and asks to confirm."""
    agreement, access = agreement_from_request(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest()
    state = GridState.from_params(request.POST)
    all_matching = request.POST.get("all_matching") == "1"
    guids = _guids(request.POST.getlist("selected"))
    back = reverse("agreements:subscribers", args=[agreement.public_id]) + state.querystring()
    if not all_matching and not guids:
        messages.warning(request, _("Select at least one subscriber first."))
        return redirect(back)
    if all_matching:
        rows = subscriber_grid_queryset(agreement=agreement, state=state)
    else:
        # Rows picked one by one stay picked even if an edit meanwhile took them out of
        # the filter.
        rows = subscriber_grid_queryset(agreement=agreement, state=replace(state, q="")).filter(
            guid__in=guids
        )
    if action == "resend":
        _resend(request, agreement, rows)
        return redirect(back)
    if request.POST.get("confirm") != "1":
        context = {
            "agreement": agreement,
            "access": access,
            "state": state,
            "all_matching": all_matching,
            "guids": guids,
            "back": back,
        }
        return _delete_confirm(request, rows, context)
    count = subscriptions_remove(actor=request.actor, agreement=agreement, subscriptions=list(rows))
    messages.success(
        request,
        ngettext(
            "%(count)d subscription was removed; its seat is free.",
            "%(count)d subscriptions were removed; their seats are free.",
            count,
        )
        % {"count": count},
    )
    return redirect(back)


def _resend(request, agreement, rows: QuerySet[Subscription]) -> None:
    """Send the selected subscribers their email again, and say so (or why not)."""
    try:
        email_resend_limit_enforce(actor=request.actor)
        count = subscriptions_resend(
            actor=request.actor, agreement=agreement, subscriptions=list(rows)
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return
    messages.success(
        request,
        ngettext(
            "The subscription email was sent again to %(count)d subscriber.",
            "The subscription email was sent again to %(count)d subscribers.",
            count,
        )
        % {"count": count},
    )


def _delete_confirm(request, rows: QuerySet[Subscription], context: dict):
    """Who would lose their subscription: how many, and the first of them by name."""
    count = rows.count()
    if not count:
        messages.warning(request, _("None of the selected subscribers is left to delete."))
        return redirect(context["back"])
    context |= {
        "count": count,
        "shown": rows[:CONFIRM_LIST_LIMIT],
        "more": max(count - CONFIRM_LIST_LIMIT, 0),
    }
    return render(request, "agreements/subscribers_delete_confirm.html", context)


def _guids(values: list[str]) -> list[uuid.UUID]:
    """The well-formed subscription GUIDs among `values`; the rest cannot name a row."""
    guids = []
    for value in values:
        try:
            guids.append(uuid.UUID(value))
        except ValueError:
            continue
    return guids
