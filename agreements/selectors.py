from django.db.models import Prefetch, QuerySet

from portal.tenancy.context import Actor

from .models import Agreement, AgreementLine


def agreement_list(*, actor: Actor) -> QuerySet[Agreement]:
    lines = AgreementLine.objects.select_related("level")
    return Agreement.objects.visible_to(actor).prefetch_related(Prefetch("lines", queryset=lines))
