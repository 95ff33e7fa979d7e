from django.core.management.base import BaseCommand

from notifications.models import Notification
from notifications.services import notification_retry


class Command(BaseCommand):
    help = (
        "Give failed notifications, and pending ones whose last attempt failed, a new set of "
        "attempts (all of them, or the given ids)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "ids",
            nargs="*",
            type=int,
            help="notification ids (default: every failed one, and pending ones with an error)",
        )

    def handle(self, *args, ids: list[int], **options) -> None:
        if not ids:
            ids = list(Notification.objects.retryable().values_list("pk", flat=True))
        count = notification_retry(notification_ids=ids)
        self.stdout.write(self.style.SUCCESS(f"{count} notification(s) queued again."))
