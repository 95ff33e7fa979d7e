from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.dates import datetime_display
from portal.tenancy.context import Actor

from .models import Action, AuditEntry


def audit_entry_list(*, actor: Actor) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.visible_to(actor).select_related("actor")


def audit_entries_filter(
    entries: QuerySet[AuditEntry], *, action: str = "", person: str = ""
) -> QuerySet[AuditEntry]:
    """A history narrowed to one kind of event and one person (by the address they acted
    with), either or both."""
    if action:
        entries = entries.filter(action=action)
    if person:
        entries = entries.filter(actor_email__iexact=person)
    return entries


def audit_filter_choices(entries: QuerySet[AuditEntry]) -> tuple[list[tuple[str, str]], list[str]]:
    """The kinds of event and the people that occur in a history, for its filters: two small
    queries, whatever its length."""
    codes = set(entries.order_by().values_list("action", flat=True).distinct())
    actions = sorted(
        ((code, str(Action(code).label)) for code in codes if code in Action.values),
        key=lambda choice: choice[1],
    )
    people = sorted(
        entries.order_by().exclude(actor_email="").values_list("actor_email", flat=True).distinct(),
        key=str.casefold,
    )
    return actions, people


def audit_csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    """A history as spreadsheet rows, header first, in the reader's language and zone."""
    yield [_("When"), _("Who"), _("Organization"), _("What"), _("Concerning")]
    for entry in entries.select_related("organization").iterator(chunk_size=1000):
        yield [
            datetime_display(entry.created_at),
            entry.actor_email or _("System"),
            entry.organization.name if entry.organization else "",
            str(entry.get_action_display()),
            str(entry.concerning),
        ]
