"""Partner access to a customer's Open License, which the customer grants, scopes, times and
takes back for good.

The three flows (+ New Open License, the licensing service center, OLP registration) and a
customer's invitation all end in `_partner_link_create`, which refuses a partner whose
access the customer ended until a super admin allows it again, and makes the link wait for
approval when the agreement asks for it. Every change writes its audit entry and emails
both sides in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Notification
from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.accounts.services import user_email_verify
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.limits import actor_subjects
from portal.tenancy.context import ANONYMOUS, Actor, actor_build
from portal.tenancy.models import MANAGING_ROLES, Membership, Organization, Role
from portal.tenancy.services import membership_join, organization_create

from ..access import AgreementAccess, agreement_access
from ..limits import partner_link_attempts
from ..models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    LicensingContact,
    LinkMethod,
    PartnerLink,
)
from ..selectors import agreement_matching
from .open_license import recipient_language

# The same answer whichever of the three values is wrong: the form reveals nothing.
CLAIM_MISMATCH_MESSAGE = gettext_lazy(
    "These details do not match an Open License. Enter the authorization number, the license "
    "number and the customer's email exactly as they appear on the agreement."
)
# Reminders go to both sides this many days before a partner's access ends.
ENDING_REMINDER_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class OpenLicenseClaim:
    """What a partner types to prove they act for a customer's Open License, and the end
    date they propose for their access."""

    authorization_number: str
    license_number: str
    customer_email: str
    ends_on: date | None = None


# Refusing a link ------------------------------------------------------------------------


def _refusal(
    *, agreement: Agreement, partner: Organization, user: User | None = None
) -> ValidationError | None:
    """Why `partner` may not link `agreement` now, or None. Read with the agreement locked.

    A block stands against the partner organization, and against the person who linked
    for it: they cannot come back through another organization, or a new one (flow 3)."""
    numbers = {"partner": partner.name, "number": agreement.authorization_number}
    current = PartnerLink.objects.current().filter(
        agreement=agreement, partner_organization=partner
    )
    if found := current.first():
        if found.is_pending:
            return ValidationError(
                _(
                    "The request of %(partner)s to manage Open License %(number)s is waiting "
                    "for the customer's approval."
                )
                % numbers,
                code="pending",
            )
        return ValidationError(
            _("%(partner)s already has access to Open License %(number)s.") % numbers,
            code="already_linked",
        )
    blocking = PartnerLink.objects.blocking().filter(agreement=agreement)
    block = blocking.filter(partner_organization=partner).order_by("-removed_at").first()
    if block is None and user is not None:
        block = (
            blocking.filter(linked_by=user)
            .select_related("partner_organization")
            .order_by("-removed_at")
            .first()
        )
        if block is not None:
            numbers["partner"] = block.partner_organization.name
    if block is None:
        return None
    if block.status == PartnerLink.Status.DECLINED:
        message = _(
            "The customer declined the request of %(partner)s to manage Open License "
            "%(number)s. Ask the customer to invite you again."
        )
    elif block.status == PartnerLink.Status.ENDED:
        message = _(
            "The access of %(partner)s to Open License %(number)s ended on the date the customer "
            "set. Ask the customer to extend it or to invite you again."
        )
    else:
        message = _(
            "The customer removed the access of %(partner)s to Open License %(number)s. Ask the "
            "customer to invite you again."
        )
    return ValidationError(message % numbers, code="removed_by_customer")


def partner_link_refusal(*, agreement: Agreement, partner: Organization) -> str | None:
    """What stops `partner` from linking `agreement`, for the pages that offer a way in."""
    refusal = _refusal(agreement=agreement, partner=partner)
    return refusal.messages[0] if refusal is not None else None


# Creating a link ------------------------------------------------------------------------


def _claimed_agreement(*, actor: Actor, claim: OpenLicenseClaim) -> Agreement:
    """The agreement the three values name, under the attempt limit. Call it outside any
    transaction: a failure must be counted, and a lockout recorded, whatever happens next."""
    if partner_link_attempts.is_exceeded(**actor_subjects(actor)):
        raise partner_link_attempts.locked_error(**actor_subjects(actor))
    agreement = agreement_matching(
        authorization_number=claim.authorization_number,
        license_number=claim.license_number,
        customer_email=claim.customer_email,
    )
    if agreement is not None:
        return agreement
    if partner_link_attempts.record(**actor_subjects(actor)):
        audit_record(
            actor=actor,
            organization=actor.organization,
            action=Action.PARTNER_LINK_LOCKED_OUT,
            details={"email": actor.user.email, "ip_address": actor.ip_address},
        )
        raise partner_link_attempts.locked_error(**actor_subjects(actor))
    raise ValidationError(CLAIM_MISMATCH_MESSAGE, code="mismatch")


def _ends_on_check(ends_on: date | None) -> None:
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError(_("Choose an end date after today."), code="ends_on")


def _partner_link_create(
    *,
    actor: Actor,
    agreement: Agreement,
    partner: Organization,
    method: str,
    ends_on: date | None = None,
    approved_by: AgreementAdmin | None = None,
) -> PartnerLink:
    """Link `partner` to `agreement`, or raise with why not and write nothing. Approval is
    needed when the agreement asks for it, unless a super admin invited (`approved_by`)."""
    _ends_on_check(ends_on)
    # Locking the agreement makes two links of one partner at once end in one link.
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("partner_of_record", "customer_organization")
        .get(pk=agreement.pk)
    )
    if refusal := _refusal(agreement=agreement, partner=partner, user=actor.user):
        raise refusal
    now = timezone.now()
    pending = agreement.partner_approval_required and approved_by is None
    link = PartnerLink.objects.create(
        agreement=agreement,
        partner_organization=partner,
        method=method,
        linked_by=actor.user,
        linked_at=now,
        ends_on=ends_on,
        status=PartnerLink.Status.PENDING if pending else PartnerLink.Status.ACTIVE,
        request_expires_at=now + settings.PARTNER_REQUEST_EXPIRY if pending else None,
        decided_at=now if approved_by else None,
        decided_by=approved_by.user if approved_by else None,
    )
    audit_record(
        actor=actor,
        organization=partner,
        agreement=agreement,
        action=Action.PARTNER_LINK_REQUESTED if pending else Action.PARTNER_LINKED,
        target=link,
        details={
            "partner": partner.name,
            "method": method,
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    if pending:
        _partner_request_notify(link=link)
    else:
        _partner_added_notify(agreement=agreement, link=link)
    return link


def partner_link_claim(
    *, actor: Actor, claim: OpenLicenseClaim, method: str = LinkMethod.NEW_LICENSE
) -> PartnerLink:
    """Flow 1: an existing partner user links a customer's Open License to their
    organization."""
    partner = actor.organization
    if partner is None or not partner.is_partner:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        return _partner_link_create(
            actor=actor, agreement=agreement, partner=partner, method=method, ends_on=claim.ends_on
        )


def olp_partner_register(
    *, actor: Actor, organization_name: str, country: str, claim: OpenLicenseClaim
) -> PartnerLink:
    """Flow 3: a signed-in person with no organization registers as an OLP partner: their
    partner organization is created and linked to the customer's Open License, or nothing
    is."""
    if actor.memberships:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        organization = organization_create(
            actor=actor,
            name=organization_name.strip(),
            is_partner=True,
            country=country,
            default_language=actor.user.preferred_language,
        )
        acting = actor_build(
            user=actor.user, organization_id=organization.pk, ip_address=actor.ip_address
        )
        return _partner_link_create(
            actor=acting,
            agreement=agreement,
            partner=organization,
            method=LinkMethod.OLP_REGISTRATION,
            ends_on=claim.ends_on,
        )


def licensing_wrong_email_message(*, contact_email: str, current: str) -> str:
    return _(
        "You came from the licensing service center as %(contact)s but are signed in to the "
        "portal as %(current)s. Sign out, then sign in or sign up with %(contact)s."
    ) % {"contact": contact_email, "current": current}


@transaction.atomic
def partner_link_from_licensing_center(
    *, actor: Actor, agreement: Agreement, contact_email: str
) -> PartnerLink:
    """Flow 2: a partner followed "Visual Studio subscriptions: click here" in the licensing
    service center and signed in to the portal: with the same email, they join their partner
    of record organization (if not already in it) and it is linked to the agreement."""
    user = actor.user
    if not user.owns_email(contact_email):
        raise ValidationError(
            licensing_wrong_email_message(contact_email=contact_email, current=user.email),
            code="wrong_email",
        )
    partner = agreement.partner_of_record
    if not LicensingContact.objects.filter(
        organization=partner, email__iexact=contact_email
    ).exists():
        raise ValidationError(CLAIM_MISMATCH_MESSAGE, code="mismatch")
    # Refused before anything is written: joining the organization is part of the link.
    if refusal := _refusal(agreement=agreement, partner=partner, user=user):
        raise refusal
    user_email_verify(user=user)  # the licensing link proves the mailbox
    has_members = Membership.objects.filter(organization=partner).exists()
    membership_join(
        actor=actor,
        organization=partner,
        role=Role.MEMBER if has_members else Role.OWNER,
        via="licensing_center",
    )
    acting = actor_build(user=user, organization_id=partner.pk, ip_address=actor.ip_address)
    return _partner_link_create(
        actor=acting, agreement=agreement, partner=partner, method=LinkMethod.LICENSING_CENTER
    )


@transaction.atomic
def partner_invitation_accept(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    """A partner follows a super admin's invitation (sent with Allow again): the new link
    needs no approval, the super admin gave it."""
    partner = actor.organization
    if partner is None or partner.pk != link.partner_organization_id:
        raise PermissionDenied
    inviter = AgreementAdmin.objects.filter(
        agreement_id=link.agreement_id, user_id=link.allowed_again_by_id, role=AdminRole.SUPER_ADMIN
    ).first()
    if link.allowed_again_at is None or inviter is None:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid")
    return _partner_link_create(
        actor=actor,
        agreement=link.agreement,
        partner=partner,
        method=LinkMethod.CUSTOMER_INVITATION,
        ends_on=link.ends_on if link.ends_on and link.ends_on > timezone.localdate() else None,
        approved_by=inviter,
    )


# The customer decides -------------------------------------------------------------------


def _customer_organization(
    actor: Actor, agreement: Agreement, *, super_admin: bool
) -> Organization:
    access = agreement_access(actor=actor, agreement=agreement)
    allowed = access is AgreementAccess.SUPER_ADMIN or (
        not super_admin and access is not None and access.is_customer_admin
    )
    if not allowed:
        raise PermissionDenied
    return agreement.customer_organization


def _locked(link: PartnerLink) -> PartnerLink:
    return (
        PartnerLink.objects.select_for_update(of=("self",))
        .select_related("agreement", "partner_organization", "linked_by")
        .get(pk=link.pk)
    )


def _record(*, actor: Actor, link: PartnerLink, action: Action, **details) -> None:
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
    link = _locked(link)
    if link.status != PartnerLink.Status.ACTIVE:
        return
    link.status = PartnerLink.Status.REMOVED
    link.removed_at = timezone.now()
    link.removed_by = actor.user
    link.save(update_fields=["status", "removed_at", "removed_by"])
    _record(actor=actor, link=link, action=Action.PARTNER_REMOVED)
    _partner_removed_notify(link=link)
    _access_changed_notify(link=link, change="removed", by=actor)


@transaction.atomic
def partner_link_approve(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    _customer_organization(actor, link.agreement, super_admin=True)
    link = _locked(link)
    if not link.is_pending:
        raise ValidationError(_("This request was already answered."), code="answered")
    link.status = PartnerLink.Status.ACTIVE
    link.decided_at = timezone.now()
    link.decided_by = actor.user
    link.save(update_fields=["status", "decided_at", "decided_by"])
    _record(actor=actor, link=link, action=Action.PARTNER_APPROVED)
    _access_changed_notify(link=link, change="approved", by=actor)
    return link


@transaction.atomic
def partner_link_decline(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    _customer_organization(actor, link.agreement, super_admin=True)
    link = _locked(link)
    if not link.is_pending:
        raise ValidationError(_("This request was already answered."), code="answered")
    now = timezone.now()
    link.status = PartnerLink.Status.DECLINED
    link.decided_at = link.removed_at = now
    link.decided_by = link.removed_by = actor.user
    link.save(update_fields=["status", "decided_at", "decided_by", "removed_at", "removed_by"])
    _record(actor=actor, link=link, action=Action.PARTNER_DECLINED)
    _access_changed_notify(link=link, change="declined", by=actor)
    return link


@transaction.atomic
def partner_link_access_set(
    *, actor: Actor, link: PartnerLink, scope: str, ends_on: date | None
) -> PartnerLink:
    """A super admin sets what a partner may do and until when. On a link that ended by its
    date, a later date (or none) extends it: access is back at once."""
    _customer_organization(actor, link.agreement, super_admin=True)
    _ends_on_check(ends_on)
    link = _locked(link)
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
        _record(
            actor=actor,
            link=link,
            action=Action.PARTNER_SCOPE_CHANGED
            if change == "scope_changed"
            else Action.PARTNER_END_DATE_CHANGED,
            scope=link.scope,
            ends_on=ends_on.isoformat() if ends_on else None,
        )
        _access_changed_notify(link=link, change=change, by=actor)
    return link


@transaction.atomic
def partner_link_allow_again(*, actor: Actor, link: PartnerLink, invite: bool) -> PartnerLink:
    """A super admin lifts the block a removal, a decline or an end date put up: the partner
    may link again by any flow. With `invite`, its managers are emailed a link that links
    at once, without approval."""
    _customer_organization(actor, link.agreement, super_admin=True)
    link = _locked(link)
    if not link.is_blocking:
        raise ValidationError(_("This partner is not blocked."), code="not_blocked")
    now = timezone.now()
    PartnerLink.objects.blocking().filter(
        agreement=link.agreement, partner_organization=link.partner_organization
    ).update(allowed_again_at=now, allowed_again_by=actor.user)
    link.refresh_from_db()
    _record(actor=actor, link=link, action=Action.PARTNER_ALLOWED_AGAIN, invited=invite)
    _access_changed_notify(link=link, change="invited" if invite else "allowed_again", by=actor)
    return link


# Time passes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerLinkReview:
    expired: int
    ended: int
    # Links whose reminder went out (to both sides) in this pass.
    reminded: int


def partner_links_review() -> PartnerLinkReview:
    """The daily pass (Celery beat): unanswered requests expire, access past its end date
    ends, and both sides are reminded 30, 7 and 1 days before an end date, each reminder
    once (its dedupe key names the date and the day count)."""
    now, today = timezone.now(), timezone.localdate()
    expired = ended = reminded = 0
    stale = PartnerLink.objects.filter(
        status=PartnerLink.Status.PENDING, request_expires_at__lte=now
    )
    for link_id in stale.values_list("pk", flat=True):
        expired += _link_close(link_id=link_id, status=PartnerLink.Status.EXPIRED)
    passed = PartnerLink.objects.filter(status=PartnerLink.Status.ACTIVE, ends_on__lte=today)
    for link_id in passed.values_list("pk", flat=True):
        ended += _link_close(link_id=link_id, status=PartnerLink.Status.ENDED)
    ending = PartnerLink.objects.granting_access().filter(
        ends_on__lte=today + timedelta(days=max(ENDING_REMINDER_DAYS))
    )
    for link in ending.select_related("agreement", "partner_organization", "linked_by"):
        with transaction.atomic():
            reminded += _ending_remind(link=link, today=today)
    return PartnerLinkReview(expired=expired, ended=ended, reminded=reminded)


@transaction.atomic
def _link_close(*, link_id: int, status: str) -> int:
    link = _locked(PartnerLink(pk=link_id))
    due = (
        link.is_pending and link.request_expires_at <= timezone.now()
        if status == PartnerLink.Status.EXPIRED
        else link.status == PartnerLink.Status.ACTIVE and not link.is_active
    )
    if not due:
        return 0
    link.status = status
    link.removed_at = timezone.now()
    link.save(update_fields=["status", "removed_at"])
    expired = status == PartnerLink.Status.EXPIRED
    _record(
        actor=ANONYMOUS,
        link=link,
        action=Action.PARTNER_REQUEST_EXPIRED if expired else Action.PARTNER_ACCESS_ENDED,
    )
    _access_changed_notify(link=link, change="request_expired" if expired else "ended", by=None)
    return 1


def _ending_remind(*, link: PartnerLink, today: date) -> int:
    """Queue the reminder this link is due, once: 1 if it went out now, 0 if it had already.
    Most nights most links are reminded already, so that is asked first, in one query,
    before the recipients are looked up; the outbox's dedupe key keeps it once regardless."""
    days_left = (link.ends_on - today).days
    threshold = min(days for days in ENDING_REMINDER_DAYS if days >= days_left)
    prefix = f"partner-ending:{link.public_id}:{link.ends_on.isoformat()}:{threshold}:"
    if Notification.objects.filter(dedupe_key__startswith=prefix).exists():
        return 0
    for email, language, side in _both_sides(link):
        notification_enqueue(
            kind="partner_access_ending",
            recipient=email,
            language=language,
            dedupe_key=f"{prefix}{email.casefold()}",
            context={**_link_context(link), "side": side, "days_left": days_left},
            organization=_side_organization(link, side),
        )
    return 1


