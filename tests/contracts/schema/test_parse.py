from __future__ import annotations

import json

import fastavro.schema
import pytest

from contracts.schema import SchemaError, field_paths, parse_schema


def record(*fields, name="R", **extra):
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def test_it_parses_a_record_and_exposes_raw_canonical_and_fingerprint():
    raw = record({"name": "id", "type": "long", "doc": "the id"}, namespace="shop")
    parsed = parse_schema(json.dumps(raw))
    assert parsed.raw == raw
    assert parsed.schema_type == "AVRO"
    assert parsed.canonical == (
        '{"name":"shop.R","type":"record","fields":[{"name":"id","type":"long"}]}'
    )
    assert len(parsed.fingerprint) == 64


def test_the_canonical_form_matches_fastavros():
    raw = record(
        {"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["X", "Y"]}},
        {"name": "b", "type": ["null", "E"], "default": None},
        {"name": "c", "type": {"type": "map", "values": {"type": "fixed", "name": "F", "size": 4}}},
        {"name": "d", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "next", "type": ["null", "R"], "default": None},
        namespace="a.b",
        doc="ignored by the canonical form",
    )
    assert parse_schema(raw).canonical == fastavro.schema.to_parsing_canonical_form(raw)


def test_formatting_and_key_order_do_not_change_the_fingerprint():
    raw = record({"name": "id", "type": "long"}, namespace="shop")
    reordered = {
        "fields": [{"type": "long", "name": "id"}],
        "namespace": "shop",
        "name": "R",
        "type": "record",
    }
    qualified = record({"name": "id", "type": {"type": "long"}}, name="shop.R")
    fingerprints = {
        parse_schema(json.dumps(raw)).fingerprint,
        parse_schema(json.dumps(reordered, indent=4)).fingerprint,
        parse_schema(qualified).fingerprint,
    }
    assert len(fingerprints) == 1


def test_a_changed_default_or_doc_changes_the_fingerprint_but_not_the_canonical_form():
    base = parse_schema(record({"name": "n", "type": "int", "default": 1}))
    changed_default = parse_schema(record({"name": "n", "type": "int", "default": 2}))
    changed_doc = parse_schema(record({"name": "n", "type": "int", "default": 1, "doc": "x"}))
    assert base.canonical == changed_default.canonical == changed_doc.canonical
    assert len({base.fingerprint, changed_default.fingerprint, changed_doc.fingerprint}) == 3


def test_field_paths_descend_into_nested_and_nullable_records_in_schema_order():
    address = record({"name": "city", "type": "string", "doc": "City"}, name="Address")
    raw = record(
        {"name": "customer_id", "type": "long"},
        {"name": "address", "type": ["null", address], "default": None},
        {"name": "billing", "type": "Address"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    )
    fields = field_paths(parse_schema(raw))
    assert [(f.path, f.type, f.nullable) for f in fields] == [
        ("customer_id", "long", False),
        ("address", "[null, Address]", True),
        ("address.city", "string", False),
        ("billing", "record Address", False),
        ("billing.city", "string", False),
        ("tags", "array<string>", False),
    ]
    assert fields[1].has_default and fields[1].default is None
    assert not fields[0].has_default
    assert fields[2].doc == "City"


def test_field_paths_do_not_loop_on_a_recursive_record():
    raw = record({"name": "value", "type": "int"}, {"name": "next", "type": ["null", "R"]})
    assert [f.path for f in field_paths(parse_schema(raw))] == ["value", "next"]


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        (record({"name": "a", "type": "int"}, {"name": "a", "type": "long"}), "/fields/1/name"),
        ({"type": "enum", "name": "E", "symbols": ["A", "A"]}, "/symbols/1"),
        (record({"name": "a", "type": ["null", "int"], "default": 1}), "/fields/0/default"),
        (record({"name": "a", "type": "Nope"}), "/fields/0/type"),
        ({"type": "fixed", "name": "F", "size": -1}, "/size"),
        (record(name="1R"), "/name"),
        ("{not json", ""),
    ],
)
def test_bad_schemas_raise_schema_error_with_the_offending_path(schema, path):
    with pytest.raises(SchemaError) as excinfo:
        parse_schema(schema)
    assert excinfo.value.path == path
    assert excinfo.value.message in str(excinfo.value)


def test_deep_nesting_is_rejected_without_recursion_error():
    text = "[" * 10_000 + "]" * 10_000
    with pytest.raises(SchemaError):
        parse_schema(text)


def test_a_schema_over_the_size_limit_is_rejected():
    raw = record(*({"name": f"f{i}", "type": "string"} for i in range(10)))
    with pytest.raises(SchemaError, match="limit"):
        parse_schema(json.dumps(raw), max_bytes=100)
