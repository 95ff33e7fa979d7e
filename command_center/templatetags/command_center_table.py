"""The command center's rows, rendered in Python, as the subscribers grid's are
(agreements/templatetags/subscriber_grid.py says why): through the template engine each of
a page's fifty agreements, with a table of levels inside, was some 250 nodes with their own
lookups, most of the page's time. Each row here is one str.format() over escaped values;
the labels, formats and URLs that are the same on every row are worked out once a page.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from portal.dates import date_display

register = template.Library()

ROW = (
    "<tr>"
    '<td><a href="{overview_url}">{customer}</a><br>'
    '<a class="muted" href="{chart_url}">{chart_label}</a></td>'
    '<td>{authorization_number}<br><span class="muted">{license_number}</span></td>'
    '<td><span class="badge">{status}</span></td>'
    '<td>{ends_on}<br><span class="muted">{days_left}</span></td>'
    "<td>\n"
    '        <table class="table table--compact">\n'
    "          <thead><tr>{level_headers}</tr></thead>\n"
    "          <tbody>\n{lines}          </tbody>\n"
    "        </table>\n"
    "      </td>"
    "<td>{free}</td>"
    "<td>{last_change}</td>"
    "<td>{never_activated}</td>"
    "<td>{last_seen}</td>"
    "<td>{scope}</td>"
    '<td><ul class="plain">{tags}</ul>'
    '<a href="{tags_url}">{tags_label}</a></td>'
    "</tr>"
)
LINE = (
    "            <tr><td>{level}</td><td>{purchased}</td><td>{assigned}</td>"
    "<td>{available}</td><td>{peak}</td></tr>\n"
)
TAG = '<li><span class="badge">{name}</span></li>'
NOTHING = "—"
# Reversed once per page; each row's URL swaps in its own public id.
PLACEHOLDER = uuid.UUID(int=0)


class _Urls:
    """A page's URLs of each kind, reversed once with a placeholder id."""

    def __init__(self) -> None:
        self.placeholder = str(PLACEHOLDER)
        self.patterns = {
            name: escape(reverse(name, args=[PLACEHOLDER]))
            for name in (
                "agreements:overview",
                "command_center:usage_chart",
                "command_center:agreement_tags",
            )
        }

    def __call__(self, name: str, public_id) -> str:
        return self.patterns[name].replace(self.placeholder, str(public_id))


def _level_headers() -> str:
    labels = (
        gettext("Level"),
        gettext("Purchased"),
        gettext("Assigned"),
        gettext("Free"),
        gettext("Peak of the year"),
    )
    return "".join(f'<th scope="col">{escape(label)}</th>' for label in labels)


def _days_left(days: int) -> str:
    if days < 0:
        return escape(gettext("Ended"))
    return escape(
        ngettext("%(counter)s day left", "%(counter)s days left", days) % {"counter": days}
    )


class _Once(dict):
    """A page's formatted values, each worked out once (levels and dates repeat)."""

    def __init__(self, format_value) -> None:
        super().__init__()
        self.format_value = format_value

    def __missing__(self, key) -> str:
        self[key] = value = self.format_value(key)
        return value


def _lines(agreement, levels: _Once) -> str:
    return "".join(
        LINE.format(
            level=levels[line.level_name],
            purchased=line.seats_purchased,
            assigned=line.seats_assigned,
            available=line.seats_available,
            peak=line.year_peak,
        )
        for line in agreement.lines
    )


WHEN = '<time datetime="{iso}">{day}</time>'


@dataclass
class _PageFormats:
    """What a page works out once: URLs, the levels' headers, names and days."""

    urls: _Urls = field(default_factory=_Urls)
    level_headers: str = field(default_factory=_level_headers)
    levels: _Once = field(default_factory=lambda: _Once(escape))
    dates: _Once = field(default_factory=lambda: _Once(lambda day: escape(date_display(day))))
    days_left: _Once = field(default_factory=lambda: _Once(_days_left))
    # Translated once a page; the customer's name goes in escaped, the labels' markup is ours.
    chart_label: str = field(
        default_factory=lambda: gettext(
            'Use over time<span class="visually-hidden"> of %(customer)s</span>'
        )
    )
    tags_label: str = field(
        default_factory=lambda: gettext('Tags<span class="visually-hidden"> of %(customer)s</span>')
    )
    free: str = field(default_factory=lambda: gettext("%(free)s (%(percent)s %%)"))

    def when(self, value: datetime.datetime | None) -> str:
        """The day of a moment (the table is read at a glance; the time is in the markup,
        and in the exports)."""
        if not value:
            return NOTHING
        local = timezone.localtime(value)
        return WHEN.format(iso=local.isoformat(timespec="minutes"), day=self.dates[local.date()])


def _row(agreement, formats: _PageFormats) -> str:
    urls = formats.urls
    customer = escape(agreement.customer_name)
    return ROW.format(
        overview_url=urls("agreements:overview", agreement.public_id),
        customer=customer,
        chart_url=urls("command_center:usage_chart", agreement.public_id),
        chart_label=formats.chart_label % {"customer": customer},
        authorization_number=escape(agreement.authorization_number),
        license_number=escape(agreement.license_number),
        status=escape(agreement.status_label),
        ends_on=formats.dates[agreement.ends_on],
        days_left=formats.days_left[agreement.days_left],
        level_headers=formats.level_headers,
        lines=_lines(agreement, formats.levels),
        free=escape(formats.free % {"free": agreement.free, "percent": agreement.free_percent}),
        last_change=formats.when(agreement.last_change),
        never_activated=agreement.never_activated,
        last_seen=formats.when(agreement.last_seen),
        scope=escape(agreement.scope_label),
        tags="".join(TAG.format(name=escape(name)) for name in agreement.tags),
        tags_url=urls("command_center:agreement_tags", agreement.public_id),
        tags_label=formats.tags_label % {"customer": customer},
    )


@register.simple_tag
def command_center_rows(page) -> SafeString:
    """The <tr> of each row of the page (`CommandCenterRow`)."""
    formats = _PageFormats()
    # Every value above went through escape() or is an int; the markup is ours.
    return mark_safe("\n".join(_row(agreement, formats) for agreement in page))  # noqa: S308
