"""Parsing and validating Avro schemas into :class:`ParsedSchema`."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import fastavro

from contracts.schema.errors import SchemaError
from contracts.schema.model import (
    PRIMITIVE_TYPES,
    ArrayNode,
    EnumNode,
    FieldNode,
    FixedNode,
    MapNode,
    NamedNode,
    Node,
    PrimitiveNode,
    RecordNode,
    UnionNode,
    type_label,
)

DEFAULT_MAX_BYTES = 1_048_576
# JSON nesting, not type nesting: a nested record costs three levels
# (record -> fields -> field). 128 leaves room for ~40 nested records while
# keeping every recursive walk (ours and fastavro's) far from Python's limit.
DEFAULT_MAX_DEPTH = 128

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_FIELD_ORDERS = frozenset({"ascending", "descending", "ignore"})
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


@dataclass(frozen=True, eq=False)
class ParsedSchema:
    """A validated Avro schema.

    ``canonical`` is Avro's Parsing Canonical Form: two schemas with the same
    canonical form read and write the same bytes.

    ``fingerprint`` is the hex SHA-256 of ``normalized``, the full schema
    re-serialized with sorted keys, no whitespace, every name fully qualified
    (``namespace`` folded into ``name``, aliases and references qualified) and
    ``{"type": "int"}`` written as ``"int"``. Unlike the canonical form it keeps
    docs, defaults, aliases, ``order``, logical types and custom properties:
    the registry deduplicates stored schemas by it, and for a registry a
    changed default or doc is a different schema even though the bytes on the
    wire are the same. Formatting and key order never change it.

    Equality and hashing go by ``fingerprint``.
    """

    raw: Any
    canonical: str
    fingerprint: str
    normalized: str
    root: Node = field(repr=False)
    schema_type: str = "AVRO"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedSchema):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def parse_schema(
    schema: str | bytes | dict[str, Any] | list[Any] | ParsedSchema,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ParsedSchema:
    """Parse and validate an Avro schema given as JSON text or as a parsed JSON value.

    Validation follows the Avro specification, which is stricter than
    fastavro alone (fastavro is still run as a final check): names must match
    ``[A-Za-z_][A-Za-z0-9_]*`` per dotted part, field names and enum symbols
    must be unique, defaults must match their type (a union default matches
    its first branch), fixed sizes must be non-negative integers, unions may
    not nest directly or repeat an unnamed type, named types must be defined
    before use and only once.

    Input larger than ``max_bytes`` (UTF-8 JSON) or nested deeper than
    ``max_depth`` JSON levels is rejected before any recursive processing.
    A :class:`ParsedSchema` is returned unchanged. Raises only
    :class:`SchemaError`.
    """
    if isinstance(schema, ParsedSchema):
        return schema
    raw = _load(schema, max_bytes, max_depth)
    builder = _Builder()
    root, normalized_value, _, _ = builder.build(raw, "", "")
    builder.check_defaults()
    try:
        fastavro.parse_schema(raw, _write_hint=False)
    except Exception as exc:  # noqa: BLE001 - any fastavro failure is a bad schema
        raise SchemaError(f"fastavro rejected the schema: {exc}", "") from exc
    normalized = json.dumps(
        normalized_value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return ParsedSchema(
        raw=raw,
        canonical=canonical_form(root),
        fingerprint=hashlib.sha256(normalized.encode("utf-8")).hexdigest(),
        normalized=normalized,
        root=root,
    )


def _load(schema: object, max_bytes: int, max_depth: int) -> Any:
    if isinstance(schema, bytes | bytearray):
        try:
            schema = bytes(schema).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError("schema text is not valid UTF-8", "") from exc
    if isinstance(schema, str):
        # A str is at most 4 bytes per character: skip encoding in the common case.
        if len(schema) * 4 > max_bytes and len(schema.encode("utf-8")) > max_bytes:
            raise SchemaError(f"schema is larger than the {max_bytes}-byte limit", "")
        try:
            raw = json.loads(schema)
        except RecursionError as exc:
            raise SchemaError(f"schema is nested deeper than {max_depth} levels", "") from exc
        except ValueError as exc:
            raise SchemaError(f"schema is not valid JSON: {exc}", "") from exc
        _check_depth(raw, max_depth)
        return raw
    if not isinstance(schema, dict | list):
        raise SchemaError(
            f"a schema must be JSON text, an object or an array, not {type(schema).__name__}", ""
        )
    _check_depth(schema, max_depth)
    try:
        size = len(json.dumps(schema, ensure_ascii=False, allow_nan=True).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"schema is not a JSON value: {exc}", "") from exc
    if size > max_bytes:
        raise SchemaError(f"schema is larger than the {max_bytes}-byte limit", "")
    return schema


def _check_depth(value: object, max_depth: int) -> None:
    # Iterative on purpose: this runs before anything recursive may see the value.
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > max_depth:
            raise SchemaError(f"schema is nested deeper than {max_depth} levels", "")
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))


def _digest(*parts: bytes) -> bytes:
    return hashlib.blake2b(b"\x00".join(parts), digest_size=16).digest()


def _check_name(name: object, pointer: str, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{what} must be a non-empty string", pointer)
    for part in name.split("."):
        if not _NAME_RE.match(part):
            raise SchemaError(
                f"{what} {name!r} is invalid: each dotted part must match [A-Za-z_][A-Za-z0-9_]*",
                pointer,
            )
    return name


def _qualify(name: str, namespace: str) -> str:
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


class _Builder:
    """One pass over the JSON: validates, builds nodes and the normalized form."""

    def __init__(self) -> None:
        self.names: dict[str, NamedNode] = {}
        self.in_progress: set[str] = set()
        self.fields_with_defaults: list[FieldNode] = []

    def build(
        self, value: Any, namespace: str, pointer: str
    ) -> tuple[Node, Any, frozenset[str], bytes]:
        """Return the node, its normalized JSON, the open references and its digest."""
        if isinstance(value, str):
            return self._reference(value, namespace, pointer)
        if isinstance(value, list):
            return self._union(value, namespace, pointer)
        if not isinstance(value, dict):
            raise SchemaError(
                f"expected a type name, an object or a union array, got {json.dumps(value)}",
                pointer,
            )
        if "type" not in value:
            raise SchemaError("a schema object needs a 'type'", pointer)
        kind = value["type"]
        if not isinstance(kind, str):
            raise SchemaError("'type' must be a string naming a type", f"{pointer}/type")
        if kind in PRIMITIVE_TYPES:
            logical = value.get("logicalType")
            node = PrimitiveNode(kind, pointer, logical if isinstance(logical, str) else None)
            node.digest = _digest(b"p", kind.encode())
            normalized: Any = kind if len(value) == 1 else dict(value)
            return node, normalized, frozenset(), node.digest
        if kind in ("record", "error", "enum", "fixed"):
            return self._named(value, kind, namespace, pointer)
        if kind == "array":
            return self._container(value, "items", namespace, pointer)
        if kind == "map":
            return self._container(value, "values", namespace, pointer)
        # {"type": "com.example.Address"} is a reference written as an object.
        return self._reference(kind, namespace, f"{pointer}/type")

    def _reference(
        self, name: str, namespace: str, pointer: str
    ) -> tuple[Node, Any, frozenset[str], bytes]:
        if name in PRIMITIVE_TYPES:
            node = PrimitiveNode(name, pointer)
            node.digest = _digest(b"p", name.encode())
            return node, name, frozenset(), node.digest
        fullname = _qualify(name, namespace)
        named = self.names.get(fullname)
        if named is None and fullname != name:
            # Like the Java implementation, fall back to the null namespace.
            named = self.names.get(name)
        if named is None:
            raise SchemaError(f"unknown type {name!r}", pointer)
        if named.fullname in self.in_progress:
            ref = frozenset({named.fullname})
            return named, named.fullname, ref, _digest(b"ref", named.fullname.encode())
        return named, named.fullname, named.open_refs, named.digest

    def _union(
        self, value: list[Any], namespace: str, pointer: str
    ) -> tuple[Node, Any, frozenset[str], bytes]:
        branches: list[Node] = []
        normalized: list[Any] = []
        open_refs: frozenset[str] = frozenset()
        digests = [b"u"]
        seen: set[str] = set()
        for i, item in enumerate(value):
            branch_pointer = f"{pointer}/{i}"
            node, norm, refs, digest = self.build(item, namespace, branch_pointer)
            if isinstance(node, UnionNode):
                raise SchemaError("a union may not directly contain another union", branch_pointer)
            key = node.fullname if isinstance(node, NamedNode) else node.kind
            if key in seen:
                raise SchemaError(f"the union contains {key!r} more than once", branch_pointer)
            seen.add(key)
            branches.append(node)
            normalized.append(norm)
            open_refs |= refs
            digests.append(digest)
        union = UnionNode("union", pointer, branches=tuple(branches))
        union.digest = _digest(*digests)
        union.closed = not open_refs
        return union, normalized, open_refs, union.digest

    def _container(
        self, value: dict[str, Any], key: str, namespace: str, pointer: str
    ) -> tuple[Node, Any, frozenset[str], bytes]:
        if key not in value:
            raise SchemaError(f"an {value['type']} needs '{key}'", pointer)
        child, norm, open_refs, child_digest = self.build(value[key], namespace, f"{pointer}/{key}")
        node: ArrayNode | MapNode
        if key == "items":
            node = ArrayNode("array", pointer, items=child)
        else:
            node = MapNode("map", pointer, values=child)
        logical = value.get("logicalType")
        node.logical_type = logical if isinstance(logical, str) else None
        node.digest = _digest(key.encode(), child_digest)
        node.closed = not open_refs
        normalized = dict(value)
        normalized[key] = norm
        return node, normalized, open_refs, node.digest

    def _named(
        self, value: dict[str, Any], kind: str, namespace: str, pointer: str
    ) -> tuple[Node, Any, frozenset[str], bytes]:
        if "name" not in value:
            raise SchemaError(f"a {kind} needs a 'name'", pointer)
        name = _check_name(value["name"], f"{pointer}/name", "name")
        if "." in name:
            own_namespace, simple = name.rsplit(".", 1)
        else:
            simple = name
            own_namespace = namespace
            if "namespace" in value:
                declared = value["namespace"]
                if declared is not None and not isinstance(declared, str):
                    raise SchemaError("namespace must be a string", f"{pointer}/namespace")
                own_namespace = declared or ""
                if own_namespace:
                    _check_name(own_namespace, f"{pointer}/namespace", "namespace")
        if simple in PRIMITIVE_TYPES:
            raise SchemaError(
                f"a named type may not use the primitive type name {simple!r}", f"{pointer}/name"
            )
        fullname = _qualify(simple, own_namespace)
        if fullname in self.names:
            raise SchemaError(f"the named type {fullname!r} is defined twice", f"{pointer}/name")
        aliases = value.get("aliases", [])
        if not isinstance(aliases, list):
            raise SchemaError("aliases must be an array of names", f"{pointer}/aliases")
        alias_fullnames = frozenset(
            _qualify(_check_name(alias, f"{pointer}/aliases/{i}", "alias"), own_namespace)
            for i, alias in enumerate(aliases)
        )
        doc = value.get("doc")
        common: dict[str, Any] = {
            "fullname": fullname,
            "name": simple,
            "namespace": own_namespace,
            "aliases": alias_fullnames,
            "doc": doc if isinstance(doc, str) else None,
        }
        normalized = {k: v for k, v in value.items() if k != "namespace"}
        normalized["name"] = fullname
        if "aliases" in value:
            normalized["aliases"] = sorted(alias_fullnames)
        head = [kind.encode(), fullname.encode(), ",".join(sorted(alias_fullnames)).encode()]
        node: NamedNode
        open_refs: frozenset[str] = frozenset()
        if kind == "enum":
            node = self._enum(value, pointer, common)
            assert isinstance(node, EnumNode)
            head += [",".join(node.symbols).encode(), (node.default or "").encode()]
            self.names[fullname] = node
        elif kind == "fixed":
            size = value.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise SchemaError("a fixed needs a non-negative integer 'size'", f"{pointer}/size")
            node = FixedNode("fixed", pointer, size=size, **common)
            head.append(str(size).encode())
            self.names[fullname] = node
        else:
            record = RecordNode("record", pointer, **common)
            # Registered before its fields so that fields can refer to it recursively.
            self.names[fullname] = record
            self.in_progress.add(fullname)
            fields_norm, open_refs, field_digests = self._fields(value, own_namespace, record)
            self.in_progress.discard(fullname)
            normalized["fields"] = fields_norm
            head += field_digests
            node = record
        logical = value.get("logicalType")
        node.logical_type = logical if isinstance(logical, str) else None
        open_refs = open_refs - {fullname}
        node.open_refs = open_refs
        node.closed = not open_refs
        node.digest = _digest(*head)
        return node, normalized, open_refs, node.digest

    def _enum(self, value: dict[str, Any], pointer: str, common: dict[str, Any]) -> EnumNode:
        symbols = value.get("symbols")
        if not isinstance(symbols, list):
            raise SchemaError("an enum needs a 'symbols' array", f"{pointer}/symbols")
        seen: set[str] = set()
        for i, symbol in enumerate(symbols):
            symbol_pointer = f"{pointer}/symbols/{i}"
            if not isinstance(symbol, str) or not _NAME_RE.match(symbol):
                raise SchemaError(
                    f"enum symbol {json.dumps(symbol)} must match [A-Za-z_][A-Za-z0-9_]*",
                    symbol_pointer,
                )
            if symbol in seen:
                raise SchemaError(f"enum symbol {symbol!r} appears more than once", symbol_pointer)
            seen.add(symbol)
        default = value.get("default")
        if "default" in value and default not in seen:
            raise SchemaError(
                f"enum default {json.dumps(default)} is not one of the symbols",
                f"{pointer}/default",
            )
        return EnumNode(
            "enum",
            pointer,
            symbols=tuple(symbols),
            symbol_set=frozenset(symbols),
            default=default,
            **common,
        )

    def _fields(
        self, value: dict[str, Any], namespace: str, record: RecordNode
    ) -> tuple[list[Any], frozenset[str], list[bytes]]:
        pointer = record.pointer
        fields = value.get("fields")
        if not isinstance(fields, list):
            raise SchemaError("a record needs a 'fields' array", f"{pointer}/fields")
        normalized: list[Any] = []
        open_refs: frozenset[str] = frozenset()
        digests: list[bytes] = []
        for i, raw_field in enumerate(fields):
            field_pointer = f"{pointer}/fields/{i}"
            if not isinstance(raw_field, dict):
                raise SchemaError("a field must be an object", field_pointer)
            if "name" not in raw_field:
                raise SchemaError("a field needs a 'name'", field_pointer)
            name = raw_field["name"]
            if not isinstance(name, str) or not _NAME_RE.match(name):
                raise SchemaError(
                    f"field name {json.dumps(name)} must match [A-Za-z_][A-Za-z0-9_]*",
                    f"{field_pointer}/name",
                )
            if name in record.fields_by_name:
                raise SchemaError(
                    f"field name {name!r} appears more than once", f"{field_pointer}/name"
                )
            if "type" not in raw_field:
                raise SchemaError(f"field {name!r} needs a 'type'", field_pointer)
            aliases = raw_field.get("aliases", [])
            if not isinstance(aliases, list):
                raise SchemaError("aliases must be an array of names", f"{field_pointer}/aliases")
            for j, alias in enumerate(aliases):
                if not isinstance(alias, str) or not _NAME_RE.match(alias):
                    raise SchemaError(
                        f"field alias {json.dumps(alias)} must match [A-Za-z_][A-Za-z0-9_]*",
                        f"{field_pointer}/aliases/{j}",
                    )
            if "order" in raw_field and raw_field["order"] not in _FIELD_ORDERS:
                raise SchemaError(
                    "order must be ascending, descending or ignore", f"{field_pointer}/order"
                )
            node, norm, refs, digest = self.build(
                raw_field["type"], namespace, f"{field_pointer}/type"
            )
            doc = raw_field.get("doc")
            field_node = FieldNode(
                name=name,
                type=node,
                index=i,
                pointer=field_pointer,
                has_default="default" in raw_field,
                default=raw_field.get("default"),
                aliases=tuple(aliases),
                doc=doc if isinstance(doc, str) else None,
            )
            record.fields.append(field_node)
            record.fields_by_name[name] = field_node
            if field_node.has_default:
                self.fields_with_defaults.append(field_node)
            field_norm = dict(raw_field)
            field_norm["type"] = norm
            normalized.append(field_norm)
            open_refs |= refs
            digests += [
                name.encode(),
                ",".join(aliases).encode(),
                b"d" if field_node.has_default else b"-",
                digest,
            ]
        return normalized, open_refs, digests

    def check_defaults(self) -> None:
        """Check every field default against its (now fully resolved) type."""
        for field_node in self.fields_with_defaults:
            problem = _default_problem(field_node.type, field_node.default)
            if problem is not None:
                raise SchemaError(
                    f"default {_short_json(field_node.default)} of field {field_node.name!r} "
                    f"does not match its type {type_label(field_node.type)}: {problem}",
                    f"{field_node.pointer}/default",
                )


def _short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _default_problem(node: Node, value: Any) -> str | None:
    """Return why ``value`` is not a valid default for ``node``, or None if it is."""
    kind = node.kind
    if isinstance(node, UnionNode):
        if not node.branches:
            return "an empty union has no valid default"
        problem = _default_problem(node.branches[0], value)
        if problem is None:
            return None
        return f"a union default must match the first branch ({type_label(node.branches[0])})"
    if kind == "null":
        return None if value is None else "expected null"
    if kind == "boolean":
        return None if isinstance(value, bool) else "expected true or false"
    if kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected an integer"
        return None if low <= value <= high else f"out of range for {kind}"
    if kind in ("float", "double"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "expected a number"
    if kind == "string":
        return None if isinstance(value, str) else "expected a string"
    if kind in ("bytes", "fixed"):
        if not isinstance(value, str) or any(ord(c) > 255 for c in value):
            return "expected a string of code points \\u0000-\\u00ff"
        if isinstance(node, FixedNode) and len(value) != node.size:
            return f"expected exactly {node.size} bytes"
        return None
    if isinstance(node, EnumNode):
        return None if value in node.symbol_set else "expected one of the enum symbols"
    if isinstance(node, ArrayNode):
        if not isinstance(value, list):
            return "expected an array"
        for item in value:
            problem = _default_problem(node.items, item)
            if problem is not None:
                return f"array item: {problem}"
        return None
    if isinstance(node, MapNode):
        if not isinstance(value, dict):
            return "expected an object"
        for item in value.values():
            problem = _default_problem(node.values, item)
            if problem is not None:
                return f"map value: {problem}"
        return None
    if isinstance(node, RecordNode):
        if not isinstance(value, dict):
            return "expected an object"
        for field_node in node.fields:
            if field_node.name in value:
                problem = _default_problem(field_node.type, value[field_node.name])
                if problem is not None:
                    return f"field {field_node.name!r}: {problem}"
            elif not field_node.has_default:
                return f"field {field_node.name!r} is missing and has no default"
        return None
    return f"unsupported type {kind}"


def canonical_form(root: Node) -> str:
    """Return Avro's Parsing Canonical Form of a schema."""
    return _pcf(root, set())


