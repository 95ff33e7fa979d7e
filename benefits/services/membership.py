"""Joining the partner network, renewing and upgrading a membership."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import (
    LEVEL_ORDER,
    PartnerMembership,
)
from benefits.services.common import partner_organization
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization, Permission


def _term_end(starts_on: date) -> date:
    """A term lasts one year: the day before the same date next year."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + 1, day=28)
    return anniversary - timedelta(days=1)


def membership_current(organization: Organization, today: date) -> PartnerMembership | None:
    return (
        PartnerMembership.objects.filter(organization=organization)
        .current(today)
        .select_for_update()
        .first()
    )


@transaction.atomic
def partner_network_join(
    *, actor: Actor, level: str, today: date | None = None
) -> PartnerMembership:
    """Make the actor's partner organization a member for a year from `today`."""
    organization = partner_organization(actor, Permission.BUY_PACKAGES)
    today = today or timezone.localdate()
    if membership_current(organization, today) is not None:
        raise ValidationError(
            _("Your organization is already a member of the partner network."), code="member"
        )
    membership = PartnerMembership.objects.create(
        organization=organization, level=level, starts_on=today, ends_on=_term_end(today)
    )
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.PARTNER_NETWORK_JOINED,
        target=membership,
        details={"level": level, "ends_on": membership.ends_on.isoformat()},
    )
    return membership


def renewal_opens_on(membership: PartnerMembership) -> date:
    return membership.ends_on - timedelta(days=settings.PARTNER_NETWORK_RENEWAL_WINDOW_DAYS)


@transaction.atomic
def partner_network_renew(
    *, actor: Actor, level: str | None = None, today: date | None = None
) -> PartnerMembership:
    """Add the next year to the current membership, in its renewal window."""
    organization = partner_organization(actor, Permission.BUY_PACKAGES)
    today = today or timezone.localdate()
    current = membership_current(organization, today)
    if current is None:
        raise ValidationError(
            _("Only a member can renew. Join the partner network first."), code="not_member"
        )
    if today < renewal_opens_on(current):
        raise ValidationError(
            _("You can renew from %(date)s.") % {"date": renewal_opens_on(current).isoformat()},
            code="too_early",
        )
    starts_on = current.ends_on + timedelta(days=1)
    if PartnerMembership.objects.filter(
        organization=organization, starts_on=starts_on, status=PartnerMembership.Status.ACTIVE
    ).exists():
        raise ValidationError(_("Your membership is already renewed."), code="renewed")
    renewal = PartnerMembership.objects.create(
        organization=organization,
        level=level or current.level,
        starts_on=starts_on,
        ends_on=_term_end(starts_on),
    )
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.PARTNER_NETWORK_RENEWED,
        target=renewal,
        details={"level": renewal.level, "ends_on": renewal.ends_on.isoformat()},
    )
    return renewal


@transaction.atomic
def partner_network_upgrade(
    *, actor: Actor, level: str, today: date | None = None
) -> PartnerMembership:
    """Raise the level of the current membership for the rest of its term."""
    organization = partner_organization(actor, Permission.BUY_PACKAGES)
    current = membership_current(organization, today or timezone.localdate())
    if current is None:
        raise ValidationError(
            _("Only a member can upgrade. Join the partner network first."), code="not_member"
        )
    if LEVEL_ORDER.index(level) <= current.rank:
        raise ValidationError(_("Choose a higher level than your current one."), code="level")
    previous = current.level
    current.level = level
    current.save(update_fields=["level"])
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.PARTNER_NETWORK_UPGRADED,
        target=current,
        details={"from": previous, "to": level},
    )
    return current
