"""A person dismisses an alert from their own bell; critical alerts stay until they clear."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.tenancy.context import Actor

from ..models import Alert, AlertDismissal, Severity


def alert_dismiss(*, actor: Actor, alert: Alert) -> AlertDismissal:
    """Dismiss `alert` (one the actor may see) for the actor only; dismissing it again is
    the same dismissal. A critical alert cannot be dismissed."""
    if not Alert.objects.visible_to(actor).open().filter(pk=alert.pk).exists():
        raise ValidationError(_("This alert is no longer open."))
    if alert.severity == Severity.CRITICAL:
        raise ValidationError(_("A critical alert stays until what it reports is resolved."))
    dismissal, _created = AlertDismissal.objects.get_or_create(
        alert=alert, user=actor.signed_in_user, defaults={"dismissed_at": timezone.now()}
    )
    return dismissal


def alerts_dismiss_all(*, actor: Actor) -> int:
    """Dismiss, for the actor, every open alert of theirs that is not critical; returns how
    many were newly dismissed."""
    user = actor.signed_in_user
    alerts = (
        Alert.objects.visible_to(actor)
        .open()
        .undismissed_by(user)
        .exclude(severity=Severity.CRITICAL)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    created = AlertDismissal.objects.bulk_create(
        [AlertDismissal(alert_id=pk, user=user, dismissed_at=now) for pk in alerts],
        ignore_conflicts=True,
    )
    return len(created)
