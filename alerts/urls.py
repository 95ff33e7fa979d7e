from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/bell/", views.bell, name="bell"),
    path("alerts/dismiss-all/", views.dismiss_all, name="dismiss_all"),
    path("alerts/<uuid:public_id>/dismiss/", views.dismiss, name="dismiss"),
    path("alerts/settings/", views.preferences, name="preferences"),
    path("organization/alerts/settings/", views.rules, name="rules"),
]
