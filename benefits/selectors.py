from portal.tenancy.context import Actor

from .models import PartnerMembership


def partner_membership_current(*, actor: Actor) -> PartnerMembership | None:
    return PartnerMembership.objects.visible_to(actor).current().first()
