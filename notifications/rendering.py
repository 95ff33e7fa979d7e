import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .kinds import email_kind_get

TEXT_ENGINE = "text"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(
    *, kind: str, language: str, context: dict[str, Any], preview: bool = False
) -> RenderedEmail:
    """Render an email of `kind` in `language`: subject, plain-text part and HTML part.

    With `preview`, the kind's made-up sample context replaces the stored one.
    """
    email = email_kind_get(kind)
    with translation.override(language):
        full_context = {"portal_url": settings.PORTAL_BASE_URL, **context}
        if preview:
            full_context.update(email.preview)
        elif email.build_context is not None:
            full_context.update(email.build_context(context))
        # Text is not HTML: the subject and text part are rendered without escaping, the
        # HTML part with it. The subject is one line whatever a name holds (no header
        # injection: its line breaks are folded into spaces here, and Django refuses any).
        subject = render_to_string(
            f"{email.template_prefix}/subject.txt", full_context, using=TEXT_ENGINE
        )
        text = render_to_string(
            f"{email.template_prefix}/body.txt", full_context, using=TEXT_ENGINE
        )
        html = render_to_string(f"{email.template_prefix}/body.html", full_context)
    # Only line breaks and runs of ordinary spaces fold: French's no-break spaces stay.
    folded = re.sub(r"[ \t\r\n\f\v]+", " ", subject).strip()
    return RenderedEmail(subject=folded, text=text.strip() + "\n", html=html)


def absolute_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"
