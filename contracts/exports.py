"""Standard documents describing a topic: an ODCS v3 data contract, an AsyncAPI 3.0 document
and a Backstage ``catalog-info.yaml`` API entity.

The builders are pure: they take an :class:`ExportTopic` (everything a document needs, loaded
by :func:`topics_for_export` in a fixed number of queries however many topics there are) and
return plain dicts, which :func:`to_yaml` renders. The Avro schema travels whole inside the
ODCS contract (``customProperties.avroSchema``), so an export imports back losslessly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from catalog.models import Consumer, DeliverySLA, Domain, FieldSemantics, Topic
from contracts import yaml_out
from contracts.models import SchemaVersion, Subject
from contracts.schema import ParsedSchema, parse_schema
from contracts.schema.model import (
    ArrayNode,
    EnumNode,
    FixedNode,
    MapNode,
    Node,
    RecordNode,
    UnionNode,
)
from contracts.selectors import key_subject_name, value_subject_name

ODCS_API_VERSION = "v3.1.0"
ASYNCAPI_VERSION = "3.0.0"
AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
AVRO_CONTENT_TYPE = "application/vnd.apache.avro+binary"
# Backstage's owner when a topic has none yet (the entity kind requires one).
UNOWNED = "group:default/unowned"

FORMATS = ("odcs", "asyncapi", "backstage")

# ODCS custom property names (camelCase, as the standard asks).
PROP_AVRO_SCHEMA = "avroSchema"
PROP_SCHEMA_VERSION = "schemaVersion"
PROP_SCHEMA_ID = "schemaId"
PROP_SUBJECT = "subject"
PROP_KEY_AVRO_SCHEMA = "keyAvroSchema"
PROP_KEY_SCHEMA_VERSION = "keySchemaVersion"
PROP_KEY_SUBJECT = "keySubject"
PROP_NULL_MEANING = "nullMeaning"
PROP_UNIT = "unit"
PROP_PII = "pii"
PROP_ALLOWED_VALUES = "allowedValues"
PROP_CONSUMERS = "consumers"
PROP_PARTITIONS = "partitions"
PROP_RETENTION_HOURS = "retentionHours"
PROP_DLQ_TOPIC = "dlqTopic"
PROP_SUPPORT_HOURS = "supportHours"
PROP_CATALOG_URL = "catalogUrl"
PROP_OWNER_EMAIL = "contactEmail"

# SLA properties: (ODCS property, DeliverySLA field, unit).
SLA_PROPERTIES: tuple[tuple[str, str, str | None], ...] = (
    ("latency", "max_latency_seconds", "s"),
    ("availability", "availability_percent", "%"),
    ("retention", "retention_days", "d"),
    ("maxConsumerLag", "max_consumer_lag", "messages"),
)


@dataclass(frozen=True)
class LatestSchemaText:
    version: int
    schema_id: int
    subject: str
    text: str
    fingerprint: str


@dataclass(frozen=True)
class ExportTopic:
    """A topic with everything the documents say about it."""

    topic: Topic
    sla: DeliverySLA | None
    consumers: list[Consumer]
    semantics: dict[str, FieldSemantics]
    schema: LatestSchemaText | None
    # The latest key schema (subject ``<topic>-key``), when the topic has one.
    key_schema: LatestSchemaText | None = None

    @property
    def avro(self) -> Any:
        return json.loads(self.schema.text) if self.schema else None

    @property
    def key_avro(self) -> Any:
        return json.loads(self.key_schema.text) if self.key_schema else None


# --- loading -------------------------------------------------------------------------------


def topics_for_export(topics: QuerySet[Topic]) -> list[ExportTopic]:
    """Load ``topics`` for export: the topics (with owner and SLA), their live consumers, their
    field semantics, and their latest value and key schemas — four queries whatever the count."""
    rows = list(
        topics.select_related("owner", "sla")
        .prefetch_related(
            Prefetch(
                "consumers",
                queryset=Consumer.objects.exclude(status=Consumer.Status.RETIRED)
                .select_related("team")
                .order_by("team__slug", "name"),
            ),
            Prefetch("field_semantics", queryset=FieldSemantics.objects.order_by("path")),
        )
        .order_by("name")
    )
    schemas = _latest_schemas([t.name for t in rows])
    return [
        ExportTopic(
            topic=t,
            sla=getattr(t, "sla", None),
            consumers=list(t.consumers.all()),
            semantics={s.path: s for s in t.field_semantics.all()},
            schema=schemas.get(value_subject_name(t.name)),
            key_schema=schemas.get(key_subject_name(t.name)),
        )
        for t in rows
    ]


def topic_for_export(name: str) -> ExportTopic | None:
    found = topics_for_export(Topic.objects.filter(name=name))
    return found[0] if found else None


def _latest_schemas(topic_names: list[str]) -> dict[str, LatestSchemaText]:
    """The latest live version of each topic's value and key subjects, in one query."""
    if not topic_names:
        return {}
    latest = SchemaVersion.objects.filter(subject=OuterRef("pk"), deleted=False).order_by(
        "-version"
    )
    names = [value_subject_name(n) for n in topic_names]
    names += [key_subject_name(n) for n in topic_names]
    subjects = Subject.objects.filter(name__in=names).annotate(
        latest_id=Subquery(latest.values("pk")[:1])
    )
    rows = (
        SchemaVersion.objects.filter(pk__in=subjects.values("latest_id"))
        .select_related("schema", "subject")
        .only("version", "schema_id", "subject__name", "schema__text", "schema__fingerprint")
    )
    return {
        row.subject.name: LatestSchemaText(
            version=row.version,
            schema_id=row.schema_id,
            subject=row.subject.name,
            text=row.schema.text,
            fingerprint=row.schema.fingerprint,
        )
        for row in rows
    }


