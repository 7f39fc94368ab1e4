"""The real confluent-kafka client against a live server: the registry is a drop-in."""

from __future__ import annotations

import json

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from catalog.models import Membership, Topic
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import PASSWORD, ConsumerFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "orders.created-value"
LOYALTY = {"name": "loyalty_tier", "type": ["null", "string"], "default": None}


@pytest.fixture
def story():
    orders = TeamFactory(slug="orders")
    user = UserFactory(username="olivia")
    MembershipFactory(user=user, team=orders, role=Membership.Role.LEAD)
    topic = Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy")
    for team, fields in (
        ("analytics", ["order_id", "customer_id"]),
        ("reporting", ["amount_cents", "customer_id"]),
        ("billing", ["customer_id", "amount_cents"]),
    ):
        ConsumerFactory(
            topic=topic,
            team=TeamFactory(slug=team),
            name=f"{team}-app",
            group_id=f"{team}.app",
            fields=fields,
        )
    return topic


@pytest.fixture
def client(live_server, story):
    conf = {"url": f"{live_server.url}/registry", "basic.auth.user.info": f"olivia:{PASSWORD}"}
    return SchemaRegistryClient(conf)


def avro(schema: dict) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def test_register_lookup_and_fetch(client):
    schema_id = client.register_schema(SUBJECT, avro(V1))
    assert schema_id >= 1
    assert client.register_schema(SUBJECT, avro(V1)) == schema_id
    found = client.lookup_schema(SUBJECT, avro(V1))
    assert (found.schema_id, found.version, found.subject) == (schema_id, 1, SUBJECT)
    fetched = client.get_schema(schema_id)
    assert json.loads(fetched.schema_str) == V1 and fetched.schema_type == "AVRO"
    latest = client.get_latest_version(SUBJECT)
    assert (latest.schema_id, latest.version) == (schema_id, 1)
    assert client.get_version(SUBJECT, 1).schema_id == schema_id
    assert client.get_subjects() == [SUBJECT]
    assert client.get_schema_types() == ["AVRO"]


def test_versions_compatibility_and_config(client):
    client.register_schema(SUBJECT, avro(V1))
    client.register_schema(SUBJECT, avro(with_fields(V1, LOYALTY)))
    assert client.get_versions(SUBJECT) == [1, 2]
    assert client.test_compatibility(SUBJECT, avro(with_fields(V1, LOYALTY))) is True
    assert (
        client.test_compatibility(SUBJECT, avro(renamed(V1, "customer_id", "customerId"))) is False
    )
    assert client.get_compatibility() == "BACKWARD"
    assert client.set_compatibility(SUBJECT, "FULL") == {"compatibility": "FULL"}
    assert client.get_compatibility(SUBJECT) == "FULL"


def test_soft_and_permanent_deletes(client):
    client.register_schema(SUBJECT, avro(V1))
    client.register_schema(SUBJECT, avro(with_fields(V1, LOYALTY)))
    assert client.delete_version(SUBJECT, 2) == 2
    assert client.get_versions(SUBJECT) == [1]
    assert client.delete_version(SUBJECT, 2, permanent=True) == 2
    assert client.delete_subject(SUBJECT) == [1]
    with pytest.raises(SchemaRegistryError) as info:
        client.get_versions(SUBJECT)
    assert info.value.error_code == 40401
    assert client.delete_subject(SUBJECT, permanent=True) == [1]


def test_an_incompatible_schema_is_a_409_naming_the_rule_field_and_consumers(client):
    client.register_schema(SUBJECT, avro(V1))
    with pytest.raises(SchemaRegistryError) as info:
        client.register_schema(SUBJECT, avro(renamed(V1, "customer_id", "customerId")))
    error = info.value
    assert error.http_status_code == 409
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in error.error_message
    assert "customerId" in error.error_message
    for team in ("analytics", "reporting", "billing"):
        assert f"{team}/{team}-app" in error.error_message


@pytest.mark.parametrize("auto_register", [True, False])
def test_avro_serializer_round_trip(client, auto_register):
    if not auto_register:
        client.register_schema(SUBJECT, avro(V1))
    serializer = AvroSerializer(
        client, json.dumps(V1), conf={"auto.register.schemas": auto_register}
    )
    deserializer = AvroDeserializer(client)
    ctx = SerializationContext("orders.created", MessageField.VALUE)
    record = {
        "order_id": "o-1",
        "customer_id": "c-7",
        "amount_cents": 4599,
        "currency": "EUR",
        "discount_code": None,
    }
    payload = serializer(record, ctx)
    assert payload[0] == 0  # Confluent wire format: magic byte, then the schema id
    schema_id = int.from_bytes(payload[1:5], "big")
    assert schema_id == client.lookup_schema(SUBJECT, avro(V1)).schema_id
    # A fresh client, as a consumer would have, resolves the id from the registry.
    consumer_client = SchemaRegistryClient(client.config())
    assert AvroDeserializer(consumer_client)(payload, ctx) == record
    assert deserializer(payload, ctx) == record


def test_without_auto_register_an_unknown_schema_fails(client):
    serializer = AvroSerializer(client, json.dumps(V1), conf={"auto.register.schemas": False})
    with pytest.raises(Exception) as info:
        serializer({"order_id": "x"}, SerializationContext("orders.created", MessageField.VALUE))
    assert "40401" in str(info.value) or "not found" in str(info.value)
