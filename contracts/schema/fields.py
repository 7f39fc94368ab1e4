"""Listing the fields of a schema as dotted paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.schema.model import (
    ArrayNode,
    FieldNode,
    MapNode,
    Node,
    RecordNode,
    UnionNode,
    is_nullable,
    type_label,
)
from contracts.schema.parse import ParsedSchema


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of a schema, as the catalog shows it.

    ``default`` is only meaningful when ``has_default`` is true (a default of
    ``None`` is a real ``null`` default).
    """

    path: str
    name: str
    type: str
    doc: str | None
    nullable: bool
    has_default: bool
    default: Any
    pointer: str
    aliases: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the field as a JSON-serializable dict."""
        return {
            "path": self.path,
            "name": self.name,
            "type": self.type,
            "doc": self.doc,
            "nullable": self.nullable,
            "has_default": self.has_default,
            "default": self.default,
            "pointer": self.pointer,
            "aliases": list(self.aliases),
        }


def field_paths(schema: ParsedSchema) -> list[FieldInfo]:
    """List every field of a record schema as a dotted path, depth-first in schema order.

    Descends into nested records, including records inside unions (such as a
    nullable record ``["null", Address]``) and records that are array items or
    map values; those use the same dotted notation (``lines.sku``). A
    recursive type is listed once: the walk does not re-enter a record that is
    already on the current path. A schema whose root is not a record has no
    fields.
    """
    result: list[FieldInfo] = []
    _walk(schema.root, "", (), result)
    return result


def _walk(node: Node, prefix: str, on_path: tuple[str, ...], out: list[FieldInfo]) -> None:
    for record in _records_within(node):
        if record.fullname in on_path:
            continue
        inner_path = (*on_path, record.fullname)
        for field_node in record.fields:
            path = f"{prefix}{field_node.name}"
            out.append(_info(field_node, path))
            _walk(field_node.type, f"{path}.", inner_path, out)


def _info(field_node: FieldNode, path: str) -> FieldInfo:
    return FieldInfo(
        path=path,
        name=field_node.name,
        type=type_label(field_node.type),
        doc=field_node.doc,
        nullable=is_nullable(field_node.type),
        has_default=field_node.has_default,
        default=field_node.default,
        pointer=field_node.pointer,
        aliases=field_node.aliases,
    )


def _records_within(node: Node) -> list[RecordNode]:
    """The records whose fields are reachable from ``node`` without crossing another field."""
    if isinstance(node, RecordNode):
        return [node]
    if isinstance(node, UnionNode):
        return [r for branch in node.branches for r in _records_within(branch)]
    if isinstance(node, ArrayNode):
        return _records_within(node.items)
    if isinstance(node, MapNode):
        return _records_within(node.values)
    return []
