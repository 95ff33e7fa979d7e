"""Every write of the benefits app: membership, purchases, provisioning, keys, assignments.

Each service checks the actor's permissions (tenancy.models.Permission) itself, so a view,
a command or a task cannot skip them.
"""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import ANONYMOUS, Actor
from portal.tenancy.models import Membership, Organization, Permission

from .crypto import key_decrypt, key_encrypt, key_reencrypt
from .eligibility import one_action_pack_error, package_refusal
from .integrity import constraint_violated
from .models import (
    LEVEL_ORDER,
    Benefit,
    BenefitAssignment,
    BenefitPackage,
    Kind,
    PackagePurchase,
    PartnerMembership,
    ProductKey,
)

KEY_ALPHABET = "BCDFGHJKMPQRTVWXY2346789"
ONE_ACTION_PACK = "benefits_packagepurchase_one_action_pack_per_year"
ONE_SEAT_PER_USER = "benefits_benefitassignment_one_seat_per_user"
ONE_HOLDER_PER_SEAT = "benefits_benefitassignment_one_holder_per_seat"


def _partner_organization(actor: Actor, permission: str) -> Organization:
    organization = actor.organization
    if organization is None or not organization.is_partner:
        raise PermissionDenied
    if not actor.has_permission(permission):
        raise PermissionDenied
    return organization


def _term_end(starts_on: date) -> date:
    """A term lasts one year: the day before the same date next year."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + 1, day=28)
    return anniversary - timedelta(days=1)


def _current_membership(organization: Organization, today: date) -> PartnerMembership | None:
    return (
        PartnerMembership.objects.filter(organization=organization)
        .current(today)
        .select_for_update()
        .first()
    )


# Membership -------------------------------------------------------------------------------


@transaction.atomic
def partner_network_join(
    *, actor: Actor, level: str, today: date | None = None
) -> PartnerMembership:
    """Make the actor's partner organization a member for a year from `today`."""
    organization = _partner_organization(actor, Permission.BUY_PACKAGES)
    today = today or timezone.localdate()
    if _current_membership(organization, today) is not None:
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
    organization = _partner_organization(actor, Permission.BUY_PACKAGES)
    today = today or timezone.localdate()
    current = _current_membership(organization, today)
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
    organization = _partner_organization(actor, Permission.BUY_PACKAGES)
    current = _current_membership(organization, today or timezone.localdate())
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


# Packages ---------------------------------------------------------------------------------


def package_purchase(
    *, actor: Actor, package: BenefitPackage, today: date | None = None
) -> PackagePurchase:
    """Buy `package` for the current membership year; its benefits are provisioned by a
    task once the purchase is committed. The rules are checked under a lock on the
    membership, so two purchases of one year are checked one after the other; the
    database's constraint stays the last wall."""
    organization = _partner_organization(actor, Permission.BUY_PACKAGES)
    try:
        with transaction.atomic():
            membership = _current_membership(organization, today or timezone.localdate())
            refusal = package_refusal(membership=membership, package=package)
            if refusal is not None:
                raise refusal
            purchase = PackagePurchase.objects.create(
                organization=organization,
                membership=membership,
                package=package,
                is_action_pack=package.is_action_pack,
                purchased_by=actor.user,
            )
            audit_record(
                actor=actor,
                organization=organization,
                action=Action.BENEFIT_PACKAGE_PURCHASED,
                target=purchase,
                details={"package": package.code},
            )
            transaction.on_commit(lambda: _provision_later(purchase.pk))
    except IntegrityError as error:
        if constraint_violated(error, PackagePurchase, ONE_ACTION_PACK):
            raise one_action_pack_error() from error
        raise
    return purchase


def _provision_later(purchase_id: int) -> None:
    from .tasks import package_provision

    package_provision.delay(purchase_id)


def _product_key_make() -> str:
    return "-".join("".join(secrets.choice(KEY_ALPHABET) for _ in range(5)) for _ in range(5))


