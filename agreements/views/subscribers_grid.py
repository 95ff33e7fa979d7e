"""The Subscribers grid: filter, sort, pages, and actions on the selected rows."""

import uuid
from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.limits import email_resend_limit_enforce
from portal.tenancy.decorators import organization_required

from .. import grid
from ..models import Subscription
from ..services import subscriptions as services
from .common import agreement_page

# How many of the people about to lose their subscription the confirmation names.
CONFIRM_LIST_LIMIT = 20
ACTIONS = ("resend", "delete")


@organization_required
def subscribers(request, public_id):
    """The grid as a page, or only its results for htmx (search, sort, pages)."""
    agreement, access = agreement_page(request, public_id)
    state = grid.GridState.from_params(request.GET)
    page = grid.subscriber_page(agreement=agreement, state=state)
    context = {
        "agreement": agreement,
        "access": access,
        "state": state,
        "page": page,
        "headers": state.headers(),
        "page_links": grid.page_links(state=state, page=page),
        "page_sizes": grid.PAGE_SIZES,
    }
    # A history restore after a cache miss needs the whole page back.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "agreements/_subscribers_results.html" if partial else "agreements/subscribers.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@organization_required
def subscriber_actions(request, public_id):
    """Resend or delete the selected subscribers, or all those matching the filter. Delete
    first shows who would lose their subscription and asks to confirm."""
    agreement, access = agreement_page(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest()
    state = grid.GridState.from_params(request.POST)
    all_matching = request.POST.get("all_matching") == "1"
    guids = _guids(request.POST.getlist("selected"))
    back = reverse("agreements:subscribers", args=[agreement.public_id]) + state.querystring()
    if not all_matching and not guids:
        messages.warning(request, _("Select at least one subscriber first."))
        return redirect(back)
    if all_matching:
        rows = grid.subscriber_rows(agreement=agreement, state=state)
    else:
        # Rows picked one by one stay picked even if an edit meanwhile took them out of
        # the filter.
        rows = grid.subscriber_rows(agreement=agreement, state=replace(state, q="")).filter(
            guid__in=guids
        )
    if action == "resend":
        try:
            email_resend_limit_enforce(actor=request.actor)
            count = services.subscriptions_resend(
                actor=request.actor, agreement=agreement, subscriptions=list(rows)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(back)
        messages.success(
            request,
            ngettext(
                "The subscription email was sent again to %(count)d subscriber.",
                "The subscription email was sent again to %(count)d subscribers.",
                count,
            )
            % {"count": count},
        )
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
    count = services.subscriptions_remove(
        actor=request.actor, agreement=agreement, subscriptions=list(rows)
    )
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


urlpatterns = [
    path("agreements/<uuid:public_id>/subscribers/", subscribers, name="subscribers"),
    path(
        "agreements/<uuid:public_id>/subscribers/actions/",
        subscriber_actions,
        name="subscriber_actions",
    ),
]
