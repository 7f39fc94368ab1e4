"""Exports: ODCS v3 contracts (checked by datacontract-cli's linter), AsyncAPI 3.0 documents
(checked against the official AsyncAPI 3.0.0 JSON Schema) and Backstage entities."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from decimal import Decimal

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from catalog.models import DeliverySLA, Domain, Topic
from catalog.tokens import api_token_create
from contracts import exports
from contracts.schema import parse_schema
from tests.factories import (
    ORDER_SCHEMA,
    ConsumerFactory,
    FieldSemanticsFactory,
    TeamFactory,
    TopicFactory,
    register_schema,
)

ASYNCAPI_SCHEMA = pathlib.Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"

RICH_SCHEMA = {
    "type": "record",
    "name": "OrderPlaced",
    "namespace": "com.example.orders",
    "doc": "An order was placed.",
    "fields": [
        {"name": "order_id", "type": {"type": "string", "logicalType": "uuid"}, "doc": "Id."},
        {"name": "quantity", "type": "int"},
        {"name": "total", "type": "double"},
        {"name": "gift", "type": "boolean"},
        {"name": "placed_on", "type": {"type": "int", "logicalType": "date"}},
        {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {
            "name": "channel",
            "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "APP"]},
        },
        {
            "name": "address",
            "type": [
                "null",
                {
                    "type": "record",
                    "name": "Address",
                    "fields": [
                        {"name": "city", "type": "string"},
                        {"name": "zip", "type": ["null", "string"], "default": None},
                    ],
                },
            ],
            "default": None,
        },
        {
            "name": "lines",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Line",
                    "fields": [{"name": "sku", "type": "string"}],
                },
            },
        },
        {"name": "tags", "type": {"type": "map", "values": "string"}},
        {"name": "raw", "type": "bytes"},
        {
            "name": "price",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
        },
        {"name": "hash", "type": {"type": "fixed", "name": "Md5", "size": 16}},
        {"name": "either", "type": ["null", "string", "long"], "default": None},
    ],
}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return exports.topics_for_export(Topic.objects.all())


@pytest.fixture
def rich_topic(orders):
    topic = TopicFactory(name="orders.order.placed", owner=orders, description="Orders placed.")
    register_schema(topic, RICH_SCHEMA)
    return topic


def _props(properties):
    return {p["name"]: p for p in properties}


def _lint(text: str, tmp_path: pathlib.Path, name: str):
    from datacontract.data_contract import DataContract

    path = tmp_path / f"{name}.odcs.yaml"
    path.write_text(text)
    return DataContract(data_contract_file=str(path)).lint()


# --- ODCS ----------------------------------------------------------------------------------


def test_every_demo_contract_passes_datacontract_lint(demo, tmp_path):
    assert len(demo) >= 15
    failures = {}
    for item in demo:
        run = _lint(exports.export_document(item, "odcs"), tmp_path, item.topic.name)
        if run.result != "passed":
            failures[item.topic.name] = [(c.name, c.reason) for c in run.checks]
    assert failures == {}


def test_the_linter_rejects_a_contract_that_breaks_the_standard(demo, tmp_path):
    # The control for the test above: the linter does fail on a bad contract.
    item = next(i for i in demo if i.topic.name == "orders.created")
    contract = exports.odcs_contract(item)
    contract["schema"][0]["properties"][0]["logicalType"] = "uuid"
    run = _lint(exports.to_yaml(contract), tmp_path, "broken")
    assert run.result != "passed"


def test_the_datacontract_cli_lints_an_export(demo, tmp_path):
    item = next(i for i in demo if i.topic.name == "orders.created")
    path = tmp_path / "orders.created.odcs.yaml"
    path.write_text(exports.export_document(item, "odcs"))
    cli = pathlib.Path(sys.executable).parent / "datacontract"
    result = subprocess.run(
        [str(cli), "lint", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid against ODCS v3.1.0" in result.stdout


def test_the_contract_carries_owner_support_sla_status_and_consumers(demo):
    item = next(i for i in demo if i.topic.name == "orders.created")
    contract = exports.odcs_contract(item)
    assert (contract["apiVersion"], contract["kind"], contract["status"]) == (
        "v3.1.0",
        "DataContract",
        "active",
    )
    assert contract["team"]["name"] == "orders"
    assert contract["support"][0]["channel"] == "#orders-oncall"
    assert contract["support"][0]["tool"] == "slack"
    sla = {p["property"]: (p["value"], p.get("unit")) for p in contract["slaProperties"]}
    assert sla == {
        "latency": (60, "s"),
        "availability": (99.9, "%"),
        "retention": (7, "d"),
        "maxConsumerLag": (10_000, "messages"),
    }
    custom = {p["property"]: p["value"] for p in contract["customProperties"]}
    assert custom["dlqTopic"] == "orders.created.dlq"
    assert custom["partitions"] == 12
    assert {c["groupId"] for c in custom["consumers"]} == {
        "analytics.orders-funnel",
        "billing.invoice-writer",
        "reporting.daily-revenue",
    }
    funnel = next(c for c in custom["consumers"] if c["name"] == "orders-funnel")
    assert funnel["team"] == "analytics"
    assert funnel["fields"] == ["created_at", "customer_id", "order_id"]


def test_a_key_schema_travels_with_the_value_schema_object(demo):
    def schema_custom(name):
        item = next(i for i in demo if i.topic.name == name)
        schema = exports.odcs_contract(item)["schema"][0]
        return {p["property"]: p["value"] for p in schema["customProperties"]}

    record_key = schema_custom("customers.customer.registered")
    assert (record_key["keySubject"], record_key["keySchemaVersion"]) == (
        "customers.customer.registered-key",
        1,
    )
    assert record_key["keyAvroSchema"]["name"] == "CustomerKey"
    assert record_key["subject"] == "customers.customer.registered-value"
    assert schema_custom("orders.created")["keyAvroSchema"] == "string"
    assert "keySubject" not in schema_custom("orders.order.shipped")


def test_field_semantics_become_description_custom_properties_and_classification(demo):
    item = next(i for i in demo if i.topic.name == "orders.created")
    props = _props(exports.odcs_contract(item)["schema"][0]["properties"])
    discount = props["discount_code"]
    assert discount["description"] == "Promotion code the customer applied."
    assert discount["required"] is False
    custom = {p["property"]: p["value"] for p in discount["customProperties"]}
    assert custom == {"nullMeaning": "no discount applied", "pii": "none"}
    assert "classification" not in discount
    customer = props["customer_id"]
    assert customer["classification"] == "pseudonymous"
    assert customer["examples"] == ["cus_91822"]
    amount = props["amount_cents"]
    assert {p["property"]: p["value"] for p in amount["customProperties"]}["unit"] == (
        "cents (minor units)"
    )


def test_avro_types_map_to_odcs_logical_and_physical_types(rich_topic):
    item = exports.topic_for_export(rich_topic.name)
    obj = exports.odcs_contract(item)["schema"][0]
    assert (obj["physicalName"], obj["physicalType"], obj["businessName"]) == (
        "orders.order.placed",
        "topic",
        "OrderPlaced",
    )
    props = _props(obj["properties"])
    types = {
        name: (p.get("logicalType"), p["physicalType"], p["required"]) for name, p in props.items()
    }
    assert types == {
        "order_id": ("string", "string (uuid)", True),
        "quantity": ("integer", "int", True),
        "total": ("number", "double", True),
        "gift": ("boolean", "boolean", True),
        "placed_on": ("date", "int (date)", True),
        "placed_at": ("timestamp", "long (timestamp-micros)", True),
        "note": ("string", "string", False),
        "channel": ("string", "enum Channel", True),
        "address": ("object", "record Address", False),
        "lines": ("array", "array", True),
        "tags": ("object", "map", True),
        "raw": ("string", "bytes", True),
        "price": ("number", "bytes (decimal)", True),
        "hash": ("string", "fixed Md5(16)", True),
        "either": (None, "union", False),
    }
    assert props["order_id"]["logicalTypeOptions"] == {"format": "uuid"}
    assert props["order_id"]["description"] == "Id."
    assert props["channel"]["logicalTypeOptions"] == {"pattern": "^(WEB|APP)$"}
    address = _props(props["address"]["properties"])
    assert (address["city"]["required"], address["zip"]["required"]) == (True, False)
    assert props["lines"]["items"]["logicalType"] == "object"
    assert [p["name"] for p in props["lines"]["items"]["properties"]] == ["sku"]


def test_every_avro_type_exports_to_documents_the_validators_accept(
    rich_topic, tmp_path, asyncapi_validator
):
    FieldSemanticsFactory(topic=rich_topic, path="lines.sku", meaning="Stock keeping unit.")
    item = exports.topic_for_export(rich_topic.name)
    text = exports.export_document(item, "odcs")
    assert _lint(text, tmp_path, "rich").result == "passed"
    lines = _props(yaml.safe_load(text)["schema"][0]["properties"])["lines"]
    assert lines["items"]["properties"][0]["description"] == "Stock keeping unit."
    document = yaml.safe_load(exports.export_document(item, "asyncapi"))
    assert list(asyncapi_validator.iter_errors(document)) == []
    assert document["components"]["messages"]["OrderPlaced"]["payload"]["schema"] == RICH_SCHEMA


def test_nested_field_semantics_land_on_the_nested_property(rich_topic):
    FieldSemanticsFactory(topic=rich_topic, path="address.city", meaning="Delivery city.")
    item = exports.topic_for_export(rich_topic.name)
    props = _props(exports.odcs_contract(item)["schema"][0]["properties"])
    city = _props(props["address"]["properties"])["city"]
    assert city["description"] == "Delivery city."


def test_the_contract_embeds_the_exact_avro_schema(rich_topic):
    item = exports.topic_for_export(rich_topic.name)
    custom = {
        p["property"]: p["value"]
        for p in exports.odcs_contract(item)["schema"][0]["customProperties"]
    }
    assert custom["avroSchema"] == RICH_SCHEMA
    assert (custom["subject"], custom["schemaVersion"]) == ("orders.order.placed-value", 1)


def test_a_recursive_schema_exports_without_looping(orders, tmp_path):
    topic = TopicFactory(name="orders.tree.built", owner=orders)
    register_schema(
        topic,
        {
            "type": "record",
            "name": "Node",
            "fields": [
                {"name": "label", "type": "string"},
                {"name": "children", "type": {"type": "array", "items": "Node"}},
            ],
        },
    )
    item = exports.topic_for_export(topic.name)
    text = exports.export_document(item, "odcs")
    assert _lint(text, tmp_path, "tree").result == "passed"
    children = _props(yaml.safe_load(text)["schema"][0]["properties"])["children"]
    assert children["items"]["physicalType"] == "record Node"
    assert "properties" not in children["items"]


def test_a_topic_without_schema_or_owner_still_exports(db, tmp_path):
    topic = Topic.objects.create(name="shipping.parcel.lost", status=Topic.Status.PROPOSED)
    item = exports.topic_for_export(topic.name)
    text = exports.export_document(item, "odcs")
    contract = yaml.safe_load(text)
    assert "team" not in contract
    assert contract["schema"] == [
        {
            "name": "shipping.parcel.lost",
            "physicalName": "shipping.parcel.lost",
            "physicalType": "topic",
            "logicalType": "object",
        }
    ]
    assert _lint(text, tmp_path, "lost").result == "passed"
    assert exports.backstage_entity(item)["spec"]["owner"] == exports.UNOWNED


# --- AsyncAPI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asyncapi_validator():
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema)


def _resolve(document, ref: str):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_message_key_is_described_in_the_kafka_binding(demo):
    def key_of(name):
        item = next(i for i in demo if i.topic.name == name)
        document = exports.asyncapi_document(item)
        [message] = document["components"]["messages"].values()
        return message["bindings"]["kafka"].get("key")

    assert key_of("orders.created") == {"type": "string"}
    assert key_of("customers.customer.registered") == {
        "type": "object",
        "title": "CustomerKey",
        "properties": {"customer_id": {"type": "string"}},
        "required": ["customer_id"],
    }
    assert key_of("orders.order.shipped") is None


def test_key_shapes_cover_every_avro_type_and_stop_at_recursion():
    schema = {
        "type": "record",
        "name": "Key",
        "doc": "A composite key.",
        "fields": [
            {"name": "n", "type": "long"},
            {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
            {"name": "attrs", "type": {"type": "map", "values": "int"}},
            {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
            {"name": "next", "type": ["null", "Key"], "default": None},
        ],
    }
    shape = exports._json_schema(parse_schema(schema).root)
    assert shape["description"] == "A composite key."
    assert shape["required"] == ["n", "kind", "tags", "attrs", "hash"]
    properties = shape["properties"]
    assert properties["n"] == {"type": "integer", "format": "int64"}
    assert properties["kind"] == {"type": "string", "title": "Kind", "enum": ["A", "B"]}
    assert properties["tags"] == {"type": "array", "items": {"type": "string"}}
    assert properties["attrs"] == {
        "type": "object",
        "additionalProperties": {"type": "integer", "format": "int32"},
    }
    assert properties["hash"] == {"type": "string", "title": "Hash"}
    assert properties["next"] == {"oneOf": [{"type": "null"}, {}]}


def test_every_demo_asyncapi_document_is_valid_asyncapi_3(demo, asyncapi_validator):
    failures = {}
    for item in demo:
        document = yaml.safe_load(exports.export_document(item, "asyncapi"))
        errors = [e.message[:200] for e in asyncapi_validator.iter_errors(document)]
        # The JSON Schema does not follow references: every $ref must point at something.
        for ref in _refs(document):
            try:
                _resolve(document, ref)
            except KeyError:
                errors.append(f"dangling $ref {ref}")
        if errors:
            failures[item.topic.name] = errors
    assert failures == {}


def test_configured_kafka_servers_appear_in_a_valid_asyncapi_document(
    demo, asyncapi_validator, settings
):
    settings.KAFKA_BOOTSTRAP_SERVERS = "kafka-1:9092,kafka-2:9092"
    item = next(i for i in demo if i.topic.name == "orders.created")
    document = exports.asyncapi_document(item)
    assert document["servers"]["kafka"]["host"] == "kafka-1:9092"
    assert document["servers"]["kafka"]["protocol"] == "kafka"
    assert list(asyncapi_validator.iter_errors(document)) == []


def test_the_asyncapi_validator_rejects_a_broken_document(demo, asyncapi_validator):
    item = next(i for i in demo if i.topic.name == "orders.created")
    document = exports.asyncapi_document(item)
    document["operations"]["publish.orders.created"]["action"] = "publish"  # AsyncAPI 2 verb
    assert list(asyncapi_validator.iter_errors(document))
    document = exports.asyncapi_document(item)
    document["components"]["messages"]["OrderCreated"]["payload"]["schema"] = {"type": "recrd"}
    assert list(asyncapi_validator.iter_errors(document))


def test_the_asyncapi_message_carries_the_avro_schema_and_its_format(demo):
    item = next(i for i in demo if i.topic.name == "orders.created")
    document = exports.asyncapi_document(item)
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["orders.created"]
    assert channel["address"] == "orders.created"
    assert channel["bindings"]["kafka"]["partitions"] == 12
    message = document["components"]["messages"]["OrderCreated"]
    assert message["payload"]["schemaFormat"] == "application/vnd.apache.avro+json;version=1.9.0"
    assert message["payload"]["schema"]["name"] == "OrderCreated"
    assert document["operations"]["publish.orders.created"]["action"] == "send"
    receives = [op for op in document["operations"].values() if op["action"] == "receive"]
    groups = {op["bindings"]["kafka"]["groupId"]["enum"][0] for op in receives}
    assert groups == {
        "analytics.orders-funnel",
        "billing.invoice-writer",
        "reporting.daily-revenue",
    }


def test_every_consumer_group_gets_its_own_receive_operation(rich_topic, analytics):
    ConsumerFactory(topic=rich_topic, team=analytics, group_id="reports a")
    ConsumerFactory(topic=rich_topic, team=analytics, group_id="reports_a")
    document = exports.asyncapi_document(exports.topic_for_export(rich_topic.name))
    receives = [op for op in document["operations"].values() if op["action"] == "receive"]
    groups = sorted(op["bindings"]["kafka"]["groupId"]["enum"][0] for op in receives)
    assert groups == ["reports a", "reports_a"]


# --- Backstage -----------------------------------------------------------------------------


def test_the_backstage_entity_is_an_asyncapi_api_owned_by_the_team_group(demo, asyncapi_validator):
    item = next(i for i in demo if i.topic.name == "orders.created")
    entity = yaml.safe_load(exports.export_document(item, "backstage"))
    assert (entity["apiVersion"], entity["kind"]) == ("backstage.io/v1alpha1", "API")
    assert entity["metadata"]["name"] == "orders.created"
    assert entity["spec"]["type"] == "asyncapi"
    assert entity["spec"]["owner"] == "group:default/orders"
    assert entity["spec"]["lifecycle"] == "production"
    assert entity["spec"]["system"] == "orders"
    definition = yaml.safe_load(entity["spec"]["definition"])
    assert list(asyncapi_validator.iter_errors(definition)) == []


def test_backstage_names_are_cut_to_63_characters_and_stay_unique():
    long_a = "orders." + "a" * 80 + ".created"
    long_b = "orders." + "a" * 80 + ".deleted"
    name_a, name_b = exports.backstage_entity_name(long_a), exports.backstage_entity_name(long_b)
    assert len(name_a) <= 63 and len(name_b) <= 63
    assert name_a != name_b
    assert exports.backstage_entity_name("orders.created") == "orders.created"


# --- loading -------------------------------------------------------------------------------


def test_exporting_a_domain_takes_the_same_few_queries_for_3_or_30_topics(
    orders, analytics, django_assert_max_num_queries
):
    def add_topics(start, count):
        for n in range(start, start + count):
            topic = TopicFactory(name=f"orders.thing{n}.happened", owner=orders)
            register_schema(topic, ORDER_SCHEMA)
            register_schema(
                topic,
                {**ORDER_SCHEMA, "fields": [*ORDER_SCHEMA["fields"], {"name": "x", "type": "int"}]},
            )
            DeliverySLA.objects.create(topic=topic, availability_percent=Decimal("99.5"))
            FieldSemanticsFactory(topic=topic, path="customer_id")
            ConsumerFactory(topic=topic, team=analytics)

    add_topics(0, 3)
    with django_assert_max_num_queries(4):
        items = exports.topics_for_export(Topic.objects.filter(domain="orders"))
        documents = [exports.export_document(i, f) for i in items for f in exports.FORMATS]
    assert len(documents) == 9
    assert {i.schema.version for i in items} == {2}
    add_topics(3, 27)
    with django_assert_max_num_queries(4):
        items = exports.topics_for_export(Topic.objects.filter(domain="orders"))
        documents = [exports.export_document(i, f) for i in items for f in exports.FORMATS]
    assert len(documents) == 90


# --- API -----------------------------------------------------------------------------------


@pytest.fixture
def api(charlie):
    client = APIClient()
    _, plaintext = api_token_create(user=charlie, name="reader", scope="read")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.mark.parametrize(
    ("fmt", "filename", "first_key"),
    [
        ("odcs", "orders.order.placed.odcs.yaml", "apiVersion"),
        ("asyncapi", "orders.order.placed.asyncapi.yaml", "asyncapi"),
        ("backstage", "orders.order.placed.catalog-info.yaml", "apiVersion"),
    ],
)
def test_a_read_token_downloads_each_format_as_yaml(api, rich_topic, fmt, filename, first_key):
    response = api.get(f"/api/v1/topics/orders.order.placed/exports/{fmt}?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert next(iter(yaml.safe_load(response.content))) == first_key


def test_an_export_without_download_is_shown_inline(api, rich_topic):
    response = api.get("/api/v1/topics/orders.order.placed/exports/odcs")
    assert response["Content-Disposition"].startswith("inline;")


def test_exports_need_credentials(client, rich_topic):
    response = APIClient().get("/api/v1/topics/orders.order.placed/exports/odcs")
    assert response.status_code in (401, 403)


def test_an_unknown_topic_or_format_is_a_404_in_the_error_shape(api, rich_topic):
    response = api.get("/api/v1/topics/orders.nope.gone/exports/odcs")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = api.get("/api/v1/topics/orders.order.placed/exports/openapi")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_format"


def test_a_domain_exports_as_one_multi_document_yaml_file(api, orders, rich_topic):
    register_schema(TopicFactory(name="orders.order.paid", owner=orders))
    TopicFactory(name="payments.payment.made", owner=TeamFactory(slug="payments"))
    response = api.get("/api/v1/domains/orders/exports/odcs?download=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="orders.odcs.yaml"'
    documents = list(yaml.safe_load_all(response.content))
    assert [d["id"] for d in documents] == ["orders.order.paid", "orders.order.placed"]
    response = api.get("/api/v1/domains/shipping/exports/odcs")
    assert response.status_code == 404


def test_a_domains_backstage_export_starts_with_its_system_which_every_api_names(
    api, orders, analytics, rich_topic
):
    domain = Domain.objects.create(name="orders", description="Everything about orders.")
    domain.owners.add(orders, analytics)
    register_schema(TopicFactory(name="orders.order.paid", owner=orders))
    response = api.get("/api/v1/domains/orders/exports/backstage")
    assert response.status_code == 200
    system, *apis = yaml.safe_load_all(response.content)
    assert (system["kind"], system["metadata"]["name"]) == ("System", "orders")
    assert system["metadata"]["description"] == "Everything about orders."
    # The first owner by slug: analytics before orders.
    assert system["spec"]["owner"] == "group:default/analytics"
    assert [(a["kind"], a["spec"]["system"]) for a in apis] == [("API", "orders")] * 2
    # A domain nobody registered still gets a system, owned by the placeholder group.
    TopicFactory(name="payments.payment.made", owner=TeamFactory(slug="payments"))
    response = api.get("/api/v1/domains/payments/exports/backstage")
    system = next(yaml.safe_load_all(response.content))
    assert (system["metadata"]["name"], system["spec"]["owner"]) == ("payments", exports.UNOWNED)
    # Other formats stay one document per topic.
    odcs = list(yaml.safe_load_all(api.get("/api/v1/domains/orders/exports/odcs").content))
    assert len(odcs) == 2


def test_the_topic_page_links_to_the_three_downloads(as_charlie, rich_topic):
    Domain.objects.get_or_create(name="orders")
    response = as_charlie.get("/topics/orders.order.placed/")
    body = response.content.decode()
    for fmt in exports.FORMATS:
        assert f"/api/v1/topics/orders.order.placed/exports/{fmt}?download=1" in body


def test_a_domain_filtered_topic_list_links_to_the_domain_exports(as_charlie, rich_topic):
    body = as_charlie.get("/topics/", {"domain": "orders"}).content.decode()
    assert "/api/v1/domains/orders/exports/odcs?download=1" in body
    body = as_charlie.get("/topics/", {"domain": "no/such"}).content.decode()
    assert "/exports/" not in body
