"""Table tests written from the Avro specification's schema resolution rules."""

from __future__ import annotations

import dataclasses
import json

import pytest

from contracts.schema import (
    CompatibilityResult,
    Incompatibility,
    Rule,
    SchemaError,
    check_compatibility,
    parse_schema,
)
from contracts.schema.compatibility import _new_incompatibility, _new_result


def record(*fields, name="R", **extra):
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def f(name, type_, **extra):
    return {"name": name, "type": type_, **extra}


def enum(*symbols, name="E", **extra):
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


def fixed(size, name="F", **extra):
    return {"type": "fixed", "name": name, "size": size, **extra}


def array(items):
    return {"type": "array", "items": items}


def map_(values):
    return {"type": "map", "values": values}


def reading(reader, writer):
    """The problems a reader with ``reader`` has with data written with ``writer``."""
    return check_compatibility(
        json.dumps(reader), [json.dumps(writer)], "BACKWARD"
    ).incompatibilities


def rules(reader, writer):
    return [(i.rule, i.path) for i in reading(reader, writer)]


PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
PROMOTIONS = [
    ("int", "long"),
    ("int", "float"),
    ("int", "double"),
    ("long", "float"),
    ("long", "double"),
    ("float", "double"),
    ("string", "bytes"),
    ("bytes", "string"),
]


@pytest.mark.parametrize("type_", PRIMITIVES)
def test_a_primitive_reads_itself(type_):
    assert reading(type_, type_) == []


@pytest.mark.parametrize(("writer", "reader"), PROMOTIONS)
def test_a_writer_type_is_promoted_to_a_wider_reader_type(writer, reader):
    assert reading(reader, writer) == []


@pytest.mark.parametrize(
    ("writer", "reader"),
    [(w, r) for w in PRIMITIVES for r in PRIMITIVES if w != r and (w, r) not in PROMOTIONS],
)
def test_any_other_primitive_pair_is_a_type_mismatch(writer, reader):
    assert rules(reader, writer) == [(Rule.TYPE_MISMATCH, "")]


def test_a_promoted_field_inside_a_record_is_compatible():
    assert reading(record(f("a", "double")), record(f("a", "int"))) == []


def test_a_narrowed_field_reports_a_type_mismatch_at_the_field_type():
    problems = reading(
        record(f("id", "string"), f("n", "int")), record(f("id", "string"), f("n", "long"))
    )
    assert [(p.rule, p.path, p.field, p.reader_type, p.writer_type) for p in problems] == [
        (Rule.TYPE_MISMATCH, "/fields/1/type", "n", "int", "long")
    ]


def test_a_reader_field_without_default_missing_in_the_writer_is_incompatible():
    reader = record(f("a", "int"), f("customerId", "string"))
    problems = reading(reader, record(f("a", "int")))
    assert [(p.rule, p.path, p.field) for p in problems] == [
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/1", "customerId")
    ]


def test_a_reader_field_with_a_default_missing_in_the_writer_is_compatible():
    reader = record(f("a", "int"), f("customerId", ["null", "string"], default=None))
    assert reading(reader, record(f("a", "int"))) == []


def test_a_writer_field_the_reader_does_not_have_is_ignored():
    assert reading(record(f("a", "int")), record(f("a", "int"), f("b", "string"))) == []


def test_a_reader_field_alias_matches_a_renamed_writer_field():
    reader = record(f("customerId", "string", aliases=["customer_id"]))
    assert reading(reader, record(f("customer_id", "string"))) == []


