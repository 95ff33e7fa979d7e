from django.urls import path

from .views import open_license as views
from .views import partner_links, subscribers_grid, subscriptions, usage, workbooks

app_name = "agreements"

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("agreements/new-open-license/", partner_links.new_open_license, name="new_open_license"),
    path("agreements/invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "agreements/licensing-link/<str:token>/",
        partner_links.licensing_link,
        name="licensing_link",
    ),
    path(
        "agreements/partner-invitation/<str:token>/",
        partner_links.partner_invitation,
        name="partner_invitation",
    ),
    path("agreements/take-charge/<str:token>/", partner_links.take_charge, name="take_charge"),
    path("agreements/menu/", views.agreements_menu, name="agreements_menu"),
    path("agreements/<uuid:public_id>/", views.overview, name="overview"),
    path(
        "agreements/<uuid:public_id>/administrators/",
        views.administrators,
        name="administrators",
    ),
    path("agreements/<uuid:public_id>/partners/", partner_links.partners, name="partners"),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/remove/",
        partner_links.partner_remove,
        name="partner_remove",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/approve/",
        partner_links.partner_decide,
        {"decision": "approve"},
        name="partner_approve",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/decline/",
        partner_links.partner_decide,
        {"decision": "decline"},
        name="partner_decline",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/access/",
        partner_links.partner_access,
        name="partner_access",
    ),
    path(
        "agreements/<uuid:public_id>/partners/<uuid:link_id>/allow-again/",
        partner_links.partner_allow_again,
        name="partner_allow_again",
    ),
    path("agreements/<uuid:public_id>/history/", views.history, name="history"),
    path(
        "agreements/<uuid:public_id>/history/export.csv",
        views.history_export,
        name="history_export",
    ),
    path("welcome/", partner_links.not_recognised, name="not_recognised"),
    path(
        "register/olp-partner/",
        partner_links.olp_partner_register,
        name="olp_partner_register",
    ),
    path("licensing/", views.licensing_sign_in, name="licensing_sign_in"),
    path(
        "licensing/sign-in/<str:token>/",
        views.licensing_sign_in_link,
        name="licensing_sign_in_link",
    ),
    path("licensing/sign-out/", views.licensing_sign_out, name="licensing_sign_out"),
    path(
        "licensing/relationships/",
        views.licensing_relationships,
        name="licensing_relationships",
    ),
    path("licensing/licenses/<uuid:public_id>/", views.licensing_license, name="licensing_license"),
]
urlpatterns += (
    subscriptions.urlpatterns
    + subscribers_grid.urlpatterns
    + workbooks.urlpatterns
    + usage.urlpatterns
)
