from django.urls import path

from agreements.subscribers.views import (
    subscriber_actions,
    subscriber_add,
    subscriber_edit,
    subscriber_remove,
    subscribers,
)

urlpatterns = [
    path("agreements/<uuid:public_id>/subscribers/", subscribers, name="subscribers"),
    path(
        "agreements/<uuid:public_id>/subscribers/actions/",
        subscriber_actions,
        name="subscriber_actions",
    ),
    path("agreements/<uuid:public_id>/subscribers/add/", subscriber_add, name="subscriber_add"),
    path(
        "agreements/<uuid:public_id>/subscribers/<uuid:guid>/",
        subscriber_edit,
        name="subscriber_edit",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/<uuid:guid>/remove/",
        subscriber_remove,
        name="subscriber_remove",
    ),
]
