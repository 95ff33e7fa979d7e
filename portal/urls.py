from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("portal.tenancy.urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("agreements.urls")),
    path("", include("benefits.urls")),
    # Provider delivery-status webhooks, behind ANYMAIL["WEBHOOK_SECRET"] (basic auth).
    path("webhooks/email/", include("anymail.urls")),
    path("admin/", admin.site.urls),
]
