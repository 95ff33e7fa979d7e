"""A subscriber's seat on an agreement line."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from .agreement import Agreement, AgreementLine

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def visible_to(self, actor: "Actor") -> "SubscriptionQuerySet":
        """Subscriptions of the agreements the actor may manage."""
        return self.filter(agreement__in=Agreement.objects.visible_to(actor).values("pk"))

    def assigned(self) -> "SubscriptionQuerySet":
        return self.filter(assigned_at__isnull=False)


# The Subscribers grid (agreements/grid.py) reads any first page straight from one of these:
# one per sortable column, on the agreement's assigned seats, ending with the grid's
# tie-breakers. Descending order on a column of few values needs an index of its own, as the
# tie-breakers stay ascending. Its filter uses a trigram index that only PostgreSQL has,
# made by migration 0005 alone. EXPLAIN figures: bench/README.md.
_ASSIGNED = Q(assigned_at__isnull=False)
_TIE_BREAKERS = (Lower("last_name"), Lower("first_name"), F("id"))
# The grid's order by a date the seat may lack (not yet activated, never seen): the missing
# ones as the oldest, first going up and last going down, by sorting on "has one" first.
# Not NULLS FIRST / LAST: SQLite refuses them in an index, and the indexes below serve it.
ACTIVATED_ORDER = (IsNull(F("activated_at"), False), F("activated_at"))
LAST_SEEN_ORDER = (IsNull(F("last_seen_at"), False), F("last_seen_at"))
_DATE_ORDERS = ((ACTIVATED_ORDER, "sub_grid_activated"), (LAST_SEEN_ORDER, "sub_grid_seen"))
SUBSCRIBER_GRID_INDEXES = [
    models.Index(F("agreement"), *_TIE_BREAKERS, condition=_ASSIGNED, name="sub_grid_last"),
    models.Index(
        F("agreement"),
        Lower("first_name"),
        Lower("last_name"),
        F("id"),
        condition=_ASSIGNED,
        name="sub_grid_first",
    ),
    models.Index(
        F("agreement"), Lower("sign_in_email"), condition=_ASSIGNED, name="sub_grid_email"
    ),
    *(
        models.Index(
            F("agreement"),
            *(part.desc() for part in order),
            *_TIE_BREAKERS,
            condition=_ASSIGNED,
            name=f"{name}_desc",
        )
        for order, name in _DATE_ORDERS
    ),
    *(
        models.Index(F("agreement"), *order, *_TIE_BREAKERS, condition=_ASSIGNED, name=name)
        for order, name in _DATE_ORDERS
    ),
    *(
        models.Index(F("agreement"), column, *_TIE_BREAKERS, condition=_ASSIGNED, name=name)
        for column, name in (
            (Lower("notification_email"), "sub_grid_notify"),
            (Lower("reference"), "sub_grid_reference"),
            (Lower("reference").desc(), "sub_grid_reference_desc"),
            (F("downloads_enabled"), "sub_grid_downloads"),
            (F("downloads_enabled").desc(), "sub_grid_downloads_desc"),
            (F("country"), "sub_grid_country"),
            (F("country").desc(), "sub_grid_country_desc"),
            (F("language"), "sub_grid_language"),
            (F("language").desc(), "sub_grid_language_desc"),
        )
    ),
]


class Subscription(models.Model):
    """One seat of an agreement line: a Visual Studio subscription with its own GUID, assigned
    to a person or free. A freed seat keeps who had it last and when, for the 90-day rule.

    Rows are made when first assigned, so a line has at most `seats_purchased` of them.
    """

    guid = models.UUIDField(_("subscription GUID"), default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="subscriptions")
    line = models.ForeignKey(AgreementLine, on_delete=models.CASCADE, related_name="subscriptions")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    sign_in_email = models.EmailField(_("sign-in email"), blank=True)
    notification_email = models.EmailField(_("notification email"), blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    downloads_enabled = models.BooleanField(_("downloads"), default=True)
    country = models.CharField(_("country/region"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # Empty while the seat is free.
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    last_assignee_email = models.EmailField(blank=True)
    # When the subscriber of the current assignment first opened the seat (activated it) and
    # was last seen; both empty again at each new assignment, for the new subscriber. On the
    # seat so that the never-activated seats and an agreement's last seen are read off
    # partial indexes, not worked out from every seat of the agreement.
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "line",
                Lower("sign_in_email"),
                condition=Q(assigned_at__isnull=False),
                name="%(app_label)s_%(class)s_one_per_person_and_level",
            ),
            models.CheckConstraint(
                condition=Q(assigned_at__isnull=True) | ~Q(sign_in_email=""),
                name="%(app_label)s_%(class)s_assigned_has_email",
            ),
        ]
        indexes = [
            models.Index(fields=["agreement", "assigned_at"], name="subscription_agr_assigned"),
            models.Index(Lower("sign_in_email"), name="subscription_sign_in_lower"),
            models.Index(
                fields=["agreement"],
                condition=Q(assigned_at__isnull=False, activated_at__isnull=True),
                name="subscription_never_activated",
            ),
            # The agreement's last seen: the first entry of its part of this index.
            models.Index(
                F("agreement"),
                F("last_seen_at").desc(),
                condition=Q(last_seen_at__isnull=False),
                name="subscription_last_seen",
            ),
            *SUBSCRIBER_GRID_INDEXES,
        ]

    def __str__(self) -> str:
        return f"{self.guid} ({self.sign_in_email or 'free'})"

    @property
    def is_assigned(self) -> bool:
        return self.assigned_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def contact_email(self) -> str:
        """Where the subscriber's emails go."""
        return self.notification_email or self.sign_in_email
