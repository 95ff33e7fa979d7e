import pytest
from django.db import IntegrityError, connection, transaction

from portal.audit.models import Action, AppendOnlyError, AuditEntry
from portal.audit.services import audit_record

from ..conftest import actor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(owner, organization):
    return audit_record(
        actor=actor_of(owner, organization),
        organization=organization,
        action=Action.INVITATION_SENT,
        details={"email": "someone@example.com"},
    )


def test_an_entry_records_who_what_where(entry, owner, organization):
    assert entry.actor == owner
    assert entry.actor_email == owner.email
    assert entry.organization == organization
    assert entry.get_action_display() == "Invitation sent"


def test_the_app_refuses_to_change_or_delete_an_entry(entry):
    entry.action = Action.MEMBER_REMOVED
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action=Action.MEMBER_REMOVED)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'member.removed'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_entry(entry, sql):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == Action.INVITATION_SENT
