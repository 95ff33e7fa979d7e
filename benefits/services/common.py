"""What the benefits services share: the acting partner organization and the names of
the constraints they recognise."""

from django.core.exceptions import PermissionDenied

from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

KEY_ALPHABET = "BCDFGHJKMPQRTVWXY2346789"


ONE_ACTION_PACK = "benefits_packagepurchase_one_action_pack_per_year"


ONE_SEAT_PER_USER = "benefits_benefitassignment_one_seat_per_user"


ONE_HOLDER_PER_SEAT = "benefits_benefitassignment_one_holder_per_seat"


def partner_organization(actor: Actor, permission: str) -> Organization:
    organization = actor.organization
    if organization is None or not organization.is_partner:
        raise PermissionDenied
    if not actor.has_permission(permission):
        raise PermissionDenied
    return organization
