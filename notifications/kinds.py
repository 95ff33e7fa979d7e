"""The registry of email kinds. Each app registers its own kinds in its `emails.py`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ContextBuilder = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EmailKind:
    name: str
    # What the email is about, as the organization's notifications page names it.
    label: str
    # Adds what must not be stored in the outbox (links carrying tokens) at send time.
    build_context: ContextBuilder | None = None
    # A complete, made-up context for the staff preview page.
    preview: dict[str, Any] = field(default_factory=dict)

    @property
    def template_prefix(self) -> str:
        return f"emails/{self.name}"


_registry: dict[str, EmailKind] = {}


def email_kind(
    name: str, *, label: str, preview: dict[str, Any]
) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register `name`, with the decorated function building its send-time context."""

    def decorator(build: ContextBuilder) -> ContextBuilder:
        _registry[name] = EmailKind(name=name, label=label, build_context=build, preview=preview)
        return build

    return decorator


def email_kind_get(name: str) -> EmailKind:
    return _registry[name]


def email_kind_list() -> list[EmailKind]:
    return [_registry[name] for name in sorted(_registry)]
