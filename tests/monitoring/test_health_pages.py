"""The health page, alert pages, /metrics and GET /api/v1/alerts/."""

from __future__ import annotations

import datetime
import re

import pytest

from catalog.monitoring.models import Alert, CollectionRun
from catalog.monitoring.services import alerts_evaluate
from catalog.tokens import api_token_create
from tests.factories import ConsumerFactory, TopicFactory
from tests.monitoring.conftest import minutes_ago, record

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def dlq_alert(analytics_consumer, orders_created, now):
    for minutes in range(0, 180, 30):
        record(minutes_ago(now, minutes + 1), consumer=analytics_consumer, lag=40 + minutes)
    record(now, consumer=analytics_consumer, lag=42, rate=12.5)
    record(now, topic=orders_created, dlq_depth=6, produce_rate=30.0)
    alerts_evaluate(now=now)
    return Alert.objects.get()


def test_it_lists_open_alerts_first_with_readings_and_sparklines(
    as_charlie, dlq_alert, analytics_consumer, orders
):
    quiet = TopicFactory(name="aaa.quiet.topic", owner=orders)
    ConsumerFactory(topic=quiet, group_id="nobody-reads")
    response = as_charlie.get("/health/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("orders.created") < html.index("aaa.quiet.topic"), "alerting first"
    assert "DLQ not empty" in html
    assert "data-dlq-depth>6<" in html
    assert "<td data-lag>42</td>" in html
    assert "12.5 msg/s" in html
    assert html.count('<svg class="sparkline"') >= 2
    # Hourly peaks: the oldest reading, 151 minutes ago, was the highest.
    assert re.search(r"Lag, last 24 hours: min \d+, max 190", html)


def test_the_htmx_filter_returns_only_the_topics_fragment(as_charlie, dlq_alert, orders):
    response = as_charlie.get("/health/?q=orders", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="health-topics"')
    assert "Open alerts" not in html


def test_a_failed_collection_is_shown_with_its_reason(as_charlie, db, now):
    CollectionRun.objects.create(
        started_at=now, finished_at=now, status="failed", error="cannot read cluster metadata"
    )
    html = as_charlie.get("/health/").content.decode()
    assert "could not read Kafka: <strong>cannot read cluster metadata</strong>" in html


def test_the_page_runs_a_bounded_number_of_queries(
    as_charlie, dlq_alert, orders, analytics, now, django_assert_max_num_queries
):
    for i in range(30):
        topic = TopicFactory(name=f"shop.item{i}.sold", owner=orders, dlq_topic=f"dlq{i}")
        consumer = ConsumerFactory(topic=topic, team=analytics, group_id=f"g{i}")
        record(now, consumer=consumer, lag=i, topic=topic, dlq_depth=0)
    with django_assert_max_num_queries(14):
        assert as_charlie.get("/health/").status_code == 200


def test_the_alert_page_links_the_likely_cause_and_the_owner_acknowledges(
    as_alice, dlq_alert, alice
):
    dlq_alert.likely_causes = [
        {
            "kind": "schema_version",
            "subject": "orders.created-value",
            "version": 2,
            "at": "2026-11-30T09:58:00+00:00",
            "by": "bob",
            "url": "/topics/orders.created/#schema",
            "registry_url": "/registry/subjects/orders.created-value/versions/2",
        }
    ]
    dlq_alert.save()
    html = as_alice.get(f"/alerts/{dlq_alert.pk}/").content.decode()
    assert "orders.created-value version 2</a> registered 2026-11-30T09:58 UTC by bob" in html
    assert "Acknowledge DLQ depth" in html
    response = as_alice.post(f"/alerts/{dlq_alert.pk}/acknowledge/")
    assert response.status_code == 302
    dlq_alert.refresh_from_db()
    assert dlq_alert.resolution == Alert.Resolution.ACKNOWLEDGED


def test_outsiders_see_no_acknowledge_button_and_cannot_post_it(as_charlie, dlq_alert):
    html = as_charlie.get(f"/alerts/{dlq_alert.pk}/").content.decode()
    assert "Acknowledge DLQ depth" not in html
    assert as_charlie.post(f"/alerts/{dlq_alert.pk}/acknowledge/").status_code == 403
    dlq_alert.refresh_from_db()
    assert dlq_alert.is_open


def test_acknowledging_needs_the_csrf_token(alice, dlq_alert):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/alerts/{dlq_alert.pk}/acknowledge/").status_code == 403
    dlq_alert.refresh_from_db()
    assert dlq_alert.is_open


def test_metrics_expose_lag_dlq_throughput_alerts_and_failed_notifications(
    client, settings, dlq_alert
):
    settings.METRICS_TOKEN = "scrape-secret"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    labels = '{topic="orders.created",consumer_group="analytics",team="analytics"}'
    assert f"contract_catalog_consumer_lag_messages{labels} 42" in text
    assert f"contract_catalog_consumer_throughput_messages_per_second{labels} 12.5" in text
    assert (
        'contract_catalog_topic_dlq_depth_messages{topic="orders.created",'
        'dlq_topic="orders.created.dlq"} 6' in text
    )
    assert 'contract_catalog_alerts_open{kind="dlq_depth"} 1' in text
    assert 'contract_catalog_alerts_open{kind="lag"} 0' in text
    assert "contract_catalog_notifications_failed 0" in text
    assert "# TYPE contract_catalog_consumer_lag_messages gauge" in text


def test_metrics_refuse_anonymous_and_wrong_tokens(client, settings, db):
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_accept_an_api_token(client, alice, db):
    _, plaintext = api_token_create(user=alice, name="prometheus", scope="read")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200


def test_metrics_leave_out_stale_readings(client, settings, analytics_consumer, now):
    settings.METRICS_TOKEN = "t"
    record(now - datetime.timedelta(hours=2), consumer=analytics_consumer, lag=99)
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert "contract_catalog_consumer_lag_messages{" not in text


def test_the_alerts_api_lists_open_alerts_with_their_cause(as_charlie, dlq_alert):
    body = as_charlie.get("/api/v1/alerts/?state=open").json()
    assert [a["kind"] for a in body["alerts"]] == ["dlq_depth"]
    assert body["alerts"][0]["topic"] == "orders.created"
    assert as_charlie.get("/api/v1/alerts/?state=resolved").json() == {"alerts": []}
    error = as_charlie.get("/api/v1/alerts/?state=sideways").json()["error"]
    assert error["code"] == "invalid_filter" and error["field"] == "state"
    error = as_charlie.get("/api/v1/alerts/?limit=0").json()["error"]
    assert error["code"] == "invalid_filter" and error["field"] == "limit"


def test_the_demo_shows_the_incident_with_its_cause(as_pat, db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=__import__("io").StringIO())
    alert = Alert.objects.get(resolved_at__isnull=True)
    assert alert.topic.name == "orders.order.shipped"
    assert alert.likely_causes[0]["subject"] == "orders.order.shipped-value"
    assert alert.likely_causes[0]["by"] == "oscar"
    html = as_pat.get("/health/").content.decode()
    assert "orders.order.shipped-value v2" in html
    call_command("seed_demo", stdout=__import__("io").StringIO())
    assert Alert.objects.count() == 1, "loading the demo twice adds nothing"


def test_the_topic_page_shows_its_open_alerts(as_charlie, dlq_alert):
    html = as_charlie.get("/topics/orders.created/").content.decode()
    assert 'id="topic-alerts"' in html
    assert f'href="/alerts/{dlq_alert.pk}/"' in html
    dlq_alert.resolved_at = dlq_alert.opened_at
    dlq_alert.save()
    assert 'id="topic-alerts"' not in as_charlie.get("/topics/orders.created/").content.decode()
