from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from portal.tenancy.decorators import organization_manager_required

from .kinds import email_kind_get, email_kind_list
from .rendering import email_render
from .selectors import notification_list


@organization_manager_required
def organization_notifications(request):
    page = Paginator(notification_list(actor=request.actor), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/organization_list.html", {"page": page})


@staff_member_required
def preview_index(request):
    context = {"kinds": email_kind_list(), "languages": settings.LANGUAGES}
    return render(request, "notifications/preview_index.html", context)


@staff_member_required
# Emails carry inline styles (mail clients ignore stylesheets); the preview's sandboxed frame
# inherits this page's policy, so this one page allows inline styles, never scripts.
@csp_update({"style-src": [UNSAFE_INLINE]})  # type: ignore[arg-type]  # typed for 1-arg views
def preview(request, kind, language):
    try:
        email_kind_get(kind)
    except KeyError:
        raise Http404 from None
    if language not in dict(settings.LANGUAGES):
        raise Http404
    rendered = email_render(kind=kind, language=language, context={}, preview=True)
    context = {"kind": kind, "language": language, "email": rendered}
    return render(request, "notifications/preview.html", context)
