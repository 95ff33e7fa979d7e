"""One URL namespace for the app (`agreements:`): the agreement's own pages here, and each
sub-domain's patterns from its package."""

from django.urls import path

from agreements import views
from agreements.onboarding.urls import urlpatterns as onboarding
from agreements.orders.urls import urlpatterns as orders
from agreements.partner_links.urls import urlpatterns as partner_links
from agreements.subscribers.urls import urlpatterns as subscribers
from agreements.usage.urls import urlpatterns as usage
from agreements.workbooks.urls import urlpatterns as workbooks

app_name = "agreements"

agreement = [
    path("agreements/menu/", views.agreements_menu, name="agreements_menu"),
    path("agreements/<uuid:public_id>/", views.overview, name="overview"),
    path("agreements/<uuid:public_id>/history/", views.history, name="history"),
    path(
        "agreements/<uuid:public_id>/history/export.csv",
        views.history_export,
        name="history_export",
    ),
]

urlpatterns = orders + onboarding + partner_links + agreement + subscribers + workbooks + usage
