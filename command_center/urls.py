from django.urls import path

from . import views

app_name = "command_center"

urlpatterns = [
    path("command-center/", views.command_center, name="index"),
    path(
        "command-center/export.csv",
        views.command_center_export,
        {"extension": "csv"},
        name="export_csv",
    ),
    path(
        "command-center/export.xlsx",
        views.command_center_export,
        {"extension": "xlsx"},
        name="export_xlsx",
    ),
    path("command-center/people/", views.person_search, name="people"),
    path("command-center/reclaim/", views.reclaim, name="reclaim"),
    path("command-center/usage/", views.usage_across_customers, name="usage"),
    path(
        "command-center/agreements/<uuid:public_id>/tags/",
        views.agreement_tags,
        name="agreement_tags",
    ),
    path(
        "command-center/agreements/<uuid:public_id>/usage-chart/",
        views.usage_chart,
        name="usage_chart",
    ),
]
