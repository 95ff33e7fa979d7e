"""No token in any log line. A link that signs in, accepts an invitation, proves a mailbox or
resets a password is as good as a password while it lives, and request logs are read by more
people, and kept longer, than mailboxes. Every line the portal and gunicorn write goes
through `tokens_redact`: Django's through `TokenRedactingFilter` (settings.LOGGING),
gunicorn's access log through `portal.gunicorn_logging` (gunicorn.conf.py)."""

import logging
import re

REDACTED = "[redacted]"

# A path separator as it appears in a log line: plain, or percent-encoded inside a `next=`.
_SLASH = r"(?:/|%2F)"
# One path segment: anything up to the next separator, query, quote or space.
_SEGMENT = r"(?:(?!%2F)[^/\s\"'?&#])+"

# The URL patterns whose segments are tokens (see the URL confs): what comes before them,
# and how many token segments follow.
_TOKEN_PATHS = [
    ("{s}agreements{s}invitations", 1),  # agreements:invitation_accept
    ("{s}agreements{s}licensing-link", 1),  # agreements:licensing_link
    ("{s}licensing{s}sign-in", 1),  # licensing_center:sign_in_link
    # tenancy:invitation_accept; /organization/invitations/<public id>/ carries no token.
    ("(?<!organization)(?<!agreements){s}invitations", 1),
    ("{s}accounts{s}verify", 2),  # accounts:verify_email (uid, token)
    ("{s}accounts{s}password{s}reset", 2),  # accounts:password_reset_confirm (uid, token)
]
_PATH_PATTERN = re.compile(
    "|".join(
        rf"(?P<p{n}>{prefix.format(s=_SLASH)}{_SLASH})"
        rf"(?P<t{n}>{_SEGMENT}(?:{_SLASH}{_SEGMENT}){{{count - 1}}})"
        for n, (prefix, count) in enumerate(_TOKEN_PATHS)
    ),
    re.IGNORECASE,
)
_SEGMENT_PATTERN = re.compile(_SEGMENT, re.IGNORECASE)
# The sign-up page carries an invitation or licensing-link token in its query string.
_QUERY_PATTERN = re.compile(
    r"(?P<name>(?:^|[?&]|&amp;)invitation=)[^&\s\"'#]+", re.IGNORECASE | re.MULTILINE
)


def _path_redact(match: re.Match) -> str:
    n = next(name[1:] for name, value in match.groupdict().items() if value and name[0] == "p")
    return match.group(f"p{n}") + _SEGMENT_PATTERN.sub(REDACTED, match.group(f"t{n}"))


def tokens_redact(text: str) -> str:
    """`text` with every token of a link replaced by [redacted]."""
    text = _PATH_PATTERN.sub(_path_redact, text)
    return _QUERY_PATTERN.sub(lambda match: match.group("name") + REDACTED, text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites each record's message, with its arguments, without any token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = tokens_redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
