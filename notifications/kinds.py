"""The registry of email kinds. Each app registers its own kinds in its `emails.py`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

ContextBuilder = Callable[[dict[str, Any]], dict[str, Any]]
# Whether what the email announces is still true when it is about to be sent.
HoldsCheck = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class EmailKind:
    name: str
    # What the email is about, as the organization's notifications page names it.
    label: "str | Promise"
    # Adds what must not be stored in the outbox (links carrying tokens) at send time.
    build_context: ContextBuilder | None = None
    # A complete, made-up context for the staff preview page.
    preview: dict[str, Any] = field(default_factory=dict)
    # Checked just before sending, from the context stored when the email was queued: False
    # cancels the email (the seat went to someone else, the partner link was removed), and
    # the row says why with `cancel_reason`.
    still_holds: HoldsCheck | None = None
    cancel_reason: str = ""

    @property
    def template_prefix(self) -> str:
        return f"emails/{self.name}"


_registry: dict[str, EmailKind] = {}


def email_kind(
    name: str,
    *,
    label: "str | Promise",
    preview: dict[str, Any],
    still_holds: HoldsCheck | None = None,
    cancel_reason: str = "",
) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register `name`, with the decorated function building its send-time context, and
    optionally the check that what it announces still holds when it is sent."""

    def decorator(build: ContextBuilder) -> ContextBuilder:
        _registry[name] = EmailKind(
            name=name,
            label=label,
            build_context=build,
            preview=preview,
            still_holds=still_holds,
            cancel_reason=cancel_reason,
        )
        return build

    return decorator


def email_kind_get(name: str) -> EmailKind:
    return _registry[name]


def email_kind_list() -> list[EmailKind]:
    return [_registry[name] for name in sorted(_registry)]
