"""Partner access: the three ways a partner links a customer's Open License, and the
Partners page where the customer approves, scopes, times, removes and allows again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agreements.access import AgreementAccess
from agreements.models import PartnerLink
from agreements.onboarding.forms import OnboardingForm
from agreements.onboarding.selectors import (
    agreement_invitation_list_addressed_to,
    agreement_to_take_charge_of_or_none,
    agreements_to_take_charge_of,
)
from agreements.onboarding.services import agreement_take_charge, customer_organizations_to_join
from agreements.onboarding.tokens import (
    agreement_invitation_tokens,
    take_charge_read,
    take_charge_token_make,
)
from agreements.pages import CUSTOMER_ADMIN, CUSTOMER_SIDE, agreement_from_request
from agreements.partner_links.forms import (
    OlpPartnerRegistrationForm,
    OpenLicenseClaimForm,
    PartnerAccessForm,
    PartnerAllowAgainForm,
)
from agreements.partner_links.selectors import (
    licensing_agreement_get_or_none,
    partner_invitation_link_or_none,
    partner_link_get,
    partner_link_list,
)
from agreements.partner_links.services import claims
from agreements.partner_links.services.claims import (
    licensing_wrong_email_message,
    partner_invitation_accept,
    partner_link_claim,
    partner_link_from_licensing_center,
    partner_link_refusal,
)
from agreements.partner_links.services.decisions import (
    partner_link_access_set,
    partner_link_allow_again,
    partner_link_approve,
    partner_link_decline,
    partner_link_remove,
)
from agreements.partner_links.tokens import licensing_link_read, partner_invitation_read
from agreements.subscribers.selectors import my_subscription_list
from portal.htmx import fragment_or_page, redirect_after_htmx
from portal.tenancy.decorators import organization_required, partner_required
from portal.tenancy.selectors import invitation_list_addressed_to
from portal.tenancy.services import organization_switch
from portal.tenancy.tokens import invitation_token_make

SUPER_ADMIN = (AgreementAccess.SUPER_ADMIN,)


def _after_link_redirect(request, link: PartnerLink):
    """Say what the link gave, and go where the partner can use it: the subscribers it came
    to manage, or home while the customer has not approved the link."""
    numbers = {
        "partner": link.partner_organization.name,
        "number": link.agreement.authorization_number,
        "customer": link.agreement.customer_name,
    }
    if link.is_pending:
        messages.info(
            request,
            _(
                "Your request to manage Open License %(number)s for %(customer)s is waiting for "
                "the customer's approval. You will be emailed when they answer."
            )
            % numbers,
        )
        url = reverse("home")
    else:
        messages.success(
            request,
            _("%(partner)s now manages Open License %(number)s for %(customer)s.") % numbers,
        )
        url = reverse("agreements:subscribers", args=[link.agreement.public_id])
    return redirect_after_htmx(request, url)


@partner_required
def new_open_license(request):
    """Flow 1: "+ New Open License" in the agreements dropdown opens this as a fly-out panel
    (htmx); without JavaScript it is a page of its own."""
    form = OpenLicenseClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = partner_link_claim(actor=request.actor, claim=form.claim())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after_link_redirect(request, link)
    return fragment_or_page(
        request,
        fragment="agreements/_new_open_license_panel.html",
        page="agreements/new_open_license.html",
        context={"form": form},
    )


@login_required
def not_recognised(request):
    """A signed-in person with no organization: they may take charge of an agreement sent to
    their verified address, or register as an OLP partner (flow 3)."""
    if request.actor.memberships:
        return redirect("home")
    user = request.user
    context = {
        "take_charge_offers": take_charge_offers(user),
        "subscriptions": my_subscription_list(user=user)[:10],
        "invitations": _invitations_waiting(user),
    }
    return render(request, "agreements/not_recognised.html", context)


def _invitations_waiting(user) -> list[tuple[str, str]]:
    """(what it invites to, its link) for each invitation sent to the user's verified
    address: someone who signed up directly still finds them."""
    to_organizations = [
        (invitation.organization.name, invitation_token_make(invitation), "tenancy")
        for invitation in invitation_list_addressed_to(user=user)
    ]
    to_agreements = [
        (
            _("Open License %(number)s") % {"number": invitation.agreement.authorization_number},
            agreement_invitation_tokens.make(invitation),
            "agreements",
        )
        for invitation in agreement_invitation_list_addressed_to(user=user)
    ]
    return [
        (label, reverse(f"{app}:invitation_accept", args=[token]))
        for label, token, app in to_organizations + to_agreements
    ]


def take_charge_offers(user) -> list[tuple]:
    """(agreement, take-charge token) for each agreement nobody administers whose customer
    email is the user's verified address: the welcome and home pages offer them."""
    return [
        (
            agreement,
            take_charge_token_make(agreement_public_id=agreement.public_id, email=user.email),
        )
        for agreement in agreements_to_take_charge_of(user=user)
    ]


