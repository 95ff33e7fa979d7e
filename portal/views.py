"""Pages that bring several apps together."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from agreements.partner_links.selectors import partner_link_requests
from agreements.partner_links.views import take_charge_offers
from agreements.selectors import agreement_search
from agreements.subscribers.selectors import my_subscription_list
from agreements.subscribers.services.activity import subscriptions_seen
from benefits.selectors import my_benefit_subscription_list, partner_membership_current

# Agreements per page of the home page: a partner may manage hundreds.
HOME_PAGE_SIZE = 25


@login_required
def home(request):
    actor = request.actor
    if actor.organization is None:
        return redirect("agreements:not_recognised")
    organization = actor.organization
    query = request.GET.get("q", "").strip()[:100]
    agreements = Paginator(agreement_search(actor=actor, query=query), HOME_PAGE_SIZE)
    context = {
        "agreements": agreements.get_page(request.GET.get("page")),
        "query": query,
        "partner_link_requests": partner_link_requests(actor=actor),
        "take_charge_offers": take_charge_offers(request.user),
        "partner_membership": (
            partner_membership_current(actor=actor) if organization.is_partner else None
        ),
    }
    return render(request, "home.html", context)


def csrf_failure(request, reason=""):
    """A refused forged (or stale) post, in the portal's layout and the reader's language;
    `reason` is for logs, never for the page."""
    return render(request, "403_csrf.html", status=403)


@login_required
def my_subscriptions(request):
    """Every subscription assigned to the person: from customers' Open Licenses and from
    partner organizations' membership benefits, which is why the page lives here."""
    subscriptions = list(my_subscription_list(user=request.user))
    subscriptions_seen(user=request.user, subscriptions=subscriptions)
    context = {
        "subscriptions": subscriptions,
        "benefit_subscriptions": my_benefit_subscription_list(user=request.user),
    }
    return render(request, "my_subscriptions.html", context)
