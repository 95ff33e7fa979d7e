from django.core.management.base import BaseCommand

from notifications.models import Notification
from notifications.services import notification_retry


class Command(BaseCommand):
    help = "Give failed notifications a new set of attempts (all failed ones, or the given ids)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "ids", nargs="*", type=int, help="notification ids (default: all failed)"
        )

    def handle(self, *args, ids: list[int], **options) -> None:
        if not ids:
            ids = list(
                Notification.objects.filter(status=Notification.Status.FAILED).values_list(
                    "pk", flat=True
                )
            )
        count = notification_retry(notification_ids=ids)
        self.stdout.write(self.style.SUCCESS(f"{count} failed notification(s) queued again."))
