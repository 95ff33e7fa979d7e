"""Partnership pages: Membership, Packages and Benefits (tabs Software, Cloud, Visual Studio
subscriptions, Support). Each benefit row expands with htmx; every URL also answers a plain
request with a full page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.htmx import fragment_or_page
from portal.tenancy.decorators import partner_required
from portal.tenancy.models import Permission

from . import selectors, services
from .forms import AssignForm, DownloadForm, JoinForm, UpgradeForm
from .models import ASSIGNABLE_KINDS, Kind, Tab

KIND_TAB = {
    Kind.SOFTWARE: Tab.SOFTWARE,
    Kind.CLOUD_USAGE: Tab.CLOUD,
    Kind.CLOUD_LICENCE: Tab.CLOUD,
    Kind.VISUAL_STUDIO: Tab.VISUAL_STUDIO,
    Kind.SUPPORT: Tab.SUPPORT,
}


def _permissions(actor) -> dict:
    return {
        "can_buy": actor.has_permission(Permission.BUY_PACKAGES),
        "can_reveal": actor.has_permission(Permission.REVEAL_KEYS),
        "can_assign": actor.has_permission(Permission.ASSIGN_BENEFITS),
    }


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# Membership -------------------------------------------------------------------------------


@partner_required
def membership(request):
    actor = request.actor
    current = selectors.partner_membership_current(actor=actor)
    context = {
        "current": current,
        "join_form": JoinForm() if current is None else None,
        **_permissions(actor),
    }
    if current is not None:
        renewal = selectors.partner_membership_next(actor=actor, membership=current)
        context |= {
            "renewal": renewal,
            "renewal_opens_on": services.renewal_opens_on(current),
            "can_renew_now": renewal is None
            and services.renewal_opens_on(current) <= timezone.localdate(),
            "upgrade_form": UpgradeForm(membership=current),
        }
    return render(request, "benefits/membership.html", context)


@partner_required
@require_POST
def membership_join(request):
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            services.partner_network_join(actor=request.actor, level=form.cleaned_data["level"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Welcome to the partner network."))
    return redirect("benefits:membership")


@partner_required
@require_POST
def membership_renew(request):
    try:
        renewal = services.partner_network_renew(actor=request.actor)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Your membership is renewed until %(date)s.") % {"date": renewal.ends_on},
        )
    return redirect("benefits:membership")


@partner_required
@require_POST
def membership_upgrade(request):
    current = selectors.partner_membership_current(actor=request.actor)
    if current is None:
        messages.error(request, _("Only a member can upgrade. Join the partner network first."))
        return redirect("benefits:membership")
    form = UpgradeForm(request.POST, membership=current)
    if not form.is_valid():
        messages.error(request, _("Choose a higher level than your current one."))
        return redirect("benefits:membership")
    try:
        services.partner_network_upgrade(actor=request.actor, level=form.cleaned_data["level"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your membership is upgraded."))
    return redirect("benefits:membership")


# Packages ---------------------------------------------------------------------------------


@partner_required
def packages(request):
    actor = request.actor
    context = {
        "current": selectors.partner_membership_current(actor=actor),
        "packages": selectors.package_offer_list(actor=actor),
        "purchases": selectors.purchase_list(actor=actor),
        **_permissions(actor),
    }
    return render(request, "benefits/packages.html", context)


@partner_required
@require_http_methods(["GET", "POST"])
def package_buy(request, code):
    """GET: the confirmation, naming the package and what it grants. POST: buy it."""
    actor = request.actor
    if not actor.has_permission(Permission.BUY_PACKAGES):
        raise PermissionDenied
    package = selectors.package_get_on_sale(code=code)
    if request.method == "GET":
        (offer,) = [p for p in selectors.package_offer_list(actor=actor) if p.pk == package.pk]
        if offer.refusal is not None:
            messages.error(request, _error_text(offer.refusal))
            return redirect("benefits:packages")
        return render(request, "benefits/package_buy.html", {"package": offer})
    try:
        purchase = services.package_purchase(actor=actor, package=package)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("benefits:packages")
    purchase.refresh_from_db(fields=["status"])
    if purchase.status == purchase.Status.AVAILABLE:
        notice = _("%(package)s is ready: its benefits are below.")
    else:
        notice = _("You bought %(package)s. Its benefits appear below once it is provisioned.")
    messages.success(request, notice % {"package": package.name})
    return redirect("benefits:benefits", tab=Tab.SOFTWARE)


# Benefits ---------------------------------------------------------------------------------


@partner_required
def benefits_index(request):
    return redirect("benefits:benefits", tab=Tab.SOFTWARE)


@partner_required
def benefits(request, tab):
    if tab not in Tab.values:
        raise Http404
    actor = request.actor
    current = selectors.partner_membership_current(actor=actor)
    context = {
        "tab": tab,
        "tabs": Tab.choices,
        "current": current,
        "benefits": selectors.benefit_list(actor=actor, tab=tab) if current else [],
        "provisioning": list(selectors.purchase_provisioning_list(actor=actor)),
        **_permissions(actor),
    }
    return render(request, "benefits/benefits.html", context)


@partner_required
def benefits_provisioning(request, tab):
    """Polled by the tab while a package provisions (htmx, every 2 seconds): the notice again
    while it provisions; once ready, a notice without polling and the tab's fresh list."""
    if tab not in Tab.values:
        raise Http404
    if not request.htmx:
        return redirect("benefits:benefits", tab=tab)
    actor = request.actor
    provisioning = list(selectors.purchase_provisioning_list(actor=actor))
    context = {
        "tab": tab,
        "tabs": Tab.choices,
        "provisioning": provisioning,
        "ready": not provisioning,
        "benefits": [] if provisioning else selectors.benefit_list(actor=actor, tab=tab),
        **_permissions(actor),
    }
    response = render(request, "benefits/_provisioning_poll.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _row_context(request, benefit, *, expanded: bool = True, **extra) -> dict:
    actor = request.actor
    context = {
        "benefit": benefit,
        "expanded": expanded,
        "tab": KIND_TAB[Kind(benefit.kind)],
        "hex": benefit.public_id.hex,
        **_permissions(actor),
        **extra,
    }
    if expanded:
        context.setdefault("download_form", DownloadForm(benefit=benefit))
        if benefit.kind in ASSIGNABLE_KINDS and len(benefit.held_assignments) < benefit.seats:
            context.setdefault("assign_form", AssignForm(actor=actor, benefit=benefit))
    return context


def _row_or_page(request, context: dict):
    """The row alone for htmx (it replaces itself), or the benefit's own page."""
    return _fragment_or_page(request, "benefits/_benefit_row.html", context)


@partner_required
def benefit_detail(request, public_id):
    """A benefit's row, expanded (or collapsed again with ?expanded=0, for htmx)."""
    benefit = selectors.benefit_get(actor=request.actor, public_id=public_id)
    expanded = not (request.htmx and request.GET.get("expanded") == "0")
    return _row_or_page(request, _row_context(request, benefit, expanded=expanded))


@partner_required
@require_POST
def benefit_keys(request, public_id):
    """Get keys: the clear keys are rendered in this response only, never redirected to or
    kept in the session."""
    benefit = selectors.benefit_get(actor=request.actor, public_id=public_id)
    keys = services.benefit_keys_reveal(actor=request.actor, benefit=benefit)
    context = _row_context(request, benefit, keys=keys)
    return _fragment_or_page(request, "benefits/_keys.html", context)


@partner_required
def benefit_downloads(request, public_id):
    """The download links for the language and operating system chosen."""
    benefit = selectors.benefit_get(actor=request.actor, public_id=public_id)
    form = DownloadForm(request.GET, benefit=benefit)
    extra = {"download_form": form}
    if form.is_valid():
        extra["download_links"] = selectors.download_link_list(benefit=benefit, **form.cleaned_data)
    context = _row_context(request, benefit, **extra)
    return _fragment_or_page(request, "benefits/_downloads.html", context)


def _fragment_or_page(request, fragment: str, context: dict):
    return fragment_or_page(
        request, fragment=fragment, page="benefits/benefit_detail.html", context=context
    )


def _after_change(request, benefit, notice: str):
    if request.htmx:
        benefit = selectors.benefit_get(actor=request.actor, public_id=benefit.public_id)
        return _row_or_page(request, _row_context(request, benefit, notice=notice))
    messages.success(request, notice)
    return redirect("benefits:benefit", public_id=benefit.public_id)


@partner_required
@require_POST
def benefit_assign(request, public_id):
    actor = request.actor
    benefit = selectors.benefit_get(actor=actor, public_id=public_id)
    if not actor.has_permission(Permission.ASSIGN_BENEFITS):
        raise PermissionDenied
    data = request.POST.copy()
    if benefit.kind == Kind.CLOUD_USAGE:
        # "Assign yourself": the only choice for a usage-based Azure subscription.
        data["member"] = str(actor.membership.public_id)
    form = AssignForm(data, actor=actor, benefit=benefit)
    if form.is_valid():
        try:
            assignment = services.benefit_assign(
                actor=actor,
                benefit=benefit,
                user=form.cleaned_data["member"].user,
                alternate_email=form.cleaned_data.get("alternate_email", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after_change(request, benefit, _assigned_notice(assignment))
    return _row_or_page(request, _row_context(request, benefit, assign_form=form))


def _assigned_notice(assignment) -> str:
    email = assignment.user.email
    if assignment.benefit.kind == Kind.SUPPORT:
        return _(
            "%(email)s is assigned. The access instructions are emailed to %(email)s and "
            "%(alternate)s; activation takes a few days."
        ) % {"email": email, "alternate": assignment.alternate_email}
    if assignment.benefit.kind == Kind.CLOUD_USAGE:
        return _("The subscription is yours: manage it in the Azure portal.")
    return _("%(email)s is assigned and told by email.") % {"email": email}


@partner_required
@require_http_methods(["GET", "POST"])
def assignment_remove(request, public_id, assignment_id):
    """GET: ask first (a page of its own, so that it works without JavaScript). POST:
    remove the user."""
    actor = request.actor
    benefit = selectors.benefit_get(actor=actor, public_id=public_id)
    assignment = selectors.assignment_get(actor=actor, benefit=benefit, public_id=assignment_id)
    if not actor.has_permission(Permission.ASSIGN_BENEFITS):
        raise PermissionDenied
    if request.method == "GET":
        context = {
            "benefit": benefit,
            "assignment": assignment,
            "tab": KIND_TAB[Kind(benefit.kind)],
        }
        return render(request, "benefits/assignment_remove.html", context)
    services.benefit_unassign(actor=actor, assignment=assignment)
    return _after_change(request, benefit, _removed_notice(assignment))


def _removed_notice(assignment) -> str:
    email = assignment.user.email
    if assignment.benefit.kind == Kind.CLOUD_USAGE:
        # Only its future user can activate it again, by assigning themselves.
        return _(
            "%(email)s no longer uses this subscription. To activate it again, assign yourself."
        ) % {"email": email}
    return _("%(email)s no longer holds it; you can assign it to someone else.") % {"email": email}
