from django.db.models import QuerySet

from portal.tenancy.context import Actor

from .models import Notification


def notification_list(*, actor: Actor) -> QuerySet[Notification]:
    return Notification.objects.visible_to(actor).only(
        "public_id", "kind", "recipient", "language", "status", "created_at", "sent_at"
    )
