"""Schema text decodes exactly as json.loads decodes it: the same value or the same error.

The engine decodes with orjson where that is known to give json.loads' result
and falls back to the standard library otherwise; these tests hold it to that.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.schema import SchemaError, parse_schema
from contracts.schema.parse import _LONG_NUMBER, _decode, _text_shape

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(),
    # Around the edges of 64 bits, where orjson and json.loads part ways.
    st.integers(min_value=2**62, max_value=2**66).map(lambda n: random.Random(n).choice([n, -n])),
    st.floats(allow_nan=True, allow_infinity=True),
)
strings = st.text(st.characters(codec="utf-8") | st.sampled_from('"\\/\b\f\n\r\t\u2028'))
json_values = st.recursive(
    st.none() | st.booleans() | numbers | strings,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(strings, children, max_size=4),
    max_leaves=20,
)


def outcome(decode: Any, text: str) -> tuple[str, str]:
    """What decoding gives, compared by repr: 1, 1.0, True and -0.0 all differ."""
    try:
        return ("value", repr(decode(text)))
    except ValueError as exc:
        return ("error", str(exc))


def ours(text: str) -> Any:
    return _decode(text, _LONG_NUMBER in _text_shape(text)[1])


def damaged(text: str, rng: random.Random) -> str:
    """``text`` with a character dropped, doubled or replaced somewhere."""
    if not text:
        return rng.choice(["", " ", "[", "NaN"])
    i = rng.randrange(len(text))
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice('{}[],:"\\0123456789eE.-+ \ufeffntfa') + text[i + 1 :]


@SETTINGS
@given(value=json_values, ensure_ascii=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_decoding_gives_json_loads_value(value, ensure_ascii, indent):
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert outcome(ours, text) == outcome(json.loads, text)


@SETTINGS
@given(value=json_values, seed=st.integers(0, 2**32))
def test_damaged_text_gives_json_loads_value_or_error(value, seed):
    rng = random.Random(seed)
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
    for _ in range(rng.randint(1, 3)):
        text = damaged(text, rng)
    assert outcome(ours, text) == outcome(json.loads, text)


@pytest.mark.parametrize(
    "text",
    [
        "[18446744073709551616]",
        "[-9223372036854775809]",
        '{"default": 123456789012345678901234567890}',
        "[1.7976931348623159e308]",
        "[NaN, Infinity, -Infinity]",
        '"\\ud800"',
        "\ufeff{}",
        " {} ",
        "[1,]",
        "{} {}",
    ],
)
def test_where_orjson_and_json_loads_part_ways_json_loads_wins(text):
    assert outcome(ours, text) == outcome(json.loads, text)


def test_a_long_default_beyond_64_bits_is_reported_as_the_integer_it_is():
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "n", "type": "long", "default": 2**64}],
    }
    with pytest.raises(SchemaError, match="18446744073709551616") as excinfo:
        parse_schema(json.dumps(schema))
    assert excinfo.value.path == "/fields/0/default"
