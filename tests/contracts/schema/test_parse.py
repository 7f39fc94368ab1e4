from __future__ import annotations

import dataclasses
import json
import pickle

import fastavro.schema
import pytest

from contracts.schema import (
    ParsedSchema,
    SchemaError,
    check_compatibility,
    field_paths,
    parse_schema,
)


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


NOT_SCHEMAS = [
    "",
    "null",
    "42",
    '{"type": "record"}',
    '{"name": "R"}',
    '{"type": {"type": "int"}}',
    '{"type": "record", "name": "R", "fields": {}}',
    '{"type": "record", "name": "R", "fields": [1]}',
    '{"type": "array"}',
    '{"type": "enum", "name": "E", "symbols": "A"}',
    '["null", ["int"]]',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "order": "up"}]}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("text", NOT_SCHEMAS)
def test_json_that_is_not_a_schema_raises_only_schema_error(text):
    with pytest.raises(SchemaError):
        parse_schema(text)


def test_a_deeply_nested_json_value_is_rejected_without_recursion_error():
    value: list = []
    for _ in range(10_000):
        value = [value]
    with pytest.raises(SchemaError, match="nested deeper"):
        parse_schema(value)


def test_ten_thousand_nested_records_are_rejected_without_recursion_error():
    text = '{"type":"record","name":"R","fields":[{"name":"f","type":' * 10_000
    text += '"int"}]}' * 10_000
    with pytest.raises(SchemaError):
        parse_schema(text)


def test_a_five_mib_schema_is_rejected_by_the_default_size_limit():
    fields = [{"name": f"field_{i}", "type": "string", "doc": "x" * 200} for i in range(25_000)]
    text = json.dumps(record(*fields))
    assert len(text) > 5 * 1024 * 1024
    with pytest.raises(SchemaError, match="1048576-byte limit"):
        parse_schema(text)
    with pytest.raises(SchemaError, match="1048576-byte limit"):
        parse_schema(record(*fields))


def test_the_size_limit_is_configurable():
    raw = record(*({"name": f"f{i}", "type": "string"} for i in range(100)))
    parse_schema(json.dumps(raw), max_bytes=10_000)
    with pytest.raises(SchemaError):
        parse_schema(json.dumps(raw), max_bytes=1_000)


@pytest.mark.parametrize("name", ["Ré", "名前", "Ä"])
def test_unicode_names_are_rejected_as_the_specification_requires(name):
    with pytest.raises(SchemaError) as excinfo:
        parse_schema(record(name=name))
    assert excinfo.value.path == "/name"


def test_unicode_docs_and_defaults_are_fine():
    parsed = parse_schema(record({"name": "a", "type": "string", "default": "é名", "doc": "ü"}))
    assert "é名" in parsed.normalized


def test_a_self_referencing_record_parses():
    parsed = parse_schema(
        record({"name": "value", "type": "int"}, {"name": "next", "type": ["null", "R"]})
    )
    assert parsed.canonical.endswith('["null","R"]}]}')


def test_a_name_used_before_it_is_defined_is_an_unknown_type():
    with pytest.raises(SchemaError, match="unknown type"):
        parse_schema(record({"name": "a", "type": "Later"}))


def test_a_name_without_dots_inherits_the_enclosing_namespace():
    inner = {"type": "enum", "name": "Color", "symbols": ["RED"]}
    parsed = parse_schema(
        record({"name": "a", "type": inner}, {"name": "b", "type": "Color"}, namespace="shop")
    )
    assert '"name":"shop.Color"' in parsed.canonical
    assert '"type":"shop.Color"' in parsed.canonical


def test_defaults_are_validated_against_their_types():
    good = [
        ("int", 1),
        ("long", 2**62),
        ("float", 1),
        ("double", 1.5),
        ("boolean", True),
        ("bytes", "\u00ff"),
        ("string", "x"),
        (["null", "string"], None),
        (["string", "null"], "x"),
        ({"type": "array", "items": "int"}, [1, 2]),
        ({"type": "map", "values": "long"}, {"a": 1}),
        ({"type": "fixed", "name": "F", "size": 2}, "ab"),
        ({"type": "enum", "name": "E", "symbols": ["A"]}, "A"),
    ]
    for type_, default in good:
        parse_schema(record({"name": "a", "type": type_, "default": default}))
    bad = [
        ("int", 2**31),
        ("int", 1.0),
        ("long", True),
        ("float", "1"),
        ("string", None),
        (["null", "string"], "x"),
        ({"type": "fixed", "name": "F", "size": 2}, "abc"),
        ({"type": "enum", "name": "E", "symbols": ["A"]}, "B"),
        ({"type": "map", "values": "long"}, {"a": "b"}),
    ]
    for type_, default in bad:
        with pytest.raises(SchemaError) as excinfo:
            parse_schema(record({"name": "a", "type": type_, "default": default}))
        assert excinfo.value.path == "/fields/0/default"


def test_a_parsed_schema_is_returned_unchanged_and_compares_by_fingerprint():
    parsed = parse_schema(record({"name": "a", "type": "int"}))
    assert parse_schema(parsed) is parsed
    assert parsed == parse_schema(json.dumps(record({"name": "a", "type": "int"})))
    assert len({parsed, parse_schema(record({"name": "a", "type": "int"}))}) == 1


def test_a_parsed_schema_survives_pickling_for_caches_and_task_queues():
    parsed = parse_schema(record({"name": "a", "type": "int"}))
    restored = pickle.loads(pickle.dumps(parsed))
    assert restored == parsed and restored.canonical == parsed.canonical
    wider = record({"name": "a", "type": "long"})
    assert check_compatibility(wider, [restored]).is_compatible
    assert not check_compatibility(restored, [wider]).is_compatible


def test_a_parse_sets_exactly_the_fields_a_parsed_schema_has():
    parsed = parse_schema(record({"name": "a", "type": "int"}))
    assert set(vars(parsed)) == {f.name for f in dataclasses.fields(ParsedSchema)}
    assert parsed.schema_type == "AVRO"