@transaction.atomic
def package_provision(*, purchase_id: int) -> PackagePurchase | None:
    """Create the benefits a purchase grants, with their product keys; then it is
    available. Running it again for the same purchase does nothing."""
    purchase = (
        PackagePurchase.objects.select_for_update(of=("self",))
        .select_related("package", "organization", "purchased_by")
        .filter(pk=purchase_id, status=PackagePurchase.Status.PROVISIONING)
        .first()
    )
    if purchase is None:
        return None
    for grant in purchase.package.grants.select_related("product"):
        benefit = Benefit.objects.create(
            organization=purchase.organization,
            purchase=purchase,
            product=grant.product,
            kind=grant.product.kind,
            quantity=grant.quantity,
            unit=grant.unit,
        )
        if benefit.has_keys:
            ProductKey.objects.bulk_create(
                ProductKey(benefit=benefit, ciphertext=key_encrypt(_product_key_make()))
                for _ in range(grant.key_count)
            )
    purchase.status = PackagePurchase.Status.AVAILABLE
    purchase.available_at = timezone.now()
    purchase.save(update_fields=["status", "available_at"])
    audit_record(
        actor=ANONYMOUS,
        organization=purchase.organization,
        action=Action.BENEFIT_PACKAGE_AVAILABLE,
        target=purchase,
        details={"package": purchase.package.code},
    )
    buyer = purchase.purchased_by
    notification_enqueue(
        kind="benefit_package_available",
        recipient=buyer.email,
        language=buyer.preferred_language,
        dedupe_key=f"benefit-package-available:{purchase.public_id}",
        context={
            "purchase_id": purchase.pk,
            "package_name": purchase.package.name,
            "organization_name": purchase.organization.name,
        },
        organization=purchase.organization,
    )
    return purchase


# Product keys -----------------------------------------------------------------------------


@transaction.atomic
def benefit_keys_reveal(*, actor: Actor, benefit: Benefit) -> list[str]:
    """The clear product keys of `benefit`, for a user whose permissions allow it. Every
    reveal is in the organization's history; the keys themselves never are."""
    organization = _partner_organization(actor, Permission.REVEAL_KEYS)
    if benefit.organization_id != organization.pk or not benefit.has_keys:
        raise PermissionDenied
    keys = [key_decrypt(key.ciphertext) for key in benefit.keys.all()]
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.BENEFIT_KEYS_REVEALED,
        target=benefit,
        details={"product": benefit.product.code, "keys": len(keys)},
    )
    return keys


def product_keys_reencrypt() -> int:
    """Encrypt every product key again with the newest encryption key (after a rotation)."""
    count = 0
    with transaction.atomic():
        for key in ProductKey.objects.select_for_update().iterator():
            key.ciphertext = key_reencrypt(key.ciphertext)
            key.save(update_fields=["ciphertext"])
            count += 1
    return count


# Assignments ------------------------------------------------------------------------------


def _notify_assignee(
    *, kind: str, assignment: BenefitAssignment, recipient: str, dedupe_key: str
) -> None:
    benefit = assignment.benefit
    language = assignment.user.preferred_language
    # The product's name in the recipient's language, not the assigning person's.
    with translation.override(language):
        product_name = str(benefit.product.name)
    notification_enqueue(
        kind=kind,
        recipient=recipient,
        language=language,
        dedupe_key=dedupe_key,
        context={
            "assignment_id": assignment.pk,
            "first_name": assignment.user.get_short_name(),
            "product_name": product_name,
            "organization_name": benefit.organization.name,
            "account_email": assignment.user.email,
            "alternate_email": assignment.alternate_email,
        },
        organization=benefit.organization,
    )


def _assign_check(*, actor: Actor, benefit: Benefit, user: User, alternate_email: str) -> None:
    if benefit.kind not in (Kind.CLOUD_USAGE, Kind.VISUAL_STUDIO, Kind.SUPPORT):
        raise ValidationError(_("This benefit is not assigned to people."), code="kind")
    if benefit.kind == Kind.CLOUD_USAGE and user.pk != actor.user.pk:
        raise ValidationError(
            _("Activate a usage-based Azure subscription by assigning yourself."), code="self"
        )
    if not Membership.objects.filter(user=user, organization=benefit.organization).exists():
        raise ValidationError(_("Choose a user of your organization."), code="not_member")
    if benefit.kind == Kind.SUPPORT:
        if not alternate_email:
            raise ValidationError(
                _("Give an email address for the support instructions."), code="alternate"
            )
        if alternate_email.strip().lower() == user.email.lower():
            raise ValidationError(
                _(
                    "Give an email address other than the one of their portal account: the "
                    "instructions go to both."
                ),
                code="alternate_same",
            )


