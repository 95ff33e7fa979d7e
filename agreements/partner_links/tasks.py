from celery import shared_task

from agreements.partner_links.services.review import partner_links_review


@shared_task(name="agreements.partner_links_review", ignore_result=True)
def partner_links_review_daily() -> dict:
    """Expire unanswered partner requests, end access past its end date, remind both sides
    before it ends."""
    review = partner_links_review()
    return {"expired": review.expired, "ended": review.ended, "reminded": review.reminded}
