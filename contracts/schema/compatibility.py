"""Compatibility checks between Avro schemas, per Avro's schema resolution rules.

The checker answers "can a reader with schema R decode data written with
schema W?" in two passes: a fast, memoized yes/no pass, and, only for pairs
that fail, an explaining pass that records where and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from enum import StrEnum
from typing import Any

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
    RecordNode,
    UnionNode,
    type_label,
)
from contracts.schema.parse import DEFAULT_MAX_BYTES, ParsedSchema, parse_pair, parse_schema

SchemaInput = str | bytes | dict[str, Any] | list[Any] | ParsedSchema


class CompatibilityLevel(StrEnum):
    """The seven compatibility levels of Confluent's Schema Registry."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"


class Rule(StrEnum):
    """Incompatibility kinds, named as in Apache Avro and Confluent."""

    NAME_MISMATCH = "NAME_MISMATCH"
    FIXED_SIZE_MISMATCH = "FIXED_SIZE_MISMATCH"
    MISSING_ENUM_SYMBOLS = "MISSING_ENUM_SYMBOLS"
    READER_FIELD_MISSING_DEFAULT_VALUE = "READER_FIELD_MISSING_DEFAULT_VALUE"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    MISSING_UNION_BRANCH = "MISSING_UNION_BRANCH"


BACKWARD = "BACKWARD"
FORWARD = "FORWARD"

# Levels by their exact spelling (a StrEnum member hashes and compares as its
# value, so members are found too); anything else goes through the enum.
_LEVELS = {level.value: level for level in CompatibilityLevel}
# Per level: whether it is transitive, and the directions it checks.
_PLANS: dict[CompatibilityLevel, tuple[bool, tuple[str, ...]]] = {
    level: (
        level.endswith("_TRANSITIVE"),
        {"BACKWARD": (BACKWARD,), "FORWARD": (FORWARD,), "FULL": (BACKWARD, FORWARD)}.get(
            level.removesuffix("_TRANSITIVE"), ()
        ),
    )
    for level in CompatibilityLevel
}

