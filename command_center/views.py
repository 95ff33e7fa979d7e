"""The command center: the table of every agreement the organization manages, its exports,
tags, and the search for a person across customers."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.selectors import agreement_get_with_access
from agreements.subscribers.services.seats import REASSIGN_AFTER
from agreements.usage.selectors import maximum_usage
from portal.htmx import fragment_or_page
from portal.spreadsheets import csv_response, xlsx_response
from portal.tenancy.decorators import organization_required

from . import selectors, services
from .charts import BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, level_chart
from .forms import AgreementTagsForm, CommandCenterFilterForm, ReclaimFilterForm
from .selectors import Filters

PAGE_SIZE = 50


@dataclass(frozen=True)
class SortLink:
    url: str
    aria_sort: str  # "ascending", "descending", or "" for a column the table is not sorted by


def _sort_links(request, filters: Filters) -> dict[str, SortLink]:
    """Per sortable column, the link that sorts by it (the other way round if it already
    does), keeping the filters and going back to the first page."""
    links = {}
    for key in selectors.SORTS:
        query = request.GET.copy()
        query.pop("page", None)
        current = filters.sort == key
        query["sort"] = f"-{key}" if current and not filters.descending else key
        aria = ("descending" if filters.descending else "ascending") if current else ""
        links[key] = SortLink(
            url=f"{reverse('command_center:index')}?{query.urlencode()}", aria_sort=aria
        )
    return links


@organization_required
def command_center(request):
    today = timezone.localdate()
    form = CommandCenterFilterForm(request.GET, actor=request.actor)
    filters = form.filters()
    page = selectors.command_center_page(
        actor=request.actor,
        filters=filters,
        today=today,
        number=request.GET.get("page"),
        size=PAGE_SIZE,
    )
    sort_param = ("-" if filters.descending else "") + filters.sort
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "export_query": export_query.urlencode(),
        "sort_param": sort_param,
        "sort_links": _sort_links(request, filters),
    }
    return fragment_or_page(
        request,
        fragment="command_center/_table.html",
        page="command_center/index.html",
        context=context,
    )


def _export_rows(request):
    today = timezone.localdate()
    filters = CommandCenterFilterForm(request.GET, actor=request.actor).filters()
    header = [
        _("Customer"),
        _("Authorization number"),
        _("License number"),
        _("Status"),
        _("End date"),
        _("Days left"),
        _("Level"),
        _("Seats purchased"),
        _("Assigned"),
        _("Free"),
        _("Peak in the past year"),
        _("Last change"),
        _("Never activated"),
        _("Last seen"),
        _("Scope"),
        _("Tags"),
    ]
    yield header
    rows = selectors.command_center_rows(actor=request.actor, filters=filters, today=today)
    for row in rows:
        tags = ", ".join(row.tags)
        last_change, last_seen = (
            timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""
            for moment in (row.last_change, row.last_seen)
        )
        for line in row.lines:
            yield [
                row.customer_name,
                row.authorization_number,
                row.license_number,
                row.status_label,
                row.ends_on.isoformat(),
                row.days_left,
                line.level_name,
                line.seats_purchased,
                line.seats_assigned,
                line.seats_available,
                line.year_peak,
                last_change,
                row.never_activated,
                last_seen,
                row.scope_label,
                tags,
            ]


@organization_required
def command_center_export(request, extension):
    """Every row the filters keep (not only the page), one line per level."""
    file_name = f"command-center-{timezone.localdate().isoformat()}.{extension}"
    if extension == "xlsx":
        return xlsx_response(file_name, _export_rows(request), sheet_title=_("Agreements"))
    return csv_response(file_name, _export_rows(request))


@organization_required
def agreement_tags(request, public_id):
    """The organization's tags on one agreement: tick them, or add a new one."""
    agreement, _access = agreement_get_with_access(actor=request.actor, public_id=public_id)
    current = [
        tag.tag for tag in selectors.agreement_tag_list(actor=request.actor, agreement=agreement)
    ]
    form = AgreementTagsForm(
        request.POST if request.method == "POST" else None,
        actor=request.actor,
        initial={"tags": [tag.public_id for tag in current]},
    )
    if request.method == "POST" and form.is_valid():
        tags = list(form.cleaned_data["tags"])
        if form.cleaned_data["new_tag"].strip():
            tags.append(services.tag_create(actor=request.actor, name=form.cleaned_data["new_tag"]))
        services.agreement_tags_set(actor=request.actor, agreement=agreement, tags=tags)
        return redirect("command_center:index")
    return render(
        request, "command_center/agreement_tags.html", {"agreement": agreement, "form": form}
    )