@lru_cache(maxsize=2048)
def _parsed(fingerprint: str, text: str) -> ParsedSchema:
    # Stored schemas never change: parse each once per process.
    return parse_schema(text, max_bytes=len(text.encode()) + 1)


# --- ODCS ----------------------------------------------------------------------------------


def odcs_contract(item: ExportTopic) -> dict[str, Any]:
    """The topic as an ODCS v3.1.0 data contract."""
    topic = item.topic
    contract: dict[str, Any] = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": topic.name,
        "name": topic.name,
        "version": f"{item.schema.version}.0.0" if item.schema else "0.0.0",
        "status": topic.status,
        "domain": topic.domain,
        "tags": ["kafka", "avro"],
    }
    if topic.description:
        contract["description"] = {"purpose": topic.description}
    if topic.owner is not None:
        team: dict[str, Any] = {"name": topic.owner.slug}
        if topic.owner.name:
            team["description"] = topic.owner.name
        if topic.owner.contact_email:
            team["customProperties"] = [
                {"property": PROP_OWNER_EMAIL, "value": topic.owner.contact_email}
            ]
        contract["team"] = team
    contract["schema"] = [_odcs_schema_object(item)]
    sla = item.sla
    if sla is not None:
        support = _odcs_support(sla)
        if support:
            contract["support"] = support
        sla_properties = []
        for prop, field, unit in SLA_PROPERTIES:
            value = getattr(sla, field)
            if value is None:
                continue
            entry: dict[str, Any] = {"property": prop, "value": _number(value)}
            if unit:
                entry["unit"] = unit
            sla_properties.append(entry)
        if sla_properties:
            contract["slaProperties"] = sla_properties
    custom = [
        {"property": PROP_PARTITIONS, "value": topic.partitions},
        {"property": PROP_CATALOG_URL, "value": _topic_url(topic)},
    ]
    if topic.retention_hours is not None:
        custom.append({"property": PROP_RETENTION_HOURS, "value": topic.retention_hours})
    if topic.dlq_topic:
        custom.append({"property": PROP_DLQ_TOPIC, "value": topic.dlq_topic})
    custom.append({"property": PROP_CONSUMERS, "value": [_consumer(c) for c in item.consumers]})
    contract["customProperties"] = custom
    contract["contractCreatedTs"] = topic.created_at.isoformat()
    return contract


def _odcs_support(sla: DeliverySLA) -> list[dict[str, Any]]:
    if not sla.support_channel:
        return []
    channel = sla.support_channel
    entry: dict[str, Any] = {"channel": channel, "tool": _support_tool(channel)}
    if channel.startswith(("http://", "https://", "mailto:")):
        entry["url"] = channel
    elif "@" in channel and " " not in channel:
        entry["url"] = f"mailto:{channel}"
    if sla.support_hours:
        entry["description"] = f"Support hours: {sla.support_hours}"
        entry["customProperties"] = [{"property": PROP_SUPPORT_HOURS, "value": sla.support_hours}]
    return [entry]