def _pcf(node: Node, seen: set[str]) -> str:
    dumps = json.dumps
    if isinstance(node, NamedNode):
        if node.fullname in seen:
            return dumps(node.fullname, ensure_ascii=False)
        seen.add(node.fullname)
        head = '{"name":' + dumps(node.fullname, ensure_ascii=False)
        if isinstance(node, RecordNode):
            fields = ",".join(
                '{"name":' + dumps(f.name) + ',"type":' + _pcf(f.type, seen) + "}"
                for f in node.fields
            )
            return head + ',"type":"record","fields":[' + fields + "]}"
        if isinstance(node, EnumNode):
            return (
                head
                + ',"type":"enum","symbols":'
                + dumps(list(node.symbols), separators=(",", ":"))
                + "}"
            )
        assert isinstance(node, FixedNode)
        return head + ',"type":"fixed","size":' + str(node.size) + "}"
    if isinstance(node, ArrayNode):
        return '{"type":"array","items":' + _pcf(node.items, seen) + "}"
    if isinstance(node, MapNode):
        return '{"type":"map","values":' + _pcf(node.values, seen) + "}"
    if isinstance(node, UnionNode):
        return "[" + ",".join(_pcf(b, seen) for b in node.branches) + "]"
    return '"' + node.kind + '"'
