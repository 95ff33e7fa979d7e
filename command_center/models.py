"""Tags an organization puts on the agreements it manages, to sort its customers its way."""

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class TagQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "TagQuerySet":
        """An organization's tags are its own: nobody else sees them, customers included."""
        if actor.organization is None or not actor.is_authenticated:
            return self.none()
        return self.filter(organization=actor.organization)


class Tag(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="command_center_tags"
    )
    name = models.CharField(_("tag"), max_length=40)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="%(app_label)s_%(class)s_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgreementTagQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "AgreementTagQuerySet":
        from agreements.models import Agreement

        return self.filter(
            tag__in=Tag.objects.visible_to(actor),
            agreement__in=Agreement.objects.visible_to(actor).values("pk"),
        )


class AgreementTag(models.Model):
    """One tag on one agreement (a customer's Open License) of the tag's organization."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="command_center_tags"
    )

    objects = AgreementTagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("tag", "agreement", name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} · {self.agreement_id}"