# Writer types each reader type accepts besides itself (Avro type promotion).
_PROMOTIONS: dict[str, frozenset[str]] = {
    "long": frozenset({"int"}),
    "float": frozenset({"int", "long"}),
    "double": frozenset({"int", "long", "float"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}
_NO_PROMOTION: frozenset[str] = frozenset()
# Past this many explained problems per reader/writer pair, more detail does not
# help anyone, and it bounds the work on adversarial schemas.
_MAX_EXPLAINED = 50
_NOT_ASSUMED = 1 << 30


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One reason why a reader cannot read a writer's data.

    ``path`` is a JSON pointer into the reader schema (``/fields/1/type``);
    ``field`` the dotted field path (``customer.address.city``, "" for the
    top-level type); ``direction`` says which side was the reader: BACKWARD
    means the new schema reading ``existing[old_version_index]``, FORWARD the
    reverse.
    """

    rule: Rule
    path: str
    field: str
    reader_type: str
    writer_type: str
    message: str
    old_version_index: int
    direction: str

    def as_dict(self) -> dict[str, Any]:
        """Return the incompatibility as a JSON-serializable dict."""
        return {
            "rule": str(self.rule),
            "path": self.path,
            "field": self.field,
            "reader_type": self.reader_type,
            "writer_type": self.writer_type,
            "message": self.message,
            "old_version_index": self.old_version_index,
            "direction": self.direction,
        }


@dataclass(frozen=True, slots=True)
class CompatibilityResult:
    """The verdict of :func:`check_compatibility` and the reasons behind it."""

    level: CompatibilityLevel
    incompatibilities: list[Incompatibility]

    @property
    def is_compatible(self) -> bool:
        """Whether the new schema satisfies the level against every version it was checked with."""
        return not self.incompatibilities

    @property
    def messages(self) -> list[str]:
        """The one-sentence messages, in order."""
        return [item.message for item in self.incompatibilities]

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serializable dict."""
        return {
            "level": str(self.level),
            "is_compatible": self.is_compatible,
            "incompatibilities": [item.as_dict() for item in self.incompatibilities],
        }


# Incompatibility(...) and CompatibilityResult(...) for the hot path, at about
# a third of the cost: the dataclasses' __init__ sets each field through
# object.__setattr__, looked up per call; these set the slots through their
# descriptors, looked up once. A test checks that they make what __init__ makes.
_NEW = object.__new__
_SET_RULE, _SET_PATH, _SET_FIELD, _SET_READER, _SET_WRITER, _SET_MESSAGE, _SET_INDEX, _SET_DIR = (
    Incompatibility.__dict__[item.name].__set__ for item in dataclass_fields(Incompatibility)
)
_SET_LEVEL, _SET_FOUND = (
    CompatibilityResult.__dict__[item.name].__set__
    for item in dataclass_fields(CompatibilityResult)
)


def _new_incompatibility(
    rule: Rule,
    path: str,
    field: str,
    reader_type: str,
    writer_type: str,
    message: str,
    old_version_index: int,
    direction: str,
) -> Incompatibility:
    made = _NEW(Incompatibility)
    _SET_RULE(made, rule)
    _SET_PATH(made, path)
    _SET_FIELD(made, field)
    _SET_READER(made, reader_type)
    _SET_WRITER(made, writer_type)
    _SET_MESSAGE(made, message)
    _SET_INDEX(made, old_version_index)
    _SET_DIR(made, direction)
    return made


def _new_result(
    level: CompatibilityLevel, incompatibilities: list[Incompatibility]
) -> CompatibilityResult:
    made = _NEW(CompatibilityResult)
    _SET_LEVEL(made, level)
    _SET_FOUND(made, incompatibilities)
    return made


# Not frozen: a frozen dataclass pays an object.__setattr__ per field, and this
# one is internal and never changed once made.
@dataclass(slots=True)
class _Problem:
    """An incompatibility before it is phrased for a direction and a version."""

    rule: Rule
    path: str
    field: str
    where: str
    reader: Node
    writer: Node
    detail: str = ""


def check_compatibility(
    new: SchemaInput,
    existing: Sequence[SchemaInput],
    level: str | CompatibilityLevel = CompatibilityLevel.BACKWARD,
    *,
    version_labels: Sequence[str | int] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> CompatibilityResult:
    """Check ``new`` against ``existing`` (oldest first) at a compatibility level.

    BACKWARD: the new schema can read data written with the existing one;
    FORWARD: the existing one can read data written with the new; FULL: both.
    Non-transitive levels compare with the last of ``existing``, transitive
    ones with all of them; NONE only validates ``new``. With no existing
    schema everything is compatible.

    Schemas may be given as text, JSON values or :class:`ParsedSchema` (pass
    parsed schemas, e.g. cached by fingerprint, to avoid re-parsing).
    ``version_labels`` name the existing schemas in messages (default:
    ``version 1`` for the oldest). Raises :class:`SchemaError` if any schema
    is invalid (for an existing one, the message says which) and
    ``ValueError`` for an unknown level.
    """
    found_level = _LEVELS.get(level)
    level = CompatibilityLevel(str(level).upper()) if found_level is None else found_level
    transitive, directions = _PLANS[level]
    last = existing[-1] if existing else None
    # Checked against the last version only, both given as JSON: the fields they
    # have in common are validated once and built for neither (see parse_pair).
    pair = (
        parse_pair(new, last, max_bytes)
        if last is not None
        and (not transitive or len(existing) == 1)
        and level is not CompatibilityLevel.NONE
        and not isinstance(new, ParsedSchema)
        and not isinstance(last, ParsedSchema)
        else None
    )
    if pair is not None:
        new_parsed, last_parsed = pair
    else:
        # A new version mostly repeats the previous one, so each side parsed from
        # JSON shares the top-level fields it has in common with the other.
        new_parsed = parse_schema(
            new, max_bytes=max_bytes, reference=last if isinstance(last, ParsedSchema) else None
        )
    if level is CompatibilityLevel.NONE or not existing:
        return _new_result(level, [])
    indexes = range(len(existing)) if transitive else (len(existing) - 1,)
    checker = _Checker()
    # Registry histories often repeat a schema; each distinct pair is checked once.
    # Root digests identify whole schemas exactly (a root is always closed).
    pair_results: dict[tuple[int, int], list[_Problem]] = {}
    found: list[Incompatibility] = []
    # A version given as the very text of the new schema is the same schema (a
    # schema checked again unchanged, a history that repeats it): not parsed again.
    new_text = new if isinstance(new, str) else None
    for index in indexes:
        schema = existing[index]
        if pair is not None:
            old = last_parsed
        elif new_text is not None and isinstance(schema, str) and schema == new_text:
            old = new_parsed
        else:
            old = _parse_existing(schema, index, max_bytes, new_parsed)
        label = _label(version_labels, index)
        for direction in directions:
            reader, writer = (new_parsed, old) if direction == BACKWARD else (old, new_parsed)
            key = (reader.root.digest, writer.root.digest)
            problems = pair_results.get(key)
            if problems is None:
                problems = checker.check(reader.root, writer.root)
                pair_results[key] = problems
            found.extend(_phrase(p, direction, index, label) for p in problems)
    return _new_result(level, found)


def _parse_existing(
    schema: SchemaInput, index: int, max_bytes: int, reference: ParsedSchema
) -> ParsedSchema:
    try:
        return parse_schema(schema, max_bytes=max_bytes, reference=reference)
    except SchemaError as exc:
        raise SchemaError(f"existing schema {index}: {exc.message}", exc.path) from exc


def _label(labels: Sequence[str | int] | None, index: int) -> str:
    if labels is None:
        return f"version {index + 1}"
    label = labels[index]
    return f"version {label}" if isinstance(label, int) else label


class _Checker:
    """Reader/writer resolution with memoization shared across all pairs of one call."""

    def __init__(self) -> None:
        self.verdicts: dict[tuple[object, object], bool] = {}
        self.active: dict[tuple[object, object], int] = {}
        self.lowest_assumption = _NOT_ASSUMED
        self.explaining: set[tuple[int, int]] = set()

    def check(self, reader: Node, writer: Node) -> list[_Problem]:
        """Return why ``reader`` cannot read ``writer``; empty when it can."""
        if self.compatible(reader, writer):
            return []
        problems: list[_Problem] = []
        self.explain(reader, writer, "", "", "the top-level type", problems)
        if not problems:
            # Cannot happen if explain mirrors compatible(); if it ever does, the
            # verdict must still be "incompatible" rather than silently flip.
            problems.append(
                _Problem(Rule.TYPE_MISMATCH, "", "", "the top-level type", reader, writer)
            )
        return problems

    def compatible(self, reader: Node, writer: Node) -> bool:
        """Whether ``reader`` can read everything ``writer`` can write."""
        if reader is writer:
            return True
        key: tuple[object, object]
        if reader.closed and writer.closed:
            if reader.digest == writer.digest:
                return True
            key = (reader.digest, writer.digest)
        else:
            key = (id(reader), id(writer))
        verdict = self.verdicts.get(key)
        if verdict is not None:
            return verdict
        depth = self.active.get(key)
        if depth is not None:
            # A pair already being compared: recursive types are compatible
            # unless something else in them is not (coinduction).
            self.lowest_assumption = min(self.lowest_assumption, depth)
            return True
        own_depth = len(self.active)
        self.active[key] = own_depth
        outer_assumption = self.lowest_assumption
        self.lowest_assumption = _NOT_ASSUMED
        try:
            verdict = self._compute(reader, writer)
        finally:
            del self.active[key]
        # A "yes" that assumed an enclosing pair compatible is only provisional;
        # a "no" is final because assumptions only ever turn answers into yes.
        if not verdict or self.lowest_assumption >= own_depth:
            self.verdicts[key] = verdict
            self.lowest_assumption = outer_assumption
        else:
            self.lowest_assumption = min(outer_assumption, self.lowest_assumption)
        return verdict

    def _compute(self, reader: Node, writer: Node) -> bool:
        reader_kind = reader.kind
        writer_kind = writer.kind
        if isinstance(writer, UnionNode):
            return all(self.compatible(reader, branch) for branch in writer.branches)
        if isinstance(reader, UnionNode):
            return any(self.compatible(branch, writer) for branch in reader.branches)
        if reader_kind != writer_kind:
            return writer_kind in _PROMOTIONS.get(reader_kind, _NO_PROMOTION)
        if reader_kind in PRIMITIVE_TYPES:
            return True
        if isinstance(reader, RecordNode):
            assert isinstance(writer, RecordNode)
            if not _names_match(reader, writer):
                return False
            # Fields of the same name and identical type need no further look.
            differing = reader.field_keys.items() - writer.field_keys.items()
            for name, _ in differing:
                reader_field = reader.fields_by_name[name]
                writer_field = _writer_field(reader_field, writer)
                if writer_field is None:
                    if not reader_field.has_default:
                        return False
                elif not self.compatible(reader_field.type, writer_field.type):
                    return False
            return True
        if isinstance(reader, ArrayNode):
            assert isinstance(writer, ArrayNode)
            return self.compatible(reader.items, writer.items)
        if isinstance(reader, MapNode):
            assert isinstance(writer, MapNode)
            return self.compatible(reader.values, writer.values)
        if isinstance(reader, EnumNode):
            assert isinstance(writer, EnumNode)
            return _names_match(reader, writer) and (
                reader.default is not None or writer.symbol_set <= reader.symbol_set
            )
        assert isinstance(reader, FixedNode) and isinstance(writer, FixedNode)
        return _names_match(reader, writer) and reader.size == writer.size

    def explain(
        self,
        reader: Node,
        writer: Node,
        path: str,
        field: str,
        where: str,
        out: list[_Problem],
    ) -> None:
        """Record why an incompatible pair is incompatible, as deep as is useful."""
        key = (id(reader), id(writer))
        if key in self.explaining or len(out) >= _MAX_EXPLAINED:
            return
        self.explaining.add(key)
        try:
            self._explain(reader, writer, path, field, where, out)
        finally:
            self.explaining.discard(key)

    def _explain(
        self,
        reader: Node,
        writer: Node,
        path: str,
        field: str,
        where: str,
        out: list[_Problem],
    ) -> None:
        if isinstance(writer, UnionNode):
            for branch in writer.branches:
                if not self.compatible(reader, branch):
                    self.explain(reader, branch, path, field, where, out)
            return
        if isinstance(reader, UnionNode):
            # Pointing inside the branch that was meant to read this writer
            # type (same kind and name) is more useful than "no branch fits".
            for i, branch in enumerate(reader.branches):
                if _same_shape(branch, writer):
                    self.explain(branch, writer, f"{path}/{i}", field, where, out)
                    return
            out.append(_Problem(Rule.MISSING_UNION_BRANCH, path, field, where, reader, writer))
            return
        if reader.kind != writer.kind:
            out.append(_Problem(Rule.TYPE_MISMATCH, path, field, where, reader, writer))
            return
        if isinstance(reader, NamedNode) and not _names_match(reader, writer):
            out.append(_Problem(Rule.NAME_MISMATCH, f"{path}/name", field, where, reader, writer))
            return
        if isinstance(reader, RecordNode):
            assert isinstance(writer, RecordNode)
            self._explain_fields(reader, writer, path, field, out)
        elif isinstance(reader, ArrayNode):
            assert isinstance(writer, ArrayNode)
            items_where = f"the items of {where}"
            self.explain(reader.items, writer.items, f"{path}/items", field, items_where, out)
        elif isinstance(reader, MapNode):
            assert isinstance(writer, MapNode)
            values_where = f"the values of {where}"
            self.explain(reader.values, writer.values, f"{path}/values", field, values_where, out)
        elif isinstance(reader, EnumNode):
            assert isinstance(writer, EnumNode)
            missing = [s for s in writer.symbols if s not in reader.symbol_set]
            out.append(
                _Problem(
                    Rule.MISSING_ENUM_SYMBOLS,
                    f"{path}/symbols",
                    field,
                    where,
                    reader,
                    writer,
                    ", ".join(missing),
                )
            )
        elif isinstance(reader, FixedNode):
            out.append(
                _Problem(Rule.FIXED_SIZE_MISMATCH, f"{path}/size", field, where, reader, writer)
            )

    def _explain_fields(
        self,
        reader: RecordNode,
        writer: RecordNode,
        path: str,
        field: str,
        out: list[_Problem],
    ) -> None:
        prefix = f"{field}." if field else ""
        writer_keys = writer.field_keys
        for reader_field in reader.fields:
            if writer_keys.get(reader_field.name) == reader.field_keys[reader_field.name]:
                continue
            field_path = prefix + reader_field.name
            # The field's own index: a record from parse_pair lists only some fields.
            field_pointer = f"{path}/fields/{reader_field.index}"
            writer_field = _writer_field(reader_field, writer)
            if writer_field is None:
                if not reader_field.has_default:
                    out.append(
                        _Problem(
                            Rule.READER_FIELD_MISSING_DEFAULT_VALUE,
                            field_pointer,
                            field_path,
                            f"field `{field_path}`",
                            reader_field.type,
                            writer,
                            reader_field.name,
                        )
                    )
            elif not self.compatible(reader_field.type, writer_field.type):
                self.explain(
                    reader_field.type,
                    writer_field.type,
                    f"{field_pointer}/type",
                    field_path,
                    f"field `{field_path}`",
                    out,
                )


def _names_match(reader: NamedNode, writer: Node) -> bool:
    assert isinstance(writer, NamedNode)
    return reader.name == writer.name or writer.fullname in reader.aliases


def _writer_field(reader_field: FieldNode, writer: RecordNode) -> FieldNode | None:
    found = writer.fields_by_name.get(reader_field.name)
    if found is None:
        for alias in reader_field.aliases:
            found = writer.fields_by_name.get(alias)
            if found is not None:
                break
    return found


def _same_shape(branch: Node, writer: Node) -> bool:
    if branch.kind != writer.kind:
        return False
    if isinstance(branch, NamedNode):
        return _names_match(branch, writer)
    return True


def _phrase(problem: _Problem, direction: str, index: int, label: str) -> Incompatibility:
    if direction == BACKWARD:
        reader_name, writer_name = "the new schema", label
        consequence = f"so the new schema cannot read events written with {label} (BACKWARD)"
    else:
        reader_name, writer_name = label, "the new schema"
        consequence = (
            f"so consumers still using {label} cannot read events written with the new schema "
            "(FORWARD)"
        )
    reader_type = type_label(problem.reader)
    writer_type = (
        "(missing)"
        if problem.rule is Rule.READER_FIELD_MISSING_DEFAULT_VALUE
        else type_label(problem.writer)
    )
    what = _what(problem, reader_name, writer_name, reader_type, writer_type)
    return _new_incompatibility(
        problem.rule,
        problem.path,
        problem.field,
        reader_type,
        writer_type,
        f"{what}, {consequence}",
        index,
        direction,
    )


def _what(
    problem: _Problem, reader_name: str, writer_name: str, reader_type: str, writer_type: str
) -> str:
    where = problem.where
    rule = problem.rule
    if rule is Rule.READER_FIELD_MISSING_DEFAULT_VALUE:
        return f"{where} has no default in {reader_name} and is missing in {writer_name}"
    if rule is Rule.TYPE_MISMATCH:
        return (
            f"{where} is {writer_type} in {writer_name} but {reader_type} in {reader_name}, "
            f"and Avro cannot promote {writer_type} to {reader_type}"
        )
    if rule is Rule.MISSING_UNION_BRANCH:
        return (
            f"{where} is the union {reader_type} in {reader_name}, which has no branch "
            f"that can read {writer_type} from {writer_name}"
        )
    assert isinstance(problem.reader, NamedNode) and isinstance(problem.writer, NamedNode)
    if rule is Rule.NAME_MISMATCH:
        return (
            f"{where} is the named type `{problem.writer.fullname}` in {writer_name} "
            f"but `{problem.reader.fullname}` in {reader_name}, and no alias links them"
        )
    if rule is Rule.MISSING_ENUM_SYMBOLS:
        return (
            f"{where}: enum `{problem.reader.name}` in {reader_name} lacks "
            f"{problem.detail} used in {writer_name} and has no default symbol"
        )
    assert isinstance(problem.reader, FixedNode) and isinstance(problem.writer, FixedNode)
    return (
        f"{where} is fixed `{problem.writer.name}` of {problem.writer.size} bytes in "
        f"{writer_name} but {problem.reader.size} bytes in {reader_name}"
    )
