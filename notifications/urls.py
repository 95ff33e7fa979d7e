from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("organization/notifications/", views.organization_notifications, name="organization_list"),
    path("staff/emails/", views.preview_index, name="preview_index"),
    path("staff/emails/<slug:kind>/<slug:language>/", views.preview, name="preview"),
]
