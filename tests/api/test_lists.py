"""Lists under /api/v1/: the filters audits need, ordering, cursor pagination, bad input as a
400 with a stable code, and a bounded number of queries whatever the page size."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import AuditEvent, DeliverySLA, Notification, Topic
from catalog.services import topic_sla_update
from tests.factories import (
    ConsumerFactory,
    FieldSemanticsFactory,
    TeamFactory,
    TopicFactory,
    register_schema,
)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def estate(orders, analytics, alice):
    """orders owns a described, consumed topic with SLA and schema; analytics a bare one; one
    topic has no owner; one is retired."""
    full = TopicFactory(name="orders.order.created", owner=orders)
    register_schema(full)
    FieldSemanticsFactory(topic=full)
    DeliverySLA.objects.create(topic=full, max_latency_seconds=60)
    ConsumerFactory(topic=full, team=analytics)
    bare = TopicFactory(name="analytics.report.built", owner=analytics)
    orphan = TopicFactory(name="legacy.thing.happened", owner=None, status=Topic.Status.PROPOSED)
    retired = TopicFactory(name="orders.order.old", owner=orders, status=Topic.Status.RETIRED)
    return {"full": full, "bare": bare, "orphan": orphan, "retired": retired}


class TestTopicFilters:
    @pytest.mark.parametrize(
        "params, expected",
        [
            (
                {},
                [
                    "analytics.report.built",
                    "legacy.thing.happened",
                    "orders.order.created",
                    "orders.order.old",
                ],
            ),
            ({"owner": "orders"}, ["orders.order.created", "orders.order.old"]),
            ({"domain": "analytics"}, ["analytics.report.built"]),
            ({"status": "proposed"}, ["legacy.thing.happened"]),
            ({"has_owner": "false"}, ["legacy.thing.happened"]),
            ({"has_consumers": "true"}, ["orders.order.created"]),
            ({"has_sla": "true"}, ["orders.order.created"]),
            ({"has_sla": "false", "status": "active"}, ["analytics.report.built"]),
            ({"has_schema": "true"}, ["orders.order.created"]),
            ({"has_field_semantics": "true"}, ["orders.order.created"]),
            ({"q": "legacy"}, ["legacy.thing.happened"]),
            ({"q": "analytics"}, ["analytics.report.built"]),
            (
                {"ordering": "-name", "owner": "orders"},
                ["orders.order.old", "orders.order.created"],
            ),
        ],
    )
    def test_filters(self, estate, api_alice, params, expected):
        assert names(api_alice.get("/api/v1/topics/", **params)) == expected

    def test_changed_since_sees_changes_to_sla_and_consumers(self, estate, alice, api_alice):
        later = timezone.now() + datetime.timedelta(seconds=1)
        assert names(api_alice.get("/api/v1/topics/", changed_since=later.isoformat())) == []
        # An SLA change does not touch the topic row; its audit event counts.
        AuditEvent.objects.create(
            actor_label="alice",
            verb="sla.updated",
            object_type="deliverysla",
            object_id="1",
            object_repr="x",
            topic=estate["bare"],
        )
        topic_sla_update(
            actor=alice,
            topic=estate["full"],
            max_latency_seconds=1,
            availability_percent=None,
            retention_days=None,
            max_consumer_lag=None,
        )
        since = (timezone.now() - datetime.timedelta(seconds=5)).isoformat()
        assert names(api_alice.get("/api/v1/topics/", changed_since=since)) == [
            "analytics.report.built",
            "legacy.thing.happened",
            "orders.order.created",
            "orders.order.old",
        ]

    @pytest.mark.parametrize(
        "params, code, field",
        [
            ({"status": "bogus"}, "invalid_filter", "status"),
            ({"owner": "nobody"}, "invalid_filter", "owner"),
            ({"has_owner": "maybe"}, "invalid_filter", "has_owner"),
            ({"changed_since": "yesterday"}, "invalid_filter", "changed_since"),
            ({"ordering": "owner"}, "invalid_ordering", "ordering"),
            ({"page_size": "0"}, "invalid_page_size", "page_size"),
            ({"page_size": "100000"}, "invalid_page_size", "page_size"),
            ({"page_size": "ten"}, "invalid_page_size", "page_size"),
            ({"cursor": "garbage"}, "invalid_cursor", "cursor"),
        ],
    )
    def test_bad_input_is_a_400_with_a_stable_code(self, estate, api_alice, params, code, field):
        response = api_alice.get("/api/v1/topics/", **params)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["field"] == field

    def test_a_forged_cursor_is_a_400_not_a_500(self, estate, api_alice):
        import base64

        # Well-formed, but its position is not a date.
        forged = base64.b64encode(b"p=not-a-date").decode()
        response = api_alice.get("/api/v1/consumers/", ordering="created_at", cursor=forged)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


class TestCursorPagination:
    def test_pages_follow_each_other_without_gaps_or_repeats(self, orders, api_alice):
        for n in range(7):
            TopicFactory(name=f"orders.entity{n}.created", owner=orders)
        seen: list[str] = []
        url, params = "/api/v1/topics/", {"page_size": 3}
        while url:
            body = api_alice.get(url, **params).json()
            seen += [row["name"] for row in body["results"]]
            url, params = body["next"], {}
        assert seen == sorted(f"orders.entity{n}.created" for n in range(7))

    def test_previous_goes_back(self, orders, api_alice):
        for n in range(4):
            TopicFactory(name=f"orders.entity{n}.created", owner=orders)
        first = api_alice.get("/api/v1/topics/", page_size=2).json()
        second = api_alice.get(first["next"]).json()
        back = api_alice.get(second["previous"]).json()
        assert [r["name"] for r in back["results"]] == [r["name"] for r in first["results"]]

    def test_the_default_page_size_comes_from_settings(self, orders, api_alice, settings):
        settings.API_PAGE_SIZE = 2
        for n in range(3):
            TopicFactory(name=f"orders.entity{n}.created", owner=orders)
        body = api_alice.get("/api/v1/topics/").json()
        assert len(body["results"]) == 2
        assert body["next"]


class TestOtherFilters:
    def test_consumers_by_team_topic_owner_and_status(self, estate, orders, analytics, api_alice):
        ConsumerFactory(topic=estate["bare"], team=orders, status="retired", name="gone")
        rows = api_alice.get("/api/v1/consumers/", team="orders").json()["results"]
        assert [(r["team"], r["name"], r["status"]) for r in rows] == [
            ("orders", "gone", "retired")
        ]
        rows = api_alice.get("/api/v1/consumers/", owner="orders").json()["results"]
        assert [r["topic"] for r in rows] == ["orders.order.created"]
        rows = api_alice.get("/api/v1/consumers/", status="active").json()["results"]
        assert [r["team"] for r in rows] == ["analytics"]

    def test_audit_events_by_actor_verb_topic_and_time(self, estate, alice, api_alice):
        topic_sla_update(
            actor=alice,
            topic=estate["full"],
            max_latency_seconds=1,
            availability_percent=None,
            retention_days=None,
            max_consumer_lag=None,
        )
        rows = api_alice.get(
            "/api/v1/audit-events/", actor="alice", topic="orders.order.created"
        ).json()["results"]
        assert [(r["actor"], r["verb"], r["topic"]) for r in rows] == [
            ("alice", "sla.updated", "orders.order.created")
        ]
        assert rows[0]["before"]["max_latency_seconds"] == 60
        assert rows[0]["after"]["max_latency_seconds"] == 1
        future = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
        assert api_alice.get("/api/v1/audit-events/", changed_since=future).json()["results"] == []
        system = api_alice.get("/api/v1/audit-events/", actor="system").json()["results"]
        assert {r["verb"] for r in system} == {"schema_version.registered"}

    def test_teams_show_members_owned_topics_and_consumers(self, estate, api_alice, bob):
        body = api_alice.get("/api/v1/teams/orders/").json()
        assert [(m["username"], m["role"]) for m in body["members"]] == [
            ("alice", "lead"),
            ("bob", "member"),
        ]
        assert [t["name"] for t in body["owned_topics"]] == [
            "orders.order.created",
            "orders.order.old",
        ]
        assert (body["member_count"], body["topic_count"]) == (2, 2)
        analytics = api_alice.get("/api/v1/teams/analytics/").json()
        assert [c["topic"] for c in analytics["consumers"]] == ["orders.order.created"]

    def test_the_topic_shows_sla_semantics_subjects_and_consumers(self, estate, api_alice):
        body = api_alice.get("/api/v1/topics/orders.order.created/").json()
        assert body["owner"] == "orders"
        assert body["sla"]["max_latency_seconds"] == 60
        assert [f["path"] for f in body["field_semantics"]] == ["customer_id"]
        assert body["subjects"][0]["name"] == "orders.order.created-value"
        assert [v["version"] for v in body["subjects"][0]["versions"]] == [1]
        assert [c["team"] for c in body["consumers"]] == ["analytics"]
        assert (body["consumer_count"], body["latest_schema_version"]) == (1, 1)

    def test_an_unknown_topic_is_a_404_in_the_error_shape(self, db, api_alice):
        response = api_alice.get("/api/v1/topics/no.such.topic/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_notifications_are_visible_to_their_team_only(
        self, orders, analytics, api_alice, api_charlie, api_pat
    ):
        for team in (orders, analytics):
            Notification.objects.create(
                team=team,
                channel="email",
                event="x",
                subject=f"to {team.slug}",
                body="b",
                idempotency_key=f"k-{team.slug}",
            )

        def subjects(api, **params):
            return [
                n["subject"] for n in api.get("/api/v1/notifications/", **params).json()["results"]
            ]

        assert subjects(api_alice) == ["to orders"]
        assert subjects(api_charlie) == ["to analytics"]
        assert sorted(subjects(api_pat)) == ["to analytics", "to orders"]
        assert subjects(api_pat, team="orders") == ["to orders"]
        other = Notification.objects.get(team=analytics)
        assert api_alice.get(f"/api/v1/notifications/{other.pk}/").status_code == 404


LISTS = [
    "/api/v1/teams/",
    "/api/v1/topics/",
    "/api/v1/consumers/",
    "/api/v1/proposals/",
    "/api/v1/migrations/",
    "/api/v1/notifications/",
    "/api/v1/audit-events/",
]


@pytest.fixture
def big_estate(orders, alice, pat, django_capture_on_commit_callbacks):
    """Enough of everything that a page of 2 and a page of 40 differ."""
    OPTIONAL = {"name": "extra", "type": ["null", "string"], "default": None}
    from contracts import proposals, topic_versions
    from tests.contracts.conftest import V1, renamed, with_fields

    for n in range(12):
        team = TeamFactory(slug=f"team{n}")
        topic = TopicFactory(name=f"orders.entity{n}.created", owner=orders)
        DeliverySLA.objects.create(topic=topic)
        ConsumerFactory(topic=topic, team=team, fields=["customer_id"])
        Notification.objects.create(
            team=orders,
            channel="email",
            event="x",
            subject="s",
            body="b",
            idempotency_key=f"n{n}",
        )
        if n < 6:
            register_schema(topic, V1)
            with django_capture_on_commit_callbacks(execute=True):
                proposals.proposal_submit(
                    actor=alice,
                    topic=topic,
                    schema_text=json.dumps(with_fields(V1, OPTIONAL)),
                    rationale="r",
                    deadline=None,
                    submit_token=f"t{n}",
                )
        if n < 4:
            topic_versions.migration_start(
                actor=alice,
                topic=topic,
                schema_text=json.dumps(renamed(V1, "customer_id", "c")),
            )


@pytest.mark.parametrize("url", LISTS)
def test_lists_run_a_bounded_number_of_queries_whatever_the_page_size(
    big_estate, alice, url, django_assert_max_num_queries
):
    client = Client()
    client.force_login(alice)
    counts = []
    for size in (2, 40):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert len(rows) == 2 if size == 2 else len(rows) > 2, url
        counts.append(len(captured))
    assert counts[0] == counts[1], f"{url}: {counts}"
    with django_assert_max_num_queries(6):
        client.get(url, {"page_size": 40})


def test_an_unknown_api_path_answers_in_the_error_shape(db, api_alice, client):
    response = api_alice.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # Outside /api/ the HTML page stays.
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
