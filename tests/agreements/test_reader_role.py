"""An agreement's Reader (auditors, finance) sees everything an admin sees and changes
nothing; agreement roles cannot be climbed: only a super admin names admins and readers."""

import pytest
from django.core import mail
from django.urls import reverse

from agreements.models import AdminRole, AgreementAdmin, AgreementInvitation, Subscription

from ..factories import AgreementAdminFactory, MembershipFactory, PartnerLinkFactory, UserFactory
from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(agreement, organization):
    user = UserFactory(email="rita.reader@fabrikam.example")
    MembershipFactory(organization=organization, user=user)
    AgreementAdminFactory(agreement=agreement, user=user, role=AdminRole.READER)
    return user


@pytest.fixture
def admin(agreement, organization):
    user = UserFactory(email="adam.admin@fabrikam.example")
    MembershipFactory(organization=organization, user=user)
    AgreementAdminFactory(agreement=agreement, user=user, role=AdminRole.ADMIN)
    return user


def _url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.public_id, *args])


def test_a_reader_sees_every_page_an_admin_sees_with_nothing_to_change(agreement, reader, partner):
    PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    client = client_for(reader)

    for name in ("overview", "subscribers", "usage", "administrators", "partners", "history"):
        assert client.get(_url(name, agreement)).status_code == 200, name
    assert client.get(_url("history_export", agreement)).status_code == 200
    assert client.get(_url("subscribers_export_csv", agreement)).status_code == 200
    subscribers = client.get(_url("subscribers", agreement)).content.decode()
    partners = client.get(_url("partners", agreement)).content.decode()
    assert "Add subscriber" not in subscribers
    assert "Remove access" not in partners
    assert "as a reader" in client.get(_url("overview", agreement)).content.decode()


def test_a_reader_writes_nothing_even_by_direct_post(agreement, reader, partner):
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    client = client_for(reader)
    level = agreement.lines.get().level

    add = client.post(
        _url("subscriber_add", agreement),
        {
            "first_name": "Eve",
            "last_name": "Intruder",
            "sign_in_email": "eve@fabrikam.example",
            "level": level.code,
            "country": "FR",
            "language": "fr",
        },
    )
    remove = client.post(_url("partner_remove", agreement, link.public_id))

    assert add.status_code == remove.status_code == 404
    assert not Subscription.objects.exists()
    link.refresh_from_db()
    assert link.is_active
    assert mail.outbox == []


def test_an_admin_cannot_name_a_super_admin_or_remove_one(agreement, admin, super_admin):
    client = client_for(admin)

    invite = client.post(
        _url("administrators", agreement),
        {"email": "boss@fabrikam.example", "role": AdminRole.SUPER_ADMIN},
    )
    chloe = AgreementAdmin.objects.get(user=super_admin)
    remove = client.post(_url("administrator_remove", agreement, chloe.pk))

    assert invite.status_code == remove.status_code == 404
    assert not AgreementInvitation.objects.exists()
    assert AgreementAdmin.objects.filter(pk=chloe.pk).exists()


def test_a_super_admin_names_a_reader_who_joins_as_one(agreement, customer_client):
    response = customer_client.post(
        _url("administrators", agreement),
        {"email": "rita.reader@fabrikam.example", "role": AdminRole.READER},
    )

    assert response.status_code == 302
    assert AgreementInvitation.objects.get().role == AdminRole.READER