def _support_tool(channel: str) -> str:
    if channel.startswith("#") or "slack.com" in channel:
        return "slack"
    if "@" in channel or channel.startswith("mailto:"):
        return "email"
    if "teams.microsoft.com" in channel:
        return "teams"
    return "other"


def _consumer(consumer: Consumer) -> dict[str, Any]:
    return {
        "team": consumer.team.slug,
        "name": consumer.name,
        "groupId": consumer.group_id,
        "status": consumer.status,
        "purpose": consumer.purpose,
        # Empty means every field.
        "fields": list(consumer.fields),
    }


def _odcs_schema_object(item: ExportTopic) -> dict[str, Any]:
    topic = item.topic
    obj: dict[str, Any] = {
        "name": topic.name,
        "physicalName": topic.name,
        "physicalType": "topic",
        "logicalType": "object",
    }
    if item.schema is None:
        if topic.description:
            obj["description"] = topic.description
        return obj
    parsed = _parsed(item.schema.fingerprint, item.schema.text)
    root = parsed.root
    if isinstance(root, RecordNode):
        obj["businessName"] = root.name
        if root.doc:
            obj["description"] = root.doc
        obj["properties"] = _odcs_properties(root, "", item.semantics, (root.fullname,))
    obj["customProperties"] = [
        {"property": PROP_SUBJECT, "value": item.schema.subject},
        {"property": PROP_SCHEMA_VERSION, "value": item.schema.version},
        {"property": PROP_SCHEMA_ID, "value": item.schema.schema_id},
        {"property": PROP_AVRO_SCHEMA, "value": item.avro},
    ]
    if item.key_schema is not None:
        obj["customProperties"] += [
            {"property": PROP_KEY_SUBJECT, "value": item.key_schema.subject},
            {"property": PROP_KEY_SCHEMA_VERSION, "value": item.key_schema.version},
            {"property": PROP_KEY_AVRO_SCHEMA, "value": item.key_avro},
        ]
    return obj


def _odcs_properties(
    record: RecordNode,
    prefix: str,
    semantics: dict[str, FieldSemantics],
    on_path: tuple[str, ...],
) -> list[dict[str, Any]]:
    properties = []
    for field in record.fields:
        path = f"{prefix}{field.name}"
        prop: dict[str, Any] = {"name": field.name}
        prop.update(_odcs_type(field.type, path, semantics, on_path))
        prop["required"] = not _nullable(field.type)
        _apply_semantics(prop, field.doc, semantics.get(path))
        properties.append(_ordered(prop))
    return properties


_PROPERTY_ORDER = (
    "name",
    "businessName",
    "description",
    "logicalType",
    "logicalTypeOptions",
    "physicalType",
    "required",
    "classification",
    "examples",
    "items",
    "properties",
    "customProperties",
)


def _ordered(prop: dict[str, Any]) -> dict[str, Any]:
    return {key: prop[key] for key in _PROPERTY_ORDER if key in prop}


def _apply_semantics(prop: dict[str, Any], doc: str | None, meaning: FieldSemantics | None) -> None:
    """Meaning goes in ``description`` (the Avro doc when there is none); what null means, the
    unit, the PII class and the allowed values in ``customProperties``."""
    description = (meaning.meaning if meaning else "") or doc or ""
    if description:
        prop["description"] = description
    if meaning is None:
        return
    custom = []
    if meaning.null_meaning:
        custom.append({"property": PROP_NULL_MEANING, "value": meaning.null_meaning})
    if meaning.unit:
        custom.append({"property": PROP_UNIT, "value": meaning.unit})
    custom.append({"property": PROP_PII, "value": meaning.pii})
    if meaning.allowed_values:
        custom.append({"property": PROP_ALLOWED_VALUES, "value": meaning.allowed_values})
    prop["customProperties"] = custom
    if meaning.pii != FieldSemantics.PII.NONE:
        prop["classification"] = meaning.pii
    if meaning.example:
        prop["examples"] = [meaning.example]


def _nullable(node: Node) -> bool:
    return node.kind == "null" or (
        isinstance(node, UnionNode) and any(b.kind == "null" for b in node.branches)
    )


def _non_null(node: Node) -> Node:
    """The one non-null branch of an optional type (``["null", T]`` → T), else the node."""
    if isinstance(node, UnionNode):
        branches = [b for b in node.branches if b.kind != "null"]
        if len(branches) == 1:
            return branches[0]
    return node


