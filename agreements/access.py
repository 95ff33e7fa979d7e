"""The one access rule: who may see an agreement, and what they may do with it.

An actor sees an agreement while acting for their current organization as one of its
customer's administrators (super admin, admin or reader), or as a partner whose link grants
access today (active, within its end date). A read-only partner, like a customer's reader,
sees everything and changes nothing. `agreement_access_filter` is the rule as a query over
many agreements (`Agreement.objects.visible_to`), `agreement_access` the same rule on one
agreement, and `agreements_with_grants` with `granted_access` the same rule read in the query
that loads the agreement (`access_of_grants` when that query reads plain values); all are
built from `_grants`, and tests/agreements/test_access_rule.py proves they agree.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from .models import AgreementAdmin, PartnerLink

if TYPE_CHECKING:
    from portal.tenancy.context import Actor
    from portal.tenancy.models import Organization

    from .models import Agreement


class AgreementAccess(models.TextChoices):
    """What the actor may do with an agreement they can see."""

    SUPER_ADMIN = "super_admin", _("Super admin")
    ADMIN = "admin", _("Admin")
    READER = "reader", _("Reader")
    PARTNER = "partner", _("Partner")
    PARTNER_READ_ONLY = "partner_read_only", _("Partner, read only")

    @property
    def is_customer(self) -> bool:
        """One of the customer's people: sees the customer's pages (History, Partners...)."""
        return self in (AgreementAccess.SUPER_ADMIN, AgreementAccess.ADMIN, AgreementAccess.READER)

    @property
    def is_customer_admin(self) -> bool:
        return self in (AgreementAccess.SUPER_ADMIN, AgreementAccess.ADMIN)

    @property
    def is_super_admin(self) -> bool:
        return self is AgreementAccess.SUPER_ADMIN

    @property
    def can_write(self) -> bool:
        return self not in (AgreementAccess.PARTNER_READ_ONLY, AgreementAccess.READER)


@dataclass(frozen=True)
class _Grants:
    """The rows that give an actor access, and the organization the admin rows count for."""

    organization: "Organization"
    admin_roles: QuerySet[AgreementAdmin]
    partner_links: QuerySet[PartnerLink]


def _grants(actor: "Actor") -> _Grants | None:
    if actor.organization is None or not actor.is_authenticated:
        return None
    return _Grants(
        organization=actor.organization,
        admin_roles=AgreementAdmin.objects.filter(user=actor.user),
        partner_links=PartnerLink.objects.granting_access().filter(
            partner_organization=actor.organization
        ),
    )


def agreement_access_filter(actor: "Actor") -> Q:
    """The rule as a filter on agreements."""
    grants = _grants(actor)
    if grants is None:
        return Q(pk__in=[])
    as_admin = Exists(grants.admin_roles.filter(agreement=OuterRef("pk")))
    as_partner = Exists(grants.partner_links.filter(agreement=OuterRef("pk")))
    return Q(as_admin, customer_organization=grants.organization) | Q(as_partner)


def _access_of(role: str | None, scope: str | None) -> AgreementAccess | None:
    """The access an admin role (counted only on the organization's own agreement) or else
    a partner link's scope gives."""
    if role:
        return AgreementAccess(role)
    match scope:
        case None:
            return None
        case PartnerLink.Scope.READ_ONLY:
            return AgreementAccess.PARTNER_READ_ONLY
        case _:
            return AgreementAccess.PARTNER


def agreement_access(*, actor: "Actor", agreement: "Agreement") -> AgreementAccess | None:
    """The rule on one agreement: the actor's access to it, or None."""
    grants = _grants(actor)
    if grants is None:
        return None
    role = None
    if agreement.customer_organization_id == grants.organization.pk:
        role = grants.admin_roles.filter(agreement=agreement).values_list("role", flat=True).first()
    if role:
        return AgreementAccess(role)
    scope = grants.partner_links.filter(agreement=agreement).values_list("scope", flat=True)
    return _access_of(None, scope.first())


def agreements_with_grants(*, actor: "Actor", agreements: QuerySet) -> QuerySet:
    """`agreements` with the actor's grants on each, for `granted_access`: the rule on one
    agreement read in the query that reads the agreement, not in queries of its own."""
    grants = _grants(actor)
    if grants is None:
        return agreements.none()
    return agreements.annotate(
        granted_role=Subquery(
            grants.admin_roles.filter(agreement=OuterRef("pk")).values("role")[:1]
        ),
        granted_scope=Subquery(
            grants.partner_links.filter(agreement=OuterRef("pk")).values("scope")[:1]
        ),
    )


def granted_access(*, actor: "Actor", agreement: Any) -> AgreementAccess | None:
    """The rule on an agreement read through `agreements_with_grants` (Any: the stubs
    cannot see its annotations)."""
    return access_of_grants(
        actor=actor,
        customer_organization_id=agreement.customer_organization_id,
        role=agreement.granted_role,
        scope=agreement.granted_scope,
    )


def access_of_grants(
    *, actor: "Actor", customer_organization_id: int | None, role: str | None, scope: str | None
) -> AgreementAccess | None:
    """The same, from those annotations read as plain values (`.values()`): the admin role
    counts on the organization's own agreement only."""
    organization = actor.organization
    own = organization is not None and customer_organization_id == organization.pk
    return _access_of(role if own else None, scope)


def agreement_writable(*, actor: "Actor", agreement: "Agreement") -> bool:
    """May the actor change the agreement's subscriptions? Not a read-only partner."""
    access = agreement_access(actor=actor, agreement=agreement)
    return access is not None and access.can_write
