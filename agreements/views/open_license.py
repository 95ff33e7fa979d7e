import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.tasks import lookup_enqueue
from portal.audit.views import history_context, history_csv
from portal.limits import email_subject, invitation_limit_enforce, licensing_sign_in_limit
from portal.tenancy.decorators import organization_required, partner_required
from portal.tenancy.services import organization_switch

from .. import selectors
from ..forms import (
    AgreementAdminInviteForm,
    LicensingSignInForm,
    OnboardingForm,
    OrderForm,
)
from ..models import AdminRole, SubscriptionLevel
from ..services import open_license as services
from ..services.partner_links import partner_link_refusal
from ..tasks import licensing_sign_in_request_run
from ..tokens import (
    agreement_invitation_tokens,
    licensing_link_token_make,
    licensing_sign_in_email,
)
from .common import CUSTOMER_SIDE, agreement_page

LICENSING_SESSION_KEY = "licensing_contact_email"


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
        "partner_links": selectors.partner_link_list_active(agreement=agreement),
        "admins": selectors.agreement_admin_list(agreement=agreement),
    }
    return render(request, "agreements/overview.html", context)


@organization_required
def administrators(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_SIDE)
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


@organization_required
def history(request, public_id):
    agreement, access = agreement_page(request, public_id, allowed=CUSTOMER_SIDE)
    entries = selectors.agreement_history(agreement=agreement)
    context = {"agreement": agreement, "access": access, **history_context(request, entries)}
    return render(request, "agreements/history.html", context)


@organization_required
def history_export(request, public_id):
    agreement, _access = agreement_page(request, public_id, allowed=CUSTOMER_SIDE)
    entries = selectors.agreement_history(agreement=agreement)
    return history_csv(request, entries, f"history-{agreement.authorization_number}.csv")


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
            # Looked up in a task: a contact's address and an unknown one cost the request
            # the same work, as for a password reset.
            lookup_enqueue(licensing_sign_in_request_run, email, language=get_language())
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
    context = {"agreement": agreement, "contact_email": contact_email}
    if agreement.access_removed:
        # The customer ended the partner's access: the way back in is their invitation.
        context["refusal"] = partner_link_refusal(
            agreement=agreement, partner=agreement.partner_of_record
        )
    else:
        token = licensing_link_token_make(
            agreement_public_id=agreement.public_id, email=contact_email
        )
        context["portal_link"] = reverse("agreements:licensing_link", args=[token])
    return render(request, "agreements/licensing_license.html", context)
