"""Checking two versions given as JSON (parse_pair) gives exactly what parsing each does."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from contracts.schema import ParsedSchema, SchemaError, check_compatibility, parse_schema
from contracts.schema.parse import parse_pair
from tests.contracts.schema.generators import MUTATIONS, SchemaGenerator, mutate, records_in

LEVELS = ("BACKWARD", "FORWARD", "FULL")


def record(*fields: dict[str, Any], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def slow(new: str, old: str, level: str) -> Any:
    """The check with each version parsed on its own, as before parse_pair."""
    try:
        new_parsed = parse_schema(new)
    except SchemaError as exc:
        return ("error", exc.message, exc.path)
    try:
        old_parsed = parse_schema(old, reference=new_parsed)
    except SchemaError as exc:
        return ("error", f"existing schema 0: {exc.message}", exc.path)
    return check_compatibility(new_parsed, [old_parsed], level).as_dict()


def fast(new: str, old: str, level: str) -> Any:
    try:
        return check_compatibility(new, [old], level).as_dict()
    except SchemaError as exc:
        return ("error", exc.message, exc.path)


def left_out(new: str, old: str) -> int:
    """How many top-level fields parse_pair validated without building them."""
    pair = parse_pair(new, old)
    if pair is None:
        return 0
    return len(json.loads(new)["fields"]) - len(pair[0].root.fields)  # type: ignore[attr-defined]


def corrupt(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``schema`` with one mistake somewhere in one of its records."""
    schema = copy.deepcopy(schema)
    target = rng.choice([r for r in records_in(schema) if r["fields"]])
    fields = target["fields"]
    field = rng.choice(fields)
    mistake = rng.randrange(9)
    if mistake == 0:
        field["name"] = "1bad"
    elif mistake == 1:
        fields.append(copy.deepcopy(field))
    elif mistake == 2:
        field["type"] = "int"
        field["default"] = rng.choice(["x", 1.5, True, 2**40])
    elif mistake == 3:
        field["type"] = "NoSuchType"
    elif mistake == 4:
        field["type"] = ["null", ["int", "string"]]
    elif mistake == 5:
        field["type"] = {"type": "enum", "name": "Dup", "symbols": ["A", "A"]}
    elif mistake == 6:
        field["type"] = ["null", "string"]
        field["default"] = "x"
    elif mistake == 7:
        field["type"] = {"type": "record", "name": target["name"].split(".")[-1], "fields": []}
    else:
        # Only fastavro rejects it.
        field["type"] = {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 9}
    return schema


def test_generated_pairs_check_the_same_as_parsing_each_version():
    rng = random.Random(20261130)
    left = 0
    for _ in range(400):
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        writer = gen.record(rng.randint(2, 10), depth=2, recursive=rng.random() < 0.15)
        reader = writer
        for _ in range(rng.randint(1, 3)):
            reader = mutate(gen, reader, rng.choice(MUTATIONS))
        for new, old in ((reader, writer), (writer, reader), (writer, writer)):
            new_text, old_text = json.dumps(new), json.dumps(old)
            for level in LEVELS:
                assert fast(new_text, old_text, level) == slow(new_text, old_text, level)
            left += left_out(new_text, old_text)
    # The corpus must actually leave fields out.
    assert left > 1500


def test_a_mistake_in_either_version_is_reported_exactly_as_before():
    rng = random.Random(20261201)
    errors = 0
    for _ in range(300):
        gen = SchemaGenerator(rng, namespace=rng.choice([None, "com.example"]))
        writer = gen.record(rng.randint(2, 8), depth=2)
        reader = mutate(gen, writer, rng.choice(MUTATIONS))
        if rng.random() < 0.5:
            reader = corrupt(reader, rng)
        else:
            writer = corrupt(writer, rng)
        new_text, old_text = json.dumps(reader), json.dumps(writer)
        outcome = slow(new_text, old_text, "FULL")
        assert fast(new_text, old_text, "FULL") == outcome
        errors += outcome[0] == "error"
    assert errors > 200


A = {"name": "a", "type": "int"}


def decimal_field(precision: Any) -> dict[str, Any]:
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": precision}
    return {"name": "d", "type": decimal}


# A mistake the builder leaves to fastavro.
BAD_DECIMAL = decimal_field(-1)
ADDRESS = {"name": "address", "type": record({"name": "city", "type": "string"}, name="Address")}


