from django.urls import path

from licensing_center import views

app_name = "licensing_center"

urlpatterns = [
    path("licensing/", views.licensing_sign_in, name="sign_in"),
    path("licensing/sign-in/<str:token>/", views.licensing_sign_in_link, name="sign_in_link"),
    path("licensing/sign-out/", views.licensing_sign_out, name="sign_out"),
    path("licensing/relationships/", views.licensing_relationships, name="relationships"),
    path("licensing/licenses/<uuid:public_id>/", views.licensing_license, name="license"),
]
