"""The resolved, in-memory form of an Avro schema that the engine works on.

Named-type references are resolved to the node objects they name, so a
recursive schema is a graph with cycles; everything walking it must track
what it has already visited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRIMITIVE_TYPES = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
)
NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})


@dataclass(eq=False, slots=True)
class Node:
    """Base of every schema node.

    ``pointer`` is the JSON pointer of the definition ("" for the plain
    primitive nodes, which all schemas share). Nodes are never mutated once
    parsing is done.

    ``digest`` identifies the node's structure exactly (equal digests, equal
    structure; see ``contracts.schema.parse._intern``); it is only an identity
    of the whole subtree when ``closed`` is true, i.e. when the subtree does
    not refer to a named type that is still being defined outside it.
    """

    kind: str
    pointer: str
    logical_type: str | None = None
    digest: int = 0
    closed: bool = True


@dataclass(eq=False, slots=True)
class PrimitiveNode(Node):
    """One of Avro's eight primitive types."""


@dataclass(eq=False, slots=True)
class NamedNode(Node):
    """A record, enum or fixed: the types that have a name."""

    fullname: str = ""
    name: str = ""
    namespace: str = ""
    aliases: frozenset[str] = frozenset()
    doc: str | None = None
    open_refs: frozenset[str] = frozenset()


@dataclass(eq=False, slots=True)
class FieldNode:
    """A record field."""

    name: str
    type: Node
    index: int
    pointer: str
    has_default: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()
    doc: str | None = None


@dataclass(eq=False, slots=True)
class RecordNode(NamedNode):
    """A record (or a protocol ``error``, which resolves like one)."""

    fields: list[FieldNode] = field(default_factory=list)
    fields_by_name: dict[str, FieldNode] = field(default_factory=dict)
    # Field name -> digest of its type when that digest is an identity (closed),
    # else a number used nowhere else; lets the checker find the fields that
    # differ from another record with one C-level set difference.
    field_keys: dict[str, int] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class EnumNode(NamedNode):
    """An enum."""

    symbols: tuple[str, ...] = ()
    symbol_set: frozenset[str] = frozenset()
    default: str | None = None


@dataclass(eq=False, slots=True)
class FixedNode(NamedNode):
    """A fixed-size byte string."""

    size: int = 0


@dataclass(eq=False, slots=True)
class ArrayNode(Node):
    """An array."""

    items: Node = field(default_factory=lambda: PrimitiveNode("null", ""))


@dataclass(eq=False, slots=True)
class MapNode(Node):
    """A map with string keys."""

    values: Node = field(default_factory=lambda: PrimitiveNode("null", ""))


@dataclass(eq=False, slots=True)
class UnionNode(Node):
    """A union of branches."""

    branches: tuple[Node, ...] = ()


def type_label(node: Node) -> str:
    """Return a short human label for a type, e.g. ``array<string>`` or ``[null, string]``."""
    if isinstance(node, RecordNode):
        return f"record {node.name}"
    if isinstance(node, EnumNode):
        return f"enum {node.name}"
    if isinstance(node, FixedNode):
        return f"fixed {node.name}({node.size})"
    if isinstance(node, ArrayNode):
        return f"array<{type_label(node.items)}>"
    if isinstance(node, MapNode):
        return f"map<{type_label(node.values)}>"
    if isinstance(node, UnionNode):
        return "[" + ", ".join(_branch_label(b) for b in node.branches) + "]"
    if node.logical_type:
        return f"{node.kind} ({node.logical_type})"
    return node.kind


def _branch_label(node: Node) -> str:
    # Inside a union the kind of a named type is noise: "[null, Address]" reads better.
    if isinstance(node, NamedNode):
        return node.name
    return type_label(node)


def is_nullable(node: Node) -> bool:
    """Whether the type admits ``null``."""
    if node.kind == "null":
        return True
    return isinstance(node, UnionNode) and any(b.kind == "null" for b in node.branches)
