"""The licensing center's own limit."""

from django.conf import settings

from portal.limits import AttemptLimit

# The licensing service center emails a sign-in link to whoever types a contact's address,
# as password reset does: the same budget.
licensing_sign_in_limit = AttemptLimit(
    scope="licensing-sign-in",
    limit=settings.PASSWORD_RESET_LIMIT,
    window_seconds=settings.PASSWORD_RESET_LIMIT_WINDOW,
)