_PRIMITIVE_LOGICAL = {
    "string": "string",
    "bytes": "string",
    "int": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
}
_AVRO_LOGICAL = {
    "date": "date",
    "time-millis": "time",
    "time-micros": "time",
    "timestamp-millis": "timestamp",
    "timestamp-micros": "timestamp",
    "timestamp-nanos": "timestamp",
    "local-timestamp-millis": "timestamp",
    "local-timestamp-micros": "timestamp",
    "local-timestamp-nanos": "timestamp",
    "decimal": "number",
    "big-decimal": "number",
}


def _odcs_type(
    node: Node, path: str, semantics: dict[str, FieldSemantics], on_path: tuple[str, ...]
) -> dict[str, Any]:
    """ODCS ``logicalType``/``physicalType`` (and nested ``properties`` / ``items``) of an Avro
    type. ``physicalType`` is the Avro type, so the mapping reads back."""
    node = _non_null(node)
    if isinstance(node, RecordNode):
        record: dict[str, Any] = {"logicalType": "object", "physicalType": f"record {node.name}"}
        if node.fullname not in on_path:
            record["properties"] = _odcs_properties(
                node, f"{path}.", semantics, (*on_path, node.fullname)
            )
        return record
    if isinstance(node, EnumNode):
        return {
            "logicalType": "string",
            "physicalType": f"enum {node.name}",
            "logicalTypeOptions": {"pattern": "^(" + "|".join(node.symbols) + ")$"},
        }
    if isinstance(node, FixedNode):
        logical = _AVRO_LOGICAL.get(node.logical_type or "", "string")
        return {"logicalType": logical, "physicalType": f"fixed {node.name}({node.size})"}
    if isinstance(node, ArrayNode):
        items: dict[str, Any] = {"name": "item"}
        items.update(_odcs_type(node.items, path, semantics, on_path))
        return {"logicalType": "array", "physicalType": "array", "items": _ordered(items)}
    if isinstance(node, MapNode):
        return {"logicalType": "object", "physicalType": "map"}
    if isinstance(node, UnionNode):
        return {"physicalType": "union"}
    result: dict[str, Any] = {"physicalType": node.kind}
    if node.logical_type:
        result["physicalType"] = f"{node.kind} ({node.logical_type})"
        mapped = _AVRO_LOGICAL.get(node.logical_type)
        if mapped:
            result["logicalType"] = mapped
            return result
        if node.logical_type == "uuid":
            result["logicalType"] = "string"
            result["logicalTypeOptions"] = {"format": "uuid"}
            return result
    if node.kind in _PRIMITIVE_LOGICAL:
        result["logicalType"] = _PRIMITIVE_LOGICAL[node.kind]
    return result


# --- AsyncAPI ------------------------------------------------------------------------------

# JSON Schema of Avro's primitive types, for the Kafka binding's message key.
_JSON_PRIMITIVES: dict[str, dict[str, Any]] = {
    "null": {"type": "null"},
    "boolean": {"type": "boolean"},
    "int": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "float"},
    "double": {"type": "number", "format": "double"},
    "bytes": {"type": "string"},
    "string": {"type": "string"},
}


def _json_schema(node: Node, on_path: tuple[str, ...] = ()) -> dict[str, Any]:
    """The shape of an Avro type as an AsyncAPI (JSON Schema) Schema Object: the Kafka
    binding's ``key`` takes one of those (or a reference), not an Avro schema. A record met
    again inside itself is left open (``{}``)."""
    if isinstance(node, RecordNode):
        if node.fullname in on_path:
            return {}
        inner = (*on_path, node.fullname)
        result: dict[str, Any] = {"type": "object", "title": node.name}
        if node.doc:
            result["description"] = node.doc
        result["properties"] = {f.name: _json_schema(f.type, inner) for f in node.fields}
        required = [f.name for f in node.fields if not f.has_default]
        if required:
            result["required"] = required
        return result
    if isinstance(node, EnumNode):
        return {"type": "string", "title": node.name, "enum": list(node.symbols)}
    if isinstance(node, FixedNode):
        return {"type": "string", "title": node.name}
    if isinstance(node, ArrayNode):
        return {"type": "array", "items": _json_schema(node.items, on_path)}
    if isinstance(node, MapNode):
        return {"type": "object", "additionalProperties": _json_schema(node.values, on_path)}
    if isinstance(node, UnionNode):
        return {"oneOf": [_json_schema(branch, on_path) for branch in node.branches]}
    return dict(_JSON_PRIMITIVES.get(node.kind, {}))


