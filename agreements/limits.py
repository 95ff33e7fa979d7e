"""Failed attempts at linking an agreement, counted per user and per IP address in the shared
cache (Redis), so that guessing numbers is slow on every web process at once."""

from django.conf import settings

from portal.limits import AttemptLimit

partner_link_attempts = AttemptLimit(
    scope="partner-link",
    limit=settings.PARTNER_LINK_ATTEMPT_LIMIT,
    window_seconds=settings.PARTNER_LINK_ATTEMPT_WINDOW,
)
