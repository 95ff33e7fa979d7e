"""The project's URLs plus one page that forgets the scoping path, to prove the sweep sees it."""

from django.http import HttpResponse
from django.urls import include, path

from agreements.models import Agreement
from portal.urls import urlpatterns as portal_urlpatterns


def leaky_agreement(request, public_id):
    agreement = Agreement.objects.get(public_id=public_id)  # no visible_to(): the bug
    if request.method == "POST":
        agreement.customer_name += " (renamed)"
        agreement.save(update_fields=["customer_name"])
    return HttpResponse(agreement.customer_name)


urlpatterns = [
    path(
        "",
        include(([path("leaky/<uuid:public_id>/", leaky_agreement, name="leaky")], "agreements")),
    ),
    *portal_urlpatterns,
]
