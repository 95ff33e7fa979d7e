from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from api.api import api

from . import views


def _tracking_webhooks() -> list:
    """The delivery-status webhooks of the providers named in EMAIL_TRACKING_WEBHOOKS, behind
    ANYMAIL["WEBHOOK_SECRET"] (basic auth).

    Only those: each of anymail's other webhooks needs its provider's own secrets or packages,
    and its inbound-mail ones would be doors left open, since the portal receives no mail.
    """
    wanted = {f"{esp}_tracking_webhook" for esp in settings.EMAIL_TRACKING_WEBHOOKS}
    return [pattern for pattern in anymail_urls.urlpatterns if pattern.name in wanted]


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says. Looked up per request: the
    hashed file name exists only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", views.home, name="home"),
    path("my-subscriptions/", views.my_subscriptions, name="my_subscriptions"),
    path("", include("portal.tenancy.urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("agreements.urls")),
    path("", include("benefits.urls")),
    path("", include("licensing_center.urls")),
    path("", include("command_center.urls")),
    path("", include("webhooks.urls")),
    path("", include("alerts.urls")),
    path("webhooks/email/", include((_tracking_webhooks(), "anymail"))),
    path("api/v1/", api.urls),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
