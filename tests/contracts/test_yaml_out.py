"""The exports' YAML writer reads back, with PyYAML, as exactly the data it was given."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.yaml_out import dump

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(
        ["yes", "No", "on", "null", "~", "1.5", "0x1F", "2024-01-01", "#x", "a: b", "- x", "", " "]
    )
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), documents, max_size=6))
def test_any_document_reads_back_unchanged(document):
    assert yaml.safe_load(dump(document)) == document


@pytest.mark.parametrize(
    "value",
    ["line one\nline two\n", "line one\nline two", "a\n\nb\n", "trailing \nspace", "\u2028x\n"],
)
def test_multi_line_strings_read_back_unchanged(value):
    assert yaml.safe_load(dump({"text": value})) == {"text": value}


def test_multi_line_strings_are_literal_blocks():
    assert dump({"definition": "a: 1\nb: 2\n"}) == "definition: |\n  a: 1\n  b: 2\n"


def test_floats_keep_their_type():
    for value in (1e-05, 1e16, 99.9, 0.0, -2.5, math.inf, -math.inf):
        assert yaml.safe_load(dump({"v": value})) == {"v": value}


def test_other_types_are_refused():
    with pytest.raises(TypeError):
        dump({"when": object()})
