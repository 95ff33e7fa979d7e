"""Whether each subscription's subscriber opened it, and when they were last seen."""

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class SubscriptionActivityQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "SubscriptionActivityQuerySet":
        from .agreement import Agreement

        return self.filter(
            subscription__agreement__in=Agreement.objects.visible_to(actor).values("pk")
        )


class SubscriptionActivity(models.Model):
    """The subscriber of the seat's current assignment opened it (activated) and was last
    seen. A row about an earlier assignment of the seat (its `assigned_at` differs) says
    nothing about the current subscriber: the seat counts as never activated again."""

    subscription = models.OneToOneField(
        "agreements.Subscription",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="activity",
    )
    # The Subscription.assigned_at of the assignment this row is about.
    assigned_at = models.DateTimeField()
    activated_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    objects = SubscriptionActivityQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.subscription_id}: seen {self.last_seen_at:%Y-%m-%d}"
