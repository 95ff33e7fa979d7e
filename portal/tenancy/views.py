from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit.selectors import audit_entry_list
from portal.audit.views import history_context, history_csv
from portal.limits import email_resend_limit_enforce, invitation_limit_enforce

from . import selectors, services
from .decorators import organization_manager_required, organization_required, users_manager_required
from .forms import InvitationForm, MembershipPermissionsForm, OrganizationSwitchForm
from .models import Permission
from .tokens import invitation_from_token


@login_required
@require_POST
def organization_switch(request):
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    organization = selectors.organization_get(
        actor=request.actor, public_id=form.cleaned_data["organization"]
    )
    services.organization_switch(request=request, organization=organization)
    messages.success(request, _("You are now working in %(name)s.") % {"name": organization.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "home"
    return redirect(next_url)


@organization_required
def members(request):
    actor = request.actor
    form = None
    if actor.can_manage_users:
        form = InvitationForm(
            request.POST or None, actor=actor, initial={"language": request.LANGUAGE_CODE}
        )
        if request.method == "POST" and form.is_valid():
            try:
                invitation_limit_enforce(actor=actor)
                invitation = services.invitation_send(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("tenancy:members")
    elif request.method == "POST":
        raise Http404
    context = {
        "memberships": selectors.membership_list(actor=actor),
        "invitations": selectors.invitation_list_pending(actor=actor),
        "form": form,
        "permission_choices": Permission.choices,
    }
    return render(request, "tenancy/members.html", context)


@users_manager_required
@require_POST
def membership_permissions(request, public_id):
    membership = selectors.membership_get(actor=request.actor, public_id=public_id)
    form = MembershipPermissionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose permissions from the list."))
        return redirect("tenancy:members")
    try:
        services.membership_permissions_set(
            actor=request.actor,
            membership=membership,
            permissions=form.cleaned_data["permissions"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Permissions of %(email)s saved.") % {"email": membership.user.email},
        )
    return redirect("tenancy:members")


@users_manager_required
@require_POST
def membership_remove(request, public_id):
    membership = selectors.membership_get(actor=request.actor, public_id=public_id)
    try:
        services.membership_remove(actor=request.actor, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(email)s was removed.") % {"email": membership.user.email})
    return redirect("tenancy:members")


@users_manager_required
@require_POST
def invitation_revoke(request, public_id):
    invitation = selectors.invitation_get_pending(actor=request.actor, public_id=public_id)
    try:
        services.invitation_revoke(actor=request.actor, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tenancy:members")
    messages.success(
        request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
    )
    return redirect("tenancy:members")


@users_manager_required
@require_POST
def invitation_resend(request, public_id):
    invitation = selectors.invitation_get_pending(actor=request.actor, public_id=public_id)
    try:
        email_resend_limit_enforce(actor=request.actor)
        invitation_limit_enforce(actor=request.actor)
        services.invitation_send(
            actor=request.actor,
            email=invitation.email,
            role=invitation.role,
            permissions=invitation.granted_permissions,
            language=invitation.language,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tenancy:members")
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("tenancy:members")


def invitation_accept(request, token):
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    context = {"invitation": invitation, "token": token}
    if not request.user.is_authenticated:
        return render(request, "tenancy/invitation_anonymous.html", context)
    if not request.user.owns_email(invitation.email):
        return render(request, "tenancy/invitation_wrong_email.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(actor=request.actor, invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("home")
        services.organization_switch(request=request, organization=membership.organization)
        messages.success(
            request,
            _("Welcome to %(name)s.") % {"name": membership.organization.name},
        )
        return redirect("home")
    return render(request, "tenancy/invitation_accept.html", context)


@organization_manager_required
def history(request):
    entries = audit_entry_list(actor=request.actor)
    return render(request, "tenancy/history.html", history_context(request, entries))


@organization_manager_required
def history_export(request):
    entries = audit_entry_list(actor=request.actor)
    return history_csv(request, entries, "history.csv")
