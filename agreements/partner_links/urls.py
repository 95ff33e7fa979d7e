from django.urls import path

from agreements.partner_links import views

urlpatterns = [
    path("agreements/new-open-license/", views.new_open_license, name="new_open_license"),
    path("agreements/licensing-link/<str:token>/", views.licensing_link, name="licensing_link"),
    path(
        "agreements/partner-invitation/<str:token>/",
        views.partner_invitation,
        name="partner_invitation",
    ),
    path("agreements/take-charge/<str:token>/", views.take_charge, name="take_charge"),
    path("agreements/<uuid:public_id>/partners/", views.partners, name="partners"),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/remove/",
        views.partner_remove,
        name="partner_remove",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/approve/",
        views.partner_decide,
        {"decision": "approve"},
        name="partner_approve",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/decline/",
        views.partner_decide,
        {"decision": "decline"},
        name="partner_decline",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/access/",
        views.partner_access,
        name="partner_access",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/allow-again/",
        views.partner_allow_again,
        name="partner_allow_again",
    ),
    path("welcome/", views.not_recognised, name="not_recognised"),
    path("register/olp-partner/", views.olp_partner_register, name="olp_partner_register"),
]
