"""The portal's URLs plus one that fails, for the browser test of the 500 page (Django's
own handlers render the portal's templates/500.html)."""

from django.urls import include, path


def fail(request):
    raise RuntimeError("a deliberate failure, for the 500 page's test")


urlpatterns = [path("test-failure/", fail), path("", include("portal.urls"))]
