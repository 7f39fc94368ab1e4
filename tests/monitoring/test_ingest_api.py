"""POST /api/v1/signals/: a batch from another collector, validated whole, all or nothing,
idempotent by timestamp."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from catalog.models import Notification
from catalog.monitoring.models import Alert, ConsumerSample, TopicSample
from catalog.tokens import api_token_create

URL = "/api/v1/signals/"


@pytest.fixture
def write_token(alice):
    _, plaintext = api_token_create(user=alice, name="collector", scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def stamp(at: datetime.datetime) -> str:
    return at.isoformat()


def lag_point(at, group="analytics", lags=None, **extra):
    return {
        "topic": "orders.created",
        "consumer_group": group,
        "timestamp": stamp(at),
        "partition_lag": lags or {"0": 5, "1": 7},
        **extra,
    }


def post(client, body, **headers):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def stored():
    return ConsumerSample.objects.count() + TopicSample.objects.count()


def test_it_stores_a_batch_and_answers_what_it_stored(client, write_token, analytics_consumer):
    now = timezone.now()
    body = {
        "points": [
            lag_point(now, throughput=12.5),
            {
                "topic": "orders.created",
                "timestamp": stamp(now),
                "dlq_depth": 0,
                "topic_throughput": 40.0,
            },
        ]
    }
    response = post(client, body, **write_token)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "points": 2,
        "stored": {"consumer_samples": 1, "topic_samples": 1},
        "duplicates": 0,
    }
    sample = ConsumerSample.objects.get()
    assert sample.lag == 12
    assert sample.partition_lags == [5, 7]
    assert sample.consume_rate == 12.5
    assert TopicSample.objects.get().produce_rate == 40.0


def test_resending_a_batch_stores_nothing_twice(client, write_token, analytics_consumer):
    body = {"points": [lag_point(timezone.now())]}
    post(client, body, **write_token)
    response = post(client, body, **write_token)
    assert response.status_code == 200
    assert response.json()["duplicates"] == 1
    assert ConsumerSample.objects.count() == 1


def test_a_dlq_point_opens_the_alert_right_after_the_batch(
    client, write_token, analytics_consumer, django_capture_on_commit_callbacks
):
    body = {
        "points": [{"topic": "orders.created", "timestamp": stamp(timezone.now()), "dlq_depth": 4}]
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, **write_token).status_code == 200
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.DLQ_DEPTH and alert.value == 4
    assert Notification.objects.filter(event="alert.opened").count() == 2


@pytest.mark.parametrize(
    ("point", "code", "field"),
    [
        ({"consumer_group": "nobody"}, "unknown_group", "consumer_group"),
        ({"topic": "orders.nothing"}, "unknown_topic", "topic"),
        ({"partition_lag": {"0": -3}}, "negative_lag", "partition_lag.0"),
        ({"partition_lag": {"x": 3}}, "invalid_partition", "partition_lag.x"),
        ({"partition_lag": {"²": 3}}, "invalid_partition", "partition_lag.²"),
        ({"partition_lag": {"9999999": 3}}, "invalid_partition", "partition_lag.9999999"),
        ({"partition_lag": {"0": 1.5}}, "negative_lag", "partition_lag.0"),
        ({"throughput": -1}, "invalid", "throughput"),
        ({"timestamp": "yesterday"}, "invalid_timestamp", "timestamp"),
        ({"timestamp": "2026-11-30T10:00:00"}, "invalid_timestamp", "timestamp"),
        ({"surprise": 1}, "unknown_field", "surprise"),
        ({"consumer_group": None}, "invalid", "consumer_group"),
        ({"throughput": None}, "invalid", "throughput"),
    ],
)
def test_a_bad_point_refuses_the_whole_batch_naming_it(
    client, write_token, analytics_consumer, point, code, field
):
    good = lag_point(timezone.now())
    bad = {**lag_point(timezone.now() - datetime.timedelta(minutes=1)), **point}
    response = post(client, {"points": [good, bad]}, **write_token)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_points"
    assert error["errors"][0] == {
        "index": 1,
        "field": field,
        "code": code,
        "message": error["errors"][0]["message"],
    }
    assert error["message"].startswith(f"points[1].{field}")
    assert stored() == 0, "nothing of the batch may be stored"


def test_timestamps_far_in_the_future_or_past_the_retention_are_refused(
    client, write_token, analytics_consumer
):
    now = timezone.now()
    body = {
        "points": [
            lag_point(now + datetime.timedelta(hours=1)),
            lag_point(now - datetime.timedelta(days=30)),
        ]
    }
    response = post(client, body, **write_token)
    assert response.status_code == 422
    codes = [e["code"] for e in response.json()["error"]["errors"]]
    assert codes == ["timestamp_in_future", "timestamp_too_old"]
    assert stored() == 0


def test_a_batch_over_the_limit_is_refused_before_anything_is_read(
    client, write_token, analytics_consumer, settings
):
    now = timezone.now()
    points = [lag_point(now - datetime.timedelta(seconds=i)) for i in range(10_000)]
    response = post(client, {"points": points}, **write_token)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert "5,000" in response.json()["error"]["message"]
    assert stored() == 0


def test_a_body_over_the_upload_limit_is_refused(client, write_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = post(client, {"points": [{"pad": "x" * 2_000}]}, **write_token)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("body", ["not json", "[]", '{"points": "many"}', '{"points": []}'])
def test_malformed_bodies_get_a_clear_error(client, write_token, body):
    response = client.post(URL, body, content_type="application/json", **write_token)
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in {"invalid_json", "invalid"}


def test_a_read_only_token_cannot_push(client, alice, analytics_consumer):
    _, plaintext = api_token_create(user=alice, name="dashboards", scope="read")
    response = post(
        client, {"points": [lag_point(timezone.now())]}, HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"
    assert stored() == 0


def test_anonymous_callers_are_refused(client, analytics_consumer):
    response = post(client, {"points": [lag_point(timezone.now())]})
    assert response.status_code in (401, 403)
    assert stored() == 0


def test_a_team_unrelated_to_the_topic_cannot_report_on_it(
    client, analytics_consumer, orders_created
):
    from tests.factories import MembershipFactory, TeamFactory, UserFactory

    stranger = UserFactory(username="dave")
    MembershipFactory(user=stranger, team=TeamFactory(slug="billing"))
    _, plaintext = api_token_create(user=stranger, name="x", scope="write")
    response = post(
        client, {"points": [lag_point(timezone.now())]}, HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code == 403
    assert response.json()["error"]["errors"][0]["code"] == "forbidden"
    assert stored() == 0


def test_the_consumer_s_own_team_may_report_its_lag(client, charlie, analytics_consumer):
    _, plaintext = api_token_create(user=charlie, name="x", scope="write")
    response = post(
        client, {"points": [lag_point(timezone.now())]}, HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )
    assert response.status_code == 200
