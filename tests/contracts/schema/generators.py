"""Random Avro schemas, schema mutations and data, shared by the property and
differential tests and the benchmark. Deterministic for a given ``random.Random``."""

from __future__ import annotations

import copy
import random
from typing import Any

from contracts.schema import parse_schema
from contracts.schema.model import (
    ArrayNode,
    EnumNode,
    FixedNode,
    MapNode,
    Node,
    RecordNode,
    UnionNode,
)

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
NON_NULL_PRIMITIVES = PRIMITIVES[1:]
PROMOTIONS = {
    "int": ["long", "float", "double"],
    "long": ["float", "double"],
    "float": ["double"],
    "string": ["bytes"],
    "bytes": ["string"],
}


class SchemaGenerator:
    """Builds valid schemas; every named type gets a fresh name from a counter."""

    def __init__(self, rng: random.Random, namespace: str | None = None):
        self.rng = rng
        self.namespace = namespace
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def record(self, fields: int, depth: int = 2, recursive: bool = False) -> dict[str, Any]:
        name = self.fresh("Rec")
        result: dict[str, Any] = {"type": "record", "name": name, "fields": []}
        if self.namespace and self.rng.random() < 0.5:
            result["namespace"] = self.namespace
        for _ in range(fields):
            result["fields"].append(self.field(depth))
        if recursive:
            result["fields"].append({"name": "next", "type": ["null", name], "default": None})
        return result

    def field(self, depth: int) -> dict[str, Any]:
        type_ = self.type_(depth)
        field: dict[str, Any] = {"name": self.fresh("f"), "type": type_}
        default = default_for(type_)
        if default is not _NO_DEFAULT and self.rng.random() < 0.4:
            field["default"] = default
        if self.rng.random() < 0.1:
            field["doc"] = "generated"
        return field

    def type_(self, depth: int) -> Any:
        roll = self.rng.random()
        if roll < 0.45 or depth <= 0:
            return self.rng.choice(NON_NULL_PRIMITIVES)
        if roll < 0.53:
            return self.enum()
        if roll < 0.58:
            return {"type": "fixed", "name": self.fresh("Fix"), "size": self.rng.choice([4, 8, 16])}
        if roll < 0.66:
            return {"type": "array", "items": self.type_(depth - 1)}
        if roll < 0.72:
            return {"type": "map", "values": self.type_(depth - 1)}
        if roll < 0.84:
            inner = self.type_(depth - 1)
            if isinstance(inner, list):
                return inner
            return ["null", inner] if self.rng.random() < 0.7 else [inner, "null"]
        if roll < 0.90:
            return self.rng.sample(NON_NULL_PRIMITIVES, self.rng.randint(2, 4))
        return self.record(self.rng.randint(1, 4), depth - 1)

    def enum(self) -> dict[str, Any]:
        symbols = self.rng.sample(["A", "B", "C", "D", "E", "F"], self.rng.randint(1, 4))
        result: dict[str, Any] = {"type": "enum", "name": self.fresh("Enum"), "symbols": symbols}
        if self.rng.random() < 0.2:
            result["default"] = symbols[0]
        return result


class _NoDefault:
    pass


_NO_DEFAULT: Any = _NoDefault()


def default_for(type_: Any) -> Any:
    """A valid default for a generated type, or ``_NO_DEFAULT`` when it is awkward to build."""
    if isinstance(type_, list):
        return default_for(type_[0]) if type_ else _NO_DEFAULT
    if isinstance(type_, dict):
        kind = type_["type"]
        if kind == "enum":
            return type_["symbols"][0]
        if kind == "fixed":
            return "\u0000" * type_["size"]
        if kind == "array":
            return []
        if kind == "map":
            return {}
        return _NO_DEFAULT
    return {
        "null": None,
        "boolean": False,
        "int": 0,
        "long": 0,
        "float": 0.0,
        "double": 0.0,
        "bytes": "",
        "string": "",
    }.get(type_, _NO_DEFAULT)


