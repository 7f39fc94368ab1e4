"""Parsing with a reference schema gives exactly what parsing alone gives."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from contracts.schema import (
    ParsedSchema,
    SchemaError,
    check_compatibility,
    field_paths,
    parse_schema,
)
from tests.contracts.schema.generators import MUTATIONS, SchemaGenerator, mutate


def record(*fields: dict[str, Any], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def outcome(schema: Any, reference: ParsedSchema | None) -> Any:
    """Everything observable about a parse, or its error."""
    try:
        parsed = parse_schema(json.dumps(schema), reference=reference)
    except SchemaError as exc:
        return ("error", exc.message, exc.path)
    return (
        parsed.canonical,
        parsed.fingerprint,
        [info.as_dict() for info in field_paths(parsed)],
        [(fullname, node.pointer) for fullname, node in parsed.names.items()],
    )


def shared_fields(schema: Any, reference: ParsedSchema) -> int:
    """How many of the reference's top-level field nodes the parse of ``schema`` took over."""
    parsed = parse_schema(json.dumps(schema), reference=reference)
    theirs = {id(field) for field in getattr(reference.root, "fields", [])}
    return sum(id(field) in theirs for field in getattr(parsed.root, "fields", []))


def test_a_generated_corpus_parses_the_same_with_and_without_a_reference():
    rng = random.Random(20261130)
    shared = 0
    for _ in range(400):
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        writer = gen.record(rng.randint(2, 8), depth=2, recursive=rng.random() < 0.15)
        reader = mutate(gen, writer, rng.choice(MUTATIONS))
        for schema, other in ((reader, writer), (writer, reader)):
            reference = parse_schema(json.dumps(other))
            assert outcome(schema, reference) == outcome(schema, None)
            # A parse that took fields over serves as a reference in turn.
            chained = parse_schema(json.dumps(other), reference=parse_schema(json.dumps(schema)))
            assert outcome(schema, chained) == outcome(schema, None)
            expected = check_compatibility(parse_schema(schema), [reference], "FULL").as_dict()
            assert (
                check_compatibility(json.dumps(schema), [reference], "FULL").as_dict() == expected
            )
            assert (
                check_compatibility(json.dumps(schema), [json.dumps(other)], "FULL").as_dict()
                == expected
            )
            shared += shared_fields(schema, reference)
    # The corpus must actually take fields over.
    assert shared > 1000


A = {"name": "a", "type": "int"}
ADDRESS = {
    "name": "address",
    "type": record({"name": "city", "type": "string"}, name="Address"),
}


@pytest.mark.parametrize(
    ("reference", "schema"),
    [
        # Python's == takes 1, 1.0 and true for equal; JSON does not.
        (
            record({"name": "n", "type": "int", "default": 1}),
            record({"name": "n", "type": "int", "default": True}),
        ),
        (
            record({"name": "n", "type": "float", "default": 1}),
            record({"name": "n", "type": "float", "default": 1.0}),
        ),
        (
            record({"name": "n", "type": {"type": "fixed", "name": "F", "size": 4}}),
            record({"name": "n", "type": {"type": "fixed", "name": "F", "size": 4.0}}),
        ),
        (
            record(
                {
                    "name": "n",
                    "type": record({"name": "x", "type": "int", "default": 0}, name="In"),
                }
            ),
            record(
                {
                    "name": "n",
                    "type": record({"name": "x", "type": "int", "default": False}, name="In"),
                }
            ),
        ),
        # A field referring to a type defined elsewhere means what that type is.
        (
            record(ADDRESS, {"name": "b", "type": "Address"}),
            record(
                {
                    "name": "address",
                    "type": record({"name": "zip", "type": "int"}, name="Address"),
                },
                {"name": "b", "type": "Address"},
            ),
        ),
        (
            record(ADDRESS, {"name": "b", "type": "Address"}),
            record(A, {"name": "b", "type": "Address"}),
        ),
        # A recursive reference to the record itself.
        (
            record({"name": "next", "type": ["null", "R"], "default": None}),
            record({"name": "next", "type": ["null", "R"], "default": None}, name="S"),
        ),
        # Names defined twice, field names repeated, another namespace.
        (record(A, ADDRESS), record(ADDRESS, ADDRESS)),
        (record(A, ADDRESS), record({"name": "z", "type": record(A, name="Address")}, ADDRESS)),
        (record(A, ADDRESS), record(A, A)),
        (record(A, ADDRESS), record({"name": "address", "type": "int"}, ADDRESS)),
        (record(A, ADDRESS), record(A, ADDRESS, namespace="other")),
        (record(A, ADDRESS), {"type": "array", "items": record(A, ADDRESS)}),
        ({"type": "array", "items": "int"}, record(A, ADDRESS)),
    ],
)
def test_what_equal_json_cannot_vouch_for_is_parsed_again(reference, schema):
    assert outcome(schema, parse_schema(reference)) == outcome(schema, None)


def test_equal_top_level_fields_share_their_nodes():
    old = parse_schema(
        json.dumps(record(A, ADDRESS, {"name": "d", "type": "double", "default": 5}))
    )
    new = record(
        A, ADDRESS, {"name": "d", "type": "double", "default": 5}, {"name": "e", "type": "string"}
    )
    assert shared_fields(new, old) == 3
    parsed = parse_schema(json.dumps(new), reference=old)
    assert parsed.names["Address"] is old.names["Address"]
    # Equal to Python, not to JSON: compared type-exactly, so built again.
    assert (
        shared_fields(record(A, ADDRESS, {"name": "d", "type": "double", "default": 5.0}), old) == 2
    )


def test_a_field_taken_over_is_still_compared_type_exactly_when_it_serves_as_a_reference():
    one = json.dumps(record({"name": "n", "type": "int", "default": 1}))
    chained = parse_schema(one, reference=parse_schema(one))
    true_default = record({"name": "n", "type": "int", "default": True})
    assert outcome(true_default, chained) == outcome(true_default, None)
    assert outcome(true_default, None)[0] == "error"


def test_several_changes_leave_several_runs_that_parse_the_same_as_without_a_reference():
    rng = random.Random(20261201)
    shared = 0
    for _ in range(300):
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        writer = gen.record(rng.randint(4, 12), depth=2, recursive=rng.random() < 0.15)
        reader = writer
        for _ in range(rng.randint(2, 4)):
            reader = mutate(gen, reader, rng.choice(MUTATIONS))
        # A copy of a later field moved first, so runs after a change can clash with it.
        fields = reader["fields"]
        if rng.random() < 0.2 and len(fields) > 2:
            reader = {**reader, "fields": [fields[-1], *fields[:-1]]}
        for schema, other in ((reader, writer), (writer, reader)):
            reference = parse_schema(json.dumps(other))
            assert outcome(schema, reference) == outcome(schema, None)
            expected = check_compatibility(parse_schema(schema), [reference], "FULL").as_dict()
            assert (
                check_compatibility(json.dumps(schema), [json.dumps(other)], "FULL").as_dict()
                == expected
            )
            shared += shared_fields(schema, reference)
    assert shared > 1000


def test_a_run_after_a_changed_field_that_clashes_with_it_is_reported_where_it_clashes():
    b = {"name": "b", "type": "string"}
    reference = parse_schema(json.dumps(record(A, b, ADDRESS)))
    for schema in (
        record({"name": "address", "type": "long"}, b, ADDRESS),
        record({"name": "x", "type": record(A, name="Address")}, b, ADDRESS),
        record(A, {"name": "a", "type": "long"}, ADDRESS),
    ):
        assert outcome(schema, reference) == outcome(schema, None)
        assert outcome(schema, None)[0] == "error"
