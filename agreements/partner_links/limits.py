"""Failed attempts at linking an agreement, counted in the shared cache (Redis), so that
guessing numbers is slow on every web process at once: per user (the 5-in-15-minutes rule)
and per IP address with a larger budget, so that one person's mistakes behind an office's
address lock out nobody else, while many accounts guessing from one address still stop.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext_lazy

from portal.limits import AttemptLimit, minutes_left

PARTNER_LINK_LOCKED_MESSAGE = ngettext_lazy(
    "Too many unsuccessful attempts. For your security, checking is paused: try again in "
    "%(minutes)s minute.",
    "Too many unsuccessful attempts. For your security, checking is paused: try again in "
    "%(minutes)s minutes.",
    "minutes",
)


class PartnerLinkAttempts(AttemptLimit):
    def locked_error(self, **subjects: object) -> ValidationError:
        """The refusal, with the time actually left before the next try."""
        return ValidationError(
            PARTNER_LINK_LOCKED_MESSAGE,
            code="locked",
            params={"minutes": minutes_left(self.seconds_left(**subjects))},
        )


partner_link_attempts = PartnerLinkAttempts(
    scope="partner-link",
    limit=settings.PARTNER_LINK_ATTEMPT_LIMIT,
    window_seconds=settings.PARTNER_LINK_ATTEMPT_WINDOW,
    subject_limits={"ip": settings.PARTNER_LINK_ATTEMPT_IP_LIMIT},
)