# Who is told ----------------------------------------------------------------------------


def _link_context(link: PartnerLink) -> dict:
    agreement = link.agreement
    return {
        "agreement_id": agreement.pk,
        "link_id": link.pk,
        "partner_name": link.partner_organization.name,
        "customer_name": agreement.customer_name,
        "authorization_number": agreement.authorization_number,
        "ends_on": link.ends_on.isoformat() if link.ends_on else "",
        "scope_code": link.scope,
    }


def _customer_side(
    link: PartnerLink, *, with_work_email: bool = False
) -> dict[str, tuple[str, str]]:
    """The customer's super admins, and the agreement's work email while nobody has taken
    charge of it (or always, `with_work_email`): casefolded address -> (address, language)."""
    agreement = link.agreement
    people = {
        admin.user.email.casefold(): (admin.user.email, admin.user.preferred_language)
        for admin in AgreementAdmin.objects.filter(
            agreement=agreement, role=AdminRole.SUPER_ADMIN
        ).select_related("user")
    }
    if with_work_email or not people:
        email = agreement.customer_email
        people.setdefault(email.casefold(), (email, recipient_language(email, agreement)))
    return people


def _partner_side(link: PartnerLink) -> dict[str, tuple[str, str]]:
    """The partner's managers and the person who linked the agreement."""
    people = {
        membership.user.email.casefold(): (
            membership.user.email,
            membership.user.preferred_language,
        )
        for membership in Membership.objects.filter(
            organization=link.partner_organization, role__in=MANAGING_ROLES
        ).select_related("user")
    }
    linker = link.linked_by
    people.setdefault(linker.email.casefold(), (linker.email, linker.preferred_language))
    return people


