"""Secrets go only where they are meant to: a product key to the page that reveals it, a
password nowhere at all. Never into logs, the audit trail, the outbox or emails."""

import json
import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from benefits.catalogue import catalogue_install_current
from benefits.crypto import key_decrypt
from benefits.models import Benefit, BenefitPackage, ProductKey
from notifications.models import Notification
from portal.audit.models import AuditEntry
from portal.tenancy.models import Role

from ..benefits.conftest import buy
from ..factories import (
    MembershipFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def every_log_record(caplog):
    """Every record of every logger, at every level, while the test runs."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _stored_text() -> str:
    """What the audit trail and the outbox hold, and every email sent."""
    audit = list(AuditEntry.objects.values_list("details", "target_repr", "action"))
    outbox = list(Notification.objects.values_list("context", "recipient", "error"))
    emails = [
        (message.subject, message.body, [content for content, _ in message.alternatives])
        for message in mail.outbox
    ]
    return json.dumps([audit, outbox, emails], default=str)


def test_a_revealed_product_key_reaches_only_the_page_that_shows_it(
    every_log_record, django_capture_on_commit_callbacks
):
    catalogue_install_current()
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    PartnerMembershipFactory(organization=partner)
    owner = UserFactory()
    MembershipFactory(organization=partner, user=owner, role=Role.OWNER)
    purchase = buy(
        owner,
        partner,
        BenefitPackage.objects.get(code="action-pack"),
        django_capture_on_commit_callbacks,
    )
    client = Client()
    client.force_login(owner)

    revealed = []
    for benefit in Benefit.objects.filter(purchase=purchase, keys__isnull=False).distinct():
        page = client.post(reverse("benefits:benefit_keys", args=[benefit.public_id]))
        keys = [key_decrypt(key.ciphertext) for key in benefit.keys.all()]
        assert all(key in page.content.decode() for key in keys), "the reveal shows them"
        detail = client.get(reverse("benefits:benefit", args=[benefit.public_id]))
        assert not any(key in detail.content.decode() for key in keys), "only on request"
        revealed += keys

    assert len(revealed) == ProductKey.objects.count() > 0
    logged = "\n".join(record.getMessage() for record in every_log_record.records)
    stored = _stored_text()
    for key in revealed:
        assert key not in logged
        assert key not in stored


def test_a_password_is_never_logged_stored_in_clear_or_emailed(
    every_log_record, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:sign_up"),
            {
                "full_name": "Ana Lima",
                "email": "ana@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "preferred_language": "en",
            },
        )
        client.post(
            reverse("accounts:login"), {"username": "ana@example.com", "password": "wrong-1"}
        )
        client.post(reverse("accounts:password_reset"), {"email": "ana@example.com"})

    assert len(mail.outbox) >= 1, "the sign-up sent its verification email"
    logged = "\n".join(record.getMessage() for record in every_log_record.records)
    assert PASSWORD not in logged and "wrong-1" not in logged
    assert PASSWORD not in _stored_text()
