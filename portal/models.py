from django.db import models


class AttemptCount(models.Model):
    """A rate-limit count kept in PostgreSQL while Redis, where counts normally live, is down
    (portal/limits.py): the limits hold during an outage too."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
