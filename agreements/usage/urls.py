from django.urls import path

from agreements.usage.views import usage, usage_export, usage_export_daily

urlpatterns = [
    path("agreements/<uuid:public_id>/usage/", usage, name="usage"),
    path("agreements/<uuid:public_id>/usage/export.csv", usage_export, name="usage_export"),
    path(
        "agreements/<uuid:public_id>/usage/daily.csv",
        usage_export_daily,
        name="usage_export_daily",
    ),
]
