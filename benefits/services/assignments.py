"""Assigning a benefit's seats to people, removing them, and activating support plans."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from benefits.integrity import constraint_violated
from benefits.models import (
    Benefit,
    BenefitAssignment,
    Kind,
)
from benefits.services.common import ONE_HOLDER_PER_SEAT, ONE_SEAT_PER_USER, partner_organization
from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import ANONYMOUS, Actor
from portal.tenancy.models import Membership, Permission


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
    if benefit.kind == Kind.CLOUD_USAGE and user.pk != actor.signed_in_user.pk:
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
    organization = partner_organization(actor, Permission.ASSIGN_BENEFITS)
    if benefit.organization_id != organization.pk:
        raise PermissionDenied
    alternate_email = alternate_email.strip() if benefit.kind == Kind.SUPPORT else ""
    _assign_check(actor=actor, benefit=benefit, user=user, alternate_email=alternate_email)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            seat = _free_seat_lock(benefit, user)
            pending = benefit.kind == Kind.SUPPORT
            assignment = BenefitAssignment.objects.create(
                benefit=benefit,
                seat=seat,
                user=user,
                alternate_email=alternate_email,
                status=BenefitAssignment.Status.PENDING
                if pending
                else BenefitAssignment.Status.ACTIVE,
                activate_at=now + timedelta(days=settings.SUPPORT_ACTIVATION_DELAY_DAYS)
                if pending
                else None,
                activated_at=None if pending else now,
                assigned_by=actor.signed_in_user,
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


def _free_seat_lock(benefit: Benefit, user: User) -> int:
    """The first free seat of `benefit` for `user`, with the benefit locked: concurrent
    assignments take seats one at a time. Call it inside a transaction."""
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
    return free[0]


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
    organization = partner_organization(actor, Permission.ASSIGN_BENEFITS)
    assignment = (
        BenefitAssignment.objects.select_for_update(of=("self",))
        .select_related("benefit__product", "user")
        .get(pk=assignment.pk, benefit__organization=organization)
    )
    if assignment.status == BenefitAssignment.Status.REMOVED:
        return assignment
    assignment.status = BenefitAssignment.Status.REMOVED
    assignment.removed_at = timezone.now()
    assignment.removed_by = actor.signed_in_user
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
