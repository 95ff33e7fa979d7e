"""Daily snapshots of assigned seats, the source of maximum usage."""

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F

from .agreement import AgreementLine

if TYPE_CHECKING:
    pass


class UsageSnapshot(models.Model):
    """The most seats of a line assigned at once on one day: kept up to date by every
    assignment, and written for every line by a daily beat task even on quiet days.

    Write it only with the line locked (select_for_update), as both writers do: otherwise two
    writers inserting the day's row at once deadlock on the deferred foreign key.
    """

    line = models.ForeignKey(AgreementLine, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    max_assigned = models.PositiveIntegerField()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["line", "day"], name="%(app_label)s_%(class)s_unique"),
        ]
        indexes = [
            # A line's peak of a period is the first row of this index inside the period:
            # one or two index entries read, not a year of daily rows.
            models.Index(
                F("line"), F("max_assigned").desc(), F("day").desc(), name="usage_line_peak"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} on {self.day}: {self.max_assigned}"
