from celery import shared_task

from . import services


@shared_task(
    name="benefits.tasks.package_provision",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
    ignore_result=True,
)
def package_provision(purchase_id: int) -> bool:
    """Provision one purchase. Safe to run twice: only a provisioning purchase is changed."""
    return services.package_provision(purchase_id=purchase_id) is not None


@shared_task(name="benefits.tasks.support_activations_run", ignore_result=True)
def support_activations_run() -> int:
    """Scheduled by beat: support benefits whose activation delay has passed become active."""
    return services.support_activations_run()
