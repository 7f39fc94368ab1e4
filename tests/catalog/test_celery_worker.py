"""A real Celery worker over Redis delivers the outbox, retrying with backoff.

Needs PostgreSQL (the worker is another process and must see the test database) and Redis;
both are required in CI and skipped locally when absent."""

from __future__ import annotations

import time

import pytest
from kombu import Connection

from catalog import celery_app
from catalog.models import Notification
from catalog.tasks import deliver_notification
from tests.factories import TeamFactory
from tests.support import REDIS_URL, WebhookSink, celery_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    with celery_worker(tmp_path) as running:
        yield running.queue


def _outbox_row(team, key: str) -> Notification:
    # Written directly: notify_teams would also deliver it in this (eager) process on commit.
    return Notification.objects.create(
        team=team,
        channel=Notification.Channel.WEBHOOK,
        event="schema.registered",
        subject="v2 registered",
        body="b",
        payload={"topic": "orders.created"},
        idempotency_key=key,
    )


def _send(notification_id: int, queue: str) -> None:
    # Through the broker even though this test process runs tasks in-process (eager):
    # send_task always publishes.
    with Connection(REDIS_URL) as broker:
        celery_app.send_task(
            deliver_notification.name, args=(notification_id,), connection=broker, queue=queue
        )


def _delivered(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.status == Notification.Status.SENT


def test_the_worker_retries_a_failing_webhook_with_backoff_until_it_is_delivered(worker):
    with WebhookSink(statuses=[500, 502]) as sink:
        notification = _outbox_row(TeamFactory(slug="ops", webhook_url=sink.url), "worker-test")
        _send(notification.pk, worker)
        assert wait_for(lambda: _delivered(notification)), (
            notification.status,
            notification.last_error,
        )
        assert notification.attempts == 3
        assert len(sink.received) == 1


def test_a_task_run_twice_sends_once(worker):
    with WebhookSink() as sink:
        notification = _outbox_row(TeamFactory(slug="ops", webhook_url=sink.url), "twice")
        for _ in range(2):
            _send(notification.pk, worker)
        assert wait_for(lambda: _delivered(notification))
        time.sleep(1.0)  # give the duplicate task time to run (and do nothing)
        assert len(sink.received) == 1


def test_a_worker_killed_mid_delivery_delivers_exactly_once_after_restart(tmp_path):
    env = {"NOTIFICATION_CLAIM_LEASE_SECONDS": "2", "CELERY_VISIBILITY_TIMEOUT": "3"}
    with WebhookSink(hang_first=True) as sink, celery_worker(tmp_path, env=env) as worker:
        notification = _outbox_row(TeamFactory(slug="ops", webhook_url=sink.url), "killed")
        _send(notification.pk, worker.queue)
        assert sink.hanging.wait(timeout=30), "the delivery never reached the webhook"
        worker.kill()  # mid-request: the task was claimed, never acknowledged
        sink.release.set()
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENDING
        time.sleep(3.5)  # past the visibility timeout and the claim lease
        worker.start()  # restores the unacknowledged task and runs it again
        assert wait_for(lambda: _delivered(notification)), notification.status
        time.sleep(1.0)
        assert len(sink.received) == 1
        assert notification.attempts == 2