def benefit_assign(
    *,
    actor: Actor,
    benefit: Benefit,
    user: User,
    alternate_email: str = "",
    now: datetime | None = None,
) -> BenefitAssignment:
    """Give `user` a seat of `benefit` (a Visual Studio subscription, a support plan, or a
    usage-based Azure subscription assigned to oneself) and tell them by email."""
    organization = _partner_organization(actor, Permission.ASSIGN_BENEFITS)
    if benefit.organization_id != organization.pk:
        raise PermissionDenied
    alternate_email = alternate_email.strip() if benefit.kind == Kind.SUPPORT else ""
    _assign_check(actor=actor, benefit=benefit, user=user, alternate_email=alternate_email)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Locking the benefit makes concurrent assignments take seats one at a time.
            Benefit.objects.select_for_update().filter(pk=benefit.pk).get()
            held = BenefitAssignment.objects.held().filter(benefit=benefit)
            if held.filter(user=user).exists():
                raise _already_assigned_error(user)
            taken = set(held.values_list("seat", flat=True))
            free = [seat for seat in range(1, benefit.seats + 1) if seat not in taken]
            if not free:
                raise ValidationError(
                    _("Every subscription of this benefit is assigned. Remove a user first."),
                    code="full",
                )
            pending = benefit.kind == Kind.SUPPORT
            assignment = BenefitAssignment.objects.create(
                benefit=benefit,
                seat=free[0],
                user=user,
                alternate_email=alternate_email,
                status=BenefitAssignment.Status.PENDING
                if pending
                else BenefitAssignment.Status.ACTIVE,
                activate_at=now + timedelta(days=settings.SUPPORT_ACTIVATION_DELAY_DAYS)
                if pending
                else None,
                activated_at=None if pending else now,
                assigned_by=actor.user,
                assigned_at=now,
            )
            audit_record(
                actor=actor,
                organization=organization,
                action=Action.BENEFIT_ASSIGNED,
                target=assignment,
                details={
                    "product": benefit.product.code,
                    "email": user.email,
                    "seat": assignment.seat,
                },
            )
            _assigned_emails(assignment)
    except IntegrityError as error:
        if constraint_violated(error, BenefitAssignment, ONE_SEAT_PER_USER) or constraint_violated(
            error, BenefitAssignment, ONE_HOLDER_PER_SEAT
        ):
            raise _already_assigned_error(user) from error
        raise
    return assignment


def _already_assigned_error(user: User) -> ValidationError:
    return ValidationError(
        _("%(email)s already has this benefit.") % {"email": user.email}, code="assigned"
    )


def _assigned_emails(assignment: BenefitAssignment) -> None:
    key = assignment.public_id
    if assignment.benefit.kind == Kind.VISUAL_STUDIO:
        _notify_assignee(
            kind="benefit_visual_studio_assigned",
            assignment=assignment,
            recipient=assignment.user.email,
            dedupe_key=f"benefit-vs-assigned:{key}",
        )
    elif assignment.benefit.kind == Kind.SUPPORT:
        # As a precaution the instructions go to both addresses, each its own email.
        for which, recipient in (
            ("account", assignment.user.email),
            ("alternate", assignment.alternate_email),
        ):
            _notify_assignee(
                kind="benefit_support_instructions",
                assignment=assignment,
                recipient=recipient,
                dedupe_key=f"benefit-support-instructions:{key}:{which}",
            )


@transaction.atomic
def benefit_unassign(*, actor: Actor, assignment: BenefitAssignment) -> BenefitAssignment:
    """Free the seat, so that it can be assigned to someone else."""
    organization = _partner_organization(actor, Permission.ASSIGN_BENEFITS)
    assignment = (
        BenefitAssignment.objects.select_for_update(of=("self",))
        .select_related("benefit__product", "user")
        .get(pk=assignment.pk, benefit__organization=organization)
    )
    if assignment.status == BenefitAssignment.Status.REMOVED:
        return assignment
    assignment.status = BenefitAssignment.Status.REMOVED
    assignment.removed_at = timezone.now()
    assignment.removed_by = actor.user
    assignment.save(update_fields=["status", "removed_at", "removed_by"])
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.BENEFIT_UNASSIGNED,
        target=assignment,
        details={"product": assignment.benefit.product.code, "email": assignment.user.email},
    )
    return assignment


def support_activations_run(*, now: datetime | None = None) -> int:
    """Activate the support benefits whose delay has passed and email their users. Each is
    its own transaction, so one failure does not hold back the others."""
    now = now or timezone.now()
    due = BenefitAssignment.objects.filter(
        status=BenefitAssignment.Status.PENDING, activate_at__lte=now
    ).values_list("pk", flat=True)
    return sum(support_activate(assignment_id=pk, now=now) for pk in list(due))


@transaction.atomic
def support_activate(*, assignment_id: int, now: datetime) -> bool:
    assignment = (
        BenefitAssignment.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("benefit__product", "benefit__organization", "user")
        .filter(pk=assignment_id, status=BenefitAssignment.Status.PENDING, activate_at__lte=now)
        .first()
    )
    if assignment is None:
        return False
    assignment.status = BenefitAssignment.Status.ACTIVE
    assignment.activated_at = now
    assignment.save(update_fields=["status", "activated_at"])
    audit_record(
        actor=ANONYMOUS,
        organization=assignment.benefit.organization,
        action=Action.BENEFIT_ACTIVATED,
        target=assignment,
        details={"product": assignment.benefit.product.code, "email": assignment.user.email},
    )
    _notify_assignee(
        kind="benefit_support_activated",
        assignment=assignment,
        recipient=assignment.user.email,
        dedupe_key=f"benefit-support-activated:{assignment.public_id}",
    )
    return True
