"""Product keys are encrypted at rest, shown only to users allowed to see them, and every
reveal is in the audit log; the encryption key can be rotated."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from benefits import crypto, services
from benefits.checks import benefit_key_encryption_keys_check
from benefits.models import ProductKey
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Permission

from ..conftest import actor_of
from ..project.paths import ROOT
from .conftest import benefit, client_for, member_of

pytestmark = pytest.mark.django_db


def _raw_key_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM benefits_productkey ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _keys_url(item) -> str:
    return reverse("benefits:benefit_keys", args=[item.public_id])


def test_the_database_column_never_holds_a_product_key_in_clear(partner, ana, provisioned):
    windows = benefit(provisioned, "windows-11-pro")

    keys = services.benefit_keys_reveal(actor=actor_of(ana, partner), benefit=windows)

    stored = _raw_key_columns()
    assert len(keys) == 2 and all(len(key) == 29 for key in keys)
    for key in keys:
        assert all(key not in column for column in stored)
        assert all(key.replace("-", "") not in column for column in stored)
    assert all(column.startswith("gAAAA") for column in stored), "Fernet tokens"


def test_getting_keys_shows_them_with_the_special_instructions_and_audits_it(
    partner, ana, ana_client, provisioned
):
    office = benefit(provisioned, "office-professional-plus")

    response = ana_client.post(_keys_url(office), headers={"HX-Request": "true"})

    page = response.content.decode()
    (clear,) = [crypto.key_decrypt(k.ciphertext) for k in office.keys.all()]
    assert clear in page
    assert "<html" not in page, "htmx gets the fragment only"
    full = ana_client.post(_keys_url(office)).content.decode()
    assert clear in full and "Activate within 30 days of installation." in full
    entries = AuditEntry.objects.filter(organization=partner, action=Action.BENEFIT_KEYS_REVEALED)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == ana
    assert entry.details == {"product": "office-professional-plus", "keys": 1}
    assert clear not in str(list(AuditEntry.objects.values_list("details", "target_repr")))


def test_a_user_whose_role_does_not_allow_it_never_sees_keys(partner, eve, provisioned):
    office = benefit(provisioned, "office-professional-plus")
    client = client_for(eve)

    with pytest.raises(PermissionDenied):
        services.benefit_keys_reveal(actor=actor_of(eve, partner), benefit=office)
    detail = client.get(reverse("benefits:benefit", args=[office.public_id])).content.decode()
    response = client.post(_keys_url(office))

    assert "Get keys" not in detail
    assert "Your permissions do not include seeing product keys." in detail
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=Action.BENEFIT_KEYS_REVEALED).exists()


def test_a_member_granted_reveal_keys_sees_them(partner, provisioned):
    viewer = member_of(partner, Permission.REVEAL_KEYS)
    office = benefit(provisioned, "office-professional-plus")

    response = client_for(viewer).post(_keys_url(office))

    assert response.status_code == 200
    assert crypto.key_decrypt(office.keys.get().ciphertext) in response.content.decode()


def test_benefits_without_keys_have_no_get_keys(partner, ana, provisioned):
    azure = benefit(provisioned, "azure-credit")

    with pytest.raises(PermissionDenied):
        services.benefit_keys_reveal(actor=actor_of(ana, partner), benefit=azure)


def test_rotating_the_encryption_key_keeps_every_product_key_readable(
    partner, ana, provisioned, settings
):
    windows = benefit(provisioned, "windows-11-pro")
    before = services.benefit_keys_reveal(actor=actor_of(ana, partner), benefit=windows)
    old_key = settings.BENEFIT_KEY_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.BENEFIT_KEY_ENCRYPTION_KEYS = [new_key, old_key]
    old_tokens = _raw_key_columns()

    call_command("benefit_keys_reencrypt", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert set(_raw_key_columns()).isdisjoint(old_tokens)
    settings.BENEFIT_KEY_ENCRYPTION_KEYS = [new_key]
    assert services.benefit_keys_reveal(actor=actor_of(ana, partner), benefit=windows) == before
    settings.BENEFIT_KEY_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(crypto.InvalidToken):
        crypto.key_decrypt(ProductKey.objects.first().ciphertext)


def test_the_portal_refuses_to_run_without_an_encryption_key(settings):
    settings.BENEFIT_KEY_ENCRYPTION_KEYS = []
    assert [e.id for e in benefit_key_encryption_keys_check(None)] == ["benefits.E001"]
    settings.BENEFIT_KEY_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    assert [e.id for e in benefit_key_encryption_keys_check(None)] == ["benefits.E002"]


def test_production_settings_refuse_to_start_without_the_encryption_keys():
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "BENEFIT_KEY_ENCRYPTION_KEYS"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "x" * 60,
            "REDIS_URL": "redis://127.0.0.1:6379/2",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "BENEFIT_KEY_ENCRYPTION_KEYS" in result.stderr


def test_the_page_that_reveals_product_keys_is_never_stored(ana_client, provisioned):
    office = benefit(provisioned, "office-professional-plus")

    for headers in ({}, {"HX-Request": "true"}):
        response = ana_client.post(_keys_url(office), headers=headers)
        assert response["Cache-Control"] == "private, no-store"
