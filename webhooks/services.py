"""Every write of the webhooks app: endpoints, the event outbox, and deliveries."""

import base64
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

from .addresses import url_problem
from .events import SUBSCRIBABLE, EventType
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .sending import Answer, webhook_post

logger = logging.getLogger(__name__)


def webhook_secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _manager_require(actor: Actor) -> None:
    if not actor.can_manage_organization:
        raise ValidationError(_("Only the organization's administrators manage webhooks."))


def _endpoint_clean(*, url: str, events: Iterable[str]) -> list[str]:
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    allowed = {str(choice) for choice in SUBSCRIBABLE}
    chosen = [event for event in dict.fromkeys(events)]
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [event for event in chosen if event not in allowed]
    if unknown:
        raise ValidationError({"events": _("Unknown event: %s.") % ", ".join(unknown)})
    return [event for event in map(str, SUBSCRIBABLE) if event in chosen]


@transaction.atomic
def webhook_endpoint_create(
    *, actor: Actor, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    """A new endpoint of the actor's organization, with a new signing secret."""
    _manager_require(actor)
    endpoint = WebhookEndpoint.objects.create(
        organization=actor.acting_organization,
        url=url,
        events=_endpoint_clean(url=url, events=events),
        description=description,
        secret=webhook_secret_new(),
        created_by=actor.signed_in_user,
    )
    audit_record(
        actor=actor,
        organization=actor.organization,
        action=Action.WEBHOOK_ENDPOINT_ADDED,
        target=endpoint,
        details={"url": url, "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str,
    events: Iterable[str],
    description: str,
    is_active: bool,
) -> WebhookEndpoint:
    _manager_require(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.events = _endpoint_clean(url=url, events=events)
    endpoint.url, endpoint.description, endpoint.is_active = url, description, is_active
    endpoint.save(update_fields=["url", "events", "description", "is_active"])
    audit_record(
        actor=actor,
        organization=actor.organization,
        action=Action.WEBHOOK_ENDPOINT_CHANGED,
        target=endpoint,
        details={"url": url, "events": endpoint.events, "active": is_active},
    )
    return endpoint


@transaction.atomic
def webhook_secret_roll(*, actor: Actor, endpoint: WebhookEndpoint) -> str:
    """A new signing secret; deliveries from now on are signed with it."""
    _manager_require(actor)
    endpoint.secret = webhook_secret_new()
    endpoint.save(update_fields=["secret"])
    audit_record(
        actor=actor,
        organization=actor.organization,
        action=Action.WEBHOOK_SECRET_ROLLED,
        target=endpoint,
    )
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """The endpoint goes, with its delivery log; nothing more is sent to it."""
    _manager_require(actor)
    audit_record(
        actor=actor,
        organization=actor.organization,
        action=Action.WEBHOOK_ENDPOINT_REMOVED,
        target=endpoint,
        details={"url": endpoint.url},
    )
    endpoint.delete()


def _body(event: WebhookEvent, organization: Organization, data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "id": event.webhook_id,
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "organization": str(organization.public_id),
            "data": data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def webhook_event_record(
    *,
    organizations: QuerySet[Organization] | Iterable[Organization],
    type: EventType,
    data: Callable[[], dict[str, Any]],
) -> int:
    """Record an event for every organization in `organizations` with an active endpoint
    that subscribes to it, in the caller's transaction (the outbox): it is delivered once
    that commits, and not at all if it rolls back. `data` is called only when some endpoint
    wants the event, so a change nobody listens to costs one query. Returns how many
    deliveries were queued."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization__in=organizations, is_active=True
        ).select_related("organization")
        if type in endpoint.events
    ]
    if not endpoints:
        return 0
    payload = data()
    events: dict[int, WebhookEvent] = {}
    for endpoint in endpoints:
        if endpoint.organization_id not in events:
            event = WebhookEvent(organization_id=endpoint.organization_id, type=type)
            event.body = _body(event, endpoint.organization, payload)
            events[endpoint.organization_id] = event
    WebhookEvent.objects.bulk_create(events.values())
    deliveries = [
        WebhookDelivery(event=events[endpoint.organization_id], endpoint=endpoint)
        for endpoint in endpoints
    ]
    created = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    if ids:
        transaction.on_commit(partial(webhook_dispatch, delivery_ids=ids))
    return len(ids)


@transaction.atomic
def webhook_ping(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event to this endpoint alone, to try the receiver and its signature check."""
    _manager_require(actor)
    event = WebhookEvent(organization=endpoint.organization, type=EventType.PING)
    event.body = _body(event, endpoint.organization, {"endpoint": str(endpoint.public_id)})
    event.save()
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint)
    transaction.on_commit(partial(webhook_dispatch, delivery_ids=[delivery.pk]))
    return delivery


@transaction.atomic
def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send this delivery's event again, now, with the same id and body (a receiver that
    already has it recognises it by its `webhook-id`)."""
    _manager_require(actor)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.in_flight:
        raise ValidationError(_("This event is being sent right now; its answer will show here."))
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.attempts = 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(
        actor=actor,
        organization=actor.organization,
        action=Action.WEBHOOK_REDELIVERED,
        target=delivery.endpoint,
        details={"event": delivery.event.webhook_id, "type": delivery.event.type},
    )
    transaction.on_commit(partial(webhook_dispatch, delivery_ids=[delivery.pk], manual=True))
    return delivery


def webhook_dispatch(*, delivery_ids: list[int], manual: bool = False) -> int:
    """Queue the deliveries' tasks. A broker outage is logged, not raised: the rows are
    pending in the database and the sweeper queues them once the broker is back."""
    from .tasks import webhook_deliver

    app = webhook_deliver.app
    queued = 0
    try:
        with nullcontext() if app.conf.task_always_eager else app.producer_or_acquire() as producer:
            for delivery_id in delivery_ids:
                webhook_deliver.apply_async((delivery_id, manual), producer=producer)
                queued += 1
    except Exception:
        logger.warning(
            "Could not queue %s webhook deliveries; the sweeper will.",
            len(delivery_ids) - queued,
            exc_info=True,
        )
    return queued


def _retry_delay(attempts: int) -> timedelta | None:
    """How long after its `attempts`-th failure a delivery is tried again; None: no more."""
    delays = settings.WEBHOOKS_RETRY_DELAYS
    if attempts > len(delays):
        return None
    return timedelta(seconds=delays[attempts - 1])


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt, if it is due and nobody holds it. The claim is
    committed before the request, and lasts a lease: two workers never send at once."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("event", "endpoint")
            .filter(pk=delivery_id)
            .due()
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.claimed_at = timezone.now()
        lease = settings.WEBHOOKS_CONNECT_TIMEOUT + settings.WEBHOOKS_READ_TIMEOUT + 60
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=lease)
        delivery.save(update_fields=["attempts", "claimed_at", "next_attempt_at"])
    return delivery


def webhook_request(delivery: WebhookDelivery) -> tuple[bytes, dict[str, str]]:
    """The body and the headers of a delivery, signed (Standard Webhooks: HMAC-SHA256 over
    the id, the timestamp and the body, with the endpoint's secret)."""
    body = delivery.event.body.encode()
    now = timezone.now()
    signature = Webhook(delivery.endpoint.secret).sign(
        msg_id=delivery.event.webhook_id, timestamp=now, data=body
    )
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "PartnerSubscriptionsPortal-Webhooks/1",
        "webhook-id": delivery.event.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def webhook_deliver(*, delivery_id: int, manual: bool = False) -> str:
    """One attempt at a delivery: claim it, POST it, log the answer; on a failure, when to
    try again (or give up). Returns the delivery's status afterwards, or "skipped" when it
    was not due (delivered already, held by another worker, or waiting for its time)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    if not delivery.endpoint.is_active and not manual:
        answer = Answer(
            status_code=None, excerpt="", error="The endpoint is switched off.", duration_ms=0
        )
    else:
        body, headers = webhook_request(delivery)
        answer = webhook_post(url=delivery.endpoint.url, body=body, headers=headers)
    return _answer_record(delivery, answer, manual=manual)


@transaction.atomic
def _answer_record(delivery: WebhookDelivery, answer: Answer, *, manual: bool) -> str:
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        started_at=now - timedelta(milliseconds=answer.duration_ms),
        duration_ms=answer.duration_ms,
        status_code=answer.status_code,
        response_excerpt=answer.excerpt,
        error=answer.error,
        manual=manual,
    )
    delivery.last_status_code = answer.status_code
    delivery.claimed_at = None
    if answer.succeeded:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
    else:
        delay = _retry_delay(delivery.attempts)
        if delay is None:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + delay
    delivery.save(
        update_fields=[
            "status",
            "delivered_at",
            "next_attempt_at",
            "last_status_code",
            "claimed_at",
        ]
    )
    if delivery.status == WebhookDelivery.Status.PENDING:
        transaction.on_commit(partial(_retry_queue, delivery))
    return delivery.status


def _retry_queue(delivery: WebhookDelivery) -> None:
    """Queue the next attempt for its time; the sweeper queues it if this is lost."""
    from .tasks import webhook_deliver as task

    if task.app.conf.task_always_eager:
        return  # in-process runs (the demo, tests) leave retries to the sweeper
    try:
        task.apply_async((delivery.pk, False), eta=delivery.next_attempt_at)
    except Exception:
        logger.warning("Could not queue a webhook retry; the sweeper will.", exc_info=True)


def webhooks_due_dispatch(*, limit: int = 1000) -> int:
    """Queue the pending deliveries whose time has come (the sweeper)."""
    ids = list(
        WebhookDelivery.objects.due()
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return webhook_dispatch(delivery_ids=ids) if ids else 0
