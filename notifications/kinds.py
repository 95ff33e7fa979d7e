"""The registry of email kinds. Each app registers its own kinds in its `emails.py`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ContextBuilder = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EmailKind:
    name: str
    # Adds what must not be stored in the outbox (links carrying tokens) at send time.
    build_context: ContextBuilder | None = None

    @property
    def template_prefix(self) -> str:
        return f"emails/{self.name}"


_registry: dict[str, EmailKind] = {}


def email_kind(name: str) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register `name`, with the decorated function building its send-time context."""

    def decorator(build: ContextBuilder) -> ContextBuilder:
        _registry[name] = EmailKind(name=name, build_context=build)
        return build

    return decorator


def email_kind_register(name: str) -> None:
    """Register `name` whose template needs nothing beyond the stored context."""
    _registry[name] = EmailKind(name=name)


def email_kind_get(name: str) -> EmailKind:
    return _registry[name]


def email_kind_names() -> list[str]:
    return sorted(_registry)
