"""The collector as beat runs it: the task on a real Celery worker over Redis, reading the
mock cluster from another process. Needs PostgreSQL and Redis (required in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from catalog.monitoring.models import Alert, CollectionRun, ConsumerSample
from catalog.monitoring.tasks import collect_signals
from catalog.tokens import api_token_create
from tests.kafka_mock import MockKafkaCluster
from tests.support import ROOT, celery_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_the_collection_task_and_opens_the_dlq_alert(tmp_path, analytics_consumer):
    cluster = MockKafkaCluster()
    cluster.produce("orders.created", 0, 4)
    cluster.produce("orders.created.dlq", 0, 2)
    env = {"KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap_servers, "KAFKA_TIMEOUT_SECONDS": "10"}
    with celery_worker(tmp_path, route_this_process=True, env=env):
        collect_signals.delay()
        assert wait_for(lambda: CollectionRun.objects.exists(), timeout=60)
    run = CollectionRun.objects.get()
    assert run.status == CollectionRun.Status.OK, run.error
    assert ConsumerSample.objects.get().lag == 4
    assert Alert.objects.get().kind == Alert.Kind.DLQ_DEPTH
    cluster.close()


def test_an_ingested_batch_is_evaluated_by_the_worker(tmp_path, client, alice, analytics_consumer):
    _, token = api_token_create(user=alice, name="collector", scope="write")
    body = {
        "points": [
            {
                "topic": "orders.created",
                "timestamp": timezone.now().isoformat(),
                "dlq_depth": 9,
            }
        ]
    }
    with celery_worker(tmp_path, route_this_process=True):
        response = client.post(
            "/api/v1/signals/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200
        assert wait_for(lambda: Alert.objects.exists(), timeout=60)
    assert Alert.objects.get().value == 9


def test_beat_schedules_the_collector_only_when_kafka_is_configured():
    probe = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'catalog.settings'; "
        "from django.conf import settings; django.setup(); "
        "s = settings.CELERY_BEAT_SCHEDULE; "
        "print(s.get('collect-signals', {}).get('schedule'), 'prune-signals' in s)"
    )

    def schedule(**env: str) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert schedule() == "None True"
    assert schedule(KAFKA_BOOTSTRAP_SERVERS="k:9092", KAFKA_COLLECT_INTERVAL_SECONDS="30") == (
        "30.0 True"
    )
