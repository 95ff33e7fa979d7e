from django.core.management.base import BaseCommand

from agreements.partner_links.services.review import partner_links_review


class Command(BaseCommand):
    help = (
        "Expire unanswered partner requests, end partner access past its end date and send "
        "the 30/7/1-day reminders: what Celery beat runs every night. Running it again the "
        "same day sends nothing twice."
    )

    def handle(self, *args, **options) -> None:
        review = partner_links_review()
        self.stdout.write(
            f"{review.expired} requests expired, {review.ended} accesses ended, "
            f"{review.reminded} links reminded."
        )
