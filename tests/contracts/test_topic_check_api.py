from __future__ import annotations

import base64
import json

import pytest
from rest_framework.test import APIClient

from contracts.models import SchemaVersion
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import PASSWORD, ConsumerFactory, TeamFactory, register_schema


@pytest.fixture
def api(charlie):
    client = APIClient()
    raw = base64.b64encode(f"charlie:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


@pytest.fixture
def story(orders_created):
    register_schema(orders_created, V1)
    for team, fields in (
        ("analytics", ["order_id", "customer_id"]),
        ("reporting", ["amount_cents", "customer_id"]),
        ("billing", ["customer_id", "discount_code"]),
        ("shipping", ["order_id"]),
    ):
        ConsumerFactory(
            topic=orders_created,
            team=TeamFactory(slug=team),
            name=f"{team}-app",
            group_id=f"{team}.app",
            fields=fields,
        )
    return orders_created


URL = "/api/v1/topics/orders.created/check"


def test_a_rename_gets_every_verdict_the_rule_the_rename_and_who_it_hits(api, story):
    response = api.post(
        URL, {"schema": json.dumps(renamed(V1, "customer_id", "customerId"))}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["is_compatible"], body["latest_version"]) == ("BACKWARD", False, 1)
    assert set(body["verdicts"]) == {
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FORWARD",
        "FORWARD_TRANSITIVE",
        "FULL",
        "FULL_TRANSITIVE",
        "NONE",
    }
    assert body["verdicts"]["NONE"]["is_compatible"] is True
    [problem] = body["incompatibilities"]
    assert (problem["rule"], problem["field"]) == (
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "customerId",
    )
    [rename] = body["rename_suggestions"]
    assert (rename["old_name"], rename["new_name"]) == ("customer_id", "customerId")
    assert rename["suggestion"]
    teams = {a["team"]: a["fields_hit"] for a in body["affected_consumers"]}
    assert set(teams) == {"analytics", "reporting", "billing"}
    assert "customer_id" in teams["billing"]
    assert SchemaVersion.objects.count() == 1  # a dry run


def test_a_compatible_removal_still_names_the_consumers_that_read_the_field(api, story):
    without = with_fields(V1, drop=("discount_code",))
    body = api.post(URL, {"schema": without}, format="json").json()
    assert body["is_compatible"] is True
    assert [a["team"] for a in body["affected_consumers"]] == ["billing"]


def test_strict_mode_fails_the_request_for_ci(api, story):
    bad = {"schema": renamed(V1, "customer_id", "customerId")}
    assert api.post(URL + "?strict=true", bad, format="json").status_code == 409
    good = {"schema": with_fields(V1, {"name": "x", "type": ["null", "int"], "default": None})}
    assert api.post(URL + "?strict=true", good, format="json").status_code == 200


def test_a_topic_without_schema_accepts_anything(api, orders_created):
    body = api.post(URL, {"schema": V1}, format="json").json()
    assert body["is_compatible"] is True and body["latest_version"] is None


def test_errors_have_one_shape(api, story):
    unknown = api.post("/api/v1/topics/no.such.topic/check", {"schema": V1}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "topic_not_found"
    invalid = api.post(URL, {"schema": '{"type": "record"}'}, format="json")
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_schema"
    missing = api.post(URL, {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["field"] == "schema"
    garbage = api.post(URL, "not json", content_type="application/json")
    assert garbage.status_code == 400
    assert garbage.json()["error"]["code"] == "parse_error"


def test_it_needs_credentials(story):
    response = APIClient().post(URL, {"schema": V1}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
