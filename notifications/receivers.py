from anymail.signals import tracking
from django.dispatch import receiver

from .services import notification_tracking_record


@receiver(tracking, dispatch_uid="notifications.tracking")
def record_tracking_event(sender, event, esp_name, **kwargs) -> None:
    notification_tracking_record(
        provider_message_id=event.message_id or "", event_type=event.event_type
    )
