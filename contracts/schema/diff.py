"""Field-level differences between two versions of a schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contracts.schema.compatibility import SchemaInput
from contracts.schema.model import (
    ArrayNode,
    EnumNode,
    FieldNode,
    MapNode,
    NamedNode,
    Node,
    RecordNode,
    UnionNode,
    is_nullable,
    type_label,
)
from contracts.schema.parse import parse_schema


class ChangeKind(StrEnum):
    """What changed between two versions of a schema."""

    FIELD_ADDED = "FIELD_ADDED"
    FIELD_REMOVED = "FIELD_REMOVED"
    TYPE_CHANGED = "TYPE_CHANGED"
    DEFAULT_ADDED = "DEFAULT_ADDED"
    DEFAULT_REMOVED = "DEFAULT_REMOVED"
    DEFAULT_CHANGED = "DEFAULT_CHANGED"
    DOC_CHANGED = "DOC_CHANGED"
    NULLABILITY_CHANGED = "NULLABILITY_CHANGED"
    ENUM_SYMBOLS_ADDED = "ENUM_SYMBOLS_ADDED"
    ENUM_SYMBOLS_REMOVED = "ENUM_SYMBOLS_REMOVED"
    ALIASES_CHANGED = "ALIASES_CHANGED"
    LIKELY_RENAME = "LIKELY_RENAME"


@dataclass(frozen=True, slots=True)
class Change:
    """One field-level change.

    ``path`` is the dotted field path ("" for the top-level type) in the old
    schema, or in the new one for additions. ``old`` and ``new`` hold the
    values that changed (type labels, defaults, docs, symbol or alias lists).
    For LIKELY_RENAME, ``old_name``/``new_name`` name the fields and
    ``suggestion`` says how to make the change safely.
    """

    kind: ChangeKind
    path: str
    message: str
    old: Any = None
    new: Any = None
    old_name: str | None = None
    new_name: str | None = None
    suggestion: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the change as a JSON-serializable dict."""
        return {
            "kind": str(self.kind),
            "path": self.path,
            "message": self.message,
            "old": self.old,
            "new": self.new,
            "old_name": self.old_name,
            "new_name": self.new_name,
            "suggestion": self.suggestion,
        }


def diff_schemas(old: SchemaInput, new: SchemaInput) -> list[Change]:
    """List the field-level changes from ``old`` to ``new``, in schema order.

    Fields are matched by name, then by the new field's aliases (an aliased
    rename is reported as ALIASES_CHANGED on the new name). Nested records are
    compared field by field wherever both versions have them: directly,
    inside nullable or other unions, and as array items or map values, with
    the dotted paths of :func:`contracts.schema.field_paths`.

    A removed and an added field in the same record whose names differ only
    in case or underscores (``customer_id`` -> ``customerId``), or that have
    the same type at the same position, are also reported as LIKELY_RENAME
    (after their FIELD_REMOVED and FIELD_ADDED) with a safe alternative.
    Raises :class:`SchemaError` for an invalid schema.
    """
    old_parsed = parse_schema(old)
    new_parsed = parse_schema(new)
    differ = _Differ()
    differ.compare_types(old_parsed.root, new_parsed.root, "")
    return differ.changes


def _subject(path: str) -> str:
    return f"field `{path}`" if path else "the top-level type"


def _shape(node: Node) -> str:
    return type_label(node)


def _non_null(node: Node) -> Node:
    """The type inside a two-branch nullable union, or the node itself."""
    if isinstance(node, UnionNode) and len(node.branches) == 2:
        kinds = [b.kind for b in node.branches]
        if "null" in kinds:
            return node.branches[1 - kinds.index("null")]
    return node


def _same_named(old: Node, new: Node) -> bool:
    if not (isinstance(old, NamedNode) and isinstance(new, NamedNode)) or old.kind != new.kind:
        return False
    return old.name == new.name or old.fullname in new.aliases


