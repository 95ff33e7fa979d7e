from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements.models import AdminRole
from agreements.onboarding.forms import (
    AgreementAdminInviteForm,
    AgreementPreferencesForm,
    OnboardingForm,
)
from agreements.onboarding.selectors import agreement_admin_list, agreement_invitation_list_pending
from agreements.onboarding.services import (
    agreement_admin_invite,
    agreement_admin_remove,
    agreement_invitation_accept,
    agreement_preferences_save,
    customer_organizations_to_join,
)
from agreements.onboarding.tokens import agreement_invitation_tokens
from agreements.pages import CUSTOMER_SIDE, agreement_from_request
from portal.limits import invitation_limit_enforce
from portal.tenancy.decorators import organization_required
from portal.tenancy.services import organization_switch


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
            organizations=customer_organizations_to_join(actor=request.actor),
            customer_name=agreement.customer_name,
        )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            admin = agreement_invitation_accept(
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
def administrators(request, public_id):
    agreement, access = agreement_from_request(request, public_id, allowed=CUSTOMER_SIDE)
    form = None
    if access == AdminRole.SUPER_ADMIN:
        form = AgreementAdminInviteForm(
            request.POST or None, initial={"language": request.LANGUAGE_CODE}
        )
        if request.method == "POST" and form.is_valid():
            try:
                invitation_limit_enforce(actor=request.actor)
                invitation = agreement_admin_invite(
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
        "admins": agreement_admin_list(agreement=agreement),
        "invitations": agreement_invitation_list_pending(agreement=agreement),
        "form": form,
    }
    return render(request, "agreements/administrators.html", context)


@organization_required
def preferences(request, public_id):
    agreement, access = agreement_from_request(request, public_id, allowed=(AdminRole.SUPER_ADMIN,))
    form = AgreementPreferencesForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        agreement_preferences_save(actor=request.actor, form=form)
        messages.success(request, _("Preferences saved."))
        return redirect("agreements:preferences", public_id=agreement.public_id)
    context = {"agreement": agreement, "access": access, "form": form}
    return render(request, "agreements/preferences.html", context)


@organization_required
@require_POST
def administrator_remove(request, public_id, admin_id):
    agreement, _access = agreement_from_request(
        request, public_id, allowed=(AdminRole.SUPER_ADMIN,)
    )
    admin = get_object_or_404(agreement_admin_list(agreement=agreement), pk=admin_id)
    try:
        agreement_admin_remove(actor=request.actor, admin=admin)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(email)s no longer administers this agreement.") % {"email": admin.user.email},
        )
    return redirect("agreements:administrators", public_id=agreement.public_id)
