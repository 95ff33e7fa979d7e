from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from agreements.models import Agreement, AgreementLine, PartnerLink
from portal.tenancy.context import Actor


def order_list(*, actor: Actor) -> QuerySet[Agreement]:
    """Orders the actor's partner organization placed (as partner of record). Listing them
    gives no access to their subscriptions: that takes a partner link."""
    if actor.organization is None:
        return Agreement.objects.none()
    removed = PartnerLink.objects.blocking().filter(
        agreement=OuterRef("pk"), partner_organization=actor.organization
    )
    return (
        Agreement.objects.filter(partner_of_record=actor.organization)
        .annotate(access_removed=Exists(removed))
        .select_related("customer_organization")
        .prefetch_related(Prefetch("lines", queryset=AgreementLine.objects.select_related("level")))
        .order_by("-created_at")
    )
