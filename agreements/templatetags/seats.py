"""Seat counts as the agreement pages word them."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def seats_summary(line) -> SafeString:
    """ "Enterprise: 3 of 10 assigned" for an agreement line. The catalogue entry is the one a
    blocktranslate would read, without its template machinery on every call: the home page
    shows one for each line of 25 agreements, and they were a fifth of its time."""
    return escape(
        gettext("%(level)s: %(assigned)s of %(purchased)s assigned")
        % {
            "level": line.level.name,
            "assigned": line.seats_assigned,
            "purchased": line.seats_purchased,
        }
    )
