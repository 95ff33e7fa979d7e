"""An alert's sentence, written from its arguments in the language active when it is read
(the page's, or the email's recipient's): the row keeps values, never words."""

import datetime
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.dates import date_display

from .models import Kind


def _date(args: dict[str, Any], name: str) -> str:
    return date_display(datetime.date.fromisoformat(args[name]))


def _agreement_ending(args: dict[str, Any]) -> str:
    return _("The Open License %(number)s of %(customer)s ends on %(date)s.") % {
        "number": args["authorization_number"],
        "customer": args["customer_name"],
        "date": _date(args, "ends_on"),
    }


def _free_seats(args: dict[str, Any]) -> str:
    return ngettext(
        "%(percent)s%% of the %(level)s seats of %(customer)s (%(number)s) have been free "
        "for %(days)s day.",
        "%(percent)s%% of the %(level)s seats of %(customer)s (%(number)s) have been free "
        "for %(days)s days.",
        args["days"],
    ) % {
        "percent": args["percent"],
        "level": args["level"],
        "customer": args["customer_name"],
        "number": args["authorization_number"],
        "days": args["days"],
    }


def _level_full(args: dict[str, Any]) -> str:
    return _(
        "Every %(level)s seat of %(customer)s (%(number)s) is assigned: %(seats)s of %(seats)s."
    ) % {
        "level": args["level"],
        "customer": args["customer_name"],
        "number": args["authorization_number"],
        "seats": args["seats"],
    }


def _never_activated(args: dict[str, Any]) -> str:
    return ngettext(
        "%(count)s subscription of %(customer)s (%(number)s) has not been activated "
        "%(days)s days after its assignment.",
        "%(count)s subscriptions of %(customer)s (%(number)s) have not been activated "
        "%(days)s days after their assignment.",
        args["count"],
    ) % {
        "count": args["count"],
        "customer": args["customer_name"],
        "number": args["authorization_number"],
        "days": args["days"],
    }


def _bulk_upload_failed(args: dict[str, Any]) -> str:
    return ngettext(
        "The workbook %(file)s uploaded for %(customer)s (%(number)s) has %(errors)s error.",
        "The workbook %(file)s uploaded for %(customer)s (%(number)s) has %(errors)s errors.",
        args["errors"],
    ) % {
        "file": args["file_name"],
        "customer": args["customer_name"],
        "number": args["authorization_number"],
        "errors": args["errors"],
    }


def _partner_access_ending(args: dict[str, Any]) -> str:
    return _("The access of %(partner)s to %(customer)s (%(number)s) ends on %(date)s.") % {
        "partner": args["partner_name"],
        "customer": args["customer_name"],
        "number": args["authorization_number"],
        "date": _date(args, "ends_on"),
    }


def _benefit_activation(args: dict[str, Any]) -> str:
    return _("%(product)s of %(person)s activates on %(date)s.") % {
        "product": args["product"],
        "person": args["person"],
        "date": _date(args, "activates_on"),
    }


MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    Kind.AGREEMENT_ENDING: _agreement_ending,
    Kind.FREE_SEATS: _free_seats,
    Kind.LEVEL_FULL: _level_full,
    Kind.NEVER_ACTIVATED: _never_activated,
    Kind.BULK_UPLOAD_FAILED: _bulk_upload_failed,
    Kind.PARTNER_ACCESS_ENDING: _partner_access_ending,
    Kind.BENEFIT_ACTIVATION: _benefit_activation,
}


def alert_message(*, kind: str, args: dict[str, Any]) -> str:
    return MESSAGES[kind](args)