def test_a_writer_field_alias_does_not_help_the_reader():
    reader = record(f("customerId", "string"))
    writer = record(f("customer_id", "string", aliases=["customerId"]))
    assert rules(reader, writer) == [(Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/0")]


def test_records_with_different_names_are_a_name_mismatch():
    assert rules(record(f("a", "int"), name="A"), record(f("a", "int"), name="B")) == [
        (Rule.NAME_MISMATCH, "/name")
    ]


def test_records_match_by_unqualified_name_across_namespaces():
    reader = record(f("a", "int"), name="one.R")
    assert reading(reader, record(f("a", "int"), name="two.R")) == []


def test_a_reader_alias_matches_the_writers_full_name():
    reader = record(f("a", "int"), name="New", namespace="ns", aliases=["Old"])
    assert reading(reader, record(f("a", "int"), name="ns.Old")) == []


def test_a_reader_alias_in_another_namespace_does_not_match():
    reader = record(f("a", "int"), name="New", namespace="ns", aliases=["Old"])
    assert rules(reader, record(f("a", "int"), name="other.Old")) == [(Rule.NAME_MISMATCH, "/name")]


def test_a_writer_enum_symbol_missing_in_the_reader_is_incompatible():
    problems = reading(enum("A", "B"), enum("A", "B", "C"))
    assert [(p.rule, p.path) for p in problems] == [(Rule.MISSING_ENUM_SYMBOLS, "/symbols")]
    assert "C" in problems[0].message


def test_a_reader_enum_default_covers_unknown_writer_symbols():
    assert reading(enum("A", "B", "UNKNOWN", default="UNKNOWN"), enum("A", "B", "C")) == []


def test_a_reader_enum_with_extra_symbols_reads_the_writer():
    assert reading(enum("A", "B", "C"), enum("A", "B")) == []


def test_enums_with_different_names_are_a_name_mismatch():
    assert rules(enum("A", name="X"), enum("A", name="Y")) == [(Rule.NAME_MISMATCH, "/name")]


def test_fixed_types_of_the_same_name_and_size_are_compatible():
    assert reading(fixed(16), fixed(16)) == []


def test_fixed_types_of_different_sizes_are_a_fixed_size_mismatch():
    assert rules(fixed(16), fixed(8)) == [(Rule.FIXED_SIZE_MISMATCH, "/size")]


def test_fixed_types_of_different_names_are_a_name_mismatch():
    assert rules(fixed(16, name="A"), fixed(16, name="B")) == [(Rule.NAME_MISMATCH, "/name")]


def test_a_fixed_and_a_bytes_are_a_type_mismatch():
    assert rules(fixed(4), "bytes") == [(Rule.TYPE_MISMATCH, "")]


def test_array_items_are_resolved_recursively():
    assert reading(array("long"), array("int")) == []
    assert rules(array("int"), array("long")) == [(Rule.TYPE_MISMATCH, "/items")]


def test_map_values_are_resolved_recursively():
    assert reading(map_("double"), map_("float")) == []
    assert rules(map_("float"), map_("double")) == [(Rule.TYPE_MISMATCH, "/values")]


def test_an_array_and_a_map_are_a_type_mismatch():
    assert rules(array("int"), map_("int")) == [(Rule.TYPE_MISMATCH, "")]


def test_a_non_union_reader_reads_a_writer_union_whose_branches_all_resolve():
    assert reading("long", ["int", "long"]) == []


def test_a_non_union_reader_fails_on_a_writer_union_branch_it_cannot_read():
    problems = reading(record(f("a", "string")), record(f("a", ["null", "string"])))
    assert [(p.rule, p.path, p.writer_type) for p in problems] == [
        (Rule.TYPE_MISMATCH, "/fields/0/type", "null")
    ]


def test_a_reader_union_reads_a_writer_type_one_of_its_branches_resolves():
    assert reading(["null", "long"], "int") == []
    assert reading(["null", "string"], "string") == []


def test_a_reader_union_without_a_branch_for_the_writer_type_is_missing_a_union_branch():
    assert rules(["null", "string"], "int") == [(Rule.MISSING_UNION_BRANCH, "")]


def test_two_unions_resolve_when_every_writer_branch_has_a_reader_branch():
    assert reading(["null", "string", "long"], ["int", "null"]) == []


def test_two_unions_are_incompatible_when_a_writer_branch_has_no_reader_branch():
    problems = reading(record(f("a", ["null", "int"])), record(f("a", ["null", "string"])))
    assert [(p.rule, p.path, p.writer_type) for p in problems] == [
        (Rule.MISSING_UNION_BRANCH, "/fields/0/type", "string")
    ]


def test_a_problem_inside_a_nullable_record_points_into_the_record():
    address_v1 = record(f("city", "string"), name="Address")
    address_v2 = record(f("city", "string"), f("zip", "string"), name="Address")
    reader = record(f("customer", record(f("address", ["null", address_v2]), name="Customer")))
    writer = record(f("customer", record(f("address", ["null", address_v1]), name="Customer")))
    problems = reading(reader, writer)
    assert [(p.rule, p.path, p.field) for p in problems] == [
        (
            Rule.READER_FIELD_MISSING_DEFAULT_VALUE,
            "/fields/0/type/fields/0/type/1/fields/1",
            "customer.address.zip",
        )
    ]


def linked_list(*extra_fields):
    return record(
        f("value", "int"),
        *extra_fields,
        f("next", ["null", "Node"], default=None),
        name="Node",
    )


def test_a_recursive_type_reads_itself():
    assert reading(linked_list(), linked_list()) == []


def test_a_recursive_type_may_gain_a_field_with_a_default():
    assert reading(linked_list(f("label", "string", default="")), linked_list()) == []


def test_a_recursive_type_gaining_a_field_without_default_is_incompatible():
    problems = reading(linked_list(f("label", "string")), linked_list())
    assert [(p.rule, p.path) for p in problems] == [
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "/fields/1")
    ]


def test_mutually_recursive_types_are_checked_without_infinite_recursion():
    tree = record(
        f("children", array(record(f("parent", ["null", "Tree"], default=None), name="Edge"))),
        name="Tree",
    )
    assert reading(tree, tree) == []


def test_a_logical_type_is_an_annotation_of_its_underlying_type():
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
    assert reading(decimal, "bytes") == []
    assert reading("long", {"type": "int", "logicalType": "date"}) == []


OLD = record(f("a", "int"))
ADDED_REQUIRED = record(f("a", "int"), f("b", "string"))
REMOVED_REQUIRED = record()


def test_backward_means_the_new_schema_reads_the_old():
    result = check_compatibility(ADDED_REQUIRED, [OLD], "BACKWARD")
    assert not result.is_compatible
    assert check_compatibility(REMOVED_REQUIRED, [OLD], "BACKWARD").is_compatible


def test_forward_means_the_old_schema_reads_the_new():
    assert check_compatibility(ADDED_REQUIRED, [OLD], "FORWARD").is_compatible
    result = check_compatibility(REMOVED_REQUIRED, [OLD], "FORWARD")
    assert [(i.rule, i.direction, i.path) for i in result.incompatibilities] == [
        (Rule.READER_FIELD_MISSING_DEFAULT_VALUE, "FORWARD", "/fields/0")
    ]


def test_full_means_both_directions():
    assert not check_compatibility(ADDED_REQUIRED, [OLD], "FULL").is_compatible
    assert not check_compatibility(REMOVED_REQUIRED, [OLD], "FULL").is_compatible
    optional = record(f("a", "int"), f("b", ["null", "string"], default=None))
    assert check_compatibility(optional, [OLD], "FULL").is_compatible


def test_non_transitive_levels_compare_with_the_last_version_only():
    versions = [OLD, ADDED_REQUIRED]
    assert check_compatibility(ADDED_REQUIRED, versions, "BACKWARD").is_compatible
    result = check_compatibility(ADDED_REQUIRED, versions, "BACKWARD_TRANSITIVE")
    assert [i.old_version_index for i in result.incompatibilities] == [0]


@pytest.mark.parametrize(
    ("level", "compatible"),
    [
        ("BACKWARD", True),
        ("BACKWARD_TRANSITIVE", False),
        ("FORWARD", True),
        ("FORWARD_TRANSITIVE", True),
        ("FULL", True),
        ("FULL_TRANSITIVE", False),
        ("NONE", True),
    ],
)
def test_each_level_compares_the_right_versions_in_the_right_directions(level, compatible):
    versions = [OLD, ADDED_REQUIRED]
    assert check_compatibility(ADDED_REQUIRED, versions, level).is_compatible is compatible


def test_there_is_nothing_to_be_incompatible_with_without_existing_versions():
    assert check_compatibility(OLD, [], "FULL_TRANSITIVE").is_compatible


def test_the_level_is_case_insensitive_and_unknown_levels_are_rejected():
    assert check_compatibility(OLD, [OLD], "backward").is_compatible
    with pytest.raises(ValueError):
        check_compatibility(OLD, [OLD], "SIDEWAYS")


def test_the_message_names_the_field_the_version_and_the_direction():
    [problem] = check_compatibility(ADDED_REQUIRED, [OLD, OLD, OLD], "BACKWARD").incompatibilities
    assert problem.old_version_index == 2
    assert problem.message == (
        "field `b` has no default in the new schema and is missing in version 3, "
        "so the new schema cannot read events written with version 3 (BACKWARD)"
    )


def test_version_labels_name_the_versions_in_messages():
    result = check_compatibility(ADDED_REQUIRED, [OLD], "BACKWARD", version_labels=[7])
    assert "version 7" in result.incompatibilities[0].message


def test_results_are_json_serializable():
    result = check_compatibility(ADDED_REQUIRED, [OLD], "FULL")
    data = json.loads(json.dumps(result.as_dict()))
    assert data["is_compatible"] is False
    assert data["incompatibilities"][0]["rule"] == "READER_FIELD_MISSING_DEFAULT_VALUE"


def test_parsed_schemas_are_accepted_as_well_as_text():
    assert check_compatibility(parse_schema(OLD), [json.dumps(OLD)]).is_compatible


def test_an_invalid_existing_schema_raises_schema_error_naming_it():
    with pytest.raises(SchemaError, match="existing schema 1"):
        check_compatibility(OLD, [OLD, {"type": "record"}])


def test_a_version_given_as_the_new_schemas_very_text_is_parsed_once_and_reads_itself():
    text = json.dumps(record(f("a", "int"), f("e", enum("X", "Y")), f("r", ["null", "R"])))
    for level in ("FULL_TRANSITIVE", "BACKWARD"):
        result = check_compatibility(text, [json.dumps(OLD), text, text], level)
        expected = check_compatibility(parse_schema(text), [OLD, text, text], level)
        assert result.as_dict() == expected.as_dict()
    assert check_compatibility(text, [text], "FULL").is_compatible
    # An invalid text is still an error, reported for the new schema.
    with pytest.raises(SchemaError, match="needs a .name.") as excinfo:
        check_compatibility('{"type": "record"}', ['{"type": "record"}'])
    assert "existing schema" not in excinfo.value.message


def test_results_are_made_exactly_as_their_dataclasses_make_them():
    result = check_compatibility(
        record({"name": "a", "type": "int"}), [record({"name": "a", "type": "long"})]
    )
    [problem] = result.incompatibilities
    values = [getattr(problem, f.name) for f in dataclasses.fields(Incompatibility)]
    assert problem == Incompatibility(*values) == _new_incompatibility(*values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.message = "changed"
    assert result == CompatibilityResult(result.level, result.incompatibilities)
    assert _new_result(result.level, []) == CompatibilityResult(result.level, [])
