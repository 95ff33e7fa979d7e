from django.urls import path

from agreements.onboarding import views

urlpatterns = [
    path("agreements/invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "agreements/<uuid:public_id>/administrators/",
        views.administrators,
        name="administrators",
    ),
    path("agreements/<uuid:public_id>/preferences/", views.preferences, name="preferences"),
    path(
        "agreements/<uuid:public_id>/administrators/<int:admin_id>/remove/",
        views.administrator_remove,
        name="administrator_remove",
    ),
]
