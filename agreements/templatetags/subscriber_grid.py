"""The subscribers grid's rows, rendered in Python.

A page shows up to a few hundred rows of a dozen cells each. Through the template engine
every cell is a node with its own variable lookups, which made up most of a page's time;
here each row is one format_html() call. The markup is exactly what a row template would
produce, escaped the same way.
"""

import uuid

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()

ROW = (
    "<tr>"
    '<td class="grid-select">'
    '<input type="checkbox" id="select-{guid}" name="selected" value="{guid}" data-grid-row>'
    '<label for="select-{guid}" class="visually-hidden">{select_label}</label>'
    "</td>"
    '<td><a href="{edit_url}">{name_cell}</a></td>'
    "<td>{last_name}</td>"
    "<td>{sign_in_email}</td>"
    "<td>{notification_email}</td>"
    "<td>{level}</td>"
    '<td class="numbers">{assigned}</td>'
    '<td class="numbers">{expires}</td>'
    "<td>{reference}</td>"
    "<td>{downloads}</td>"
    "<td>{country}</td>"
    "<td>{language}</td>"
    "</tr>"
)
# Reversed once per page; each row's URL swaps in its own GUID.
PLACEHOLDER = uuid.UUID(int=0)


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _name_cell(subscription) -> str:
    if subscription.first_name:
        return format_html(
            '{}<span class="visually-hidden"> {}</span>',
            subscription.first_name,
            subscription.last_name,
        )
    return format_html(
        '<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>',
        subscription.full_name or subscription.sign_in_email,
    )


@register.simple_tag
def subscriber_rows(page, agreement):
    edit_url = reverse("agreements:subscriber_edit", args=[agreement.public_id, PLACEHOLDER])
    expires = _date(agreement.ends_on)
    downloads = {
        True: format_html('<span class="badge badge--active">{}</span>', gettext("On")),
        False: format_html('<span class="badge">{}</span>', gettext("Off")),
    }
    return format_html_join(
        "\n",
        ROW,
        (
            {
                "guid": subscription.guid,
                "select_label": gettext("Select %(name)s")
                % {"name": subscription.full_name or subscription.sign_in_email},
                "edit_url": edit_url.replace(str(PLACEHOLDER), str(subscription.guid)),
                "name_cell": _name_cell(subscription),
                "last_name": subscription.last_name,
                "sign_in_email": subscription.sign_in_email,
                "notification_email": subscription.notification_email or "",
                "level": subscription.line.level.name,
                "assigned": _date(subscription.assigned_at),
                "expires": expires,
                "reference": subscription.reference,
                "downloads": downloads[bool(subscription.downloads_enabled)],
                "country": subscription.country,
                "language": subscription.get_language_display(),
            }
            for subscription in page
        ),
    )
