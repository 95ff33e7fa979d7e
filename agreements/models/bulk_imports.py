"""An Excel workbook uploaded to add or edit subscribers in bulk."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .agreement import Agreement

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class BulkImportQuerySet(models.QuerySet["BulkImport"]):
    def visible_to(self, actor: "Actor") -> "BulkImportQuerySet":
        return self.filter(agreement__in=Agreement.objects.visible_to(actor).values("pk"))


class BulkImport(models.Model):
    """An uploaded workbook of subscribers to add or edit, kept in the database so that any
    worker can read it, with its progress and, on failure, the workbook with its errors."""

    class Kind(models.TextChoices):
        ADD = "add", _("Bulk add")
        EDIT = "edit", _("Bulk edit")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Has errors")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The organization the uploader acted for: the worker acts for it too.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The uploaded workbook with each bad row's error in its Error message column.
    result = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BulkImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