def _both_sides(link: PartnerLink):
    for side, people in (("customer", _customer_side(link)), ("partner", _partner_side(link))):
        for email, language in people.values():
            yield email, language, side


def _side_organization(link: PartnerLink, side: str) -> Organization:
    if side == "customer" and link.agreement.customer_organization_id:
        return link.agreement.customer_organization
    return link.partner_organization


def _partner_added_notify(*, agreement: Agreement, link: PartnerLink) -> None:
    """The customer's super admins and the agreement's work email learn who now has access;
    while nobody administers the agreement, the work email's link offers to take charge."""
    onboarded = agreement.customer_organization_id is not None
    for key, (email, language) in _customer_side(link, with_work_email=True).items():
        notification_enqueue(
            kind="partner_added",
            recipient=email,
            language=language,
            dedupe_key=f"partner-added:{link.public_id}:{key}",
            context={
                **_link_context(link),
                "linked_by": link.linked_by.full_name or link.linked_by.email,
                "take_charge_email": "" if onboarded else email,
            },
            organization=_side_organization(link, "customer"),
        )


def _partner_request_notify(*, link: PartnerLink) -> None:
    """The customer's super admins are asked to approve or decline."""
    for key, (email, language) in _customer_side(link).items():
        notification_enqueue(
            kind="partner_request",
            recipient=email,
            language=language,
            dedupe_key=f"partner-request:{link.public_id}:{key}",
            context={
                **_link_context(link),
                "linked_by": link.linked_by.full_name or link.linked_by.email,
                "expires_on": timezone.localdate(link.request_expires_at).isoformat(),
            },
            organization=_side_organization(link, "customer"),
        )


def _partner_removed_notify(*, link: PartnerLink) -> None:
    for key, (email, language) in _partner_side(link).items():
        notification_enqueue(
            kind="partner_removed",
            recipient=email,
            language=language,
            dedupe_key=f"partner-removed:{link.public_id}:{key}",
            context=_link_context(link),
            organization=link.partner_organization,
        )


def _access_changed_notify(*, link: PartnerLink, change: str, by: Actor | None) -> None:
    """Both sides learn of a change to a partner's access; an invitation goes to the partner
    only, and a removal's note to the customer only (the partner has its own email)."""
    stamp = timezone.now().isoformat()
    by_name = (by.user.full_name or by.user.email) if by is not None else ""
    for email, language, side in _both_sides(link):
        if (change, side) in (("invited", "customer"), ("removed", "partner")):
            continue
        notification_enqueue(
            kind="partner_access_changed",
            recipient=email,
            language=language,
            dedupe_key=f"partner-changed:{link.public_id}:{change}:{stamp}:{email.casefold()}",
            context={**_link_context(link), "change": change, "side": side, "by": by_name},
            organization=_side_organization(link, side),
        )
