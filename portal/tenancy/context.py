"""Who is acting, for which organizations: computed once per request or task, then passed.

The middleware builds the actor for a request (`request.actor`); tasks, management commands
and the admin build theirs with `actor_build`. Services and selectors take it as an explicit
`actor=` argument and never read the session or the request, so that a later
row-level-security layer has one value to take its settings from.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from .models import MANAGING_ROLES, Membership, Permission, role_rank

if TYPE_CHECKING:
    from django.http import HttpRequest

    from portal.accounts.models import User

    from .models import Organization

SESSION_ORGANIZATION_KEY = "current_organization_id"


@dataclass(frozen=True)
class Actor:
    user: "User | None"
    # The membership in the organization the user is acting for, if any.
    membership: Membership | None = None
    memberships: tuple[Membership, ...] = ()
    ip_address: str | None = None
    # The name of the API token acting, if one is: the audit trail says "token X of
    # organization Y".
    via_token: str = ""
    organization_ids: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        ids = frozenset(m.organization_id for m in self.memberships)
        object.__setattr__(self, "organization_ids", ids)

    @property
    def organization(self) -> "Organization | None":
        return self.membership.organization if self.membership else None

    @property
    def signed_in_user(self) -> "User":
        """The user acting, for the services that need one: an anonymous actor is refused
        (the same answer as a page it may not see)."""
        if self.user is None:
            raise PermissionDenied
        return self.user

    @property
    def acting_organization(self) -> "Organization":
        """The organization the actor acts for, for the services that need one: an actor
        acting for none is refused."""
        if self.membership is None:
            raise PermissionDenied
        return self.membership.organization

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def rank(self) -> int:
        return role_rank(self.role)

    def outranked_by(self, role: str | None) -> bool:
        """Is `role` ranked above the actor's own (so that they may neither act on it nor
        grant it)?"""
        return role_rank(role) > self.rank

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @property
    def can_manage_organization(self) -> bool:
        return self.organization is not None and self.role in MANAGING_ROLES

    def has_permission(self, permission: str) -> bool:
        """May the actor do `permission` (a tenancy.models.Permission) in the current
        organization?"""
        return self.membership is not None and self.membership.has_permission(permission)

    @property
    def can_manage_users(self) -> bool:
        return self.has_permission(Permission.MANAGE_USERS)

    @property
    def organizations(self) -> list["Organization"]:
        return [m.organization for m in self.memberships]


ANONYMOUS = Actor(user=None)


def actor_build(
    *, user: "User", organization_id: int | None = None, ip_address: str | None = None
) -> Actor:
    """The actor for `user`, acting for `organization_id` if they belong to it.

    Falls back to their first organization (by name) when that id is not one of theirs any
    more, so a revoked membership takes effect on the very next request.
    """
    memberships = tuple(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    current = next((m for m in memberships if m.organization_id == organization_id), None)
    if current is None and memberships:
        current = memberships[0]
    return Actor(
        user=user,
        membership=current,
        memberships=memberships,
        ip_address=ip_address,
    )


def actor_for_membership(
    membership: Membership, *, ip_address: str | None = None, via_token: str = ""
) -> Actor:
    """The actor of one membership and nothing else: an API token acts as its organization
    only, never as the other organizations its maker belongs to."""
    return Actor(
        user=membership.user,
        membership=membership,
        memberships=(membership,),
        ip_address=ip_address,
        via_token=via_token,
    )


def actor_for_request(request: "HttpRequest") -> Actor:
    if not request.user.is_authenticated:
        return ANONYMOUS
    wanted = request.session.get(SESSION_ORGANIZATION_KEY)
    actor = actor_build(
        user=request.user, organization_id=wanted, ip_address=request.META.get("REMOTE_ADDR")
    )
    current = actor.organization.pk if actor.organization else None
    if current != wanted:
        request.session[SESSION_ORGANIZATION_KEY] = current
    return actor
