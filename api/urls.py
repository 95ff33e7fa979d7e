from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("organization/api-tokens/", views.tokens, name="tokens"),
    path(
        "organization/api-tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token_revoke"
    ),
]
