"""Who may call /api/v1/, per endpoint and credential: anonymous callers are refused, read-only
tokens read but never write, revoked and expired tokens are refused, outsiders change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import ApiToken, AuditEvent, Consumer, DeliverySLA, Topic
from catalog.tokens import api_token_create, api_token_revoke
from tests.api.client import ApiClient, token_for
from tests.factories import ConsumerFactory, register_schema

TOPIC = "orders.order.created"

READS = [
    "/api/v1/teams/",
    "/api/v1/teams/orders/",
    "/api/v1/topics/",
    f"/api/v1/topics/{TOPIC}/",
    "/api/v1/consumers/",
    "/api/v1/proposals/",
    "/api/v1/migrations/",
    "/api/v1/notifications/",
    "/api/v1/audit-events/",
    "/api/v1/reports/ownership/",
    "/api/v1/reports/ownership.csv",
    "/api/v1/sprawl/",
    "/api/v1/notifications/failed-count",
    "/api/v1/tokens/",
]

# Every write under /api/v1/, with a body that would succeed for an owner where it matters.
WRITES = [
    ("post", "/api/v1/topics/", {"name": "orders.order.shipped", "owner": "orders"}),
    ("put", f"/api/v1/topics/{TOPIC}/sla/", {"max_latency_seconds": 30}),
    ("put", f"/api/v1/topics/{TOPIC}/fields/customer_id/", {"meaning": "Who ordered."}),
    ("post", f"/api/v1/topics/{TOPIC}/activate/", None),
    ("post", f"/api/v1/topics/{TOPIC}/deprecate/", {"deprecation_date": "2030-01-01"}),
    (
        "post",
        "/api/v1/consumers/",
        {"topic": TOPIC, "team": "orders", "name": "x", "group_id": "orders.x"},
    ),
    ("post", "/api/v1/consumers/1/retire/", None),
    ("post", "/api/v1/proposals/", {"topic": TOPIC, "schema": {}, "rationale": "r"}),
    ("post", "/api/v1/proposals/1/decision/", {"team": "orders", "decision": "approved"}),
    ("post", "/api/v1/proposals/1/withdraw/", None),
    ("post", "/api/v1/migrations/1/consumers/1/migrated/", None),
    ("post", "/api/v1/migrations/1/dual-publishing/", None),
    ("post", "/api/v1/notifications/1/retry/", None),
    ("post", "/api/v1/migrations/", {"topic": TOPIC, "schema": {}}),
    ("post", "/api/v1/tokens/1/revoke/", None),
]


@pytest.fixture
def catalog(topic, analytics):
    register_schema(topic)
    return topic


@pytest.mark.parametrize("url", READS)
def test_anonymous_callers_are_refused_with_the_error_shape(db, url):
    response = Client().get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("url", READS)
def test_read_only_tokens_read_everything(catalog, api_alice_read, url):
    assert api_alice_read.get(url).status_code == 200


@pytest.mark.parametrize("method, url, body", WRITES)
def test_read_only_tokens_cannot_write(catalog, alice, api_alice_read, method, url, body):
    events = AuditEvent.objects.count()
    response = getattr(api_alice_read, method)(url, body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"
    assert AuditEvent.objects.count() == events
    assert not DeliverySLA.objects.exists()
    assert Topic.objects.count() == 1


def test_the_schema_check_is_a_dry_run_read_only_tokens_may_call(catalog, api_alice_read):
    from tests.factories import ORDER_SCHEMA

    response = api_alice_read.post(f"/api/v1/topics/{TOPIC}/check", {"schema": ORDER_SCHEMA})
    assert response.status_code == 200
    assert response.json()["is_compatible"] is True


@pytest.mark.parametrize("url", ["/api/v1/topics/", f"/api/v1/topics/{TOPIC}/"])
def test_revoked_tokens_are_refused(catalog, alice, url):
    token, plaintext = api_token_create(user=alice, name="old", scope="write")
    assert ApiClient(plaintext).get(url).status_code == 200
    api_token_revoke(user=alice, token=token)
    response = ApiClient(plaintext).get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoked_write_tokens_cannot_write(catalog, alice):
    token, plaintext = api_token_create(user=alice, name="old", scope="write")
    api_token_revoke(user=alice, token=token)
    response = ApiClient(plaintext).put(f"/api/v1/topics/{TOPIC}/sla/", {"retention_days": 7})
    assert response.status_code == 401
    assert not DeliverySLA.objects.exists()


def test_expired_tokens_are_refused(catalog, alice):
    token, plaintext = api_token_create(
        user=alice, name="short", scope="write", expires_at=timezone.now() + datetime.timedelta(1)
    )
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = ApiClient(plaintext).put(f"/api/v1/topics/{TOPIC}/sla/", {"retention_days": 7})
    assert response.status_code == 401
    assert not DeliverySLA.objects.exists()


def test_tokens_of_deactivated_users_are_refused(catalog, alice):
    plaintext = token_for(alice)
    alice.is_active = False
    alice.save()
    assert ApiClient(plaintext).get("/api/v1/topics/").status_code == 401


def test_garbage_credentials_are_refused(db):
    client = Client()
    assert client.get("/api/v1/topics/", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/api/v1/topics/", HTTP_AUTHORIZATION="Digest x").status_code == 401
    assert client.get("/api/v1/topics/", HTTP_AUTHORIZATION="Basic !!!").status_code == 401


class TestOutsiders:
    """charlie (analytics) changes nothing of team orders' topic; bob (orders) and pat do."""

    @pytest.mark.parametrize(
        "method, path, body",
        [
            ("put", f"/api/v1/topics/{TOPIC}/sla/", {"max_latency_seconds": 30}),
            ("put", f"/api/v1/topics/{TOPIC}/fields/customer_id/", {"meaning": "x"}),
            ("post", f"/api/v1/topics/{TOPIC}/deprecate/", {"deprecation_date": "2030-01-01"}),
            ("post", f"/api/v1/topics/{TOPIC}/activate/", None),
        ],
    )
    def test_outsiders_cannot_change_another_teams_topic(
        self, catalog, api_charlie, method, path, body
    ):
        events = AuditEvent.objects.count()
        response = getattr(api_charlie, method)(path, body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert AuditEvent.objects.count() == events
        catalog.refresh_from_db()
        assert catalog.status == Topic.Status.ACTIVE
        assert not DeliverySLA.objects.exists()

    def test_outsiders_cannot_create_topics_for_another_team(self, catalog, api_charlie):
        response = api_charlie.post(
            "/api/v1/topics/", {"name": "orders.order.shipped", "owner": "orders"}
        )
        assert response.status_code == 403
        assert not Topic.objects.filter(name="orders.order.shipped").exists()

    def test_outsiders_cannot_subscribe_for_another_team(self, catalog, api_charlie):
        response = api_charlie.post(
            "/api/v1/consumers/",
            {"topic": TOPIC, "team": "orders", "name": "sneaky", "group_id": "sneaky"},
        )
        assert response.status_code == 403
        assert not Consumer.objects.exists()

    def test_outsiders_cannot_retire_another_teams_consumer(self, catalog, orders, api_charlie):
        consumer = ConsumerFactory(topic=catalog, team=orders)
        response = api_charlie.post(f"/api/v1/consumers/{consumer.pk}/retire/")
        assert response.status_code == 403
        consumer.refresh_from_db()
        assert consumer.status == Consumer.Status.ACTIVE

    def test_a_teammate_may(self, catalog, api_bob):
        response = api_bob.put(f"/api/v1/topics/{TOPIC}/sla/", {"max_latency_seconds": 30})
        assert response.status_code == 200

    def test_the_platform_role_may(self, catalog, api_pat):
        response = api_pat.put(f"/api/v1/topics/{TOPIC}/sla/", {"max_latency_seconds": 30})
        assert response.status_code == 200


def test_basic_auth_with_a_password_may_write(catalog, alice):
    import base64

    from tests.factories import PASSWORD

    raw = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    response = Client().put(
        f"/api/v1/topics/{TOPIC}/sla/",
        {"retention_days": 7},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {raw}",
    )
    assert response.status_code == 200


def test_a_read_only_token_as_the_basic_password_cannot_write(catalog, alice):
    import base64

    raw = base64.b64encode(f"alice:{token_for(alice, 'read')}".encode()).decode()
    response = Client().put(
        f"/api/v1/topics/{TOPIC}/sla/",
        {"retention_days": 7},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {raw}",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"


class TestBrowserSession:
    def test_a_signed_in_user_writes_with_the_csrf_token(self, catalog, alice):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        client.get("/topics/")
        csrf = client.cookies["csrftoken"].value
        url = f"/api/v1/topics/{TOPIC}/sla/"
        refused = client.put(url, {"retention_days": 7}, content_type="application/json")
        assert refused.status_code == 403
        accepted = client.put(
            url, {"retention_days": 7}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        assert accepted.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/topics/%00/",
        "/api/v1/topics/?owner=%00",
        "/api/v1/notifications/?team=a%00b",
        "/api/v1/topics/x%00/check",
    ],
)
def test_nul_characters_in_the_url_are_a_400(catalog, api_alice, url):
    # PostgreSQL refuses NUL in text: it must never reach a query.
    response = api_alice.client.get(url, **api_alice.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_character"


def test_nul_characters_in_browser_urls_are_a_400(catalog, as_alice):
    assert as_alice.get("/topics/%00/").status_code == 400


def test_a_nul_character_naming_an_object_in_a_body_is_a_400(catalog, api_alice):
    response = api_alice.post(
        "/api/v1/consumers/",
        {"topic": "orders\u0000", "team": "orders", "name": "x", "group_id": "x"},
    )
    assert (response.status_code, response.json()["error"]["field"]) == (400, "topic")
