"""The two htmx mechanisms every app uses, written once (django-htmx parses the headers)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request, other than a history restore (after a cache miss htmx asks for the
    URL again to rebuild the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def fragment_or_page(
    request: HttpRequest, *, fragment: str, page: str, context: dict, status: int = 200
) -> HttpResponse:
    """One URL, two answers: the fragment for htmx, the whole page otherwise (so every URL
    works without JavaScript). Vary: HX-Request keeps caches from handing one to the other."""
    template = fragment if wants_fragment(request) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def redirect_after_htmx(request: HttpRequest, url: str) -> HttpResponse:
    """After a change: htmx loads `url` as a whole new page; other requests follow a 302."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
