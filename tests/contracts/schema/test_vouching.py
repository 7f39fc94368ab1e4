"""What parse_pair validates without building it, fastavro would accept.

parse_pair leaves the top-level fields two versions share out of fastavro's
sight: its own cheap validation vouches for them. That is only sound if the
cheap validation never accepts what fastavro rejects, so these tests throw
fields at it from a grammar rich in the constructs where the two differ
(decimal logical types, references written as objects, unusual defaults,
names, symbols) and check fastavro's verdict on every schema parse_pair
accepted.
"""

from __future__ import annotations

import json
import random
from typing import Any

import fastavro
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.schema.parse import parse_pair

NAMES = ["a", "b", "c", "_x", "Status", "int", "1bad", "a.b", "", "é", 7]
PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
DEFAULTS: list[Any] = [
    None,
    0,
    1,
    -1,
    2**31,
    2**63,
    1.5,
    -0.0,
    True,
    False,
    "",
    "x",
    "\u00ff",
    "\u0394",
    [],
    [1],
    {},
    {"a": 1},
    "A",
    "B",
]


class FieldGrammar:
    """Random fields, valid or not, biased towards what fastavro checks."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.defined: list[str] = []
        self.counter = 0

    def name(self) -> Any:
        rng = self.rng
        if rng.random() < 0.95:
            self.counter += 1
            return f"n{self.counter}"
        return rng.choice(NAMES)

    def field(self, depth: int) -> dict[str, Any]:
        rng = self.rng
        field: dict[str, Any] = {"name": self.name(), "type": self.type_(depth)}
        if rng.random() < 0.2:
            field["default"] = rng.choice(DEFAULTS)
        if rng.random() < 0.05:
            field[rng.choice(["doc", "aliases", "order", "x-custom"])] = rng.choice(
                ["text", ["a"], "ascending", 1]
            )
        return field

    def type_(self, depth: int) -> Any:
        rng = self.rng
        choice = rng.randrange(12 if depth > 0 else 6)
        if choice == 0 or choice == 1:
            return rng.choice(PRIMITIVES)
        if choice == 2:
            return self.logical()
        if choice == 3:
            # A reference: to a type defined before, or to nothing.
            target = rng.choice(self.defined) if self.defined else "Nowhere"
            return {"type": target} if rng.random() < 0.5 else target
        if choice == 4:
            return self.enum()
        if choice == 5:
            branches = rng.sample(PRIMITIVES, rng.randint(1, 3))
            if rng.random() < 0.2:
                branches.append(rng.choice(branches))
            return branches
        if choice == 6:
            return ["null", self.type_(depth - 1)]
        if choice == 7 or choice == 8:
            key = "items" if choice == 7 else "values"
            container: dict[str, Any] = {"type": "array" if choice == 7 else "map"}
            if rng.random() < 0.95:
                container[key] = self.type_(depth - 1)
            if rng.random() < 0.2:
                container.update(self.decimal_properties())
            return container
        record: dict[str, Any] = {
            "type": rng.choice(["record", "record", "error"]),
            "name": self.name(),
            "fields": [self.field(depth - 1) for _ in range(rng.randint(0, 3))],
        }
        if rng.random() < 0.1:
            record.update(self.decimal_properties())
        self.defined.append(str(record["name"]))
        return record

    def logical(self) -> dict[str, Any]:
        rng = self.rng
        base = rng.choice(["bytes", "int", "long", "string"])
        if rng.random() < 0.6:
            return {"type": base, **self.decimal_properties()}
        return {"type": base, "logicalType": rng.choice(["date", "timestamp-millis", "uuid"])}

    def decimal_properties(self) -> dict[str, Any]:
        rng = self.rng
        properties: dict[str, Any] = {"logicalType": "decimal"}
        for key in ("precision", "scale"):
            if rng.random() < 0.7:
                properties[key] = rng.choice([-1, 0, 1, 4, 10, "4", 2.5])
        return properties

    def enum(self) -> dict[str, Any]:
        rng = self.rng
        symbols: list[Any] = rng.sample(["A", "B", "C"], rng.randint(1, 3))
        if rng.random() < 0.1:
            symbols.append(rng.choice(["A", "1X", "", 3]))
        enum: dict[str, Any] = {"type": "enum", "name": self.name(), "symbols": symbols}
        if rng.random() < 0.3:
            enum["default"] = rng.choice(["A", "B", "Z", 1])
        if rng.random() < 0.1:
            enum.update(self.decimal_properties())
        self.defined.append(str(enum["name"]))
        return enum


def fastavro_accepts(schema: dict[str, Any]) -> bool:
    try:
        fastavro.parse_schema(schema, _write_hint=False)
    except Exception:  # noqa: BLE001 - any failure is a rejection
        return False
    return True


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_what_parse_pair_accepts_fastavro_accepts_whole(seed):
    rng = random.Random(seed)
    grammar = FieldGrammar(rng)
    shared = [grammar.field(depth=2) for _ in range(rng.randint(1, 5))]
    old = {"type": "record", "name": "Root", "fields": shared}
    new = {"type": "record", "name": "Root", "fields": [*shared, grammar.field(depth=1)]}
    pair = parse_pair(json.dumps(new), json.dumps(old))
    if pair is not None:
        assert fastavro_accepts(new) and fastavro_accepts(old)


def test_the_grammar_reaches_both_verdicts_and_leaves_fields_out():
    """The property above must not hold vacuously: over the same kind of
    corpus, parse_pair accepts pairs with fields left out, and fastavro
    rejects shared fields that parse_pair therefore does not leave out."""
    accepted = left_out = fastavro_rejects = 0
    for seed in range(600):
        rng = random.Random(seed)
        grammar = FieldGrammar(rng)
        shared = [grammar.field(depth=2) for _ in range(rng.randint(1, 5))]
        old = {"type": "record", "name": "Root", "fields": shared}
        new = {"type": "record", "name": "Root", "fields": [*shared, grammar.field(depth=1)]}
        pair = parse_pair(json.dumps(new), json.dumps(old))
        fastavro_rejects += not fastavro_accepts(old)
        if pair is not None:
            accepted += 1
            left_out += len(shared) - len(pair[1].root.fields)
    assert accepted > 50
    assert left_out > 50
    assert fastavro_rejects > 100
