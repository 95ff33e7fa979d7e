from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect


def organization_required(view):
    """Signed in and acting for an organization; anyone else goes to the home page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.actor.organization is None:
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def organization_manager_required(view):
    """Owners and admins only. Others get the same 404 as for a page that does not exist."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.actor.can_manage_organization:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def partner_required(view):
    """Acting for a partner organization; anyone else gets the same 404 as a missing page."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.actor.organization.is_partner:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def users_manager_required(view):
    """Members who may manage users (see tenancy.models.Permission); others get the same 404
    as for a page that does not exist."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.actor.can_manage_users:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
