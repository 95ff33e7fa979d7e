import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Invitation, Membership, Role
from portal.tenancy.tokens import invitation_from_token, invitation_token_make

from ..factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "https://portal.test"


def _invite(client, email, role=Role.MEMBER, capture=None):
    with capture(execute=True):
        return client.post(reverse("tenancy:members"), {"email": email, "role": role})


def _link_in(message) -> str:
    line = next(w for w in message.body.split() if w.startswith(f"{BASE}/invitations/"))
    return line.removeprefix(BASE)


def test_owner_invites_by_email_and_the_invitee_gets_one_email_with_both_parts(
    owner_client, organization, django_capture_on_commit_callbacks
):
    response = _invite(
        owner_client,
        "new.colleague@fabrikam.example",
        Role.ADMIN,
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "new.colleague@fabrikam.example"
    assert invitation.role == Role.ADMIN
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@fabrikam.example"]
    assert "Fabrikam Ltd" in message.subject
    assert message.alternatives[0][1] == "text/html"
    assert _link_in(message).startswith("/invitations/")
    notification = Notification.objects.get(kind="invitation")
    assert notification.status == Notification.Status.SENT
    assert "accept_url" not in notification.context, "links with tokens are never stored"
    assert AuditEntry.objects.filter(
        organization=organization, action=Action.INVITATION_SENT
    ).exists()


def test_invitation_accepted_by_the_invited_address_makes_a_member(
    owner_client, organization, django_capture_on_commit_callbacks
):
    _invite(
        owner_client, "Colleague@Fabrikam.example", Role.ADMIN, django_capture_on_commit_callbacks
    )
    link = _link_in(mail.outbox[0])
    invitee = UserFactory(email="colleague@fabrikam.example")
    client = Client()
    client.force_login(invitee)

    assert client.get(link).status_code == 200
    response = client.post(link)

    assert response.status_code == 302
    membership = Membership.objects.get(user=invitee, organization=organization)
    assert membership.role == Role.ADMIN
    assert client.session["current_organization_id"] == organization.pk
    assert AuditEntry.objects.filter(
        organization=organization, action=Action.MEMBER_JOINED, actor=invitee
    ).exists()


def test_invitation_is_refused_for_any_other_address(
    owner_client, organization, django_capture_on_commit_callbacks
):
    _invite(owner_client, "invited@fabrikam.example", capture=django_capture_on_commit_callbacks)
    link = _link_in(mail.outbox[0])
    someone_else = UserFactory(email="intruder@elsewhere.example")
    client = Client()
    client.force_login(someone_else)

    page = client.get(link)
    response = client.post(link)

    assert page.status_code == 403
    assert "another email address" in page.content.decode()
    assert response.status_code == 403
    assert not Membership.objects.filter(user=someone_else, organization=organization).exists()
    assert Invitation.objects.get().accepted_at is None


def test_invitation_link_works_once(organization):
    invitation = InvitationFactory(organization=organization, email="once@example.com")
    token = invitation_token_make(invitation)
    invitee = UserFactory(email="once@example.com")
    client = Client()
    client.force_login(invitee)

    client.post(reverse("tenancy:invitation_accept", args=[token]))
    second = client.get(reverse("tenancy:invitation_accept", args=[token]))

    assert invitation_from_token(token) is None
    assert second.status_code == 404
    assert "no longer valid" in second.content.decode()


def test_expired_revoked_and_tampered_links_are_refused(organization):
    from datetime import timedelta

    from django.utils import timezone

    expired = InvitationFactory(
        organization=organization, expires_at=timezone.now() - timedelta(minutes=1)
    )
    revoked = InvitationFactory(organization=organization)
    revoked_token = invitation_token_make(revoked)
    revoked.revoked_at = timezone.now()
    revoked.save()
    valid = InvitationFactory(organization=organization)
    token = invitation_token_make(valid)

    assert invitation_from_token(invitation_token_make(expired)) is None
    assert invitation_from_token(revoked_token) is None
    assert invitation_from_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert invitation_from_token("not-a-token") is None
    assert invitation_from_token(token) == valid


def test_resending_kills_the_previous_link(
    owner_client, organization, django_capture_on_commit_callbacks
):
    _invite(owner_client, "twice@example.com", capture=django_capture_on_commit_callbacks)
    first_link = _link_in(mail.outbox[0])
    _invite(owner_client, "twice@example.com", capture=django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2
    assert Invitation.objects.filter(organization=organization).count() == 1
    client = Client()
    client.force_login(UserFactory(email="twice@example.com"))
    assert client.get(first_link).status_code == 404
    assert client.get(_link_in(mail.outbox[1])).status_code == 200


def test_anonymous_visitor_signs_up_from_the_invitation_and_is_verified_by_it(
    owner_client, organization, django_capture_on_commit_callbacks
):
    _invite(owner_client, "fresh@example.com", capture=django_capture_on_commit_callbacks)
    link = _link_in(mail.outbox[0])
    token = link.strip("/").split("/")[-1]
    visitor = Client()

    landing = visitor.get(link)
    sign_up = visitor.post(
        f"{reverse('accounts:sign_up')}?invitation={token}&next={link}",
        {
            "full_name": "Fresh Person",
            "email": "fresh@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "preferred_language": "fr",
            "invitation": token,
            "next": link,
        },
    )
    accepted = visitor.post(link)

    assert "Create an account" in landing.content.decode()
    assert sign_up.status_code == 302 and sign_up["Location"] == link
    assert accepted.status_code == 302
    membership = Membership.objects.get(organization=organization, user__email="fresh@example.com")
    assert membership.user.is_verified


def test_a_member_cannot_invite(organization, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    client = Client()
    client.force_login(member)

    page = client.get(reverse("tenancy:members"))
    response = _invite(client, "x@example.com", capture=django_capture_on_commit_callbacks)

    assert page.status_code == 200
    assert "Send invitation" not in page.content.decode()
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_an_existing_member_is_refused_with_a_clear_message(
    owner_client, organization, owner, django_capture_on_commit_callbacks
):
    response = _invite(
        owner_client, owner.email.upper(), capture=django_capture_on_commit_callbacks
    )

    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(organization, django_capture_on_commit_callbacks):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    client = Client()
    client.force_login(admin)

    response = _invite(client, "boss@example.com", Role.OWNER, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "language, subject",
    [("fr", "Invitation à rejoindre Fabrikam Ltd"), ("en", "You are invited to join Fabrikam Ltd")],
)
def test_the_inviter_chooses_the_language_of_an_invitation_to_a_new_address(
    owner_client, organization, django_capture_on_commit_callbacks, language, subject
):
    organization.default_language = "en" if language == "fr" else "fr"
    organization.save()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("tenancy:members"),
            {"email": "nouveau@fabrikam.example", "role": Role.MEMBER, "language": language},
        )

    invitation = Invitation.objects.get(organization=organization)
    assert invitation.language == language
    notification = Notification.objects.get(kind="invitation")
    assert notification.language == language
    assert subject in mail.outbox[0].subject


def test_an_invitee_with_an_account_reads_their_own_language_whatever_was_chosen(
    owner_client, organization, django_capture_on_commit_callbacks
):
    UserFactory(email="has.account@fabrikam.example", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("tenancy:members"),
            {"email": "has.account@fabrikam.example", "role": Role.MEMBER, "language": "fr"},
        )

    assert Notification.objects.get(kind="invitation").language == "en"


def test_the_invitation_form_offers_the_inviters_language_first(owner_client):
    owner_client.post(reverse("accounts:language_set"), {"language": "fr"})

    page = owner_client.get(reverse("tenancy:members")).content.decode()

    assert 'name="language"' in page
    assert '<option value="fr" selected>' in page
