from django.urls import path

from . import views

app_name = "benefits"

urlpatterns = [
    path("partnership/membership/", views.membership, name="membership"),
    path("partnership/membership/join/", views.membership_join, name="membership_join"),
    path("partnership/membership/renew/", views.membership_renew, name="membership_renew"),
    path("partnership/membership/upgrade/", views.membership_upgrade, name="membership_upgrade"),
    path("partnership/packages/", views.packages, name="packages"),
    path("partnership/packages/<slug:code>/buy/", views.package_buy, name="package_buy"),
    path("partnership/benefits/", views.benefits_index, name="benefits_index"),
    path("partnership/benefits/<slug:tab>/", views.benefits, name="benefits"),
    path(
        "partnership/benefits/<slug:tab>/provisioning/",
        views.benefits_provisioning,
        name="benefits_provisioning",
    ),
    path("partnership/benefit/<uuid:public_id>/", views.benefit_detail, name="benefit"),
    path("partnership/benefit/<uuid:public_id>/keys/", views.benefit_keys, name="benefit_keys"),
    path(
        "partnership/benefit/<uuid:public_id>/downloads/",
        views.benefit_downloads,
        name="benefit_downloads",
    ),
    path(
        "partnership/benefit/<uuid:public_id>/assign/",
        views.benefit_assign,
        name="benefit_assign",
    ),
    path(
        "partnership/benefit/<uuid:public_id>/assignments/<uuid:assignment_id>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
]
