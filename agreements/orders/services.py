import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.fields import COUNTRY_CODE
from agreements.models import AdminRole, Agreement, AgreementLine, SubscriptionLevel
from agreements.onboarding.services import agreement_invitation_send
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

# The most seats of one level a single order may buy (the portal form and the CSV import).
MAX_SEATS_PER_ORDER = 10_000


def _agreement_numbers_generate() -> tuple[str, str]:
    """A fresh authorization number (V + 9 digits) and license number (10 digits), random so
    that nobody can guess a customer's agreement from their own."""
    while True:
        authorization_number = f"V{secrets.randbelow(10**9):09d}"
        license_number = str(10**9 + secrets.randbelow(9 * 10**9))
        taken = Agreement.objects.filter(authorization_number=authorization_number).exists() or (
            Agreement.objects.filter(license_number=license_number).exists()
        )
        if not taken:
            return authorization_number, license_number


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _seats_check(seats: dict[SubscriptionLevel, int]) -> dict[SubscriptionLevel, int]:
    """The levels ordered (zeros dropped), or ValidationError."""
    seats = {level: quantity for level, quantity in seats.items() if quantity}
    if not seats:
        raise ValidationError(_("Order at least one subscription."), code="no_seats")
    if any(not 0 <= quantity <= MAX_SEATS_PER_ORDER for quantity in seats.values()):
        raise ValidationError(
            _("Order between 0 and %(max)s seats of each level.") % {"max": MAX_SEATS_PER_ORDER},
            code="seats",
        )
    return seats


@transaction.atomic
def order_place(
    *,
    actor: Actor,
    partner: Organization,
    customer_name: str,
    customer_email: str,
    seats: dict[SubscriptionLevel, int],
    default_language: str,
    country: str = "",
    numbers: tuple[str, str] | None = None,
) -> Agreement:
    """A partner orders an Open License for a customer; the customer is invited to name
    administrators and open their subscriptions. `partner` is the acting organization, or
    the one an operator's import names. `numbers` (authorization, license) are the ones the
    licensing system already gave, for the demo world; otherwise fresh ones are drawn."""
    if not partner.is_partner:
        raise PermissionDenied
    seats = _seats_check(seats)
    if country and not COUNTRY_CODE.fullmatch(country):
        raise ValidationError(_("The country must be a two-letter code."), code="country")
    authorization_number, license_number = numbers or _agreement_numbers_generate()
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        authorization_number=authorization_number,
        license_number=license_number,
        customer_name=customer_name.strip(),
        customer_email=customer_email.strip(),
        partner_of_record=partner,
        starts_on=today,
        ends_on=_years_later(today, settings.OPEN_LICENSE_TERM_YEARS),
        default_language=default_language,
        country=country,
        ordered_by=actor.user,
    )
    AgreementLine.objects.bulk_create(
        AgreementLine(agreement=agreement, level=level, seats_purchased=quantity)
        for level, quantity in seats.items()
    )
    audit_record(
        actor=actor,
        organization=partner,
        agreement=agreement,
        action=Action.AGREEMENT_ORDERED,
        target=agreement,
        details={
            "customer_name": agreement.customer_name,
            "customer_email": agreement.customer_email,
            "seats": {level.code: quantity for level, quantity in seats.items()},
        },
    )
    agreement_invitation_send(
        actor=actor,
        organization=partner,
        agreement=agreement,
        email=agreement.customer_email,
        role=AdminRole.SUPER_ADMIN,
    )
    return agreement
