"""Writes through /api/v1/ go through the same services as the browser: permissions, rules
(refused as 422 with a stable code), audit events."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from catalog.models import (
    AuditEvent,
    Consumer,
    DeliverySLA,
    Domain,
    FieldSemantics,
    Notification,
    Topic,
)
from contracts.models import ChangeProposal, ConsumerMigration, Migration
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import ConsumerFactory, register_schema

TOPIC = "orders.order.created"
OPTIONAL = with_fields(V1, {"name": "loyalty", "type": ["null", "string"], "default": None})


@pytest.fixture
def domain(orders):
    domain = Domain.objects.create(name="orders")
    domain.owners.add(orders)
    return domain


def error(response) -> tuple[int, str, str | None]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["field"]


class TestTopics:
    def test_members_create_a_proposed_topic(self, domain, api_bob):
        response = api_bob.post(
            "/api/v1/topics/",
            {"name": "orders.order.shipped", "owner": "orders", "partitions": 3},
        )
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "proposed"
        topic = Topic.objects.get(name="orders.order.shipped")
        assert (topic.owner.slug, topic.partitions) == ("orders", 3)
        assert AuditEvent.objects.filter(verb="topic.created", actor_label="bob").exists()

    @pytest.mark.parametrize(
        "body, expected",
        [
            ({"name": "Orders.Bad", "owner": "orders"}, (422, "invalid_topic_name", "name")),
            ({"name": "billing.x.created", "owner": "orders"}, (422, "unknown_domain", "name")),
            ({"name": "orders.order.shipped", "owner": "nobody"}, (400, "invalid", "owner")),
            ({"name": "orders.order.shipped"}, (400, "invalid", "owner")),
            (
                {"name": "orders.order.shipped", "owner": "orders", "partitions": 0},
                (400, "invalid", "partitions"),
            ),
        ],
    )
    def test_bad_topics_are_refused(self, domain, api_alice, body, expected):
        assert error(api_alice.post("/api/v1/topics/", body)) == expected
        assert not Topic.objects.exists()

    def test_a_duplicate_create_is_refused(self, domain, topic, api_alice):
        response = api_alice.post("/api/v1/topics/", {"name": TOPIC, "owner": "orders"})
        assert error(response) == (422, "duplicate_topic_name", "name")

    def test_sla_update_is_audited(self, topic, api_alice):
        response = api_alice.put(
            f"/api/v1/topics/{TOPIC}/sla/",
            {"max_latency_seconds": 60, "availability_percent": "99.9", "support_channel": "#x"},
        )
        assert response.status_code == 200
        assert response.json()["availability_percent"] == "99.900"
        assert DeliverySLA.objects.get(topic=topic).max_latency_seconds == 60
        event = AuditEvent.objects.get(verb="sla.created")
        assert event.after["support_channel"] == "#x"

    def test_sla_values_are_validated(self, topic, api_alice):
        response = api_alice.put(f"/api/v1/topics/{TOPIC}/sla/", {"availability_percent": 101})
        assert error(response) == (400, "invalid", "availability_percent")
        response = api_alice.put(f"/api/v1/topics/{TOPIC}/sla/", {"retention_days": -1})
        assert error(response) == (400, "invalid", "retention_days")

    def test_field_semantics_of_a_nested_path(self, topic, api_alice):
        register_schema(topic)
        response = api_alice.put(
            f"/api/v1/topics/{TOPIC}/fields/address.city/",
            {"meaning": "Delivery city", "pii": "personal"},
        )
        assert response.status_code == 200, response.content
        assert FieldSemantics.objects.get(topic=topic, path="address.city").pii == "personal"

    def test_field_semantics_of_an_unknown_field_are_refused(self, topic, api_alice):
        register_schema(topic)
        response = api_alice.put(f"/api/v1/topics/{TOPIC}/fields/nope/", {"meaning": "x"})
        assert error(response) == (422, "unknown_field_path", "path")

    def test_activate_and_deprecate(self, orders, api_alice, api_bob, analytics):
        topic = Topic.objects.create(name=TOPIC, owner=orders, status=Topic.Status.PROPOSED)
        # Only a lead activates.
        assert error(api_bob.post(f"/api/v1/topics/{TOPIC}/activate/"))[0] == 403
        assert api_alice.post(f"/api/v1/topics/{TOPIC}/activate/").json()["status"] == "active"
        again = api_alice.post(f"/api/v1/topics/{TOPIC}/activate/")
        assert error(again) == (422, "not_proposed", None)
        response = api_bob.post(
            f"/api/v1/topics/{TOPIC}/deprecate/",
            {"deprecation_date": "2030-01-01", "retirement_date": "2029-01-01"},
        )
        assert error(response) == (422, "invalid_dates", "retirement_date")
        response = api_bob.post(
            f"/api/v1/topics/{TOPIC}/deprecate/", {"deprecation_date": "2030-01-01"}
        )
        assert response.json()["status"] == "deprecated"
        topic.refresh_from_db()
        assert str(topic.deprecation_date) == "2030-01-01"

    def test_a_body_that_is_not_json_is_refused(self, topic, api_alice):
        response = api_alice.client.put(
            f"/api/v1/topics/{TOPIC}/sla/",
            "{not json",
            content_type="application/json",
            **api_alice.headers,
        )
        assert error(response)[:2] == (400, "parse_error")


class TestConsumers:
    def test_subscribe_and_retire(self, topic, analytics, charlie, api_charlie):
        register_schema(topic)
        response = api_charlie.post(
            "/api/v1/consumers/",
            {
                "topic": TOPIC,
                "team": "analytics",
                "name": "funnel",
                "group_id": "analytics.funnel",
                "read_fields": ["customer_id"],
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["team"], body["read_fields"], body["status"]) == (
            "analytics",
            ["customer_id"],
            "active",
        )
        retired = api_charlie.post(f"/api/v1/consumers/{body['id']}/retire/")
        assert retired.json()["status"] == "retired"
        # Twice is a no-op, not an error.
        assert api_charlie.post(f"/api/v1/consumers/{body['id']}/retire/").status_code == 200
        assert AuditEvent.objects.filter(verb="consumer.retired").count() == 1

    def test_a_duplicate_group_is_refused(self, topic, analytics, api_charlie):
        ConsumerFactory(topic=topic, team=analytics, group_id="g")
        body = {"topic": TOPIC, "team": "analytics", "name": "again", "group_id": "g"}
        assert error(api_charlie.post("/api/v1/consumers/", body)) == (
            422,
            "duplicate_consumer_group",
            "group_id",
        )
        assert Consumer.objects.count() == 1

    def test_unknown_fields_are_refused(self, topic, analytics, api_charlie):
        register_schema(topic)
        body = {
            "topic": TOPIC,
            "team": "analytics",
            "name": "x",
            "group_id": "x",
            "read_fields": ["nope"],
        }
        assert error(api_charlie.post("/api/v1/consumers/", body)) == (
            422,
            "unknown_field_path",
            "read_fields",
        )

    def test_an_unknown_consumer_is_a_404(self, db, api_alice):
        assert error(api_alice.post("/api/v1/consumers/999/retire/"))[:2] == (404, "not_found")


@pytest.fixture
def consumed(orders_created, analytics):
    register_schema(orders_created, V1)
    ConsumerFactory(
        topic=orders_created,
        team=analytics,
        name="funnel",
        group_id="analytics.funnel",
        fields=["customer_id"],
    )
    return orders_created


class TestProposals:
    def submit(self, api, token="k1", schema=None):
        return api.post(
            "/api/v1/proposals/",
            {
                "topic": "orders.created",
                "schema": schema or OPTIONAL,
                "rationale": "loyalty programme",
                "submit_token": token,
            },
        )

    def test_filing_is_idempotent_per_key(self, consumed, api_alice, alice):
        first = self.submit(api_alice)
        assert first.status_code == 201, first.content
        again = self.submit(api_alice)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert ChangeProposal.objects.count() == 1
        assert first.json()["author"] == "alice"

    def test_keys_are_per_user(self, consumed, api_alice, api_bob):
        assert self.submit(api_alice).json()["id"] != self.submit(api_bob).json()["id"]

    def test_outsiders_cannot_file(self, consumed, api_charlie):
        assert self.submit(api_charlie).status_code == 403

    def test_an_invalid_schema_is_refused(self, consumed, api_alice):
        response = self.submit(api_alice, schema={"type": "record"})
        assert error(response)[:2] == (422, "invalid_schema")

    def test_consumers_decide_and_the_owner_approves(
        self, consumed, api_alice, api_charlie, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            proposal_id = self.submit(api_alice, schema=renamed(V1, "customer_id", "cid")).json()[
                "id"
            ]
        body = api_charlie.get(f"/api/v1/proposals/{proposal_id}/").json()
        assert {a["team"]: a["state"] for a in body["approvals"]} == {
            "analytics": "pending",
            "orders": "pending",
        }
        assert body["kind"] == "breaking"
        url = f"/api/v1/proposals/{proposal_id}/decision/"
        objection = api_charlie.post(url, {"team": "analytics", "decision": "objected"})
        assert error(objection) == (422, "objection_needs_reason", "comment")
        # charlie is not in orders.
        assert api_charlie.post(url, {"team": "orders", "decision": "approved"}).status_code == 403
        response = api_charlie.post(
            url, {"team": "analytics", "decision": "objected", "comment": "we join on it"}
        )
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        assert AuditEvent.objects.filter(verb="approval.objected", actor_label="charlie").exists()
        closed = api_charlie.post(url, {"team": "analytics", "decision": "approved"})
        assert error(closed) == (422, "proposal_closed", None)

    def test_a_team_not_asked_cannot_decide(self, consumed, api_pat, api_alice, reporting):
        proposal_id = self.submit(api_alice).json()["id"]
        response = api_pat.post(
            f"/api/v1/proposals/{proposal_id}/decision/",
            {"team": "reporting", "decision": "approved"},
        )
        assert error(response) == (422, "not_an_approver", "team")

    def test_the_author_withdraws(self, consumed, api_alice, api_bob):
        proposal_id = self.submit(api_alice).json()["id"]
        assert api_bob.post(f"/api/v1/proposals/{proposal_id}/withdraw/").status_code == 403
        response = api_alice.post(f"/api/v1/proposals/{proposal_id}/withdraw/")
        assert response.json()["status"] == "withdrawn"

    def test_filters(self, consumed, api_alice, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            proposal_id = self.submit(api_alice).json()["id"]
        ChangeProposal.objects.filter(pk=proposal_id).update(deadline="2001-01-01T00:00:00Z")

        def ids(**params):
            return [
                p["id"] for p in api_alice.get("/api/v1/proposals/", **params).json()["results"]
            ]

        assert ids(overdue="true") == [proposal_id]
        assert ids(overdue="false") == []
        assert ids(waiting_for="orders") == [proposal_id]
        assert ids(waiting_for="analytics") == []
        assert ids(actor="bob") == []
        assert ids(owner="orders", status="in_review") == [proposal_id]
        assert api_alice.get("/api/v1/proposals/", status="open").status_code == 400
        listed = api_alice.get("/api/v1/proposals/").json()["results"][0]
        assert listed["overdue"] is True
        assert "schema_text" not in listed


@pytest.fixture
def reporting(db):
    from tests.factories import TeamFactory

    return TeamFactory(slug="reporting")


class TestMigrations:
    @pytest.fixture
    def migration(self, consumed, alice):
        from contracts import topic_versions

        return topic_versions.migration_start(
            actor=alice,
            topic=consumed,
            schema_text=json.dumps(renamed(V1, "customer_id", "cid")),
        )

    def test_listed_with_their_consumers(self, migration, api_alice):
        body = api_alice.get("/api/v1/migrations/", topic="orders.created").json()["results"]
        assert [(m["from_topic"], m["to_topic"], m["pending"]) for m in body] == [
            ("orders.created", "orders.created.v2", 1)
        ]
        assert body[0]["consumers"][0]["team"] == "analytics"

    def test_dual_publishing_then_the_consumer_moves(self, migration, api_charlie, api_bob):
        consumer_id = ConsumerMigration.objects.get(migration=migration).consumer_id
        dual = f"/api/v1/migrations/{migration.pk}/dual-publishing/"
        assert api_charlie.post(dual).status_code == 403
        body = api_bob.post(dual).json()
        assert body["status"] == "dual_publishing"
        url = f"/api/v1/migrations/{migration.pk}/consumers/{consumer_id}/migrated/"
        assert api_bob.post(url).status_code == 403
        body = api_charlie.post(url).json()
        assert body["pending"] == 0
        assert body["consumers"][0]["status"] == "migrated"
        assert Migration.objects.get(pk=migration.pk).from_topic.status == "deprecated"

    def test_the_owner_starts_one_and_a_repeat_starts_nothing(self, consumed, api_bob):
        body = {"topic": "orders.created", "schema": renamed(V1, "customer_id", "cid")}
        response = api_bob.post("/api/v1/migrations/", body)
        assert response.status_code == 201
        started = response.json()
        assert (started["from_topic"], started["to_topic"], started["window_days"]) == (
            "orders.created",
            "orders.created.v2",
            30,
        )
        assert started["renames"] == {"customer_id": "cid"}
        assert [(c["team"], c["status"]) for c in started["consumers"]] == [
            ("analytics", "pending")
        ]
        assert AuditEvent.objects.filter(verb="migration.started").count() == 1
        assert error(api_bob.post("/api/v1/migrations/", body)) == (
            422,
            "migration_in_progress",
            None,
        )
        assert Migration.objects.count() == 1

    @pytest.mark.parametrize(
        "changes, expected",
        [
            ({"schema": "{not json"}, (422, "invalid_schema", "schema")),
            ({"schema": 7}, (422, "invalid_schema", "schema")),
            ({"window_days": 0}, (400, "invalid", "window_days")),
            ({"window_days": 10**9}, (400, "invalid", "window_days")),
            ({"topic": "no.such.topic"}, (400, "invalid", "topic")),
            ({"proposal": 424242}, (400, "invalid", "proposal")),
        ],
    )
    def test_bad_starts_are_refused_and_change_nothing(self, consumed, api_bob, changes, expected):
        body = {"topic": "orders.created", "schema": renamed(V1, "customer_id", "cid"), **changes}
        assert error(api_bob.post("/api/v1/migrations/", body)) == expected
        assert not Migration.objects.exists()
        assert not Topic.objects.filter(name="orders.created.v2").exists()

    def test_only_the_owners_start_one(self, consumed, api_charlie):
        body = {"topic": "orders.created", "schema": renamed(V1, "customer_id", "cid")}
        assert api_charlie.post("/api/v1/migrations/", body).status_code == 403
        assert not Migration.objects.exists()

    def test_an_unknown_consumer_of_the_migration_is_a_404(self, migration, api_charlie):
        url = f"/api/v1/migrations/{migration.pk}/consumers/424242/migrated/"
        assert api_charlie.post(url).status_code == 404


class TestNotifications:
    @pytest.fixture
    def failed(self, orders):
        return Notification.objects.create(
            team=orders,
            channel=Notification.Channel.EMAIL,
            event="schema.registered",
            subject="v2 of orders.created",
            body="details",
            status=Notification.Status.FAILED,
            attempts=1,
            last_error="email failed: refused",
            idempotency_key="retry-me",
        )

    @staticmethod
    def url(notification) -> str:
        return f"/api/v1/notifications/{notification.pk}/retry/"

    def test_a_member_retries_a_failed_notification(
        self, failed, api_bob, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_bob.post(self.url(failed))
            assert response.status_code == 200
            body = response.json()
            assert (body["id"], body["status"]) == (failed.pk, "pending")
        # Delivered after commit.
        failed.refresh_from_db()
        assert (failed.status, failed.attempts, failed.last_error) == ("sent", 2, "")
        assert [m.subject for m in mail.outbox] == ["v2 of orders.created"]
        event = AuditEvent.objects.get(verb="notification.retried")
        assert (event.object_id, event.before["status"]) == (str(failed.pk), "failed")

    def test_a_second_retry_is_refused_until_the_first_has_failed_again(
        self, failed, api_bob, api_pat, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert api_pat.post(self.url(failed)).status_code == 200
            assert error(api_bob.post(self.url(failed))) == (422, "not_failed", None)
        assert len(callbacks) == 1
        assert AuditEvent.objects.filter(verb="notification.retried").count() == 1

    def test_outsiders_and_unknown_notifications_get_a_404(self, failed, api_charlie, api_bob):
        assert api_charlie.post(self.url(failed)).status_code == 404
        assert api_bob.post("/api/v1/notifications/424242/retry/").status_code == 404
        failed.refresh_from_db()
        assert failed.status == "failed"
        assert not AuditEvent.objects.filter(verb="notification.retried").exists()
