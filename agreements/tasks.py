"""Celery tasks of the agreements app. Tasks of the usage and workbook areas live in their
modules; importing those here lets Celery's autodiscovery register them."""

from celery import shared_task

from . import usage, workbooks  # noqa: F401
from .services.open_license import licensing_sign_in_request
from .services.partner_links import partner_links_review


@shared_task(name="agreements.partner_links_review", ignore_result=True)
def partner_links_review_daily() -> dict:
    """Expire unanswered partner requests, end access past its end date, remind both sides
    before it ends."""
    review = partner_links_review()
    return {"expired": review.expired, "ended": review.ended, "reminded": review.reminded}


@shared_task(name="agreements.licensing_sign_in_request", ignore_result=True)
def licensing_sign_in_request_run(email: str, language: str | None = None) -> None:
    """Look the licensing contact up and email its sign-in link, away from the request."""
    licensing_sign_in_request(email=email, language=language)
