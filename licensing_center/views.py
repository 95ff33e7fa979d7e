from functools import wraps

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agreements.partner_links.selectors import licensing_agreement_get, licensing_agreement_list
from agreements.partner_links.services.claims import partner_link_refusal
from agreements.partner_links.tokens import licensing_link_token_make
from licensing_center.forms import LicensingSignInForm
from licensing_center.limits import licensing_sign_in_limit
from licensing_center.tasks import licensing_sign_in_request_run
from licensing_center.tokens import licensing_sign_in_email
from portal.accounts.tasks import lookup_enqueue
from portal.limits import email_count_key

LICENSING_SESSION_KEY = "licensing_contact_email"


# A stand-in for the separate licensing site partners use: its own sign-in by emailed link,
# unrelated to portal accounts, which is why flow 2 asks for the same email in the portal.


def licensing_sign_in(request):
    if request.session.get(LICENSING_SESSION_KEY):
        return redirect("licensing_center:relationships")
    form = LicensingSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            licensing_sign_in_limit.enforce(
                # Visitors here are anonymous: the actor carries no address.
                actor=request.actor,
                email=email_count_key(email),
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError:
            pass  # past the limit no more links go, and the page says nothing of it
        else:
            # Looked up in a task: a contact's address and an unknown one cost the request
            # the same work, as for a password reset.
            # A contact without a portal account reads the link in the page's language.
            lookup_enqueue(licensing_sign_in_request_run, email, language=request.LANGUAGE_CODE)
        # The same answer whether or not the address is a licensing contact.
        return render(
            request, "licensing_center/link_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "licensing_center/sign_in.html", {"form": form})


def licensing_sign_in_link(request, token):
    # Mail scanners follow links; only the person's click signs in, and only once.
    email = licensing_sign_in_email(token, spend=request.method == "POST")
    if email is None:
        return render(request, "agreements/licensing_link_invalid.html", status=400)
    if request.method == "POST":
        request.session[LICENSING_SESSION_KEY] = email
        return redirect("licensing_center:relationships")
    return render(request, "licensing_center/sign_in_confirm.html", {"email": email})


@require_POST
def licensing_sign_out(request):
    request.session.pop(LICENSING_SESSION_KEY, None)
    return redirect("licensing_center:sign_in")


def licensing_area(view):
    """Signed in to the licensing service center; the view gets the contact's email."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        email = request.session.get(LICENSING_SESSION_KEY)
        if not email:
            return redirect("licensing_center:sign_in")
        return view(request, email, *args, **kwargs)

    return wrapper


@licensing_area
def licensing_relationships(request, contact_email):
    agreements = licensing_agreement_list(contact_email=contact_email)
    context = {"agreements": agreements, "contact_email": contact_email}
    return render(request, "licensing_center/relationships.html", context)


@licensing_area
def licensing_license(request, contact_email, public_id):
    agreement = licensing_agreement_get(contact_email=contact_email, public_id=public_id)
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
    return render(request, "licensing_center/license.html", context)