def _message_name(item: ExportTopic) -> str:
    avro = item.avro
    if isinstance(avro, dict) and isinstance(avro.get("name"), str):
        return _key(avro["name"].split(".")[-1])
    return _key(item.topic.name.replace(".", "_")) + "_message"


def _key(value: str) -> str:
    """An AsyncAPI component / map key: ``^[\\w\\d.\\-_]+$``."""
    return re.sub(r"[^\w.\-]", "_", value) or "_"


def asyncapi_document(item: ExportTopic) -> dict[str, Any]:
    """The topic as an AsyncAPI 3.0 document: one channel (the topic), its Avro message, the
    owner's send operation and one receive operation per consumer group."""
    topic = item.topic
    channel_id = _key(topic.name)
    info: dict[str, Any] = {
        "title": topic.name,
        "version": str(item.schema.version) if item.schema else "0",
    }
    if topic.description:
        info["description"] = topic.description
    if topic.owner is not None:
        contact: dict[str, Any] = {"name": topic.owner.name or topic.owner.slug}
        if topic.owner.contact_email:
            contact["email"] = topic.owner.contact_email
        info["contact"] = contact
    info["tags"] = [{"name": "kafka"}, {"name": f"domain:{topic.domain}"}]
    info["externalDocs"] = {"url": _topic_url(topic), "description": "Contract Catalog"}
    doc: dict[str, Any] = {"asyncapi": ASYNCAPI_VERSION, "info": info}
    doc["defaultContentType"] = AVRO_CONTENT_TYPE
    bootstrap = getattr(settings, "KAFKA_BOOTSTRAP_SERVERS", "")
    if bootstrap:
        doc["servers"] = {
            "kafka": {
                "host": bootstrap.split(",")[0].strip(),
                "protocol": "kafka",
                "description": "Bootstrap servers: " + bootstrap,
            }
        }
    channel: dict[str, Any] = {"address": topic.name}
    if topic.description:
        channel["description"] = topic.description
    topic_config: dict[str, Any] = {}
    if topic.retention_hours is not None:
        topic_config["retention.ms"] = topic.retention_hours * 3_600_000
    kafka_channel: dict[str, Any] = {
        "topic": topic.name,
        "partitions": topic.partitions,
        "bindingVersion": "0.5.0",
    }
    if topic_config:
        kafka_channel["topicConfiguration"] = topic_config
    channel["bindings"] = {"kafka": kafka_channel}
    components: dict[str, Any] = {}
    message_refs: list[dict[str, str]] = []
    if item.schema is not None:
        name = _message_name(item)
        avro = item.avro
        message: dict[str, Any] = {
            "name": name,
            "contentType": AVRO_CONTENT_TYPE,
            "payload": {"schemaFormat": AVRO_SCHEMA_FORMAT, "schema": avro},
            "bindings": {
                "kafka": {
                    "schemaIdLocation": "payload",
                    "schemaIdPayloadEncoding": "confluent",
                    "schemaLookupStrategy": "TopicNameStrategy",
                    "bindingVersion": "0.5.0",
                }
            },
        }
        if isinstance(avro, dict) and avro.get("doc"):
            message["summary"] = str(avro["doc"])
        if item.key_schema is not None:
            key_schema = _parsed(item.key_schema.fingerprint, item.key_schema.text)
            message["bindings"]["kafka"]["key"] = _json_schema(key_schema.root)
        components["messages"] = {name: message}
        channel["messages"] = {name: {"$ref": f"#/components/messages/{name}"}}
        message_refs = [{"$ref": f"#/channels/{channel_id}/messages/{name}"}]
    doc["channels"] = {channel_id: channel}
    operations: dict[str, Any] = {}
    send: dict[str, Any] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "summary": f"{topic.owner.slug if topic.owner else 'The producer'} publishes "
        f"to {topic.name}.",
    }
    if message_refs:
        send["messages"] = message_refs
    operations[_key(f"publish.{topic.name}")] = send
    for consumer in item.consumers:
        receive: dict[str, Any] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{consumer.team.slug}/{consumer.name}"
            + (f": {consumer.purpose}" if consumer.purpose else ""),
            "bindings": {
                "kafka": {
                    "groupId": {"type": "string", "enum": [consumer.group_id]},
                    "bindingVersion": "0.5.0",
                }
            },
        }
        if message_refs:
            receive["messages"] = message_refs
        key = _key(f"consume.{consumer.group_id}")
        while key in operations:  # group ids that differ only in characters a key cannot hold
            key += "_"
        operations[key] = receive
    doc["operations"] = operations
    if components:
        doc["components"] = components
    return doc


