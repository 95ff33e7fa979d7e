"""The alert emails: each person's digest and the partner's monthly report. The outbox keeps
values (alert arguments, numbers, ISO dates); the words are written at send time, in the
recipient's language."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .messages import alert_message
from .models import Severity

DIGEST_KIND = "alerts_digest"
MONTHLY_REPORT_KIND = "alerts_monthly_report"


def _alerts_url() -> str:
    return absolute_url(reverse("alerts:list"))


@email_kind(
    DIGEST_KIND,
    label=_("Digest of alerts"),
    preview={
        "frequency": "weekly",
        "first": date(2027, 1, 4),
        "last": date(2027, 1, 10),
        "groups": [
            {
                "organization": "Contoso Partners",
                "alerts": [
                    {
                        "message": "Every Visual Studio Enterprise seat of Fabrikam Ltd "
                        "(V482019301) is assigned: 25 of 25.",
                        "severity": Severity.CRITICAL.label,
                        "critical": True,
                    },
                    {
                        "message": "The Open License V482019301 of Fabrikam Ltd ends on "
                        "31 Mar 2027.",
                        "severity": Severity.WARNING.label,
                        "critical": False,
                    },
                ],
            }
        ],
        "alerts_url": absolute_url("/alerts/"),
    },
)
def digest_context(context: dict) -> dict:
    return {
        "first": date.fromisoformat(context["first"]),
        "last": date.fromisoformat(context["last"]),
        "groups": [
            {
                "organization": group["organization"],
                "alerts": [
                    {
                        "message": alert_message(kind=alert["kind"], args=alert["args"]),
                        "severity": Severity(alert["severity"]).label,
                        "critical": alert["severity"] == Severity.CRITICAL,
                    }
                    for alert in group["alerts"]
                ],
            }
            for group in context["groups"]
        ],
        "alerts_url": _alerts_url(),
    }


@email_kind(
    MONTHLY_REPORT_KIND,
    label=_("Monthly report of the customers' seats"),
    preview={
        "organization_name": "Contoso Partners",
        "month": date(2027, 1, 1),
        "rows": [
            {
                "customer_name": "Fabrikam Ltd",
                "authorization_number": "V482019301",
                "bought": 25,
                "used": 21,
                "free": 4,
                "peak": 23,
                "ends_on": date(2027, 3, 31),
                "ending_soon": True,
            }
        ],
        "alerts_url": absolute_url("/alerts/"),
    },
)
def monthly_report_context(context: dict) -> dict:
    return {
        "month": date.fromisoformat(context["month"]),
        "rows": [{**row, "ends_on": date.fromisoformat(row["ends_on"])} for row in context["rows"]],
        "alerts_url": _alerts_url(),
    }
