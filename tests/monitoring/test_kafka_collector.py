"""The collector against a real Kafka protocol peer: librdkafka's mock cluster."""

from __future__ import annotations

import json
import socket
import time

import pytest
from django.core.management import call_command

from catalog.models import Notification
from catalog.monitoring.kafka import client_config_from_env
from catalog.monitoring.models import Alert, CollectionRun, ConsumerSample, TopicSample
from catalog.monitoring.services import collection_run, dlq_acknowledge
from tests.contracts.conftest import RegistryClient
from tests.factories import ORDER_SCHEMA, register_schema
from tests.kafka_mock import MockKafkaCluster


@pytest.fixture
def kafka(settings):
    cluster = MockKafkaCluster()
    settings.KAFKA_BOOTSTRAP_SERVERS = cluster.bootstrap_servers
    settings.KAFKA_TIMEOUT_SECONDS = 10
    yield cluster
    cluster.close()


@pytest.fixture
def traffic(kafka, analytics_consumer):
    """orders.created: 10, 6, 0 and 4 messages in partitions 0-3; analytics has read 7 of
    partition 0 and all 6 of partition 1; the DLQ holds 5."""
    for partition, count in enumerate([10, 6, 0, 4]):
        kafka.produce("orders.created", partition, count)
    kafka.produce("orders.created.dlq", 0, 5)
    kafka.consume_and_commit("analytics", "orders.created", 0, 7)
    kafka.consume_and_commit("analytics", "orders.created", 1, 6)
    return kafka


def test_it_reads_exact_lag_per_partition_and_dlq_depth(traffic, analytics_consumer):
    run = collection_run()
    assert run.status == CollectionRun.Status.OK, run.error
    assert run.partitions == 8  # the topic's 4 and the DLQ's 4
    sample = ConsumerSample.objects.get(consumer=analytics_consumer)
    # Partition 2 is empty and partition 3 was never committed: everything retained is unread.
    assert sample.partition_lags == [3, 0, 0, 4]
    assert sample.lag == 7
    assert sample.uncommitted == 2
    topic_sample = TopicSample.objects.get()
    assert topic_sample.dlq_depth == 5
    assert topic_sample.end_total == 20


def test_throughput_is_the_growth_of_offsets_between_collections(traffic, analytics_consumer):
    collection_run()
    traffic.produce("orders.created", 0, 10)
    traffic.consume_and_commit("analytics", "orders.created", 0, 15)
    time.sleep(1.1)
    collection_run()
    latest = ConsumerSample.objects.filter(consumer=analytics_consumer).latest("taken_at")
    first = ConsumerSample.objects.filter(consumer=analytics_consumer).earliest("taken_at")
    seconds = (latest.taken_at - first.taken_at).total_seconds()
    assert latest.consume_rate == pytest.approx(8 / seconds)
    assert latest.lag == 3 + 0 + 0 + 4 + (20 - 15) - 3
    topic = TopicSample.objects.latest("taken_at")
    assert topic.produce_rate == pytest.approx(10 / seconds)


def test_the_dlq_alert_opens_in_one_collection_names_the_version_and_notifies_both_teams(
    traffic, analytics_consumer, orders_created, alice
):
    register_schema(orders_created)
    run = collection_run()
    assert run.alerts_opened == 1
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.DLQ_DEPTH
    assert alert.value == 5
    assert [c["version"] for c in alert.likely_causes] == [1]
    teams = set(
        Notification.objects.filter(event="alert.opened").values_list("team__slug", flat=True)
    )
    assert teams == {"orders", "analytics"}

    collection_run()
    assert Alert.objects.count() == 1, "a second collection updates, it does not reopen"

    dlq_acknowledge(actor=alice, alert=alert)
    collection_run()
    alert.refresh_from_db()
    assert alert.resolution == Alert.Resolution.ACKNOWLEDGED
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()

    traffic.produce("orders.created.dlq", 1, 2)
    assert collection_run().alerts_opened == 1, "growth past the acknowledged depth alerts"


def test_the_seed_story_a_none_compatibility_change_then_a_growing_dlq(
    kafka, analytics_consumer, orders_created, alice
):
    owner = RegistryClient("alice")
    subject = "orders.created-value"
    assert owner.register(subject, ORDER_SCHEMA).status_code == 200
    owner.put(f"config/{subject}", {"compatibility": "NONE"})
    renamed = json.loads(json.dumps(ORDER_SCHEMA).replace("customer_id", "customerId"))
    response = owner.register(subject, renamed)
    assert response.status_code == 200, "NONE lets the breaking rename through"

    for partition in range(4):
        kafka.produce("orders.created", partition, 3)
    kafka.consume_and_commit("analytics", "orders.created", 0, 3)
    # The analytics consumer cannot read the new events: they go to its DLQ.
    kafka.produce("orders.created.dlq", 0, 3)

    run = collection_run()
    assert run.alerts_opened == 1
    alert = Alert.objects.get(kind=Alert.Kind.DLQ_DEPTH)
    newest = alert.likely_causes[0]
    assert (newest["subject"], newest["version"], newest["by"]) == (subject, 2, "alice")
    body = Notification.objects.filter(event="alert.opened", team__slug="analytics").get().body
    assert "orders.created-value version 2 registered" in body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dead_broker_is_one_recorded_error_not_a_crash_or_a_hang(settings, analytics_consumer):
    settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{free_port()}"
    settings.KAFKA_TIMEOUT_SECONDS = 2
    started = time.monotonic()
    run = collection_run()
    assert time.monotonic() - started < 10
    assert run.status == CollectionRun.Status.FAILED
    assert "cannot read cluster metadata" in run.error
    assert CollectionRun.objects.count() == 1
    assert not ConsumerSample.objects.exists()


def test_a_slow_broker_is_one_recorded_error_within_the_deadline(settings, analytics_consumer):
    cluster = MockKafkaCluster(brokers=1, round_trip_ms=2_000)
    settings.KAFKA_BOOTSTRAP_SERVERS = cluster.bootstrap_servers
    settings.KAFKA_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    run = collection_run()
    assert time.monotonic() - started < 4, "the deadline is 1 s"
    assert run.status == CollectionRun.Status.FAILED
    assert run.error.startswith("cannot read cluster metadata")
    assert not ConsumerSample.objects.exists()


def test_client_security_settings_come_from_the_environment():
    config = client_config_from_env(
        "broker:9093",
        {
            "KAFKA_CLIENT_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_CLIENT_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_CLIENT_SASL_USERNAME": "catalog",
            "KAFKA_CLIENT_SSL_CA_LOCATION": "/etc/ssl/kafka-ca.pem",
            "KAFKA_CLIENT_EMPTY": "",
            "KAFKA_TIMEOUT_SECONDS": "15",
        },
    )
    assert config == {
        "bootstrap.servers": "broker:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "catalog",
        "ssl.ca.location": "/etc/ssl/kafka-ca.pem",
    }


def test_the_command_collects_once_and_reports(traffic, analytics_consumer, capsys):
    call_command("collect_signals")
    out = capsys.readouterr().out
    assert out.startswith("ok: 1 groups, 8 partitions")
    assert "alerts opened 1" in out


def test_without_kafka_configured_the_command_fails_clearly(settings, db):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    with pytest.raises(SystemExit):
        call_command("collect_signals")
    assert CollectionRun.objects.get().error == "KAFKA_BOOTSTRAP_SERVERS is not set"
