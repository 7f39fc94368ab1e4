"""The ownership report: coverage per domain and team, orphans, consumers per topic, proposals
past their deadline; as JSON, as a page and as CSV; aggregate queries only."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from catalog.models import DeliverySLA, Topic
from catalog.reports import ownership_report
from contracts.models import Approval, ChangeProposal
from tests.factories import (
    ConsumerFactory,
    FieldSemanticsFactory,
    TeamFactory,
    TopicFactory,
    register_schema,
)


@pytest.fixture
def estate(orders, analytics, alice, charlie):
    """orders: 3 topics (one complete, one with SLA only, one bare); analytics: 1 with schema;
    1 orphan; 1 retired (not counted); a team with no members owns one."""
    complete = TopicFactory(name="orders.order.created", owner=orders)
    register_schema(complete)
    FieldSemanticsFactory(topic=complete)
    DeliverySLA.objects.create(topic=complete)
    for _ in range(3):
        ConsumerFactory(topic=complete, team=analytics)
    sla_only = TopicFactory(name="orders.order.paid", owner=orders)
    DeliverySLA.objects.create(topic=sla_only)
    ConsumerFactory(topic=sla_only, team=analytics)
    ConsumerFactory(topic=sla_only, team=analytics, status="retired")
    TopicFactory(name="orders.order.bare", owner=orders)
    schema_only = TopicFactory(name="analytics.report.built", owner=analytics)
    register_schema(schema_only)
    TopicFactory(name="legacy.thing.happened", owner=None, status=Topic.Status.PROPOSED)
    TopicFactory(name="orders.order.old", owner=orders, status=Topic.Status.RETIRED)
    ghost = TeamFactory(slug="ghosts")
    TopicFactory(name="ghost.town.built", owner=ghost)
    return complete


def coverage(rows, name):
    return next(row for row in rows if row["name"] == name)


def test_coverage_counts_and_percentages(estate):
    report = ownership_report().as_dict()
    assert report["total"] == {
        "name": "all",
        "topics": 6,
        "with_owner": 5,
        "with_owner_pct": 83.3,
        "with_sla": 2,
        "with_sla_pct": 33.3,
        "with_field_semantics": 1,
        "with_field_semantics_pct": 16.7,
        "with_schema": 2,
        "with_schema_pct": 33.3,
    }
    orders = coverage(report["by_team"], "orders")
    assert (orders["topics"], orders["with_sla"], orders["with_sla_pct"]) == (3, 2, 66.7)
    assert [row["name"] for row in report["by_team"]] == ["analytics", "ghosts", "orders"]
    domain = coverage(report["by_domain"], "orders")
    assert (domain["topics"], domain["with_schema"], domain["with_field_semantics"]) == (3, 1, 1)
    legacy = coverage(report["by_domain"], "legacy")
    assert (legacy["with_owner"], legacy["with_owner_pct"]) == (0, 0.0)


def test_orphans_and_owners_without_members(estate):
    report = ownership_report().as_dict()
    assert [t["topic"] for t in report["orphans"]["items"]] == ["legacy.thing.happened"]
    assert report["owners_without_members"]["count"] == 1
    assert report["owners_without_members"]["items"][0]["owner"] == "ghosts"


def test_consumers_per_topic(estate):
    figures = ownership_report().as_dict()["consumers_per_topic"]
    assert (figures["topics"], figures["consumers"], figures["max"]) == (6, 4, 3)
    assert figures["average"] == 0.67
    assert {b["consumers"]: b["topics"] for b in figures["histogram"]} == {
        "0": 4,
        "1": 1,
        "2-5": 1,
        "6-20": 0,
        "21+": 0,
    }
    assert [(t["topic"], t["consumers"]) for t in figures["most_consumed"]] == [
        ("orders.order.created", 3),
        ("orders.order.paid", 1),
    ]


def test_proposals_waiting_past_their_deadline(estate, orders, analytics, alice):
    now = timezone.now()

    def proposal(token, deadline, status=ChangeProposal.Status.IN_REVIEW):
        return ChangeProposal.objects.create(
            topic=estate,
            author=alice,
            schema_text="{}",
            fingerprint="f",
            rationale="r",
            deadline=deadline,
            status=status,
            submit_token=token,
        )

    late = proposal("late", now - datetime.timedelta(days=3, hours=1))
    Approval.objects.create(proposal=late, team=analytics, role="consumer")
    Approval.objects.create(proposal=late, team=orders, role="owner", state="approved")
    proposal("on-time", now + datetime.timedelta(days=1))
    proposal("closed", now - datetime.timedelta(days=9), ChangeProposal.Status.REJECTED)
    overdue = ownership_report(now=now).as_dict()["overdue_proposals"]
    assert overdue["count"] == 1
    item = overdue["items"][0]
    assert (item["id"], item["days_overdue"], item["waiting_for"]) == (late.pk, 3, ["analytics"])


def test_lists_are_capped_but_counts_exact(orders):
    for n in range(5):
        TopicFactory(name=f"legacy.thing{n}.happened", owner=None, status="proposed")
    orphans = ownership_report(limit=2).as_dict()["orphans"]
    assert (orphans["count"], len(orphans["items"])) == (5, 2)


def test_an_empty_catalog_has_zero_percent_not_an_error(db):
    report = ownership_report().as_dict()
    assert report["total"]["topics"] == 0
    assert report["total"]["with_owner_pct"] == 0.0
    assert report["consumers_per_topic"]["average"] == 0.0


def test_the_report_runs_a_fixed_number_of_queries(estate, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        small = ownership_report(limit=3)
    for n in range(30):
        team = TeamFactory(slug=f"team{n}")
        topic = TopicFactory(name=f"d{n}.entity.created", owner=team)
        ConsumerFactory(topic=topic, team=team)
        TopicFactory(name=f"legacy.thing{n}.happened", owner=None, status="proposed")
    with CaptureQueriesContext(connection) as big_queries:
        big = ownership_report(limit=3)
    assert big.total.topics == small.total.topics + 60
    # Capped lists add their exact count; nothing grows with the catalog. At most: coverage
    # 2 x 4 grouped + team slugs, two topic lists 2 each, consumers 3, overdue proposals 3.
    assert len(small_queries) <= len(big_queries) <= 19


class TestEndpoints:
    def test_the_api_answers_json(self, estate, api_client_alice):
        response = api_client_alice.get("/api/v1/reports/ownership/", {"limit": 1})
        assert response.status_code == 200
        body = response.json()
        assert body["total"]["topics"] == 6
        assert len(body["orphans"]["items"]) == 1

    @pytest.mark.parametrize("limit", ["0", "1001", "many"])
    def test_a_bad_limit_is_a_400(self, estate, api_client_alice, limit):
        response = api_client_alice.get("/api/v1/reports/ownership/", {"limit": limit})
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "invalid_filter",
            "message": response.json()["error"]["message"],
            "field": "limit",
        }

    def test_the_csv_has_a_row_per_scope(self, estate, api_client_alice):
        response = api_client_alice.get("/api/v1/reports/ownership.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith('attachment; filename="ownership-')
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows[0]["scope"] == "all"
        assert (rows[0]["topics"], rows[0]["with_owner_pct"]) == ("6", "83.3")
        scopes = {(row["scope"], row["name"]) for row in rows}
        assert ("domain", "legacy") in scopes
        assert ("team", "orders") in scopes

    def test_the_csv_refuses_anonymous_callers_in_json(self, db, client):
        response = client.get("/api/v1/reports/ownership.csv")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_the_page_shows_the_figures_and_links_the_csv(self, estate, as_charlie):
        response = as_charlie.get("/ownership/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "legacy.thing.happened" in html
        assert "83.3%" in html
        assert "/api/v1/reports/ownership.csv" in html
        assert 'href="/ownership/"' in html  # in the navigation

    def test_the_page_needs_a_login(self, db, client):
        assert client.get("/ownership/").status_code == 302


@pytest.fixture
def api_client_alice(client, alice):
    client.force_login(alice)
    return client


def test_the_page_lists_the_teams_furthest_from_coverage_first(estate, as_charlie, monkeypatch):
    from catalog import report_views

    monkeypatch.setattr(report_views, "TEAMS_ON_PAGE", 2)
    html = as_charlie.get("/ownership/").content.decode()
    by_team = html[html.index('id="by-team"') :]
    # ghosts (nothing covered) and analytics (schema only) come before orders.
    assert "/teams/ghosts/" in by_team and "/teams/analytics/" in by_team
    assert "/teams/orders/" not in by_team
    assert "every team is in the CSV" in by_team
