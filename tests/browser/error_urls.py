"""The portal's URLs plus one that fails, for the browser test of the 500 page."""

from django.urls import include, path

from portal import urls as portal_urls


def fail(request):
    raise RuntimeError("a deliberate failure, for the 500 page's test")


urlpatterns = [path("test-failure/", fail), path("", include(portal_urls))]
handler404 = getattr(portal_urls, "handler404", None) or "django.views.defaults.page_not_found"
handler500 = getattr(portal_urls, "handler500", None) or "django.views.defaults.server_error"
