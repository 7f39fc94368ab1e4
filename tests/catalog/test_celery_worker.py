"""A real Celery worker over Redis delivers the outbox, retrying with backoff.

Needs PostgreSQL (the worker is another process and must see the test database) and Redis;
both are required in CI and skipped locally when absent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu import Connection

from catalog import celery_app
from catalog.models import Notification
from catalog.tasks import deliver_notification
from tests.factories import TeamFactory
from tests.support import WebhookSink

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    _require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    _require(_redis_up(), f"needs Redis at {REDIS_URL}")
    db = connection.settings_dict
    queue = f"cc-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "catalog.settings",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "catalog",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--loglevel",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield queue
    finally:
        process.terminate()
        process.wait(timeout=20)


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


def _wait_for(predicate, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_retries_a_failing_webhook_with_backoff_until_it_is_delivered(worker):
    with WebhookSink(statuses=[500, 502]) as sink:
        team = TeamFactory(slug="ops", contact_email="", webhook_url=sink.url)
        notification = _outbox_row(team, "worker-test")
        _send(notification.pk, worker)

        def delivered() -> bool:
            notification.refresh_from_db()
            return notification.status == Notification.Status.SENT

        assert _wait_for(delivered), (notification.status, notification.last_error)
        assert notification.attempts == 3
        assert len(sink.received) == 1


def test_a_task_run_twice_sends_once(worker):
    with WebhookSink() as sink:
        team = TeamFactory(slug="ops", contact_email="", webhook_url=sink.url)
        notification = _outbox_row(team, "twice")
        for _ in range(2):
            _send(notification.pk, worker)

        def delivered() -> bool:
            notification.refresh_from_db()
            return notification.status == Notification.Status.SENT

        assert _wait_for(delivered)
        time.sleep(1.0)  # give the duplicate task time to run (and do nothing)
        assert len(sink.received) == 1