@login_required
def olp_partner_register(request):
    if request.actor.memberships:
        return redirect("home")
    form = OlpPartnerRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = claims.olp_partner_register(
                actor=request.actor,
                organization_name=form.cleaned_data["organization_name"],
                country=form.cleaned_data["country"],
                claim=form.claim(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            organization_switch(request=request, organization=link.partner_organization)
            return _after_link_redirect(request, link)
    return render(request, "agreements/olp_partner_register.html", {"form": form})


def licensing_link(request, token):
    """Flow 2 lands here from "Visual Studio subscriptions: click here" in the licensing
    service center; the partner signs in (or signs up) to the portal with the same email."""
    proof = licensing_link_read(token)
    agreement = None
    if proof is not None:
        agreement_public_id, contact_email = proof
        agreement = licensing_agreement_get_or_none(
            contact_email=contact_email, public_id=agreement_public_id
        )
    if agreement is None:
        return render(request, "agreements/licensing_link_invalid.html", status=400)
    context = {"agreement": agreement, "contact_email": contact_email, "token": token}
    if agreement.access_removed:
        context["error"] = partner_link_refusal(
            agreement=agreement, partner=agreement.partner_of_record
        )
        return render(request, "agreements/licensing_link.html", context, status=403)
    if not request.user.is_authenticated:
        return render(request, "agreements/licensing_link.html", context)
    error = None
    if not request.user.owns_email(contact_email):
        error = licensing_wrong_email_message(
            contact_email=contact_email, current=request.user.email
        )
    elif request.method == "POST":
        try:
            link = partner_link_from_licensing_center(
                actor=request.actor, agreement=agreement, contact_email=contact_email
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            organization_switch(request=request, organization=link.partner_organization)
            return _after_link_redirect(request, link)
    context["error"] = error
    return render(request, "agreements/licensing_link.html", context, status=403 if error else 200)


@partner_required
def partner_invitation(request, token):
    """A customer's invitation to a partner it allowed again: one click links, no approval."""
    invitation = partner_invitation_read(token)
    link = None
    if invitation is not None:
        link_public_id, allowed_again_at = invitation
        link = partner_invitation_link_or_none(
            actor=request.actor, public_id=link_public_id, allowed_again_at=allowed_again_at
        )
    if link is None:
        return render(request, "agreements/partner_invitation_invalid.html", status=400)
    error = None
    if request.method == "POST":
        try:
            new_link = partner_invitation_accept(actor=request.actor, link=link)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return _after_link_redirect(request, new_link)
    context = {"link": link, "agreement": link.agreement, "error": error}
    return render(request, "agreements/partner_invitation.html", context)


def take_charge(request, token):
    """From the "partner was added" email sent to the agreement's customer email, or from
    the welcome page of a verified account with that address."""
    proof = take_charge_read(token)
    agreement = None
    if proof is not None:
        agreement_public_id, email = proof
        agreement = agreement_to_take_charge_of_or_none(public_id=agreement_public_id, email=email)
    if agreement is None:
        return render(request, "agreements/take_charge_invalid.html", status=400)
    context = {"agreement": agreement, "email": email, "token": token}
    if not request.user.is_authenticated:
        return render(request, "agreements/take_charge.html", context)
    if not request.user.owns_email(email):
        return render(request, "agreements/take_charge.html", {**context, "wrong_email": True})
    form = OnboardingForm(
        request.POST or None,
        organizations=customer_organizations_to_join(actor=request.actor),
        customer_name=agreement.customer_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            admin = agreement_take_charge(
                actor=request.actor,
                agreement=agreement,
                proven_email=email,
                organization=form.organization(),
                organization_name=form.cleaned_data["organization_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            organization_switch(request=request, organization=admin.agreement.customer_organization)
            messages.success(
                request,
                _(
                    "You are the super admin of Open License %(number)s. Here you see its "
                    "partners and decide who keeps access."
                )
                % {"number": agreement.authorization_number},
            )
            return redirect("agreements:partners", public_id=agreement.public_id)
    return render(request, "agreements/take_charge.html", {**context, "form": form})


@organization_required
def partners(request, public_id):
    agreement, access = agreement_from_request(request, public_id, allowed=CUSTOMER_SIDE)
    context = {
        "agreement": agreement,
        "access": access,
        "links": partner_link_list(agreement=agreement),
    }
    return render(request, "agreements/partners.html", context)


def _partner_action(request, public_id, link_id, *, allowed):
    agreement, access = agreement_from_request(request, public_id, allowed=allowed)
    link = partner_link_get(agreement=agreement, public_id=link_id)
    return agreement, access, link


def _to_partners(agreement):
    return redirect("agreements:partners", public_id=agreement.public_id)


@organization_required
def partner_remove(request, public_id, link_id):
    agreement, access, link = _partner_action(request, public_id, link_id, allowed=CUSTOMER_ADMIN)
    if link.status != PartnerLink.Status.ACTIVE:
        raise Http404
    if request.method == "POST":
        partner_link_remove(actor=request.actor, link=link)
        messages.success(
            request,
            _(
                "%(partner)s no longer has access to this Open License, and cannot link it again "
                "until a super admin allows it."
            )
            % {"partner": link.partner_organization.name},
        )
        return _to_partners(agreement)
    context = {"agreement": agreement, "access": access, "link": link}
    return render(request, "agreements/partner_remove.html", context)


@organization_required
def partner_decide(request, public_id, link_id, decision):
    """Approve or decline a partner's request: the email's deep links open this page."""
    agreement, access, link = _partner_action(request, public_id, link_id, allowed=SUPER_ADMIN)
    if not link.is_pending:
        messages.info(request, _("This request was already answered."))
        return _to_partners(agreement)
    if request.method == "POST":
        name = {"partner": link.partner_organization.name}
        if decision == "approve":
            partner_link_approve(actor=request.actor, link=link)
            messages.success(request, _("%(partner)s now has access.") % name)
        else:
            partner_link_decline(actor=request.actor, link=link)
            messages.success(request, _("You declined the request of %(partner)s.") % name)
        return _to_partners(agreement)
    context = {"agreement": agreement, "access": access, "link": link, "decision": decision}
    return render(request, "agreements/partner_decide.html", context)


@organization_required
def partner_access(request, public_id, link_id):
    """Scope and end date of a partner's access; Extend is a later date here."""
    agreement, access, link = _partner_action(request, public_id, link_id, allowed=SUPER_ADMIN)
    if not (link.status in PartnerLink.CURRENT or link.status == PartnerLink.Status.ENDED):
        raise Http404
    form = PartnerAccessForm(
        request.POST or None, initial={"scope": link.scope, "ends_on": link.ends_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            partner_link_access_set(
                actor=request.actor,
                link=link,
                scope=form.cleaned_data["scope"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The access of %(partner)s is saved; both sides are emailed.")
                % {"partner": link.partner_organization.name},
            )
            return _to_partners(agreement)
    context = {"agreement": agreement, "access": access, "link": link, "form": form}
    return render(request, "agreements/partner_access.html", context)


@organization_required
def partner_allow_again(request, public_id, link_id):
    agreement, access, link = _partner_action(request, public_id, link_id, allowed=SUPER_ADMIN)
    if not link.is_blocking:
        raise Http404
    # An unticked box posts nothing: the form is bound on every POST.
    form = PartnerAllowAgainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        invite = form.cleaned_data["invite"]
        partner_link_allow_again(actor=request.actor, link=link, invite=invite)
        name = {"partner": link.partner_organization.name}
        messages.success(
            request,
            _("%(partner)s may link this agreement again; it was emailed an invitation.") % name
            if invite
            else _("%(partner)s may link this agreement again.") % name,
        )
        return _to_partners(agreement)
    context = {"agreement": agreement, "access": access, "link": link, "form": form}
    return render(request, "agreements/partner_allow_again.html", context)
