import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.limits import email_subject, invitation_limit_enforce, licensing_sign_in_limit
from portal.tenancy.decorators import organization_required, partner_required
from portal.tenancy.services import organization_switch

from .. import selectors
from ..forms import (
    AgreementAdminInviteForm,
    LicensingSignInForm,
    OlpPartnerRegistrationForm,
    OnboardingForm,
    OpenLicenseClaimForm,
    OrderForm,
)
from ..models import AdminRole, SubscriptionLevel
from ..services import open_license as services
from ..tokens import (
    agreement_invitation_tokens,
    licensing_link_read,
    licensing_link_token_make,
    licensing_sign_in_email,
)
from .common import CUSTOMER_ADMIN, agreement_page

LICENSING_SESSION_KEY = "licensing_contact_email"


def _linked(request, link):
    messages.success(
        request,
        _("%(partner)s now manages Open License %(number)s for %(customer)s.")
        % {
            "partner": link.partner_organization.name,
            "number": link.agreement.authorization_number,
            "customer": link.agreement.customer_name,
        },
    )
    url = reverse("agreements:overview", args=[link.agreement.public_id])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


# Orders ------------------------------------------------------------------------------------


@partner_required
def order_new(request):
    levels = list(SubscriptionLevel.objects.all())
    form = OrderForm(
        request.POST or None,
        levels=levels,
        initial={"default_language": request.actor.organization.default_language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            # Each order emails an invitation with the partner's words: the invitation budget.
            invitation_limit_enforce(actor=request.actor)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "agreements/order_new.html", {"form": form}, status=429)
        data = form.cleaned_data
        agreement = services.order_place(
            actor=request.actor,
            partner=request.actor.organization,
            customer_name=data["customer_name"],
            customer_email=data["customer_email"],
            seats=form.seats(),
            default_language=data["default_language"],
            country=data["country"],
        )
        messages.success(
            request,
            _(
                "Order placed: Open License %(authorization)s / %(license)s. %(email)s is invited "
                "to name administrators and open the subscriptions."
            )
            % {
                "authorization": agreement.authorization_number,
                "license": agreement.license_number,
                "email": agreement.customer_email,
            },
        )
        return redirect("agreements:orders")
    return render(request, "agreements/order_new.html", {"form": form})


@partner_required
def orders(request):
    placed = selectors.order_list(actor=request.actor)
    return render(request, "agreements/orders.html", {"orders": placed})


# The three partner flows -------------------------------------------------------------------


@partner_required
def new_open_license(request):
    """Flow 1: "+ New Open License" in the agreements dropdown opens this as a fly-out panel
    (htmx); without JavaScript it is a page of its own."""
    form = OpenLicenseClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.partner_link_claim(actor=request.actor, claim=form.claim())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _linked(request, link)
    template = "agreements/_new_open_license_panel.html" if request.htmx else None
    return render(request, template or "agreements/new_open_license.html", {"form": form})


@login_required
def not_recognised(request):
    """Flow 3 starts here: a signed-in person with no organization and no access."""
    if request.actor.memberships:
        return redirect("home")
    return render(request, "agreements/not_recognised.html")


@login_required
def olp_partner_register(request):
    if request.actor.memberships:
        return redirect("home")
    form = OlpPartnerRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.olp_partner_register(
                actor=request.actor,
                organization_name=form.cleaned_data["organization_name"],
                country=form.cleaned_data["country"],
                claim=form.claim(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            organization_switch(request=request, organization=link.partner_organization)
            return _linked(request, link)
    return render(request, "agreements/olp_partner_register.html", {"form": form})


def licensing_link(request, token):
    """Flow 2 lands here from "Visual Studio subscriptions: click here" in the licensing
    service center; the partner signs in (or signs up) to the portal with the same email."""
    read = licensing_link_read(token)
    agreement = None
    if read is not None:
        agreement_public_id, contact_email = read
        agreement = selectors.licensing_agreement_get_or_none(
            contact_email=contact_email, public_id=agreement_public_id
        )
    if agreement is None:
        return render(request, "agreements/licensing_link_invalid.html", status=400)
    context = {"agreement": agreement, "contact_email": contact_email, "token": token}
    if not request.user.is_authenticated:
        return render(request, "agreements/licensing_link.html", context)
    error = None
    if not request.user.owns_email(contact_email):
        error = services.licensing_wrong_email_message(
            contact_email=contact_email, current=request.user.email
        )
    elif request.method == "POST":
        try:
            link = services.partner_link_from_licensing_center(
                actor=request.actor, agreement=agreement, contact_email=contact_email
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            organization_switch(request=request, organization=link.partner_organization)
            return _linked(request, link)
    context["error"] = error
    return render(request, "agreements/licensing_link.html", context, status=403 if error else 200)


# Customer onboarding and administrators ---------------------------------------------------


def invitation_accept(request, token):
    invitation = agreement_invitation_tokens.read(token)
    if invitation is None:
        return render(request, "agreements/invitation_invalid.html", status=400)
    agreement = invitation.agreement
    context = {"invitation": invitation, "agreement": agreement, "token": token}
    if not request.user.is_authenticated:
        return render(request, "agreements/invitation_sign_in.html", context)
    if not request.user.owns_email(invitation.email):
        return render(request, "agreements/invitation_wrong_email.html", context, status=403)
    form = None
    if agreement.customer_organization_id is None:
        form = OnboardingForm(
            request.POST or None,
            organizations=services.customer_organizations_to_join(actor=request.actor),
            customer_name=agreement.customer_name,
        )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            admin = services.agreement_invitation_accept(
                actor=request.actor,
                invitation=invitation,
                organization=form.organization() if form else None,
                organization_name=form.cleaned_data["organization_name"] if form else "",
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("home")
        organization_switch(request=request, organization=admin.agreement.customer_organization)
        messages.success(
            request,
            _("Welcome to Open License %(number)s. Your role: %(role)s.")
            % {"role": admin.get_role_display(), "number": agreement.authorization_number},
        )
        return redirect("agreements:overview", public_id=agreement.public_id)
    context["form"] = form
    return render(request, "agreements/invitation_accept.html", context)


@organization_required
def agreements_menu(request):
    """The header dropdown's agreements, fetched when the menu is first opened (htmx)."""
    try:
        current = uuid.UUID(request.GET.get("current", ""))
    except ValueError:
        current = None
    context = {"agreements_menu": selectors.agreement_menu(actor=request.actor), "current": current}
    return render(request, "agreements/_agreements_menu_items.html", context)


@organization_required
def overview(request, public_id):
    agreement, access = agreement_page(request, public_id)
    context = {
        "agreement": agreement,
        "access": access,
        "partner_links": selectors.partner_link_list(agreement=agreement).filter(
            removed_at__isnull=True
        ),
        "admins": selectors.agreement_admin_list(agreement=agreement),
    }
    return render(request, "agreements/overview.html", context)


@organization_required
def administrators(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_ADMIN)
    form = None
    if access == AdminRole.SUPER_ADMIN:
        form = AgreementAdminInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation_limit_enforce(actor=request.actor)
                invitation = services.agreement_admin_invite(
                    actor=request.actor, agreement=agreement, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("agreements:administrators", public_id=agreement.public_id)
    elif request.method == "POST":
        raise Http404
    context = {
        "agreement": agreement,
        "access": access,
        "admins": selectors.agreement_admin_list(agreement=agreement),
        "invitations": selectors.agreement_invitation_list_pending(agreement=agreement),
        "form": form,
    }
    return render(request, "agreements/administrators.html", context)


# The customer stays in control ------------------------------------------------------------


@organization_required
def partners(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_ADMIN)
    context = {
        "agreement": agreement,
        "access": access,
        "links": selectors.partner_link_list(agreement=agreement),
    }
    return render(request, "agreements/partners.html", context)


@organization_required
def partner_remove(request, public_id, link_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_ADMIN)
    link = selectors.partner_link_get_active(agreement=agreement, public_id=link_id)
    if request.method == "POST":
        services.partner_link_remove(actor=request.actor, link=link)
        messages.success(
            request,
            _("%(partner)s no longer has access to this Open License.")
            % {"partner": link.partner_organization.name},
        )
        return redirect("agreements:partners", public_id=agreement.public_id)
    context = {"agreement": agreement, "access": access, "link": link}
    return render(request, "agreements/partner_remove.html", context)


@organization_required
def history(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_ADMIN)
    entries = selectors.agreement_history(agreement=agreement)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {"agreement": agreement, "access": access, "page": page}
    return render(request, "agreements/history.html", context)


# Licensing service center -----------------------------------------------------------------
# A stand-in for the separate licensing site partners use: its own sign-in by emailed link,
# unrelated to portal accounts, which is why flow 2 asks for the same email in the portal.


def licensing_sign_in(request):
    if request.session.get(LICENSING_SESSION_KEY):
        return redirect("agreements:licensing_relationships")
    form = LicensingSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            licensing_sign_in_limit.enforce(
                # Visitors here are anonymous: the actor carries no address.
                actor=request.actor,
                email=email_subject(email),
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError:
            pass  # past the limit no more links go, and the page says nothing of it
        else:
            services.licensing_sign_in_request(email=email)
        # The same answer whether or not the address is a licensing contact.
        return render(
            request, "agreements/licensing_link_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "agreements/licensing_sign_in.html", {"form": form})


def licensing_sign_in_link(request, token):
    # Mail scanners follow links; only the person's click signs in, and only once.
    email = licensing_sign_in_email(token, spend=request.method == "POST")
    if email is None:
        return render(request, "agreements/licensing_link_invalid.html", status=400)
    if request.method == "POST":
        request.session[LICENSING_SESSION_KEY] = email
        return redirect("agreements:licensing_relationships")
    return render(request, "agreements/licensing_sign_in_confirm.html", {"email": email})


@require_POST
def licensing_sign_out(request):
    request.session.pop(LICENSING_SESSION_KEY, None)
    return redirect("agreements:licensing_sign_in")


def licensing_area(view):
    """Signed in to the licensing service center; the view gets the contact's email."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        email = request.session.get(LICENSING_SESSION_KEY)
        if not email:
            return redirect("agreements:licensing_sign_in")
        return view(request, email, *args, **kwargs)

    return wrapper


@licensing_area
def licensing_relationships(request, contact_email):
    agreements = selectors.licensing_agreement_list(contact_email=contact_email)
    context = {"agreements": agreements, "contact_email": contact_email}
    return render(request, "agreements/licensing_relationships.html", context)


@licensing_area
def licensing_license(request, contact_email, public_id):
    agreement = selectors.licensing_agreement_get(contact_email=contact_email, public_id=public_id)
    context = {
        "agreement": agreement,
        "contact_email": contact_email,
        "portal_link": reverse(
            "agreements:licensing_link",
            args=[
                licensing_link_token_make(
                    agreement_public_id=agreement.public_id, email=contact_email
                )
            ],
        ),
    }
    return render(request, "agreements/licensing_license.html", context)