def records_in(schema: Any) -> list[dict[str, Any]]:
    """Every record definition in a schema, outermost first."""
    found: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if node.get("type") == "record":
                found.append(node)
                stack.extend(reversed([f["type"] for f in node["fields"]]))
            elif node.get("type") == "array":
                stack.append(node["items"])
            elif node.get("type") == "map":
                stack.append(node["values"])
    return found


def definitions_in(schema: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            if node.get("type") == "record":
                stack.extend(f["type"] for f in node["fields"])
            elif node.get("type") == "array":
                stack.append(node["items"])
            elif node.get("type") == "map":
                stack.append(node["values"])
    return found


MUTATIONS = [
    "add_field_with_default",
    "add_field_without_default",
    "remove_field",
    "change_field_type",
    "promote_field",
    "demote_field",
    "rename_field",
    "rename_field_with_alias",
    "rename_record",
    "rename_record_with_alias",
    "enum_add_symbol",
    "enum_remove_symbol",
    "enum_add_default",
    "fixed_resize",
    "make_nullable",
    "drop_union_branch",
    "add_union_branch",
    "drop_default",
    "identity",
]


def mutate(gen: SchemaGenerator, schema: dict[str, Any], mutation: str) -> dict[str, Any]:
    """Return a mutated deep copy of ``schema`` (unchanged when the mutation does not apply)."""
    rng = gen.rng
    result = copy.deepcopy(schema)
    records = records_in(result)
    target = rng.choice(records)
    fields = target["fields"]
    plain = [f for f in fields if f["name"] != "next"]
    if mutation == "add_field_with_default":
        field = gen.field(1)
        field["default"] = default_for(field["type"])
        if field["default"] is _NO_DEFAULT:
            field["type"] = ["null", field["type"]]
            field["default"] = None
        fields.insert(rng.randint(0, len(fields)), field)
    elif mutation == "add_field_without_default":
        field = gen.field(1)
        field.pop("default", None)
        fields.insert(rng.randint(0, len(fields)), field)
    elif mutation == "remove_field" and plain:
        fields.remove(rng.choice(plain))
    elif mutation == "change_field_type" and plain:
        field = rng.choice(plain)
        field["type"] = gen.type_(1)
        field.pop("default", None)
    elif mutation in ("promote_field", "demote_field") and plain:
        candidates = [f for f in plain if isinstance(f["type"], str) and f["type"] in PROMOTIONS]
        if candidates:
            field = rng.choice(candidates)
            if mutation == "promote_field":
                field["type"] = rng.choice(PROMOTIONS[field["type"]])
            else:
                field["type"] = rng.choice([t for t in NON_NULL_PRIMITIVES if t != field["type"]])
            field.pop("default", None)
    elif mutation in ("rename_field", "rename_field_with_alias") and plain:
        field = rng.choice(plain)
        old = field["name"]
        field["name"] = gen.fresh("renamed")
        if mutation == "rename_field_with_alias":
            field["aliases"] = [old]
    elif mutation in ("rename_record", "rename_record_with_alias") and not _self_referencing(
        target
    ):
        old_fullname = _fullname(schema, target["name"])
        target["name"] = gen.fresh("Renamed")
        if mutation == "rename_record_with_alias":
            # Fully qualified on purpose: see the note on aliases in test_differential_avro.
            target["aliases"] = [old_fullname]
    elif mutation.startswith("enum_"):
        enums = definitions_in(result, "enum")
        if enums:
            enum = rng.choice(enums)
            symbols = enum["symbols"]
            if mutation == "enum_add_symbol":
                extra = [s for s in "ABCDEFGH" if s not in symbols]
                symbols.append(rng.choice(extra))
            elif mutation == "enum_remove_symbol" and len(symbols) > 1:
                removed = rng.choice(symbols)
                symbols.remove(removed)
                if enum.get("default") == removed:
                    enum["default"] = symbols[0]
                _drop_defaults_equal_to(result, removed)
            elif mutation == "enum_add_default":
                enum["default"] = rng.choice(symbols)
    elif mutation == "fixed_resize":
        fixeds = definitions_in(result, "fixed")
        if fixeds:
            fixed = rng.choice(fixeds)
            # Never below 1: a negative size is not a schema, and not a resize.
            fixed["size"] = max(1, fixed["size"] + rng.choice([-2, 1, 4]))
            _drop_fixed_defaults(result)
    elif mutation == "make_nullable" and plain:
        field = rng.choice(plain)
        if not isinstance(field["type"], list):
            field["type"] = ["null", field["type"]]
            field["default"] = None
    elif mutation in ("drop_union_branch", "add_union_branch"):
        unions = [f for f in plain if isinstance(f["type"], list)]
        if unions:
            field = rng.choice(unions)
            branches = field["type"]
            if mutation == "drop_union_branch" and len(branches) > 1:
                branches.pop(rng.randrange(len(branches)))
                field.pop("default", None)
            elif mutation == "add_union_branch":
                taken = {b for b in branches if isinstance(b, str)}
                extra = [t for t in PRIMITIVES if t not in taken]
                if extra:
                    branches.append(rng.choice(extra))
    elif mutation == "drop_default" and plain:
        rng.choice(plain).pop("default", None)
    return result


def _fullname(schema: dict[str, Any], name: str) -> str:
    # Nested records inherit the namespace, so ask the parser rather than re-deriving it.
    root = parse_schema(schema).root
    stack: list[Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, RecordNode):
            if node.name == name:
                return node.fullname
            stack.extend(f.type for f in node.fields)
        elif isinstance(node, UnionNode):
            stack.extend(node.branches)
        elif isinstance(node, ArrayNode):
            stack.append(node.items)
        elif isinstance(node, MapNode):
            stack.append(node.values)
    raise LookupError(name)


def _self_referencing(record: dict[str, Any]) -> bool:
    return any(f["name"] == "next" for f in record["fields"])


def _drop_defaults_equal_to(schema: Any, symbol: str) -> None:
    for record in records_in(schema):
        for field in record["fields"]:
            if field.get("default") == symbol:
                field.pop("default")


def _drop_fixed_defaults(schema: Any) -> None:
    for record in records_in(schema):
        for field in record["fields"]:
            if (
                "default" in field
                and isinstance(field["default"], str)
                and "\u0000" in field["default"]
            ):
                field.pop("default")


def datum_for(node: Node, rng: random.Random, depth: int = 0) -> Any:
    """A random value of a parsed schema node, in the shape fastavro writes."""
    if isinstance(node, RecordNode):
        return {f.name: datum_for(f.type, rng, depth + 1) for f in node.fields}
    if isinstance(node, EnumNode):
        return rng.choice(node.symbols)
    if isinstance(node, FixedNode):
        return bytes(rng.randrange(256) for _ in range(node.size))
    if isinstance(node, ArrayNode):
        return [datum_for(node.items, rng, depth + 1) for _ in range(rng.randint(1, 2))]
    if isinstance(node, MapNode):
        return {f"k{i}": datum_for(node.values, rng, depth + 1) for i in range(rng.randint(1, 2))}
    if isinstance(node, UnionNode):
        branches = list(node.branches)
        if depth > 4 and any(b.kind == "null" for b in branches):
            return None
        return datum_for(rng.choice(branches), rng, depth + 1)
    return {
        "null": lambda: None,
        "boolean": lambda: rng.random() < 0.5,
        "int": lambda: rng.randint(-(2**31), 2**31 - 1),
        "long": lambda: rng.randint(-(2**63), 2**63 - 1),
        "float": lambda: float(rng.randint(-1000, 1000)) / 4,
        "double": lambda: rng.random() * 1e6,
        # Valid UTF-8, because Avro lets a string reader read bytes written as UTF-8 text.
        "bytes": lambda: "".join(rng.choice("xyé") for _ in range(rng.randint(0, 4))).encode(),
        "string": lambda: "".join(rng.choice("abcé") for _ in range(rng.randint(0, 4))),
    }[node.kind]()