@organization_required
def person_search(request):
    """One search over the subscribers of every agreement the organization sees."""
    query = request.GET.get("q", "").strip()[:100]
    found = list(
        selectors.person_search(actor=request.actor, query=query)[
            : selectors.PERSON_SEARCH_LIMIT + 1
        ]
    )
    context = {
        "query": query,
        "people": found[: selectors.PERSON_SEARCH_LIMIT],
        "has_more": len(found) > selectors.PERSON_SEARCH_LIMIT,
        "limit": selectors.PERSON_SEARCH_LIMIT,
    }
    return fragment_or_page(
        request,
        fragment="command_center/_people.html",
        page="command_center/people.html",
        context=context,
    )


def _reclaim_guids(values: list[str]) -> list[uuid.UUID]:
    guids = []
    for value in values[:RECLAIM_PAGE_SIZE]:
        try:
            guids.append(uuid.UUID(value))
        except ValueError:
            continue
    return guids


RECLAIM_PAGE_SIZE = 50


@organization_required
def reclaim(request):
    """Seats never activated after N days or not seen for N days, each with the day it may
    go to someone else; Warn emails their subscribers, Remove frees them (confirmed first)."""
    now = timezone.now()
    if request.method == "POST":
        return _reclaim_act(request, now)
    form = ReclaimFilterForm(request.GET)
    filters = form.filters()
    rows = selectors.reclaim_candidates(actor=request.actor, filters=filters, now=now)
    page = Paginator(rows, RECLAIM_PAGE_SIZE).get_page(request.GET.get("page"))
    for subscription in page:
        subscription.reassignable_on = timezone.localdate(
            subscription.last_assigned_at + REASSIGN_AFTER
        )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "remove_on": services.reclaim_remove_on(timezone.localdate()),
    }
    return fragment_or_page(
        request,
        fragment="command_center/_reclaim_rows.html",
        page="command_center/reclaim.html",
        context=context,
    )


def _reclaim_act(request, now):
    action = request.POST.get("action")
    if action not in ("warn", "remove", "confirm_remove"):
        return HttpResponseBadRequest()
    back = reverse("command_center:reclaim")
    query = request.POST.get("query", "")
    if query.startswith("never=") or query.startswith("unseen="):
        back = f"{back}?{query}"
    subscriptions = selectors.reclaim_selected(
        actor=request.actor, guids=_reclaim_guids(request.POST.getlist("selected"))
    )
    if not subscriptions:
        messages.warning(request, _("Select at least one subscription first."))
        return redirect(back)
    if action == "warn":
        remove_on = services.reclaim_remove_on(timezone.localdate())
        warned = services.reclaim_warn(
            actor=request.actor, subscriptions=subscriptions, remove_on=remove_on
        )
        messages.success(
            request,
            ngettext(
                "%(count)s subscriber was warned.", "%(count)s subscribers were warned.", warned
            )
            % {"count": warned},
        )
        return redirect(back)
    if action == "remove":
        context = {"subscriptions": subscriptions, "query": query}
        return render(request, "command_center/reclaim_confirm.html", context)
    removed = services.reclaim_remove(actor=request.actor, subscriptions=subscriptions)
    messages.success(
        request,
        ngettext(
            "%(count)s subscription was removed: its seat is free.",
            "%(count)s subscriptions were removed: their seats are free.",
            removed,
        )
        % {"count": removed},
    )
    return redirect(back)


def _charts_context(levels) -> dict:
    """The pictures of use of `levels` (LevelUsage, of one agreement or summed over many)
    and the dimensions their template draws them with."""
    return {
        "charts": [level_chart(level) for level in levels],
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
    }


@organization_required
def usage_chart(request, public_id):
    """Seats assigned month by month per level, with the purchased line, the peak marked
    and a true-up hint; the same numbers as a table."""
    agreement, _access = agreement_get_with_access(actor=request.actor, public_id=public_id)
    context = {
        "agreement": agreement,
        **_charts_context(maximum_usage(agreement, timezone.localdate())),
    }
    return render(request, "command_center/usage_chart.html", context)


@organization_required
def usage_across_customers(request):
    """The same pictures for every agreement the organization manages added together: per
    level, the seats assigned each day summed over the agreements."""
    count, levels = selectors.usage_across_customers(
        actor=request.actor, today=timezone.localdate()
    )
    context = {"agreement_count": count, **_charts_context(levels)}
    return render(request, "command_center/usage_across.html", context)
