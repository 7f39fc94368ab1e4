"""Avro schema engine: parsing, fingerprints, field listing, compatibility and diffs.

Pure Python on top of fastavro; no Django imports, so the registry, the
proposal workflow and CI scripts can all use it.
"""

from __future__ import annotations

from contracts.schema.compatibility import (
    CompatibilityLevel,
    CompatibilityResult,
    Incompatibility,
    Rule,
    check_compatibility,
)
from contracts.schema.diff import Change, ChangeKind, diff_schemas
from contracts.schema.errors import SchemaError
from contracts.schema.fields import FieldInfo, field_paths
from contracts.schema.parse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    ParsedSchema,
    canonical_form,
    parse_schema,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "Change",
    "ChangeKind",
    "CompatibilityLevel",
    "CompatibilityResult",
    "FieldInfo",
    "Incompatibility",
    "ParsedSchema",
    "Rule",
    "SchemaError",
    "canonical_form",
    "check_compatibility",
    "diff_schemas",
    "field_paths",
    "parse_schema",
]
