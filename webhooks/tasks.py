from celery import shared_task

from .services import webhook_deliver as deliver
from .services import webhooks_due_dispatch


@shared_task(name="webhooks.deliver", ignore_result=True)
def webhook_deliver(delivery_id: int, manual: bool = False) -> str:
    return deliver(delivery_id=delivery_id, manual=manual)


@shared_task(name="webhooks.sweep", ignore_result=True)
def webhooks_sweep() -> int:
    """Deliveries whose task was lost, or whose retry is due, are queued again."""
    return webhooks_due_dispatch()
