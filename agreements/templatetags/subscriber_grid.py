"""The subscribers grid's rows, rendered in Python.

A page shows up to a few hundred rows of a dozen cells each. Through the template engine
every cell is a node with its own variable lookups, which made up most of a page's time;
here each row is one str.format() over values escaped with the standard library's
html.escape (what django.utils.html.escape calls, without its lazy-string wrapper), and
whatever is the same on every row (labels, formats, the edit URL) is worked out once a page.
The markup is exactly what a row template would produce, escaped the same way.
"""

import datetime
import uuid
from html import escape

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from portal.dates import date_display

register = template.Library()

ROW = (
    "<tr>"
    '<td class="grid-select">'
    '<input type="checkbox" id="select-{guid}" name="selected" value="{guid}" data-grid-row>'
    '<label for="select-{guid}" class="visually-hidden">{select_label}</label>'
    "</td>"
    '<td><a href="{edit_url}">{name_cell}</a></td>'
    "<td>{last_name}</td>"
    '<td class="grid-email">{sign_in_email}</td>'
    '<td class="grid-email">{notification_email}</td>'
    "<td>{level}</td>"
    '<td class="grid-date">{assigned}</td>'
    '<td class="grid-date">{activated}</td>'
    '<td class="grid-date">{last_seen}</td>'
    "<td>{reference}</td>"
    "<td>{downloads}</td>"
    "<td>{country}</td>"
    "<td>{language}</td>"
    "</tr>"
)
# A reader who may not write (a read-only partner) gets neither the checkbox nor the link.
READ_ONLY_ROW = ROW.replace(
    ROW[ROW.index('<td class="grid-select">') : ROW.index("<td>{last_name}")],
    '<td class="grid-select"></td><td>{name_cell}</td>',
)
NAMED = '{first_name}<span class="visually-hidden"> {last_name}</span>'
UNNAMED = '<span aria-hidden="true">—</span><span class="visually-hidden">{name}</span>'
# Reversed once per page; each row's URL swaps in its own GUID.
PLACEHOLDER = uuid.UUID(int=0)


def _download_badges() -> dict[bool, str]:
    # Translated outside the f-strings: makemessages does not read calls inside them.
    on, off = (
        escape(pgettext("software downloads", "On")),
        escape(pgettext("software downloads", "Off")),
    )
    return {
        True: f'<span class="badge badge--active">{on}</span>',
        False: f'<span class="badge">{off}</span>',
    }


def _name_cell(subscription, name: str) -> str:
    if subscription.first_name:
        return NAMED.format(
            first_name=escape(subscription.first_name), last_name=escape(subscription.last_name)
        )
    return UNNAMED.format(name=escape(name))


@register.simple_tag
def subscriber_rows(page, agreement, writable: bool = True) -> SafeString:
    """The <tr> of each `GridRow` of the page."""
    row_template = ROW if writable else READ_ONLY_ROW
    zone = timezone.get_current_timezone()
    formatted: dict[datetime.date, str] = {}

    def date(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            value = value.astimezone(zone).date()
        if value not in formatted:
            formatted[value] = escape(date_display(value))
        return formatted[value]

    edit_url = escape(
        reverse("agreements:subscriber_edit", args=[agreement.public_id, PLACEHOLDER])
    )
    placeholder = str(PLACEHOLDER)
    downloads = _download_badges()
    select_label = gettext("Select %(name)s")
    not_yet = escape(pgettext("not activated", "Not yet"))
    never = escape(pgettext("never seen", "Never"))
    languages = {code: escape(str(name)) for code, name in settings.LANGUAGES}
    rows = []
    for subscription in page:
        guid = str(subscription.guid)
        name = subscription.full_name or subscription.sign_in_email
        rows.append(
            row_template.format(
                guid=guid,
                select_label=escape(select_label % {"name": name}),
                edit_url=edit_url.replace(placeholder, guid),
                name_cell=_name_cell(subscription, name),
                last_name=escape(subscription.last_name),
                sign_in_email=escape(subscription.sign_in_email),
                notification_email=escape(subscription.notification_email or ""),
                level=escape(subscription.level_name),
                assigned=date(subscription.assigned_at),
                activated=date(subscription.activated_at) or not_yet,
                last_seen=date(subscription.last_seen_at) or never,
                reference=escape(subscription.reference),
                downloads=downloads[bool(subscription.downloads_enabled)],
                country=escape(subscription.country),
                language=languages.get(subscription.language, escape(subscription.language)),
            )
        )
    # Every value above went through escape() (tests/security/test_hostile_text.py puts
    # markup in the free-text columns): the joined rows are safe.
    return mark_safe("\n".join(rows))  # noqa: S308
