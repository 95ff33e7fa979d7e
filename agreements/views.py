"""The agreement's own pages: the agreements menu, the overview and the history."""

import uuid

from django.shortcuts import render

from agreements.onboarding.selectors import agreement_admin_list
from agreements.pages import CUSTOMER_SIDE, agreement_from_request
from agreements.partner_links.selectors import partner_link_list_active
from agreements.selectors import agreement_history, agreement_menu
from portal.audit.views import history_context, history_csv
from portal.tenancy.decorators import organization_required


@organization_required
def agreements_menu(request):
    """The header dropdown's agreements, fetched when the menu is first opened (htmx)."""
    try:
        current = uuid.UUID(request.GET.get("current", ""))
    except ValueError:
        current = None
    context = {"agreements_menu": agreement_menu(actor=request.actor), "current": current}
    return render(request, "agreements/_agreements_menu_items.html", context)


@organization_required
def overview(request, public_id):
    agreement, access = agreement_from_request(request, public_id)
    context = {
        "agreement": agreement,
        "access": access,
        "partner_links": partner_link_list_active(agreement=agreement),
        "admins": agreement_admin_list(agreement=agreement),
    }
    return render(request, "agreements/overview.html", context)


@organization_required
def history(request, public_id):
    agreement, access = agreement_from_request(request, public_id, allowed=CUSTOMER_SIDE)
    entries = agreement_history(agreement=agreement)
    context = {"agreement": agreement, "access": access, **history_context(request, entries)}
    return render(request, "agreements/history.html", context)


@organization_required
def history_export(request, public_id):
    agreement, _access = agreement_from_request(request, public_id, allowed=CUSTOMER_SIDE)
    entries = agreement_history(agreement=agreement)
    return history_csv(request, entries, f"history-{agreement.authorization_number}.csv")