def _normalized_name(name: str) -> str:
    return name.replace("_", "").lower()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Differ:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.active: set[tuple[int, int]] = set()

    def add(self, kind: ChangeKind, path: str, message: str, **extra: Any) -> None:
        self.changes.append(Change(kind, path, message, **extra))

    def compare_types(self, old: Node, new: Node, path: str) -> None:
        subject = _subject(path)
        old_shape, new_shape = _shape(old), _shape(new)
        old_nullable, new_nullable = is_nullable(old), is_nullable(new)
        old_core, new_core = _non_null(old), _non_null(new)
        if old_nullable != new_nullable:
            became = "became nullable" if new_nullable else "is no longer nullable"
            self.add(
                ChangeKind.NULLABILITY_CHANGED,
                path,
                f"{subject} {became} ({old_shape} -> {new_shape})",
                old=old_nullable,
                new=new_nullable,
            )
        if old_shape != new_shape and _shape(old_core) != _shape(new_core):
            self.add(
                ChangeKind.TYPE_CHANGED,
                path,
                f"{subject} changed type from {old_shape} to {new_shape}",
                old=old_shape,
                new=new_shape,
            )
        self._descend(old_core, new_core, path)

    def _descend(self, old: Node, new: Node, path: str) -> None:
        if isinstance(old, RecordNode) and isinstance(new, RecordNode):
            if _same_named(old, new):
                self._compare_named(old, new, path)
                self._compare_records(old, new, path)
        elif isinstance(old, EnumNode) and isinstance(new, EnumNode):
            if _same_named(old, new):
                self._compare_named(old, new, path)
                self._compare_enums(old, new, path)
        elif isinstance(old, NamedNode) and isinstance(new, NamedNode):
            if _same_named(old, new):
                self._compare_named(old, new, path)
        elif isinstance(old, ArrayNode) and isinstance(new, ArrayNode):
            self._descend(_non_null(old.items), _non_null(new.items), path)
        elif isinstance(old, MapNode) and isinstance(new, MapNode):
            self._descend(_non_null(old.values), _non_null(new.values), path)
        elif isinstance(old, UnionNode) and isinstance(new, UnionNode):
            for old_branch in old.branches:
                for new_branch in new.branches:
                    if _same_named(old_branch, new_branch) or (
                        old_branch.kind == new_branch.kind and old_branch.kind in ("array", "map")
                    ):
                        self._descend(old_branch, new_branch, path)
                        break

    def _compare_named(self, old: NamedNode, new: NamedNode, path: str) -> None:
        what = (
            f"{old.kind} `{new.name}` of {_subject(path)}" if path else f"{old.kind} `{new.name}`"
        )
        if old.doc != new.doc:
            self.add(
                ChangeKind.DOC_CHANGED, path, f"the doc of {what} changed", old=old.doc, new=new.doc
            )
        if old.aliases != new.aliases:
            old_aliases, new_aliases = sorted(old.aliases), sorted(new.aliases)
            self.add(
                ChangeKind.ALIASES_CHANGED,
                path,
                f"the aliases of {what} changed from {old_aliases} to {new_aliases}",
                old=old_aliases,
                new=new_aliases,
            )

    def _compare_enums(self, old: EnumNode, new: EnumNode, path: str) -> None:
        what = f"enum `{new.name}`" + (f" of {_subject(path)}" if path else "")
        added = [s for s in new.symbols if s not in old.symbol_set]
        removed = [s for s in old.symbols if s not in new.symbol_set]
        if added:
            self.add(
                ChangeKind.ENUM_SYMBOLS_ADDED,
                path,
                f"{what} gained the symbols {', '.join(added)}",
                old=list(old.symbols),
                new=list(new.symbols),
            )
        if removed:
            self.add(
                ChangeKind.ENUM_SYMBOLS_REMOVED,
                path,
                f"{what} lost the symbols {', '.join(removed)}",
                old=list(old.symbols),
                new=list(new.symbols),
            )
        if old.default != new.default:
            self.add(
                ChangeKind.DEFAULT_CHANGED,
                path,
                f"the default symbol of {what} changed from {_json(old.default)} "
                f"to {_json(new.default)}",
                old=old.default,
                new=new.default,
            )

    def _compare_records(self, old: RecordNode, new: RecordNode, path: str) -> None:
        key = (id(old), id(new))
        if key in self.active:
            return
        self.active.add(key)
        try:
            self._compare_fields(old, new, f"{path}." if path else "")
        finally:
            self.active.discard(key)

    def _compare_fields(self, old: RecordNode, new: RecordNode, prefix: str) -> None:
        matched: dict[str, FieldNode] = {}
        for new_field in new.fields:
            candidate = old.fields_by_name.get(new_field.name)
            if candidate is None:
                candidate = next(
                    (old.fields_by_name[a] for a in new_field.aliases if a in old.fields_by_name),
                    None,
                )
            if candidate is not None and candidate.name not in matched:
                matched[candidate.name] = new_field
        removed = [f for f in old.fields if f.name not in matched]
        matched_new = {id(f) for f in matched.values()}
        added = [f for f in new.fields if id(f) not in matched_new]

        for old_field in old.fields:
            path = prefix + old_field.name
            counterpart = matched.get(old_field.name)
            if counterpart is None:
                self.add(
                    ChangeKind.FIELD_REMOVED,
                    path,
                    f"field `{path}` ({type_label(old_field.type)}) was removed",
                    old=type_label(old_field.type),
                )
            else:
                self._compare_field(old_field, counterpart, prefix)
        for new_field in added:
            path = prefix + new_field.name
            with_default = (
                f"with the default {_json(new_field.default)}"
                if new_field.has_default
                else "without a default"
            )
            self.add(
                ChangeKind.FIELD_ADDED,
                path,
                f"field `{path}` ({type_label(new_field.type)}) was added {with_default}",
                new=type_label(new_field.type),
            )
        self._likely_renames(removed, added, prefix)

    def _compare_field(self, old_field: FieldNode, new_field: FieldNode, prefix: str) -> None:
        path = prefix + new_field.name
        if old_field.name != new_field.name or old_field.aliases != new_field.aliases:
            renamed = (
                f" (renamed from `{old_field.name}`)" if old_field.name != new_field.name else ""
            )
            self.add(
                ChangeKind.ALIASES_CHANGED,
                path,
                f"the aliases of field `{path}` changed from {list(old_field.aliases)} "
                f"to {list(new_field.aliases)}{renamed}",
                old=list(old_field.aliases),
                new=list(new_field.aliases),
                old_name=old_field.name,
                new_name=new_field.name,
            )
        self.compare_types(old_field.type, new_field.type, path)
        if old_field.has_default and not new_field.has_default:
            self.add(
                ChangeKind.DEFAULT_REMOVED,
                path,
                f"field `{path}` lost its default {_json(old_field.default)}",
                old=old_field.default,
            )
        elif new_field.has_default and not old_field.has_default:
            self.add(
                ChangeKind.DEFAULT_ADDED,
                path,
                f"field `{path}` gained the default {_json(new_field.default)}",
                new=new_field.default,
            )
        elif old_field.has_default and old_field.default != new_field.default:
            self.add(
                ChangeKind.DEFAULT_CHANGED,
                path,
                f"the default of field `{path}` changed from {_json(old_field.default)} "
                f"to {_json(new_field.default)}",
                old=old_field.default,
                new=new_field.default,
            )
        if old_field.doc != new_field.doc:
            self.add(
                ChangeKind.DOC_CHANGED,
                path,
                f"the doc of field `{path}` changed",
                old=old_field.doc,
                new=new_field.doc,
            )

    def _likely_renames(
        self, removed: list[FieldNode], added: list[FieldNode], prefix: str
    ) -> None:
        remaining = list(added)
        for old_field in removed:
            partner = next(
                (
                    a
                    for a in remaining
                    if _normalized_name(a.name) == _normalized_name(old_field.name)
                ),
                None,
            )
            if partner is None:
                partner = next(
                    (
                        a
                        for a in remaining
                        if a.index == old_field.index
                        and type_label(a.type) == type_label(old_field.type)
                    ),
                    None,
                )
            if partner is None:
                continue
            remaining.remove(partner)
            old_path, new_path = prefix + old_field.name, prefix + partner.name
            self.add(
                ChangeKind.LIKELY_RENAME,
                old_path,
                f"field `{old_path}` looks renamed to `{new_path}`; consumers reading "
                f"`{old_path}` will lose it",
                old=type_label(old_field.type),
                new=type_label(partner.type),
                old_name=old_field.name,
                new_name=partner.name,
                suggestion=(
                    f"Keep `{old_field.name}` and add `{partner.name}` with a default, or give "
                    f'`{partner.name}` "aliases": ["{old_field.name}"] so new readers still read '
                    f"old events; for a breaking rename, publish to a new .v2 topic instead."
                ),
            )
