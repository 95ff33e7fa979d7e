"""The one access rule has two forms, a filter for many agreements (`visible_to`) and a
check of one (`agreement_access`): for any actor, admin role and partner link state they
agree, and the check's answer follows the rule's words."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.access import (
    AgreementAccess,
    agreement_access,
    agreements_with_grants,
    granted_access,
)
from agreements.models import Agreement, PartnerLink
from portal.tenancy.models import Role

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LINK_STATES = {
    "none": None,
    "pending": {"status": PartnerLink.Status.PENDING},
    "active": {},
    "read_only": {"scope": PartnerLink.Scope.READ_ONLY},
    "ends_tomorrow": {"ends_on": 1},
    "ends_today": {"ends_on": 0},
    "declined": {"status": PartnerLink.Status.DECLINED, "removed": True},
    "expired": {"status": PartnerLink.Status.EXPIRED, "removed": True},
    "removed": {"status": PartnerLink.Status.REMOVED, "removed": True},
    "ended": {"status": PartnerLink.Status.ENDED, "removed": True, "ends_on": -1},
}


class _Rollback(Exception):
    pass


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    acting_for=st.sampled_from(["customer", "partner", "other", "nobody"]),
    onboarded=st.booleans(),
    admin_role=st.sampled_from([None, "admin", "super_admin", "reader"]),
    own_link=st.sampled_from(sorted(LINK_STATES)),
    others_link=st.sampled_from(sorted(LINK_STATES)),
)
def test_visible_to_and_agreement_access_agree(
    acting_for, onboarded, admin_role, own_link, others_link
):
    try:
        with transaction.atomic():
            _check(acting_for, onboarded, admin_role, own_link, others_link)
            raise _Rollback
    except _Rollback:
        pass


def _link(agreement, organization, state: str) -> None:
    spec = dict(LINK_STATES[state] or {})
    if LINK_STATES[state] is None:
        return
    now, today = timezone.now(), timezone.localdate()
    if spec.pop("removed", False):
        spec["removed_at"] = now
    if "ends_on" in spec:
        spec["ends_on"] = today + timedelta(days=spec["ends_on"])
    PartnerLinkFactory(agreement=agreement, partner_organization=organization, **spec)


def _check(acting_for, onboarded, admin_role, own_link, others_link):
    customer = OrganizationFactory(is_customer=True)
    partner = PartnerOrganizationFactory()
    other = OrganizationFactory()
    user = UserFactory()
    for organization in (customer, partner, other):
        MembershipFactory(organization=organization, user=user, role=Role.MEMBER)
    agreement = AgreementFactory(customer_organization=customer if onboarded else None)
    if admin_role:
        AgreementAdminFactory(agreement=agreement, user=user, role=admin_role)
    _link(agreement, partner, own_link)
    _link(agreement, PartnerOrganizationFactory(), others_link)
    organization = {"customer": customer, "partner": partner, "other": other}.get(acting_for)
    actor = actor_of(user, organization) if organization else actor_of(UserFactory(), None)

    visible = Agreement.objects.visible_to(actor).filter(pk=agreement.pk).exists()
    access = agreement_access(actor=actor, agreement=agreement)
    read_with = agreements_with_grants(actor=actor, agreements=Agreement.objects.all())
    read_with_agreement = read_with.filter(pk=agreement.pk).first()
    granted = (
        granted_access(actor=actor, agreement=read_with_agreement) if read_with_agreement else None
    )

    assert visible == (access is not None)
    assert granted == access
    # The rule in words.
    if acting_for == "customer" and onboarded and admin_role:
        assert access == AgreementAccess(admin_role)
    elif acting_for == "partner" and own_link in ("active", "ends_tomorrow"):
        assert access is AgreementAccess.PARTNER
    elif acting_for == "partner" and own_link == "read_only":
        assert access is AgreementAccess.PARTNER_READ_ONLY
    else:
        assert access is None
