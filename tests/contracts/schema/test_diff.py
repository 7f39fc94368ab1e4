from __future__ import annotations

import json

import pytest

from contracts.schema import ChangeKind, SchemaError, diff_schemas, parse_schema


def record(*fields, name="R", **extra):
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def f(name, type_, **extra):
    return {"name": name, "type": type_, **extra}


def kinds(old, new):
    return [(c.kind, c.path) for c in diff_schemas(old, new)]


def test_identical_schemas_have_no_changes():
    schema = record(f("a", "int"), f("b", ["null", "string"], default=None))
    assert diff_schemas(schema, json.dumps(schema)) == []


def test_it_reports_added_and_removed_fields():
    changes = diff_schemas(
        record(f("a", "int"), f("gone", "string")), record(f("a", "int"), f("b", "long", default=0))
    )
    assert [(c.kind, c.path) for c in changes] == [
        (ChangeKind.FIELD_REMOVED, "gone"),
        (ChangeKind.FIELD_ADDED, "b"),
    ]
    assert changes[1].message == "field `b` (long) was added with the default 0"


def test_it_reports_a_type_change_with_old_and_new_types():
    [change] = diff_schemas(record(f("a", "int")), record(f("a", "string")))
    assert (change.kind, change.old, change.new) == (ChangeKind.TYPE_CHANGED, "int", "string")


def test_making_a_field_nullable_is_a_nullability_change_not_a_type_change():
    assert kinds(record(f("a", "int")), record(f("a", ["null", "int"], default=None))) == [
        (ChangeKind.NULLABILITY_CHANGED, "a"),
        (ChangeKind.DEFAULT_ADDED, "a"),
    ]


def test_it_reports_default_added_removed_and_changed():
    old = record(f("a", "int"), f("b", "int", default=1), f("c", "int", default=1))
    new = record(f("a", "int", default=0), f("b", "int"), f("c", "int", default=2))
    assert kinds(old, new) == [
        (ChangeKind.DEFAULT_ADDED, "a"),
        (ChangeKind.DEFAULT_REMOVED, "b"),
        (ChangeKind.DEFAULT_CHANGED, "c"),
    ]


def test_it_reports_doc_changes():
    changes = diff_schemas(record(f("a", "int", doc="old")), record(f("a", "int", doc="new")))
    assert [(c.kind, c.old, c.new) for c in changes] == [(ChangeKind.DOC_CHANGED, "old", "new")]


def test_it_reports_enum_symbols_added_and_removed():
    old = record(f("color", {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}))
    new = record(f("color", {"type": "enum", "name": "Color", "symbols": ["RED", "BLUE"]}))
    changes = diff_schemas(old, new)
    assert [(c.kind, c.path) for c in changes] == [
        (ChangeKind.ENUM_SYMBOLS_ADDED, "color"),
        (ChangeKind.ENUM_SYMBOLS_REMOVED, "color"),
    ]
    assert "BLUE" in changes[0].message and "GREEN" in changes[1].message


def test_it_reports_alias_changes_on_fields_and_named_types():
    old = record(f("a", "int"))
    new = record(f("a", "int", aliases=["alpha"]), aliases=["Old"])
    assert kinds(old, new) == [
        (ChangeKind.ALIASES_CHANGED, ""),
        (ChangeKind.ALIASES_CHANGED, "a"),
    ]


def test_a_rename_with_an_alias_is_matched_rather_than_removed_and_added():
    changes = diff_schemas(record(f("x", "int")), record(f("y", "int", aliases=["x"])))
    assert [(c.kind, c.old_name, c.new_name) for c in changes] == [
        (ChangeKind.ALIASES_CHANGED, "x", "y")
    ]


def test_changes_inside_nested_and_nullable_records_use_dotted_paths():
    address_v1 = record(f("city", "string"), name="Address")
    address_v2 = record(f("city", "long"), f("zip", "string", default=""), name="Address")
    old = record(f("customer", record(f("address", ["null", address_v1]), name="Customer")))
    new = record(f("customer", record(f("address", ["null", address_v2]), name="Customer")))
    assert kinds(old, new) == [
        (ChangeKind.TYPE_CHANGED, "customer.address.city"),
        (ChangeKind.FIELD_ADDED, "customer.address.zip"),
    ]


def test_changes_inside_array_item_records_are_reported():
    line_v1 = record(f("sku", "string"), name="Line")
    line_v2 = record(f("sku", "string"), f("qty", "int", default=1), name="Line")
    old = record(f("lines", {"type": "array", "items": line_v1}))
    new = record(f("lines", {"type": "array", "items": line_v2}))
    assert kinds(old, new) == [(ChangeKind.FIELD_ADDED, "lines.qty")]


def test_a_field_renamed_in_case_or_underscores_is_a_likely_rename_with_a_safe_suggestion():
    changes = diff_schemas(record(f("customer_id", "long")), record(f("customerId", "long")))
    assert [c.kind for c in changes] == [
        ChangeKind.FIELD_REMOVED,
        ChangeKind.FIELD_ADDED,
        ChangeKind.LIKELY_RENAME,
    ]
    rename = changes[2]
    assert (rename.old_name, rename.new_name, rename.path) == (
        "customer_id",
        "customerId",
        "customer_id",
    )
    assert "aliases" in rename.suggestion and ".v2" in rename.suggestion


def test_a_removed_and_an_added_field_of_the_same_type_at_the_same_place_is_a_likely_rename():
    old = record(f("a", "int"), f("email", "string"), f("z", "int"))
    new = record(f("a", "int"), f("mail", "string"), f("z", "int"))
    assert ChangeKind.LIKELY_RENAME in [c.kind for c in diff_schemas(old, new)]


def test_an_unrelated_removal_and_addition_is_not_a_rename():
    old = record(f("a", "int"), f("email", "string"))
    new = record(f("a", "int"), f("age", "int"), f("other", "string"))
    assert ChangeKind.LIKELY_RENAME not in [c.kind for c in diff_schemas(old, new)]


def test_a_recursive_schema_is_diffed_without_looping():
    old = record(f("v", "int"), f("next", ["null", "R"], default=None))
    new = record(f("v", "long"), f("next", ["null", "R"], default=None))
    assert kinds(old, new) == [(ChangeKind.TYPE_CHANGED, "v")]


def test_changes_are_json_serializable_and_parsed_schemas_are_accepted():
    changes = diff_schemas(parse_schema(record(f("a", "int"))), record(f("b", "int")))
    data = json.loads(json.dumps([c.as_dict() for c in changes]))
    assert data[-1]["kind"] == "LIKELY_RENAME"


def test_an_invalid_schema_raises_schema_error():
    with pytest.raises(SchemaError):
        diff_schemas(record(f("a", "int")), "{")
