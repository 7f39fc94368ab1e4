"""Parsing and validating Avro schemas into :class:`ParsedSchema`."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import marshal
import operator
import sys
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any

import fastavro
import orjson

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


def _is_name(value: str) -> bool:
    """Whether ``value`` matches Avro's ``[A-Za-z_][A-Za-z0-9_]*``.

    ASCII Python identifiers are exactly that set, and the two string methods
    are much cheaper than a regular expression on this hot path.
    """
    return value.isascii() and value.isidentifier()


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

    The three are computed on first use, so a compatibility check that never
    needs them does not pay for them. Equality and hashing go by ``fingerprint``.
    """

    raw: Any
    root: Node = field(repr=False)
    names: dict[str, NamedNode] = field(repr=False)
    schema_type: str = "AVRO"
    # For sharing top-level fields with a later parse (see parse_schema's
    # ``reference``): the indexes of the top-level fields that may not be
    # shared, of those that need a type-exact comparison of their JSON, the
    # top-level field each named type is defined in (in definition order), and
    # the root record's digest key (whose field entries follow its first three).
    _unshareable: frozenset[int] = field(default=frozenset(), repr=False)
    _exact: frozenset[int] = field(default=frozenset(), repr=False)
    _defined_in: dict[str, int] = field(default_factory=dict, repr=False)
    _root_head: tuple[Any, ...] = field(default=(), repr=False)

    @cached_property
    def canonical(self) -> str:
        """Avro's Parsing Canonical Form."""
        return canonical_form(self.root)

    @cached_property
    def normalized(self) -> str:
        """The full schema, normalized as described in the class docstring."""
        return json.dumps(
            _normalize(self.raw, "", self.names),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @cached_property
    def fingerprint(self) -> str:
        """Hex SHA-256 of ``normalized``."""
        return hashlib.sha256(self.normalized.encode("utf-8")).hexdigest()

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        # Node digests are only meaningful inside the process that interned
        # them, so a pickled schema (a cache, a task queue) is parsed afresh.
        return (_unpickle, (self.raw,))

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
    reference: ParsedSchema | None = None,
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

    ``reference`` is a schema this one probably resembles, such as another
    version of it: a top-level field whose JSON is equal to the reference's
    field at the same index, in a root record of the same name, takes over the
    reference's (immutable) nodes instead of being built and validated again.
    The result, errors included, is the same as without it; fastavro still
    validates the whole schema. Like the lazily computed fingerprint, this
    relies on the reference's ``raw`` not being changed after it was parsed.
    """
    if isinstance(schema, ParsedSchema):
        return schema
    return _parse_loaded(_load(schema, max_bytes, max_depth), reference, None)


def _parse_loaded(raw: Any, reference: ParsedSchema | None, pair: _Pair | None) -> ParsedSchema:
    builder = _Builder(reference)
    builder.pair = pair
    root = builder.build(raw, "", "")[0]
    builder.check_defaults()
    checked = raw
    if pair is not None and pair.vouched:
        # fastavro validates what the builder built; see parse_pair.
        vouched = pair.vouched
        checked = {**raw, "fields": [f for i, f in enumerate(raw["fields"]) if i not in vouched]}
    try:
        fastavro.parse_schema(checked, _write_hint=False)
    except Exception as exc:  # noqa: BLE001 - any fastavro failure is a bad schema
        raise SchemaError(f"fastavro rejected the schema: {exc}", "") from exc
    return _new_parsed_schema(
        raw,
        root,
        builder.names,
        frozenset(builder.unshareable),
        frozenset(builder.exact),
        builder.defined_in,
        builder.root_head,
    )


def _new_parsed_schema(
    raw: Any,
    root: Node,
    names: dict[str, NamedNode],
    unshareable: frozenset[int],
    exact: frozenset[int],
    defined_in: dict[str, int],
    root_head: tuple[Any, ...],
) -> ParsedSchema:
    """``ParsedSchema(...)`` at a third of the cost.

    A frozen dataclass sets each field through ``object.__setattr__``, about a
    microsecond for these eight; every field is set here at once instead. A
    test checks that this sets exactly the dataclass's fields.
    """
    parsed = object.__new__(ParsedSchema)
    parsed.__dict__.update(
        raw=raw,
        root=root,
        names=names,
        schema_type="AVRO",
        _unshareable=unshareable,
        _exact=exact,
        _defined_in=defined_in,
        _root_head=root_head,
    )
    return parsed


class _Unvouched(Exception):
    """Raised inside :func:`parse_pair` when it cannot vouch for the result."""


class _NamedTypeNeeded(Exception):
    """Raised inside :func:`parse_pair` by a reference to a named type defined
    in a field it left out."""


class _Pair:
    """What the two parses of :func:`parse_pair` share."""

    def __init__(self, candidates: set[int], first_fields: list[Any]) -> None:
        self.validating = True
        # The top-level fields equal in both versions; once the first parse is
        # done, those it validated without building (index -> field name,
        # the named types it defines, whether it needs a type-exact comparison).
        self.candidates: set[int] | dict[int, tuple[str, tuple[str, ...], bool]] = candidates
        self.vouched: dict[int, tuple[str, tuple[str, ...], bool]] = {}
        self.first_fields = first_fields
        # Sets both root records' digests apart from every other record's.
        self.marker = ("pair", next(_NEXT_ID))


def parse_pair(
    new: str | bytes | dict[str, Any] | list[Any],
    old: str | bytes | dict[str, Any] | list[Any],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[ParsedSchema, ParsedSchema] | None:
    """Parse two versions of a record schema for one compatibility check of the
    one against the other; None where it cannot do better than two parses.

    A top-level field whose JSON equals the other version's field at the same
    index, in a root record of the same name, and refers to no type outside
    itself, has the same type in both, which cannot be incompatible with
    itself: it is validated once (in the first version) and built in neither.
    Both root records leave such fields out of their fields, field keys and
    digest (only their names stay, for duplicate checks), so the checker
    compares the other fields only; a marker shared by the two roots keeps
    their digests apart from any other record's. fastavro validates both
    versions without those fields: the cheap validation accepts only
    constructs on which every check fastavro makes is one of the builder's
    own, or stricter (a property test holds it to that), and what only the
    whole schema could show, a name defined or a field named twice, the
    builder finds itself. The results are only fit for that one check: they
    never leave ``check_compatibility``.

    Only fields whose validity the cheap validation (:func:`_vouch_field`) can
    vouch for are left out; it takes nothing else on trust. Whenever
    anything is doubtful (an invalid schema, a built field referring to a name
    or having aliases, a name clash in the second version), this returns None
    and the caller parses the ordinary way, which reports errors exactly as
    it always has.

    The very same text twice (a schema checked again unchanged) is parsed
    once, every field it can vouch for left out, and stands for both.
    """
    same = isinstance(new, str) and new == old
    try:
        new_raw = _load(new, max_bytes, DEFAULT_MAX_DEPTH)
        old_raw = new_raw if same else _load(old, max_bytes, DEFAULT_MAX_DEPTH)
    except SchemaError:
        return None
    if (
        new_raw.__class__ is not dict
        or old_raw.__class__ is not dict
        or new_raw.get("type") != "record"
        or old_raw.get("type") != "record"
        # Same name and namespace: same full name, same namespace for the fields.
        or new_raw.get("name") != old_raw.get("name")
        or new_raw.get("namespace") != old_raw.get("namespace")
    ):
        return None
    new_fields = new_raw.get("fields")
    old_fields = old_raw.get("fields")
    if new_fields.__class__ is not list or old_fields.__class__ is not list:
        return None
    equal = list(map(operator.eq, new_fields, old_fields))
    indexes = set(itertools.compress(range(len(equal)), equal))
    if not indexes:
        return None
    # A field that changed may refer to a type defined in one that did not (a
    # new field of an existing record type), which needs that type's node; so
    # may, found only while parsing, an unchanged field the cheap validation
    # does not cover. Then both are parsed the ordinary way, decoded once.
    if not _changed_may_refer(new_fields, old_fields, equal):
        pair = _Pair(indexes, new_fields)
        try:
            new_parsed = _parse_loaded(new_raw, None, pair)
            if same:
                return new_parsed, new_parsed
            pair.validating = False
            pair.candidates = pair.vouched
            return new_parsed, _parse_loaded(old_raw, None, pair)
        except _NamedTypeNeeded:
            pass
        except (SchemaError, _Unvouched):
            return None
    try:
        new_parsed = _parse_loaded(new_raw, None, None)
        return new_parsed, _parse_loaded(old_raw, new_parsed, None)
    except SchemaError:
        return None


class _Unvouchable(Exception):
    """Raised by :func:`_vouch_field` for anything it does not vouch for."""


# What parse_pair enters for the names of the fields it only validated and of
# the named types they define: duplicates are still found, and a reference to
# such a type means parse_pair cannot vouch for the result.
_OPAQUE_FIELD = FieldNode("", Node("opaque", ""), -1, "")
_OPAQUE = NamedNode("opaque", "")


def _vouch_field(
    raw_field: Any,
    namespace: str,
    names: dict[str, NamedNode],
    field_names: dict[str, Any] | set[str],
    defined: list[str],
) -> bool:
    """Validate a field without building it; return whether its JSON must be
    compared type-exactly (a default other than null or a string, the rule of
    ``_Builder``). Appends the full names it defines to ``defined``.

    Accepts only what building the field would accept, and only a common
    subset of it: a field with aliases or an order, any type referring to a
    name other than one defined in a field left out before, a reference
    written as ``{"type": name}``, a fixed, a namespace or a dotted name,
    aliases of a named type, a decimal logical type, or a default other than
    null for a union starting with null or a default of a primitive type
    raises :class:`_Unvouchable` and is built instead. Every check it makes
    is the builder's own, so nothing invalid gets through; and on what it
    accepts, fastavro (which parse_pair does not show these fields) would
    find nothing more: its checks there are the builder's or laxer, and the
    constructs it checks beyond the builder (decimal precision and scale) or
    rejects outright (a reference written as an object) are built instead.
    """
    if raw_field.__class__ is not dict:
        raise _Unvouchable
    name = raw_field.get("name")
    if (
        name.__class__ is not str
        or not (name.isascii() and name.isidentifier())
        or name in field_names
        or "type" not in raw_field
    ):
        raise _Unvouchable
    field_type = raw_field["type"]
    exact = False
    if len(raw_field) > 2:
        if "aliases" in raw_field or "order" in raw_field:
            raise _Unvouchable
        if "default" in raw_field:
            default = raw_field["default"]
            if default is None:
                if not (field_type.__class__ is list and field_type and field_type[0] == "null"):
                    raise _Unvouchable
            elif (
                field_type.__class__ is not str
                or field_type not in _PRIMITIVE_NODES
                or _default_problem(_PRIMITIVE_NODES[field_type], default) is not None
            ):
                raise _Unvouchable
            exact = default is not None and default.__class__ is not str
    if field_type.__class__ is str and field_type in _PRIMITIVE_NODES:
        # The most common field type, without a call.
        return exact
    return _vouch_type(field_type, namespace, names, defined) or exact


def _vouch_type(
    value: Any, namespace: str, names: dict[str, NamedNode], defined: list[str]
) -> bool:
    """Validate a type for :func:`_vouch_field`; return whether it holds a
    default that must be compared type-exactly."""
    if value.__class__ is str:
        if value not in _PRIMITIVE_NODES:
            _vouch_reference(value, namespace, names)
        return False
    if value.__class__ is list:
        exact = False
        seen: set[str] = set()
        for branch in value:
            if branch.__class__ is str:
                key = (
                    branch
                    if branch in _PRIMITIVE_NODES
                    else _vouch_reference(branch, namespace, names)
                )
            elif branch.__class__ is dict:
                kind = branch.get("type")
                if kind.__class__ is not str:
                    raise _Unvouchable
                if kind in _NAMED_KINDS:
                    position = len(defined)
                    exact = _vouch_named(branch, kind, namespace, names, defined) or exact
                    key = defined[position]
                elif kind in _PRIMITIVE_NODES or kind == "array" or kind == "map":
                    exact = _vouch_type(branch, namespace, names, defined) or exact
                    key = kind
                else:
                    raise _Unvouchable
            else:
                raise _Unvouchable
            if key in seen:
                raise _Unvouchable
            seen.add(key)
        return exact
    if value.__class__ is not dict:
        raise _Unvouchable
    kind = value.get("type")
    if kind.__class__ is not str:
        raise _Unvouchable
    if kind in _NAMED_KINDS:
        return _vouch_named(value, kind, namespace, names, defined)
    if "logicalType" in value and value["logicalType"] == "decimal":
        raise _Unvouchable
    if kind in _PRIMITIVE_NODES:
        return False
    if kind == "array" or kind == "map":
        key = "items" if kind == "array" else "values"
        if key not in value:
            raise _Unvouchable
        return _vouch_type(value[key], namespace, names, defined)
    # A reference written as an object, which fastavro rejects.
    raise _Unvouchable


def _vouch_reference(name: str, namespace: str, names: dict[str, NamedNode]) -> str:
    """The full name a reference resolves to, if the builder would resolve it to
    a named type defined in a field left out before (both versions then leave
    both fields out); else :class:`_Unvouchable`."""
    fullname = name if "." in name or not namespace else f"{namespace}.{name}"
    if names.get(fullname) is not _OPAQUE:
        raise _Unvouchable
    return fullname


def _may_refer(value: Any) -> bool:
    """Whether a type may refer to a named type by name (True when unsure)."""
    if value.__class__ is str:
        return value not in _PRIMITIVE_NODES
    if value.__class__ is list:
        return any(map(_may_refer, value))
    if value.__class__ is not dict:
        return True
    kind = value.get("type")
    if kind.__class__ is not str:
        return True
    if kind in _PRIMITIVE_NODES or kind == "enum" or kind == "fixed":
        return False
    if kind == "array" or kind == "map":
        return _may_refer(value.get("items" if kind == "array" else "values"))
    if kind == "record" or kind == "error":
        fields = value.get("fields")
        return fields.__class__ is not list or any(map(_field_may_refer, fields))
    return True


def _field_may_refer(raw_field: Any) -> bool:
    return raw_field.__class__ is not dict or _may_refer(raw_field.get("type"))


def _changed_may_refer(new_fields: list[Any], old_fields: list[Any], equal: list[bool]) -> bool:
    """Whether a top-level field that differs between the versions may refer
    to a named type by name. Differing fields are few: they are found with
    C-level searches of ``equal`` rather than a step per field."""
    count = len(equal)
    if any(map(_field_may_refer, new_fields[count:])) or any(
        map(_field_may_refer, old_fields[count:])
    ):
        return True
    if False not in equal:
        return False
    i = -1
    while True:
        try:
            i = equal.index(False, i + 1)
        except ValueError:
            return False
        if _field_may_refer(new_fields[i]) or _field_may_refer(old_fields[i]):
            return True


def _vouch_named(
    value: dict[str, Any],
    kind: str,
    namespace: str,
    names: dict[str, NamedNode],
    defined: list[str],
) -> bool:
    """Validate an enum or record definition for :func:`_vouch_field`."""
    name: Any = value.get("name")
    if (
        kind == "fixed"
        or name.__class__ is not str
        or not (name.isascii() and name.isidentifier())
        or name in PRIMITIVE_TYPES
        or "namespace" in value
        or "aliases" in value
        or ("logicalType" in value and value["logicalType"] == "decimal")
    ):
        raise _Unvouchable
    fullname = f"{namespace}.{name}" if namespace else name
    if fullname in names or fullname in defined:
        raise _Unvouchable
    defined.append(fullname)
    if kind == "enum":
        try:
            _enum_symbols(value, "")
        except SchemaError:
            raise _Unvouchable from None
        return False
    fields: Any = value.get("fields")
    if fields.__class__ is not list:
        raise _Unvouchable
    exact = False
    field_names: set[str] = set()
    for raw_field in fields:
        exact = _vouch_field(raw_field, namespace, names, field_names, defined) or exact
        field_names.add(raw_field["name"])
    return exact


def _unpickle(raw: Any) -> ParsedSchema:
    # It was accepted once, so only its nesting needs guarding again.
    return parse_schema(raw, max_bytes=sys.maxsize)


def _load(schema: object, max_bytes: int, max_depth: int) -> Any:
    """Return the JSON value, its size and nesting checked against the limits.

    Nesting is checked before anything recursive of ours sees the value (and,
    for a value given as such, before ``json.dumps`` recurses into it), so the
    validating walk needs no depth bookkeeping and "too deep" is reported
    whatever else is wrong.
    """
    if schema.__class__ is not str and isinstance(schema, bytes | bytearray):
        try:
            schema = bytes(schema).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError("schema text is not valid UTF-8", "") from exc
    if isinstance(schema, str):
        # A str is at most 4 bytes per character: skip encoding in the common case.
        if len(schema) * 4 > max_bytes and len(schema.encode("utf-8")) > max_bytes:
            raise SchemaError(f"schema is larger than the {max_bytes}-byte limit", "")
        data, shape = _text_shape(schema)
        try:
            raw = _decode(schema, _LONG_NUMBER in shape)
        except RecursionError as exc:
            raise _too_deep(max_depth) from exc
        except ValueError as exc:
            raise SchemaError(f"schema is not valid JSON: {exc}", "") from exc
        if _text_too_deep(data, shape, max_depth):
            raise _too_deep(max_depth)
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


# json.loads' own decoder configuration (NaN and Infinity accepted, like json.loads).
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
# orjson decodes an integer beyond 64 bits as a float, where json.loads keeps it
# exact; such an integer is at least 19 digits in a row (see _text_shape).
_LONG_NUMBER = b"0" * 19


def _decode(text: str, long_numbers: bool) -> Any:
    """``json.loads(text)``: its result, or its error.

    orjson decodes about twice as fast and, for the texts it accepts, to the
    same value, except for integers beyond 64 bits: texts that may hold one
    (``long_numbers``) and texts orjson refuses (among them NaN, Infinity,
    lone surrogates and numbers too large for a float, which json.loads
    accepts) are decoded by the standard library's C scanner, and anything
    unusual there (leading or trailing whitespace, extra data, invalid JSON)
    goes through json.loads itself, so its result and its errors are
    json.loads' own. A test compares the two on generated and damaged texts.
    """
    if not long_numbers:
        try:
            return orjson.loads(text)
        except Exception:  # noqa: BLE001, S110 - decoded below as json.loads would
            pass
    try:
        value, end = _SCAN(text, 0)
    except Exception:  # noqa: BLE001 - json.loads reports it exactly as it always has
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value


# The shape of a text (see _text_shape): brackets of both kinds as "[" and "]",
# quotes kept, digits as "0", every other byte a space.
def _shape_of(byte: int) -> int:
    character = chr(byte)
    if character in "0123456789":
        return ord("0")
    if character in "[{":
        return ord("[")
    if character in "]}":
        return ord("]")
    return byte if character == '"' else ord(" ")


_SHAPE_TABLE = bytes(map(_shape_of, range(256)))


def _text_shape(text: str) -> tuple[bytes, bytes]:
    """The text's UTF-8 bytes with escaped backslashes and quotes dropped, and
    their shape: what :func:`_text_too_deep` and the search for long numbers
    need, with one C-level pass over the text.

    Left to right, every backslash starts a two-character escape, so dropping
    the escaped backslashes and then the escaped quotes leaves quotes that
    only delimit strings. A number outside strings keeps its digits in a row
    (nothing dropped is outside a string); digits inside strings only make a
    long number look possible.
    """
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    return data, data.translate(_SHAPE_TABLE)


def _text_too_deep(data: bytes, shape: bytes, max_depth: int) -> bool:
    """Whether valid JSON nests deeper than ``max_depth`` levels, given its
    bytes and shape from :func:`_text_shape`.

    A walk over the decoded value costs a Python step per container; this
    works on the text with a few bytes methods instead. Strings are removed
    first (a bracket inside a string does not nest). Then every pass of
    ``replace(b"[]", b"")`` removes exactly the innermost level: innermost
    pairs are exactly the adjacent ones, they never overlap, and the pairs
    that become adjacent only by a removal are not rescanned in that pass.
    """
    if shape.count(b"[") <= max_depth:
        # Nesting never exceeds the number of opening brackets (the common case).
        return False
    # Strings without brackets are now adjacent quote pairs; dropping them left
    # to right pairs every quote with its own string's closing quote.
    brackets = shape.translate(None, b" 0").replace(b'""', b"")
    if b'"' in brackets:
        # Some string holds a bracket: drop the strings themselves (slower).
        brackets = b"".join(data.split(b'"')[::2]).translate(_SHAPE_TABLE).translate(None, b" 0")
    # What is left nests no deeper than it has pairs, so the passes stop as
    # soon as the levels removed plus the pairs left cannot exceed the limit.
    levels = 0
    while levels + len(brackets) // 2 > max_depth:
        if levels == max_depth:
            return True
        brackets = brackets.replace(b"[]", b"")
        levels += 1
    return False


def _too_deep(max_depth: int) -> SchemaError:
    return SchemaError(f"schema is nested deeper than {max_depth} levels", "")


def _check_depth(value: object, max_depth: int) -> None:
    # Level by level rather than recursive: this runs before anything
    # recursive may see the value, and comprehensions keep it cheap.
    level: list[Any] = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise _too_deep(max_depth)
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]


# Structure identities: equal keys get the same small int, so digests compare
# exactly (no hash collisions) and cheaply. Ids are never reused; when the
# table is cleared to bound memory, a structure seen again simply gets a new
# id, which can only make two equal structures look different, never the reverse.
_INTERNED: dict[tuple[Any, ...], int] = {}
_NEXT_ID = itertools.count(1)
_MAX_INTERNED = 500_000


def _intern(key: tuple[Any, ...]) -> int:
    found = _INTERNED.get(key)
    if found is None:
        if len(_INTERNED) >= _MAX_INTERNED:
            _INTERNED.clear()
        found = _INTERNED[key] = next(_NEXT_ID)
    return found


_PRIMITIVE_DIGESTS = {kind: _intern(("primitive", kind)) for kind in PRIMITIVE_TYPES}
# Plain primitives carry no information of their own, so all schemas share one
# immutable node per type (their pointer is therefore "").
_PRIMITIVE_NODES = {
    kind: PrimitiveNode(kind, "", None, digest) for kind, digest in _PRIMITIVE_DIGESTS.items()
}
_NULL = _PRIMITIVE_NODES["null"]


def _check_name(name: object, pointer: str, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{what} must be a non-empty string", pointer)
    for part in name.split("."):
        if not _is_name(part):
            raise SchemaError(
                f"{what} {name!r} is invalid: each dotted part must match [A-Za-z_][A-Za-z0-9_]*",
                pointer,
            )
    return name


def _qualify(name: str, namespace: str) -> str:
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def _split_name(value: dict[str, Any], namespace: str, pointer: str) -> tuple[str, str, str]:
    """Return (fullname, simple name, namespace) of a named type definition."""
    name = value["name"]
    declared: Any = value.get("namespace")
    if (
        name.__class__ is str
        and name.isascii()
        and name.isidentifier()
        and declared.__class__ is str
        and declared.isascii()
        and all(map(str.isidentifier, declared.split(".")))
    ):
        # A simple name in a valid namespace of its own (a root record's usual
        # form), without the checks' error pointers being formatted.
        return f"{declared}.{name}", name, declared
    name = _check_name(name, f"{pointer}/name", "name")
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
    return _qualify(simple, own_namespace), simple, own_namespace


_EMPTY: frozenset[str] = frozenset()
# Unions of plain primitives by branch names: their branches and digest. At
# most 109,600 orderings of distinct primitives exist, so this stays bounded.
_PRIMITIVE_UNIONS: dict[tuple[str, ...], tuple[tuple[Node, ...], int]] = {}
# Field pointers end in an index; these spare most records the int formatting.
_INDEXES = tuple(str(i) for i in range(1024))
_NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})


class _Builder:
    """One validating pass over the JSON that builds the node graph.

    The JSON's nesting was checked before (see :func:`_load`), so the walk
    recurses freely.
    """

    def __init__(self, reference: ParsedSchema | None) -> None:
        self.names: dict[str, NamedNode] = {}
        self.in_progress: set[str] = set()
        self.fields_with_defaults: list[FieldNode] = []
        self.reference = reference
        # Bookkeeping for a later parse that takes this one as its reference.
        # A top-level field is shared only when its nodes depend on nothing but
        # its own JSON and the namespace around it: every name it refers to is
        # defined inside it (not the record itself, not another field's type,
        # nothing found through the null-namespace fallback, which a definition
        # elsewhere could shadow). Its JSON is compared with ==, except for a
        # field holding a default other than null or a string, or a fixed:
        # Python's == takes 1, 1.0 and true for equal, and defaults and fixed
        # sizes are where JSON's difference changes what the schema means or
        # whether it is valid, so such a field is compared type-exactly.
        self.root_field: int | None = None
        self.unshareable: set[int] = set()
        self.exact: set[int] = set()
        self.defined_in: dict[str, int] = {}
        self.root_head: tuple[Any, ...] = ()
        self.their_positions: tuple[int, ...] = ()
        self.pair: _Pair | None = None

    def build(self, value: Any, namespace: str, pointer: str) -> tuple[Node, frozenset[str], int]:
        """Return the node, the in-progress names it refers to, and its digest."""
        if isinstance(value, str):
            return self._reference(value, namespace, pointer)
        if isinstance(value, list):
            return self._union(value, namespace, pointer)
        if not isinstance(value, dict):
            raise SchemaError(
                f"expected a type name, an object or a union array, got {_json_text(value)}",
                pointer,
            )
        kind: Any = value.get("type")
        if kind.__class__ is not str and not isinstance(kind, str):
            if kind is None:
                raise SchemaError("a schema object needs a 'type'", pointer)
            raise SchemaError("'type' must be a string naming a type", f"{pointer}/type")
        if kind in _PRIMITIVE_NODES:
            logical = value.get("logicalType")
            if not isinstance(logical, str):
                return _PRIMITIVE_NODES[kind], _EMPTY, _PRIMITIVE_DIGESTS[kind]
            digest = _PRIMITIVE_DIGESTS[kind]
            return PrimitiveNode(kind, pointer, logical, digest), _EMPTY, digest
        if kind in _NAMED_KINDS:
            return self._named(value, kind, namespace, pointer)
        if kind == "array":
            return self._container(value, "items", namespace, pointer)
        if kind == "map":
            return self._container(value, "values", namespace, pointer)
        # {"type": "com.example.Address"} is a reference written as an object.
        return self._reference(kind, namespace, f"{pointer}/type")

    def _reference(
        self, name: str, namespace: str, pointer: str
    ) -> tuple[Node, frozenset[str], int]:
        if name in _PRIMITIVE_NODES:
            return _PRIMITIVE_NODES[name], _EMPTY, _PRIMITIVE_DIGESTS[name]
        names = self.names
        named = names.get(name if "." in name or not namespace else f"{namespace}.{name}")
        root_field = self.root_field
        if named is None and "." not in name:
            # Like the Java implementation, fall back to the null namespace.
            named = names.get(name)
            if root_field is not None:
                self.unshareable.add(root_field)
        if named is None:
            raise SchemaError(f"unknown type {name!r}", pointer)
        if named is _OPAQUE:
            raise _NamedTypeNeeded
        if root_field is not None and self.defined_in.get(named.fullname) != root_field:
            self.unshareable.add(root_field)
        if named.fullname in self.in_progress:
            return named, frozenset({named.fullname}), _intern(("ref", named.fullname))
        return named, named.open_refs, named.digest

    def _union(
        self, value: list[Any], namespace: str, pointer: str
    ) -> tuple[Node, frozenset[str], int]:
        names_only = True
        for item in value:
            if item.__class__ is not str:
                names_only = False
                break
        if names_only:
            # Perhaps primitives alone, which make up most unions.
            known = _PRIMITIVE_UNIONS.get(tuple(value))
            if known is not None:
                branches_, digest = known
                return UnionNode("union", pointer, None, digest, True, branches_), _EMPTY, digest
        branches: list[Node] = []
        open_refs = _EMPTY
        digests: list[Any] = ["union"]
        seen: set[str] = set()
        primitive_nodes = _PRIMITIVE_NODES
        for i, item in enumerate(value):
            node: Node
            if item.__class__ is str and item in primitive_nodes:
                node = primitive_nodes[item]
                refs = _EMPTY
                digest = _PRIMITIVE_DIGESTS[item]
                key = item
            else:
                node, refs, digest = self.build(item, namespace, f"{pointer}/{i}")
                if isinstance(node, UnionNode):
                    raise SchemaError(
                        "a union may not directly contain another union", f"{pointer}/{i}"
                    )
                key = node.fullname if isinstance(node, NamedNode) else node.kind
            if key in seen:
                raise SchemaError(f"the union contains {key!r} more than once", f"{pointer}/{i}")
            seen.add(key)
            branches.append(node)
            if refs:
                open_refs = open_refs | refs
            digests.append(digest)
        digest = _intern(tuple(digests))
        union = UnionNode("union", pointer, None, digest, not open_refs, tuple(branches))
        if names_only and all(branch.__class__ is PrimitiveNode for branch in branches):
            _PRIMITIVE_UNIONS[tuple(value)] = (union.branches, digest)
        return union, open_refs, digest

    def _container(
        self, value: dict[str, Any], key: str, namespace: str, pointer: str
    ) -> tuple[Node, frozenset[str], int]:
        if key not in value:
            raise SchemaError(f"an {value['type']} needs '{key}'", pointer)
        child_value = value[key]
        child: Node
        if child_value.__class__ is str and child_value in _PRIMITIVE_NODES:
            child = _PRIMITIVE_NODES[child_value]
            open_refs = _EMPTY
            child_digest = _PRIMITIVE_DIGESTS[child_value]
        else:
            child, open_refs, child_digest = self.build(child_value, namespace, f"{pointer}/{key}")
        logical = value.get("logicalType")
        logical_type = logical if isinstance(logical, str) else None
        digest = _intern((key, child_digest))
        node: ArrayNode | MapNode
        if key == "items":
            node = ArrayNode("array", pointer, logical_type, digest, not open_refs, child)
        else:
            node = MapNode("map", pointer, logical_type, digest, not open_refs, child)
        return node, open_refs, digest

    def _named(
        self, value: dict[str, Any], kind: str, namespace: str, pointer: str
    ) -> tuple[Node, frozenset[str], int]:
        is_record = kind == "record" or kind == "error"
        if "name" not in value:
            raise SchemaError(f"a {kind} needs a 'name'", pointer)
        name = value["name"]
        if (
            name.__class__ is str
            and name.isascii()
            and name.isidentifier()
            and "namespace" not in value
        ):
            # The common case: a simple name in the enclosing namespace.
            simple = name
            own_namespace = namespace
            fullname = f"{namespace}.{name}" if namespace else name
        else:
            fullname, simple, own_namespace = _split_name(value, namespace, pointer)
        if simple in PRIMITIVE_TYPES:
            raise SchemaError(
                f"a named type may not use the primitive type name {simple!r}", f"{pointer}/name"
            )
        if fullname in self.names:
            raise SchemaError(f"the named type {fullname!r} is defined twice", f"{pointer}/name")
        alias_fullnames = _EMPTY
        if "aliases" in value:
            aliases = value["aliases"]
            if not isinstance(aliases, list | tuple):
                raise SchemaError("aliases must be an array of names", f"{pointer}/aliases")
            if aliases:
                alias_fullnames = frozenset(
                    _qualify(_check_name(alias, f"{pointer}/aliases/{i}", "alias"), own_namespace)
                    for i, alias in enumerate(aliases)
                )
        doc = value.get("doc")
        if doc is not None and doc.__class__ is not str and not isinstance(doc, str):
            doc = None
        logical = value.get("logicalType")
        logical_type = logical if isinstance(logical, str) else None
        names = self.names
        root_field = self.root_field
        if is_record:
            head: list[Any] = [kind, fullname, alias_fullnames]
            record = RecordNode(
                "record",
                pointer,
                logical_type,
                0,
                True,
                fullname,
                simple,
                own_namespace,
                alias_fullnames,
                doc,
                _EMPTY,
                [],
                {},
                {},
            )
            # Registered before its fields so that fields can refer to it recursively.
            names[fullname] = record
            if root_field is not None:
                self.defined_in[fullname] = root_field
            self.in_progress.add(fullname)
            open_refs = self._fields(value, own_namespace, record, head)
            self.in_progress.discard(fullname)
            if fullname in open_refs:
                open_refs = open_refs - {fullname}
            record.open_refs = open_refs
            record.closed = not open_refs
            key = tuple(head)
            if not pointer:
                self.root_head = key
            record.digest = digest = _intern(key)
            return record, open_refs, digest
        # An enum or a fixed refers to nothing: made complete at once.
        node: NamedNode
        if kind == "enum":
            symbols, symbol_set, default = _enum_symbols(value, pointer)
            digest = _intern((kind, fullname, alias_fullnames, symbols, default))
            node = EnumNode(
                "enum",
                pointer,
                logical_type,
                digest,
                True,
                fullname,
                simple,
                own_namespace,
                alias_fullnames,
                doc,
                _EMPTY,
                symbols,
                symbol_set,
                default,
            )
        else:
            size: Any = value.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise SchemaError("a fixed needs a non-negative integer 'size'", f"{pointer}/size")
            if root_field is not None:
                self.exact.add(root_field)
            digest = _intern((kind, fullname, alias_fullnames, size))
            node = FixedNode(
                "fixed",
                pointer,
                logical_type,
                digest,
                True,
                fullname,
                simple,
                own_namespace,
                alias_fullnames,
                doc,
                _EMPTY,
                size,
            )
        names[fullname] = node
        if root_field is not None:
            self.defined_in[fullname] = root_field
        return node, _EMPTY, digest

    def _fields(
        self,
        value: dict[str, Any],
        namespace: str,
        record: RecordNode,
        head: list[Any],
    ) -> frozenset[str]:
        """Build the fields into ``record``, append their digests to ``head``."""
        pointer = record.pointer
        fields = value.get("fields")
        if not isinstance(fields, list):
            raise SchemaError("a record needs a 'fields' array", f"{pointer}/fields")
        build = self.build
        primitive_nodes = _PRIMITIVE_NODES
        primitive_digests = _PRIMITIVE_DIGESTS
        field_nodes = record.fields
        by_name = record.fields_by_name
        field_keys = record.field_keys
        with_defaults = self.fields_with_defaults
        prefix = f"{pointer}/fields/"
        indexes = _INDEXES if len(fields) <= len(_INDEXES) else tuple(map(str, range(len(fields))))
        open_refs = _EMPTY
        reference = self._reference_for(record) if not pointer else None
        # Top-level fields that may be taken over from the reference, as runs:
        # first index -> index after the last.
        runs = self._shareable_runs(fields, reference) if reference is not None else {}
        taken_until = 0
        for i, raw_field in enumerate(fields):
            if not pointer:
                if i < taken_until:
                    continue
                run_end = runs.get(i)
                if run_end is not None and self._take_over(reference, record, head, i, run_end):
                    taken_until = run_end
                    continue
                pair = self.pair
                if pair is not None and i in pair.candidates:
                    if pair.validating:
                        if self._left_out(pair, i, raw_field, namespace, by_name):
                            continue
                    else:
                        # What the first version validated without building it.
                        name, defined_names, exact = pair.candidates[i]  # type: ignore[index]
                        if (
                            name in by_name
                            or (defined_names and not self.names.keys().isdisjoint(defined_names))
                            or (exact and not _same_json(raw_field, pair.first_fields[i]))
                        ):
                            # Not what the first version validated: it would be built.
                            raise _Unvouched
                        by_name[name] = _OPAQUE_FIELD
                        for fullname in defined_names:
                            self.names[fullname] = _OPAQUE
                        continue
                self.root_field = i
            field_pointer = prefix + indexes[i]
            if raw_field.__class__ is not dict and not isinstance(raw_field, dict):
                raise SchemaError("a field must be an object", field_pointer)
            name = raw_field.get("name")
            if name.__class__ is not str or not (name.isascii() and name.isidentifier()):
                _check_field_name(name, field_pointer)
            if name in by_name:
                raise SchemaError(
                    f"field name {name!r} appears more than once", f"{field_pointer}/name"
                )
            field_type = raw_field.get("type", _MISSING)
            if field_type is _MISSING:
                raise SchemaError(f"field {name!r} needs a 'type'", field_pointer)
            aliases: tuple[str, ...] = ()
            doc: Any = None
            has_default = False
            default: Any = None
            if len(raw_field) > 2:
                # Optional keys, looked up only when there are any.
                if "aliases" in raw_field:
                    aliases = _field_aliases(raw_field["aliases"], field_pointer)
                    if aliases and self.pair is not None:
                        # It could find a field left out of the other version.
                        raise _Unvouched
                if "order" in raw_field:
                    order = raw_field["order"]
                    if order.__class__ is not str or order not in _FIELD_ORDERS:
                        raise SchemaError(
                            "order must be ascending, descending or ignore",
                            f"{field_pointer}/order",
                        )
                doc = raw_field.get("doc")
                if doc is not None and doc.__class__ is not str and not isinstance(doc, str):
                    doc = None
                has_default = "default" in raw_field
                if has_default:
                    default = raw_field["default"]
                    if (
                        default is not None
                        and default.__class__ is not str
                        and self.root_field is not None
                    ):
                        self.exact.add(self.root_field)
            node: Node
            if field_type.__class__ is str and field_type in primitive_nodes:
                # The most common field type, resolved without the generic dispatch.
                node = primitive_nodes[field_type]
                refs = _EMPTY
                digest = primitive_digests[field_type]
            elif field_type.__class__ is list:
                node, refs, digest = self._union(field_type, namespace, field_pointer + "/type")
            elif field_type.__class__ is dict:
                # An inline definition: dispatched here rather than through build().
                kind = field_type.get("type")
                if kind.__class__ is str and kind in _NAMED_KINDS:
                    node, refs, digest = self._named(
                        field_type, kind, namespace, field_pointer + "/type"
                    )
                elif kind == "array" or kind == "map":
                    node, refs, digest = self._container(
                        field_type,
                        "items" if kind == "array" else "values",
                        namespace,
                        field_pointer + "/type",
                    )
                else:
                    node, refs, digest = build(field_type, namespace, field_pointer + "/type")
            else:
                node, refs, digest = build(field_type, namespace, field_pointer + "/type")
            field_node = FieldNode(name, node, i, field_pointer, has_default, default, aliases, doc)
            field_nodes.append(field_node)
            by_name[name] = field_node
            if refs:
                field_keys[name] = -next(_NEXT_ID)
                open_refs = open_refs | refs
            else:
                field_keys[name] = digest
            if has_default and not (
                # null for a union whose first branch is null: the most common
                # default, valid without a look at the rest of the type.
                default is None
                and isinstance(node, UnionNode)
                and node.branches
                and node.branches[0] is _NULL
            ):
                with_defaults.append(field_node)
            head.append((name, aliases, has_default, digest))
        if not pointer:
            self.root_field = None
            if self.pair is not None:
                head.append(self.pair.marker)
        return open_refs

    def _left_out(
        self, pair: _Pair, i: int, raw_field: Any, namespace: str, by_name: dict[str, FieldNode]
    ) -> bool:
        """Validate top-level field ``i`` of the first version without building it
        (see parse_pair); False if it must be built."""
        names = self.names
        defined: list[str] = []
        try:
            exact = _vouch_field(raw_field, namespace, names, by_name, defined)
        except _Unvouchable:
            return False
        name = raw_field["name"]
        pair.vouched[i] = (name, tuple(defined), exact)
        by_name[name] = _OPAQUE_FIELD
        for fullname in defined:
            names[fullname] = _OPAQUE
        return True

    def _shareable_runs(self, fields: list[Any], reference: ParsedSchema) -> dict[int, int]:
        """The runs of top-level fields whose JSON equals the reference's field at
        the same index and which may be shared, as first index -> end index."""
        their_fields = reference.raw["fields"]
        # C-level comparisons of every pair at once.
        shareable = list(map(operator.eq, fields, their_fields))
        count = len(shareable)
        for i in reference._unshareable:
            if i < count:
                shareable[i] = False
        for i in reference._exact:
            if i < count and shareable[i] and not _same_json(fields[i], their_fields[i]):
                shareable[i] = False
        # Where the named types defined in top-level fields are, for bisect.
        self.their_positions = tuple(reference._defined_in.values())
        # A Python step per run rather than per field.
        shareable.append(False)
        runs: dict[int, int] = {}
        start = 0
        while True:
            try:
                start = shareable.index(True, start)
            except ValueError:
                return runs
            end = shareable.index(False, start)
            runs[start] = end
            start = end

    def _take_over(
        self,
        reference: ParsedSchema | None,
        record: RecordNode,
        head: list[Any],
        start: int,
        end: int,
    ) -> bool:
        """Take over the reference's nodes of top-level fields ``start`` to ``end``
        (excluded); False, taking nothing, if a name in them clashes with one
        already defined (building them then reports it).

        Equal JSON in the same context: the reference's nodes, already
        validated, are what building these fields would give. The fields were
        parsed together in the reference, so they cannot clash with each other,
        and only their field names and the named types they define can clash
        with what this parse has defined so far. Everything is copied in bulk:
        the reference's per-field dicts and digest key list every field once,
        in order, and its ``_defined_in`` lists named types in definition order.
        """
        assert reference is not None, "runs come from a reference"
        their_root: RecordNode = reference.root  # type: ignore[assignment]
        by_name = record.fields_by_name
        if by_name and not by_name.keys().isdisjoint(islice(their_root.fields_by_name, start, end)):
            return False
        their_defined_in: dict[str, int] = reference._defined_in
        first = last = 0
        if their_defined_in:
            positions = self.their_positions
            first = bisect.bisect_left(positions, start)
            last = bisect.bisect_left(positions, end, first)
        names = self.names
        if first < last and not names.keys().isdisjoint(islice(their_defined_in, first, last)):
            return False
        record.fields.extend(their_root.fields[start:end])
        by_name.update(islice(their_root.fields_by_name.items(), start, end))
        record.field_keys.update(islice(their_root.field_keys.items(), start, end))
        head.extend(reference._root_head[3 + start : 3 + end])
        if first < last:
            their_names = reference.names
            defined_in = self.defined_in
            for fullname, index in islice(their_defined_in.items(), first, last):
                names[fullname] = their_names[fullname]
                defined_in[fullname] = index
        for i in reference._exact:
            if start <= i < end:
                # Still compared type-exactly when this schema is a reference.
                self.exact.add(i)
        return True

    def _reference_for(self, root: RecordNode) -> ParsedSchema | None:
        """The reference, if its root is a record of the same full name (which
        determines the namespace its fields are in)."""
        reference = self.reference
        if reference is None:
            return None
        other = reference.root
        if not isinstance(other, RecordNode) or other.fullname != root.fullname:
            return None
        return reference

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


_MISSING: Any = object()


def _field_aliases(aliases: object, pointer: str) -> tuple[str, ...]:
    if not isinstance(aliases, list):
        raise SchemaError("aliases must be an array of names", f"{pointer}/aliases")
    for j, alias in enumerate(aliases):
        if not isinstance(alias, str) or not _is_name(alias):
            raise SchemaError(
                f"field alias {_json_text(alias)} must match [A-Za-z_][A-Za-z0-9_]*",
                f"{pointer}/aliases/{j}",
            )
    return tuple(aliases)


def _check_field_name(name: object, pointer: str) -> None:
    if not isinstance(name, str) or not _is_name(name):
        if name is None:
            raise SchemaError("a field needs a 'name'", pointer)
        raise SchemaError(
            f"field name {_json_text(name)} must match [A-Za-z_][A-Za-z0-9_]*",
            f"{pointer}/name",
        )


def _enum_symbols(
    value: dict[str, Any], pointer: str
) -> tuple[tuple[str, ...], frozenset[str], str | None]:
    symbols = value.get("symbols")
    if not isinstance(symbols, list):
        raise SchemaError("an enum needs a 'symbols' array", f"{pointer}/symbols")
    try:
        plain = all(map(str.isidentifier, symbols)) and "".join(symbols).isascii()
    except TypeError:  # a symbol that is not a string, reported below
        plain = False
    symbol_set = frozenset(symbols) if plain else _EMPTY
    if plain and len(symbol_set) == len(symbols):
        # The common case, checked by builtins over the whole list; the loop
        # below finds the culprit otherwise.
        default = value.get("default")
        if "default" in value and not (isinstance(default, str) and default in symbol_set):
            raise SchemaError(
                f"enum default {_json_text(default)} is not one of the symbols",
                f"{pointer}/default",
            )
        return tuple(symbols), symbol_set, default
    seen: set[str] = set()
    for i, symbol in enumerate(symbols):
        if not isinstance(symbol, str) or not _is_name(symbol):
            raise SchemaError(
                f"enum symbol {_json_text(symbol)} must match [A-Za-z_][A-Za-z0-9_]*",
                f"{pointer}/symbols/{i}",
            )
        if symbol in seen:
            raise SchemaError(
                f"enum symbol {symbol!r} appears more than once", f"{pointer}/symbols/{i}"
            )
        seen.add(symbol)
    default = value.get("default")
    if "default" in value and not (isinstance(default, str) and default in seen):
        raise SchemaError(
            f"enum default {_json_text(default)} is not one of the symbols",
            f"{pointer}/default",
        )
    return tuple(symbols), frozenset(seen), default


def _same_json(value: Any, other: Any) -> bool:
    """Whether two JSON values are equal including the types of their numbers
    (``==`` takes ``1``, ``1.0`` and ``true`` for equal).

    marshal (version 2: no back-references, so sharing between objects does
    not show) writes a value's exact type and content, so equal output means
    type-exact equality; the converse is not needed (a string that happens to
    be interned on one side only makes them look different, which only costs
    a rebuild).
    """
    try:
        return marshal.dumps(value, 2) == marshal.dumps(other, 2)
    except ValueError:  # not a plain JSON value (a dict subclass...)
        return False


def _lookup(names: dict[str, NamedNode], name: str, namespace: str) -> NamedNode | None:
    found = names.get(_qualify(name, namespace))
    if found is None and "." not in name:
        # Like the Java implementation, fall back to the null namespace.
        found = names.get(name)
    return found


def _resolved(names: dict[str, NamedNode], name: str, namespace: str) -> str:
    found = _lookup(names, name, namespace)
    assert found is not None, "references were checked while parsing"
    return found.fullname


def _normalize(value: Any, namespace: str, names: dict[str, NamedNode]) -> Any:
    """The normalized JSON of an already validated schema (see ParsedSchema)."""
    if isinstance(value, str):
        if value in PRIMITIVE_TYPES:
            return value
        return _resolved(names, value, namespace)
    if isinstance(value, list):
        return [_normalize(item, namespace, names) for item in value]
    kind = value["type"]
    if kind in PRIMITIVE_TYPES:
        return kind if len(value) == 1 else dict(value)
    normalized = {k: v for k, v in value.items() if k != "namespace"}
    if kind in ("record", "error", "enum", "fixed"):
        fullname, _, own_namespace = _split_name(value, namespace, "")
        normalized["name"] = fullname
        if "aliases" in value:
            normalized["aliases"] = sorted(_qualify(a, own_namespace) for a in value["aliases"])
        if "fields" in value:
            normalized["fields"] = [
                {**f, "type": _normalize(f["type"], own_namespace, names)} for f in value["fields"]
            ]
    elif kind == "array":
        normalized["items"] = _normalize(value["items"], namespace, names)
    elif kind == "map":
        normalized["values"] = _normalize(value["values"], namespace, names)
    else:
        return _resolved(names, kind, namespace)
    return normalized


def _json_text(value: Any) -> str:
    """``value`` as JSON for an error message (its nesting was checked on input)."""
    return json.dumps(value)


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
        ok = isinstance(value, str) and value in node.symbol_set
        return None if ok else "expected one of the enum symbols"
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
