from django.utils import timezone

from agreements.models import LicensingContact
from notifications.services import notification_enqueue
from portal.accounts.models import User


def licensing_sign_in_request(*, email: str, language: str | None = None) -> None:
    """Email a sign-in link to a licensing contact, in `language`, the one the visitor who
    asked reads the site in (else the contact's own). Unknown addresses get nothing, and the
    caller answers the same either way."""
    email = email.strip()
    contact = (
        LicensingContact.objects.filter(email__iexact=email).select_related("organization").first()
    )
    if contact is None:
        return
    now = timezone.now()
    user = User.objects.filter(email__iexact=email).only("preferred_language").first()
    notification_enqueue(
        kind="licensing_sign_in",
        recipient=contact.email,
        language=language
        or (user.preferred_language if user else contact.organization.default_language),
        dedupe_key=f"licensing-sign-in:{contact.pk}:{now.isoformat()}",
        context={"email": contact.email},
        organization=contact.organization,
    )
