from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("organization/webhooks/", views.endpoints, name="endpoints"),
    path("organization/webhooks/<uuid:public_id>/", views.endpoint, name="endpoint"),
    path("organization/webhooks/<uuid:public_id>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path(
        "organization/webhooks/<uuid:public_id>/delete/",
        views.endpoint_delete,
        name="endpoint_delete",
    ),
    path(
        "organization/webhooks/<uuid:public_id>/secret/",
        views.endpoint_secret_roll,
        name="endpoint_secret_roll",
    ),
    path("organization/webhooks/<uuid:public_id>/ping/", views.endpoint_ping, name="endpoint_ping"),
    path(
        "organization/webhooks/deliveries/<uuid:public_id>/",
        views.delivery,
        name="delivery",
    ),
    path(
        "organization/webhooks/deliveries/<uuid:public_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
