"""Celery tasks: thin, idempotent, given ids; the work is in the services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from kombu.exceptions import OperationalError

from catalog.notifications import DeliveryError, notification_deliver, pending_notification_ids

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any) -> None:
    """Send a task, never failing the caller: with the broker down the work is already saved
    (outbox rows, unanalysed proposals) and a periodic sweep sends it once the broker is back."""
    try:
        task.delay(*args)
    except OperationalError:
        logger.warning(
            "could not enqueue %s%r; the sweep will retry", task.name, args, exc_info=True
        )


@shared_task(
    bind=True,
    autoretry_for=(DeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    ignore_result=True,
)
def deliver_notification(self: Any, notification_id: int) -> None:
    # In-process (no broker) there is no one to retry later without blocking the request, so
    # the first failure is final there; it stays visible and can be retried by hand.
    final = bool(self.request.is_eager) or self.request.retries >= self.max_retries
    notification_deliver(notification_id, final_attempt=final)


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Fan out: one delivery task per notification (safe twice: deliveries claim their row)."""
    for notification_id in notification_ids:
        deliver_notification.delay(notification_id)


@shared_task(ignore_result=True)
def sweep_pending_notifications() -> int:
    """Re-enqueue pending notifications whose task never ran; safe to run any time."""
    ids = pending_notification_ids(older_than_seconds=300)
    for notification_id in ids:
        enqueue(deliver_notification, notification_id)
    return len(ids)
