"""Pages only the benchmarks serve (see bench/urls.py).

- `bare_page`: a page of the grid's size straight from memory, through the same middleware
  but no template, query or session: the ceiling of Django and gunicorn on this machine.
- `bench_admin`: Django's own admin changelist of the subscriptions, set up as a developer
  would for a support team (same columns, same search, same page size): what someone might
  use instead of the grid; and the changelist of the agreements (every one of them, as
  staff see them), the command center's reference.
"""

import os
from pathlib import Path

from django.contrib import admin
from django.http import HttpResponse

from agreements.models import Agreement, Subscription
from agreements.subscribers.grid import DEFAULT_PAGE_SIZE, SEARCH_FIELDS

# The harness saves the grid's first page here before it starts gunicorn.
BARE_PAGE_FILE = os.environ.get("BENCH_BARE_PAGE", "")
BARE_PAGE_FALLBACK_BYTES = 60_000


def _bare_content() -> bytes:
    if BARE_PAGE_FILE and Path(BARE_PAGE_FILE).is_file():
        return Path(BARE_PAGE_FILE).read_bytes()
    return b"<!doctype html><title>bare</title>" + b"x" * BARE_PAGE_FALLBACK_BYTES


BARE_CONTENT = _bare_content()


def bare_page(request):
    return HttpResponse(BARE_CONTENT, content_type="text/html; charset=utf-8")


class SubscriptionChangelist(admin.ModelAdmin):
    list_display = [
        "first_name",
        "last_name",
        "sign_in_email",
        "notification_email",
        "level",
        "assigned_at",
        "reference",
        "downloads_enabled",
        "country",
        "language",
    ]
    list_select_related = ["line__level"]
    search_fields = list(SEARCH_FIELDS)
    list_per_page = DEFAULT_PAGE_SIZE
    ordering = ["last_name", "first_name", "pk"]

    @admin.display(ordering="line__level__sort_order")
    def level(self, subscription: Subscription) -> str:
        return subscription.line.level.name


bench_admin = admin.AdminSite(name="bench_admin")
bench_admin.register(Subscription, SubscriptionChangelist)


class AgreementChangelist(admin.ModelAdmin):
    list_display = [
        "customer_name",
        "authorization_number",
        "license_number",
        "status",
        "ends_on",
        "partner_of_record",
    ]
    list_select_related = ["partner_of_record"]
    search_fields = ["customer_name", "authorization_number", "license_number"]
    list_per_page = 50
    ordering = ["customer_name", "authorization_number"]
    # Django's own: the portal's adds a link to the main admin's order import.
    change_list_template = "admin/change_list.html"


bench_admin.register(Agreement, AgreementChangelist)
