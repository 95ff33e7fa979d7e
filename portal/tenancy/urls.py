from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("organizations/switch/", views.organization_switch, name="organization_switch"),
    path("organization/members/", views.members, name="members"),
    path(
        "organization/members/<uuid:public_id>/permissions/",
        views.membership_permissions,
        name="membership_permissions",
    ),
    path(
        "organization/members/<uuid:public_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "organization/invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organization/invitations/<uuid:public_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("organization/history/", views.history, name="history"),
    path("organization/history/export.csv", views.history_export, name="history_export"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
