"""The customer's decisions about a partner's access; super admins only."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.access import AgreementAccess, agreement_access
from agreements.events import partner_link_event
from agreements.models import Agreement, PartnerLink
from agreements.partner_links.services.claims import ends_on_check
from agreements.partner_links.services.notify import access_changed_notify, partner_removed_notify
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization
from webhooks.events import EventType


def _customer_organization(
    actor: Actor, agreement: Agreement, *, super_admin: bool
) -> Organization:
    access = agreement_access(actor=actor, agreement=agreement)
    allowed = access is AgreementAccess.SUPER_ADMIN or (
        not super_admin and access is not None and access.is_customer_admin
    )
    if not allowed:
        raise PermissionDenied
    return agreement.onboarded_customer


def partner_link_locked(link: PartnerLink) -> PartnerLink:
    return (
        PartnerLink.objects.select_for_update(of=("self",))
        .select_related("agreement", "partner_organization", "linked_by")
        .get(pk=link.pk)
    )


def partner_link_record(*, actor: Actor, link: PartnerLink, action: Action, **details) -> None:
    audit_record(
        actor=actor,
        organization=link.agreement.customer_organization,
        agreement=link.agreement,
        action=action,
        target=link,
        details={"partner": link.partner_organization.name, **details},
    )


@transaction.atomic
def partner_link_remove(*, actor: Actor, link: PartnerLink) -> None:
    """The customer ends a partner's access, for good: it takes effect on the partner's next
    request (every partner query reads the links that grant access) and stands until a super
    admin allows the partner again."""
    _customer_organization(actor, link.agreement, super_admin=False)
    link = partner_link_locked(link)
    if link.status != PartnerLink.Status.ACTIVE:
        return
    link.status = PartnerLink.Status.REMOVED
    link.removed_at = timezone.now()
    link.removed_by = actor.signed_in_user
    link.save(update_fields=["status", "removed_at", "removed_by"])
    partner_link_record(actor=actor, link=link, action=Action.PARTNER_REMOVED)
    partner_link_event(link=link, type=EventType.PARTNER_LINK_REMOVED)
    partner_removed_notify(link=link)
    access_changed_notify(link=link, change="removed", by=actor)


@transaction.atomic
def partner_link_approve(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    _customer_organization(actor, link.agreement, super_admin=True)
    link = partner_link_locked(link)
    if not link.is_pending:
        raise ValidationError(_("This request was already answered."), code="answered")
    link.status = PartnerLink.Status.ACTIVE
    link.decided_at = timezone.now()
    link.decided_by = actor.signed_in_user
    link.save(update_fields=["status", "decided_at", "decided_by"])
    partner_link_record(actor=actor, link=link, action=Action.PARTNER_APPROVED)
    partner_link_event(link=link, type=EventType.PARTNER_LINK_ADDED)
    access_changed_notify(link=link, change="approved", by=actor)
    return link


@transaction.atomic
def partner_link_decline(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    _customer_organization(actor, link.agreement, super_admin=True)
    link = partner_link_locked(link)
    if not link.is_pending:
        raise ValidationError(_("This request was already answered."), code="answered")
    now = timezone.now()
    link.status = PartnerLink.Status.DECLINED
    link.decided_at = link.removed_at = now
    link.decided_by = link.removed_by = actor.signed_in_user
    link.save(update_fields=["status", "decided_at", "decided_by", "removed_at", "removed_by"])
    partner_link_record(actor=actor, link=link, action=Action.PARTNER_DECLINED)
    partner_link_event(link=link, type=EventType.PARTNER_LINK_REMOVED)
    access_changed_notify(link=link, change="declined", by=actor)
    return link


@transaction.atomic
def partner_link_access_set(
    *, actor: Actor, link: PartnerLink, scope: str, ends_on: date | None
) -> PartnerLink:
    """A super admin sets what a partner may do and until when. On a link that ended by its
    date, a later date (or none) extends it: access is back at once."""
    _customer_organization(actor, link.agreement, super_admin=True)
    ends_on_check(ends_on)
    link = partner_link_locked(link)
    reopening = link.status == PartnerLink.Status.ENDED and link.is_blocking
    if not (link.status in PartnerLink.CURRENT or reopening):
        raise ValidationError(_("This partner no longer has access."), code="ended")
    newer = PartnerLink.objects.current().filter(
        agreement=link.agreement, partner_organization=link.partner_organization
    )
    if reopening and newer.exists():
        raise ValidationError(_("This partner has a newer link."), code="newer_link")
    changes = []
    if scope != link.scope:
        changes.append("scope_changed")
    if ends_on != link.ends_on or reopening:
        changes.append("end_date_changed")
    if not changes:
        return link
    link.scope = PartnerLink.Scope(scope)
    link.ends_on = ends_on
    fields = ["scope", "ends_on"]
    if reopening:
        link.status = PartnerLink.Status.ACTIVE
        link.removed_at = link.removed_by = None
        fields += ["status", "removed_at", "removed_by"]
    link.save(update_fields=fields)
    for change in changes:
        partner_link_record(
            actor=actor,
            link=link,
            action=Action.PARTNER_SCOPE_CHANGED
            if change == "scope_changed"
            else Action.PARTNER_END_DATE_CHANGED,
            scope=link.scope,
            ends_on=ends_on.isoformat() if ends_on else None,
        )
        access_changed_notify(link=link, change=change, by=actor)
    return link


@transaction.atomic
def partner_link_allow_again(*, actor: Actor, link: PartnerLink, invite: bool) -> PartnerLink:
    """A super admin lifts the block a removal, a decline or an end date put up: the partner
    may link again by any flow. With `invite`, its managers are emailed a link that links
    at once, without approval."""
    _customer_organization(actor, link.agreement, super_admin=True)
    link = partner_link_locked(link)
    if not link.is_blocking:
        raise ValidationError(_("This partner is not blocked."), code="not_blocked")
    now = timezone.now()
    PartnerLink.objects.blocking().filter(
        agreement=link.agreement, partner_organization=link.partner_organization
    ).update(allowed_again_at=now, allowed_again_by=actor.user)
    link.refresh_from_db()
    partner_link_record(actor=actor, link=link, action=Action.PARTNER_ALLOWED_AGAIN, invited=invite)
    access_changed_notify(link=link, change="invited" if invite else "allowed_again", by=actor)
    return link
