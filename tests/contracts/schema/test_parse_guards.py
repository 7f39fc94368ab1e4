"""Nesting checked before the validating walk, and inputs that once escaped as TypeError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.schema import SchemaError, parse_schema


def deep(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


def wide_record(**extra: Any) -> dict[str, Any]:
    """A record with more brackets than the depth limit, so its nesting is measured exactly."""
    fields: list[dict[str, Any]] = [
        {"name": f"f{i}", "type": ["null", "string"], "default": None} for i in range(70)
    ]
    fields[0].update(extra.pop("field", {}))
    return {"type": "record", "name": "R", "fields": fields, **extra}


@pytest.mark.parametrize(
    "schema",
    [
        wide_record(x=deep(200)),
        wide_record(doc=deep(129)),
        wide_record(field={"default": deep(129)}),
        wide_record(field={"custom": {"a": deep(140)}}),
        wide_record(field={"name": deep(150)}),
        wide_record(field={"aliases": deep(150)}),
        wide_record(field={"type": {"type": "string", "logicalType": deep(140)}}),
        wide_record(field={"type": {"type": "enum", "name": "E", "symbols": ["A", deep(140)]}}),
        wide_record(field={"type": {"type": "array", "items": "int", "x": deep(140)}}),
        wide_record(aliases=deep(129)),
        # Another problem comes first in the walk: nesting is still what is reported.
        {**wide_record(x=deep(200)), "name": "1bad"},
        {**wide_record(field={"name": "1bad"}), "y": deep(200)},
    ],
)
def test_excessive_nesting_anywhere_is_reported_first(schema):
    with pytest.raises(SchemaError, match="nested deeper than 128 levels") as excinfo:
        parse_schema(json.dumps(schema))
    assert excinfo.value.path == ""
    with pytest.raises(SchemaError, match="nested deeper than 128 levels"):
        parse_schema(schema)


def test_nesting_up_to_the_limit_is_accepted_in_custom_properties_and_defaults():
    schema = wide_record(x=deep(127), field={"custom": deep(125)})
    assert parse_schema(json.dumps(schema)).fingerprint == parse_schema(schema).fingerprint


@pytest.mark.parametrize(
    "text",
    [
        "[" * 129 + "]" * 129,
        '{"a":' * 128 + "[]" + "}" * 128,
        '["[[[", ' + "[" * 128 + '"]]"' + "]" * 128 + "]",
        '["\\"", ' + "[" * 129 + "]" * 129 + "]",
        '["\\\\", ' + "[" * 129 + "]" * 129 + "]",
    ],
    ids=["array", "object", "brackets-in-strings", "escaped-quote", "escaped-backslash"],
)
def test_the_nesting_of_text_is_measured_exactly(text):
    json.loads(text)
    with pytest.raises(SchemaError, match="nested deeper than 128 levels"):
        parse_schema(text)


@pytest.mark.parametrize(
    "doc",
    ["[" * 500, "{[" * 300 + "]}" * 300, '\\"' + "[" * 200, "\\\\" + "[" * 200, "é[" * 200],
    ids=["brackets", "pairs", "escaped-quote", "escaped-backslash", "non-ascii"],
)
def test_brackets_inside_strings_do_not_count_as_nesting(doc):
    text = json.dumps(wide_record(doc=doc, field={"doc": doc}))
    assert text.count("[") > 128
    assert parse_schema(text).raw["doc"] == json.loads(text)["doc"]


# Strings full of the characters the text measure must see through.
_TRICKY_TEXT = st.text(alphabet='[]{}"\\ aé', max_size=6)
_JSON_VALUES = st.recursive(
    st.none() | st.integers() | _TRICKY_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_TRICKY_TEXT, children, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(_JSON_VALUES, st.integers(min_value=0, max_value=6), st.booleans())
def test_too_deep_is_reported_exactly_when_text_nests_deeper_than_the_limit(value, limit, indent):
    text = json.dumps(value, indent=1 if indent else None, ensure_ascii=False)
    try:
        parse_schema(text, max_depth=limit)
    except SchemaError as exc:
        assert ("nested deeper" in exc.message) == (_depth(value) > limit)
    else:
        assert _depth(value) <= limit


def test_nested_records_at_the_limit():
    # Each nested record costs three JSON levels (record -> fields -> field).
    def nested(levels: int) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "record", "name": "R0", "fields": []}
        for i in range(1, levels):
            schema = {
                "type": "record",
                "name": f"R{i}",
                "fields": [{"name": "f", "type": schema}]
                + [{"name": f"g{j}", "type": "int"} for j in range(3)],
            }
        return schema

    parse_schema(json.dumps(nested(43)))
    with pytest.raises(SchemaError, match="nested deeper"):
        parse_schema(json.dumps(nested(44)))
    with pytest.raises(SchemaError, match="nested deeper"):
        parse_schema(json.dumps(nested(30)), max_depth=60)


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        (
            {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "order": []}]},
            "/fields/0/order",
        ),
        ({"type": "enum", "name": "E", "symbols": ["A"], "default": []}, "/default"),
        (
            {
                "type": "record",
                "name": "R",
                "fields": [
                    {
                        "name": "a",
                        "type": {"type": "enum", "name": "E", "symbols": ["A"]},
                        "default": {"x": 1},
                    }
                ],
            },
            "/fields/0/default",
        ),
        (
            {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "aliases": 0}]},
            "/fields/0/aliases",
        ),
    ],
)
def test_unhashable_or_mistyped_values_raise_schema_error_not_type_error(schema, path):
    with pytest.raises(SchemaError) as excinfo:
        parse_schema(json.dumps(schema))
    assert excinfo.value.path == path


def test_primitive_unions_are_shared_only_in_structure():
    parsed = parse_schema(
        {
            "type": "record",
            "name": "R",
            "fields": [
                {"name": "a", "type": ["null", "string"]},
                {"name": "b", "type": ["null", "string"]},
                {"name": "c", "type": ["string", "null"]},
            ],
        }
    )
    a, b, c = (field.type for field in parsed.root.fields)
    assert a is not b and a.pointer == "/fields/0/type" and b.pointer == "/fields/1/type"
    assert a.digest == b.digest != c.digest
    with pytest.raises(SchemaError, match="more than once"):
        parse_schema(["null", "string", "null"])
