"""Avro schema engine: parsing, fingerprints, field listing and compatibility checks.

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
    "CompatibilityLevel",
    "CompatibilityResult",
    "FieldInfo",
    "Incompatibility",
    "ParsedSchema",
    "Rule",
    "SchemaError",
    "canonical_form",
    "check_compatibility",
    "field_paths",
    "parse_schema",
]