@pytest.mark.parametrize(
    ("new", "old"),
    [
        # A changed field with an alias could find a field left out.
        (record(A, {"name": "c", "type": "int", "aliases": ["a"]}), record(A, ADDRESS)),
        # Defined again, or named again, by a changed field: an error either way.
        (record(ADDRESS, {"name": "z", "type": record(name="Address")}), record(ADDRESS, A)),
        (record(A, {"name": "a", "type": "long"}), record(A, ADDRESS)),
        (record(A, ADDRESS), record({"name": "address", "type": "long"}, ADDRESS)),
        # Equal to Python but not to JSON.
        (
            record({"name": "n", "type": "int", "default": 1}, A),
            record({"name": "n", "type": "int", "default": True}, ADDRESS),
        ),
        (
            record({"name": "n", "type": "double", "default": 0.0}, A),
            record({"name": "n", "type": "double", "default": -0.0}, ADDRESS),
        ),
    ],
)
def test_what_the_pair_cannot_vouch_for_is_parsed_the_ordinary_way(new, old):
    new_text, old_text = json.dumps(new), json.dumps(old)
    assert parse_pair(new_text, old_text) is None
    for level in LEVELS:
        assert fast(new_text, old_text, level) == slow(new_text, old_text, level)


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (record(ADDRESS, A, {"name": "b", "type": "Address"}), record(ADDRESS, A)),
        (record(ADDRESS, A), record(ADDRESS, A, {"name": "b", "type": ["null", "Address"]})),
        # An unchanged field the cheap validation does not cover refers to one.
        (
            record(ADDRESS, {"name": "b", "type": "Address", "order": "ignore"}, A),
            record(ADDRESS, {"name": "b", "type": "Address", "order": "ignore"}),
        ),
    ],
)
def test_a_field_of_a_type_defined_in_an_unchanged_one_parses_both_the_ordinary_way(new, old):
    new_text, old_text = json.dumps(new), json.dumps(old)
    pair = parse_pair(new_text, old_text)
    # Decoded once, but every field built.
    assert pair is not None
    assert len(pair[0].root.fields) == len(new["fields"])
    for level in LEVELS:
        assert fast(new_text, old_text, level) == slow(new_text, old_text, level)


def test_fields_equal_in_both_versions_are_validated_once_and_built_in_neither():
    old = record(A, ADDRESS, {"name": "e", "type": ["null", "string"], "default": None})
    new = record(*old["fields"], {"name": "x", "type": "long"})
    pair = parse_pair(json.dumps(new), json.dumps(old))
    assert pair is not None
    new_parsed, old_parsed = pair
    assert [f.name for f in new_parsed.root.fields] == ["x"]
    assert old_parsed.root.fields == []
    result = check_compatibility(json.dumps(new), [json.dumps(old)], "FULL")
    [problem] = result.incompatibilities
    assert (problem.path, problem.direction) == ("/fields/3", "BACKWARD")


def test_unchanged_fields_referring_to_a_type_defined_in_an_earlier_one_are_left_out():
    old = record(
        ADDRESS,
        {"name": "billing", "type": ["null", "Address"], "default": None},
        {"name": "lines", "type": {"type": "array", "items": "Address"}},
        A,
    )
    new = record(*old["fields"][:3], {"name": "a", "type": "long"})
    new_text, old_text = json.dumps(new), json.dumps(old)
    pair = parse_pair(new_text, old_text)
    assert pair is not None
    assert [f.name for f in pair[0].root.fields] == ["a"]
    for level in LEVELS:
        assert fast(new_text, old_text, level) == slow(new_text, old_text, level)


def test_the_same_text_twice_is_parsed_once():
    text = json.dumps(record(A, ADDRESS))
    pair = parse_pair(text, text)
    assert pair is not None and pair[0] is pair[1]
    assert isinstance(pair[0], ParsedSchema)
    assert check_compatibility(text, [text], "FULL").is_compatible


@pytest.mark.parametrize(
    ("new", "old", "message"),
    [
        # In the field that changed, in either version.
        (record(A, ADDRESS), record(A, BAD_DECIMAL), "existing schema 0: fastavro rejected"),
        (record(A, BAD_DECIMAL), record(A, ADDRESS), "fastavro rejected"),
        # In a field both versions share.
        (record(BAD_DECIMAL, A), record(BAD_DECIMAL, ADDRESS), "fastavro rejected"),
        # In a field equal to Python in both (4 == 4.0), which only fastavro tells apart.
        (
            record(decimal_field(4), A),
            record(decimal_field(4.0), ADDRESS),
            "existing schema 0: fastavro rejected",
        ),
    ],
)
def test_what_only_fastavro_rejects_is_rejected_in_either_version(new, old, message):
    new_text, old_text = json.dumps(new), json.dumps(old)
    outcome = fast(new_text, old_text, "FULL")
    assert outcome == slow(new_text, old_text, "FULL")
    assert outcome[0] == "error" and outcome[1].startswith(message)