# --- Backstage -----------------------------------------------------------------------------

_LIFECYCLE: dict[str, str] = {
    Topic.Status.PROPOSED: "experimental",
    Topic.Status.ACTIVE: "production",
    Topic.Status.DEPRECATED: "deprecated",
    Topic.Status.RETIRED: "deprecated",
}


def backstage_entity_name(topic_name: str) -> str:
    """A Backstage entity name: at most 63 characters of ``[a-zA-Z0-9]`` separated by
    ``-_.``. Topic names already are; longer ones are cut and suffixed with a digest."""
    name = re.sub(r"[^A-Za-z0-9\-_.]", "-", topic_name).strip("-_.") or "topic"
    if len(name) > 63:
        digest = hashlib.sha256(topic_name.encode()).hexdigest()[:8]
        name = name[:54].rstrip("-_.") + "-" + digest
    return name


def backstage_entity(item: ExportTopic) -> dict[str, Any]:
    """The topic as a Backstage API entity of type ``asyncapi`` owned by its team's group."""
    topic = item.topic
    definition = to_yaml(asyncapi_document(item))
    metadata: dict[str, Any] = {
        "name": backstage_entity_name(topic.name),
        "title": topic.name,
    }
    if topic.description:
        metadata["description"] = topic.description
    metadata["annotations"] = {
        "contract-catalog/topic": topic.name,
        "backstage.io/view-url": _topic_url(topic),
    }
    metadata["tags"] = ["kafka", "avro"]
    metadata["links"] = [{"url": _topic_url(topic), "title": "Contract Catalog"}]
    spec: dict[str, Any] = {
        "type": "asyncapi",
        "lifecycle": _LIFECYCLE.get(topic.status, "experimental"),
        "owner": f"group:default/{topic.owner.slug}" if topic.owner else UNOWNED,
    }
    if topic.domain:
        # The domain is the Backstage system the API belongs to (see backstage_system).
        spec["system"] = backstage_entity_name(topic.domain)
    spec["definition"] = definition
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": metadata,
        "spec": spec,
    }


def backstage_system(domain: str) -> dict[str, Any]:
    """The domain as a Backstage System entity, which its topics' API entities name as
    their ``spec.system``: owned by the domain's first registered owner team (by slug), or
    the catalog's placeholder group while it has none."""
    registered = Domain.objects.filter(name=domain).prefetch_related("owners").first()
    owners = sorted(team.slug for team in registered.owners.all()) if registered else []
    metadata: dict[str, Any] = {"name": backstage_entity_name(domain), "title": domain}
    if registered is not None and registered.description:
        metadata["description"] = registered.description
    metadata["annotations"] = {"contract-catalog/domain": domain}
    metadata["tags"] = ["kafka"]
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "System",
        "metadata": metadata,
        "spec": {"owner": f"group:default/{owners[0]}" if owners else UNOWNED},
    }


# --- rendering -----------------------------------------------------------------------------

BUILDERS = {
    "odcs": odcs_contract,
    "asyncapi": asyncapi_document,
    "backstage": backstage_entity,
}
FILENAMES = {
    "odcs": "{name}.odcs.yaml",
    "asyncapi": "{name}.asyncapi.yaml",
    "backstage": "{name}.catalog-info.yaml",
}


def to_yaml(document: dict[str, Any]) -> str:
    return yaml_out.dump(document)


def export_document(item: ExportTopic, fmt: str) -> str:
    return to_yaml(BUILDERS[fmt](item))


def export_stream(
    items: Iterable[ExportTopic], fmt: str, domain: str | None = None
) -> Iterator[str]:
    """One YAML document per topic, separated by ``---`` (a multi-document YAML file); for a
    domain's Backstage export, its System entity first."""
    if domain is not None and fmt == "backstage":
        yield "---\n" + to_yaml(backstage_system(domain))
    for item in items:
        yield "---\n" + export_document(item, fmt)


def _topic_url(topic: Topic) -> str:
    return settings.SITE_URL.rstrip("/") + topic.get_absolute_url()


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
