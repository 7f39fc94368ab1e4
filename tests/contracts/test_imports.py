"""Imports over the API: an .avsc or an ODCS v3 contract creates or updates a topic, previewed
first, saved in one transaction through the services and the registry gate."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from catalog.models import AuditEvent, DeliverySLA, Domain, FieldSemantics, Team, Topic
from catalog.tokens import api_token_create
from contracts import exports
from contracts.models import SchemaVersion
from tests.factories import ORDER_SCHEMA, FieldSemanticsFactory, register_schema

URL = "/api/v1/imports/"


def _client(user, scope="write"):
    client = APIClient()
    _, plaintext = api_token_create(user=user, name=f"{scope}-token", scope=scope)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def orders_domain(orders):
    domain = Domain.objects.create(name="orders")
    domain.owners.add(orders)
    return domain


@pytest.fixture
def alice_api(alice):
    return _client(alice)


@pytest.fixture
def charlie_api(charlie):
    return _client(charlie)


def _contract(**changes):
    """A minimal foreign ODCS contract (no embedded Avro schema)."""
    contract = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": "0b6c5a9e-5a7f-4b0e-9a55-0c4f3f7d1a01",
        "version": "1.0.0",
        "status": "active",
        "name": "orders.order.refunded",
        "team": {"name": "orders"},
        "description": {"purpose": "A refund was issued for an order."},
        "schema": [
            {
                "name": "refunds",
                "logicalType": "object",
                "physicalName": "orders.order.refunded",
                "properties": [
                    {
                        "name": "order_id",
                        "logicalType": "string",
                        "required": True,
                        "description": "The refunded order.",
                    },
                    {
                        "name": "amount_cents",
                        "logicalType": "integer",
                        "required": True,
                        "customProperties": [{"property": "unit", "value": "cents"}],
                    },
                    {
                        "name": "refunded_at",
                        "logicalType": "timestamp",
                        "required": True,
                        "examples": ["2024-06-01T10:00:00Z"],
                    },
                    {
                        "name": "email",
                        "logicalType": "string",
                        "classification": "personal",
                        "description": "Where the receipt went.",
                    },
                    {
                        "name": "address",
                        "logicalType": "object",
                        "properties": [
                            {"name": "city", "logicalType": "string", "required": True},
                        ],
                    },
                ],
            }
        ],
        "slaProperties": [
            {"property": "latency", "value": 5, "unit": "m"},
            {"property": "retention", "value": 1, "unit": "y"},
            {"property": "frequency", "value": 1, "unit": "d"},
        ],
        "support": [{"channel": "#orders-oncall", "url": "https://chat.example.com/orders"}],
    }
    contract.update(changes)
    return yaml.safe_dump(contract, sort_keys=False)


# --- preview and commit --------------------------------------------------------------------


def test_a_preview_lists_what_an_odcs_contract_would_create_and_writes_nothing(
    alice_api, orders_domain
):
    audit_before = AuditEvent.objects.count()
    response = alice_api.post(URL, {"content": _contract()}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["committed"] is False
    assert body["topic"] == {
        "name": "orders.order.refunded",
        "action": "create",
        "description": "A refund was issued for an order.",
    }
    assert body["owner"] == "orders"
    assert body["schema"]["action"] == "register"
    assert body["schema"]["version"] == 1
    assert body["schema"]["is_compatible"] is True
    sla = {c["field"]: c["after"] for c in body["sla"]}
    assert sla["max_latency_seconds"] == 300
    assert sla["retention_days"] == 365
    assert sla["support_channel"] == "#orders-oncall"
    semantics = {c["path"]: c for c in body["field_semantics"]}
    assert set(semantics) == {"order_id", "amount_cents", "refunded_at", "email"}
    email = {c["field"]: c["after"] for c in semantics["email"]["changes"]}
    assert (email["pii"], email["meaning"]) == ("personal", "Where the receipt went.")
    assert not Topic.objects.filter(name="orders.order.refunded").exists()
    assert AuditEvent.objects.count() == audit_before


def test_committing_creates_topic_schema_sla_and_semantics_with_audit_events(
    alice_api, orders_domain
):
    response = alice_api.post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["committed"] is True
    topic = Topic.objects.get(name="orders.order.refunded")
    assert (topic.owner.slug, topic.status) == ("orders", Topic.Status.PROPOSED)
    version = SchemaVersion.objects.get(subject__name="orders.order.refunded-value")
    schema = json.loads(version.schema.text)
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    assert fields["refunded_at"] == {"type": "long", "logicalType": "timestamp-millis"}
    assert fields["email"] == ["null", "string"]
    assert fields["address"][1]["fields"] == [{"name": "city", "type": "string"}]
    assert topic.sla.max_latency_seconds == 300
    assert topic.sla.support_channel == "#orders-oncall"
    unit = FieldSemantics.objects.get(topic=topic, path="amount_cents").unit
    assert unit == "cents"
    verbs = set(AuditEvent.objects.filter(topic=topic).values_list("verb", flat=True))
    assert verbs == {
        "topic.created",
        "schema_version.registered",
        "sla.created",
        "field_semantics.created",
    }


def test_an_avsc_needs_a_topic_and_owner_and_creates_the_topic(alice_api, orders_domain):
    response = alice_api.post(URL, {"content": json.dumps(ORDER_SCHEMA)}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_topic_name"
    response = alice_api.post(
        URL,
        {"content": json.dumps(ORDER_SCHEMA), "topic": "orders.order.created"},
        format="json",
    )
    assert response.json()["error"] == {
        "code": "missing_owner",
        "message": "Name the owning team (its slug).",
        "field": "owner",
    }
    response = alice_api.post(
        URL,
        {
            "content": json.dumps(ORDER_SCHEMA),
            "topic": "orders.order.created",
            "owner": "orders",
            "commit": True,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["source"], body["sla"], body["field_semantics"]) == ("avsc", [], [])
    assert SchemaVersion.objects.filter(subject__name="orders.order.created-value").count() == 1


def test_an_avsc_file_upload_works_as_multipart(alice_api, orders_domain, tmp_path):
    path = tmp_path / "order.avsc"
    path.write_text(json.dumps(ORDER_SCHEMA))
    with path.open("rb") as upload:
        response = alice_api.post(
            URL,
            {"file": upload, "topic": "orders.order.created", "owner": "orders"},
            format="multipart",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["schema"]["action"] == "register"


def test_a_compatible_new_schema_for_an_existing_topic_is_registered_through_the_gate(
    alice_api, topic
):
    register_schema(topic)
    added = {**ORDER_SCHEMA, "fields": [*ORDER_SCHEMA["fields"], {"name": "n", "type": "int"}]}
    added["fields"][-1]["default"] = 0
    response = alice_api.post(
        URL, {"content": json.dumps(added), "topic": topic.name, "commit": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["topic"]["action"], body["owner"]) == ("update", "orders")
    assert (body["schema"]["version"], body["schema"]["compatibility"]) == (2, "BACKWARD")
    assert SchemaVersion.objects.filter(subject__name=f"{topic.name}-value").count() == 2


def test_consumers_hear_of_an_imported_version_only_when_it_is_saved(alice_api, topic, analytics):
    from catalog.models import Notification
    from tests.factories import ConsumerFactory

    register_schema(topic)
    ConsumerFactory(topic=topic, team=analytics, fields=["order_id"])
    added = {**ORDER_SCHEMA, "doc": "Now documented."}
    request = {"content": json.dumps(added), "topic": topic.name}
    assert alice_api.post(URL, request, format="json").status_code == 200
    assert Notification.objects.count() == 0
    response = alice_api.post(URL, {**request, "commit": True}, format="json")
    assert response.status_code == 200
    assert list(Notification.objects.values_list("team__slug", "event")) == [
        ("analytics", "schema.registered")
    ]


def test_an_older_version_of_the_schema_is_refused_as_stale(alice_api, topic):
    register_schema(topic)
    newer = {**ORDER_SCHEMA, "fields": [*ORDER_SCHEMA["fields"], {"name": "n", "type": "int"}]}
    newer["fields"][-1]["default"] = 0
    register_schema(topic, newer)
    response = alice_api.post(
        URL, {"content": json.dumps(ORDER_SCHEMA), "topic": topic.name}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "stale_schema"


def test_an_incompatible_schema_shows_the_verdict_and_cannot_be_saved(alice_api, topic):
    register_schema(topic)
    removed = {**ORDER_SCHEMA, "fields": [*ORDER_SCHEMA["fields"], {"name": "n", "type": "int"}]}
    response = alice_api.post(
        URL, {"content": json.dumps(removed), "topic": topic.name}, format="json"
    )
    assert response.status_code == 200
    schema = response.json()["schema"]
    assert schema["is_compatible"] is False
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in " ".join(schema["incompatibilities"])
    audit_before = AuditEvent.objects.count()
    response = alice_api.post(
        URL, {"content": json.dumps(removed), "topic": topic.name, "commit": True}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "incompatible_schema"
    assert response.json()["error"]["field"] == "schema"
    assert SchemaVersion.objects.filter(subject__name=f"{topic.name}-value").count() == 1
    assert AuditEvent.objects.count() == audit_before


def test_an_sla_outside_0_to_100_percent_is_refused(alice_api, orders_domain):
    contract = _contract(slaProperties=[{"property": "availability", "value": 100.5}])
    response = alice_api.post(URL, {"content": contract, "commit": True}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_sla"
    assert not Topic.objects.filter(name="orders.order.refunded").exists()


def test_a_failure_half_way_writes_nothing(alice_api, orders_domain, monkeypatch):
    from catalog import services
    from catalog.errors import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("No.", code="refused", field="path")

    # The topic, schema and SLA are written before the semantics; the semantics then fail.
    monkeypatch.setattr(services, "field_semantics_update", refuse)
    audit_before = AuditEvent.objects.count()
    response = alice_api.post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "refused"
    assert not Topic.objects.filter(name="orders.order.refunded").exists()
    assert not SchemaVersion.objects.filter(subject__name="orders.order.refunded-value").exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_long_support_channel_is_cut_to_fit(alice_api, orders_domain):
    contract = yaml.safe_load(_contract())
    contract["support"] = [{"channel": "x" * 250}]
    response = alice_api.post(
        URL, {"content": yaml.safe_dump(contract), "commit": True}, format="json"
    )
    assert response.status_code == 201
    sla = DeliverySLA.objects.get(topic__name="orders.order.refunded")
    assert len(sla.support_channel) == 200


def test_an_unregistered_domain_is_refused_at_preview(alice_api, orders):
    response = alice_api.post(URL, {"content": _contract()}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_domain"
    assert not Topic.objects.filter(name="orders.order.refunded").exists()


# --- permissions ---------------------------------------------------------------------------


def test_an_outsider_cannot_import_into_another_teams_topic(charlie_api, topic):
    register_schema(topic)
    response = charlie_api.post(
        URL, {"content": json.dumps(ORDER_SCHEMA), "topic": topic.name}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_outsider_cannot_create_topics_for_another_team(charlie_api, orders_domain):
    response = charlie_api.post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 403
    assert not Topic.objects.filter(name="orders.order.refunded").exists()


def test_a_teammate_may_import(bob, orders_domain):
    response = _client(bob).post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 201


def test_a_read_only_token_can_preview_but_not_save(alice, orders_domain):
    api = _client(alice, scope="read")
    response = api.post(URL, {"content": _contract()}, format="json")
    assert response.status_code == 200
    response = api.post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    assert not Topic.objects.filter(name="orders.order.refunded").exists()


def test_an_import_does_not_move_a_topic_to_another_team(alice_api, topic, analytics):
    contract = _contract(name=topic.name, team={"name": "analytics"})
    contract = contract.replace(
        "physicalName: orders.order.refunded", f"physicalName: {topic.name}"
    )
    response = alice_api.post(URL, {"content": contract}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "owner_mismatch"


def test_imports_need_credentials(db):
    response = APIClient().post(URL, {"content": "{}"}, format="json")
    assert response.status_code in (401, 403)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("kind: DataContract\nschema: [unclosed", "malformed"),
        ("- just\n- a list\n", "not_a_contract"),
        ("hello: world\n", "not_a_contract"),
        ("kind: DataContract\napiVersion: v2.2.2\n", "unsupported_version"),
        ('{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}', ""),
        ('{"type": "string"}', "not_a_record"),
        ("a: &x [1, 2]\nb: *x\n", "malformed"),
        ("   \n", "empty"),
        ("a: " + "[" * 5000 + "]" * 5000, "too_deep"),
    ],
)
def test_bad_input_is_a_422_with_a_stable_code(alice_api, orders_domain, content, code):
    response = alice_api.post(
        URL, {"content": content, "topic": "orders.order.x", "owner": "orders"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == (code or "invalid_schema")


def test_an_invalid_embedded_avro_schema_names_the_schema_field(alice_api, orders_domain):
    contract = yaml.safe_load(_contract())
    contract["schema"][0]["customProperties"] = [
        {"property": "avroSchema", "value": {"type": "record", "name": "1bad", "fields": []}}
    ]
    response = alice_api.post(URL, {"content": yaml.safe_dump(contract)}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_schema"
    assert response.json()["error"]["field"] == "schema"


def test_a_malformed_contract_names_the_property_at_fault(alice_api, orders_domain):
    contract = yaml.safe_load(_contract())
    contract["schema"][0]["properties"][2]["logicalType"] = "uuid"
    response = alice_api.post(URL, {"content": yaml.safe_dump(contract)}, format="json")
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_contract",
        "message": "schema[0].properties[2]: unknown logicalType 'uuid'.",
        "field": "schema[0].properties[2].logicalType",
    }


def test_an_unknown_owner_team_is_refused(alice_api, orders_domain):
    response = alice_api.post(URL, {"content": _contract(team={"name": "ghosts"})}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_owner"
    assert response.json()["error"]["field"] == "owner"


@override_settings(CONTRACT_IMPORT_MAX_BYTES=1000)
def test_an_oversized_upload_is_a_413(alice_api, orders_domain, tmp_path):
    response = alice_api.post(URL, {"content": _contract() + "#" * 1000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    path = tmp_path / "big.avsc"
    path.write_text(" " * 2000 + json.dumps(ORDER_SCHEMA))
    with path.open("rb") as upload:
        response = alice_api.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "file"


def test_semantics_for_a_field_the_schema_lacks_are_refused(alice_api, topic):
    register_schema(topic)
    contract = yaml.safe_load(exports.export_document(exports.topic_for_export(topic.name), "odcs"))
    contract["schema"][0]["properties"].append(
        {"name": "ghost", "description": "Not in the schema.", "logicalType": "string"}
    )
    response = alice_api.post(URL, {"content": yaml.safe_dump(contract)}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_field_path"


# --- round trip ----------------------------------------------------------------------------


def _state(topic_name):
    topic = Topic.objects.select_related("owner", "sla").get(name=topic_name)
    version = (
        SchemaVersion.objects.filter(subject__name=f"{topic_name}-value", deleted=False)
        .select_related("schema")
        .order_by("-version")
        .first()
    )
    sla = getattr(topic, "sla", None)
    return {
        "owner": topic.owner.slug,
        "schema": version.schema.fingerprint if version else None,
        "sla": ({f: getattr(sla, f) for f in exports_sla_fields()} if sla is not None else None),
        "semantics": {
            s.path: (s.meaning, s.null_meaning, s.unit, s.pii, s.example, s.allowed_values)
            for s in topic.field_semantics.all()
        },
    }


def exports_sla_fields():
    from catalog.services import SLA_FIELDS

    return SLA_FIELDS


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_reimporting_every_demo_export_changes_nothing(demo):
    from django.contrib.auth import get_user_model

    pat = get_user_model().objects.get(username="pat")
    api = _client(pat)
    for topic in Topic.objects.all():
        text = exports.export_document(exports.topic_for_export(topic.name), "odcs")
        response = api.post(URL, {"content": text}, format="json")
        assert response.status_code == 200, (topic.name, response.json())
        body = response.json()
        assert body["has_changes"] is False, (topic.name, body)


def test_export_then_import_as_a_new_topic_preserves_schema_owner_sla_and_semantics(demo):
    from django.contrib.auth import get_user_model

    olivia = get_user_model().objects.get(username="olivia")
    api = _client(olivia)
    source = "orders.created"
    FieldSemantics.objects.filter(topic__name=source, path="currency").update(
        allowed_values="EUR, USD, GBP"
    )
    text = exports.export_document(exports.topic_for_export(source), "odcs")
    contract = yaml.safe_load(text)
    copy = "orders.order.placed"
    contract["name"] = contract["id"] = contract["schema"][0]["physicalName"] = copy
    response = api.post(URL, {"content": yaml.safe_dump(contract), "commit": True}, format="json")
    assert response.status_code == 201, response.json()
    assert _state(copy) == _state(source)
    topic = Topic.objects.get(name=copy)
    assert (topic.partitions, topic.retention_hours, topic.dlq_topic) == (
        12,
        168,
        "orders.created.dlq",
    )
    assert topic.sla.availability_percent == Decimal("99.900")


def test_preview_queries_are_bounded(alice_api, topic, django_assert_max_num_queries):
    register_schema(topic)
    for path in ("order_id", "customer_id", "amount_cents", "address.city"):
        FieldSemanticsFactory(topic=topic, path=path, meaning=f"About {path}.")
    text = exports.export_document(exports.topic_for_export(topic.name), "odcs")
    with django_assert_max_num_queries(20):
        response = alice_api.post(URL, {"content": text}, format="json")
    assert response.json()["has_changes"] is False


def test_team_slugs_not_names_identify_the_owner(alice_api, orders_domain):
    Team.objects.filter(slug="orders").update(name="Order Management")
    response = alice_api.post(URL, {"content": _contract()}, format="json")
    assert response.json()["owner"] == "orders"


@override_settings(CONTRACT_IMPORT_MAX_BYTES=1000)
def test_an_oversized_request_is_refused_before_it_is_read(alice_api, orders_domain):
    response = alice_api.post(URL, {"content": "#" * 3000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_topic_name_against_the_convention_is_refused_on_the_topic_field(
    alice_api, orders_domain
):
    response = alice_api.post(
        URL,
        {"content": json.dumps(ORDER_SCHEMA), "topic": "OrdersCreated", "owner": "orders"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_topic_name"
    assert response.json()["error"]["field"] == "topic"


def test_nested_objects_with_the_same_name_become_distinct_avro_records(alice_api, orders_domain):
    contract = yaml.safe_load(_contract())
    contract["schema"][0]["properties"] = [
        {
            "name": "address",
            "logicalType": "object",
            "required": True,
            "properties": [
                {"name": "city", "logicalType": "string", "required": True},
                {
                    "name": "address",
                    "logicalType": "object",
                    "properties": [{"name": "line", "logicalType": "string"}],
                },
            ],
        },
        {
            "name": "lines",
            "logicalType": "array",
            "required": True,
            "items": {
                "logicalType": "object",
                "properties": [{"name": "sku", "logicalType": "string", "required": True}],
            },
        },
    ]
    response = alice_api.post(
        URL, {"content": yaml.safe_dump(contract), "commit": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    schema = json.loads(
        SchemaVersion.objects.get(subject__name="orders.order.refunded-value").schema.text
    )
    address = schema["fields"][0]["type"]
    inner = address["fields"][1]["type"][1]
    assert (schema["name"], address["name"], inner["name"]) == (
        "Refunds",
        "RefundsAddress",
        "RefundsAddressAddress",
    )
    assert schema["fields"][1]["type"]["items"]["name"] == "RefundsLinesItem"


def test_a_foreign_contract_once_imported_exports_and_reimports_without_changes(
    alice_api, orders_domain
):
    response = alice_api.post(URL, {"content": _contract(), "commit": True}, format="json")
    assert response.status_code == 201
    text = exports.export_document(exports.topic_for_export("orders.order.refunded"), "odcs")
    response = alice_api.post(URL, {"content": text}, format="json")
    assert response.status_code == 200
    assert response.json()["has_changes"] is False, response.json()
