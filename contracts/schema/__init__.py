"""Avro schema engine: parsing, canonical form, fingerprints and field listing.

Pure Python on top of fastavro; no Django imports, so the registry, the
proposal workflow and CI scripts can all use it.
"""

from __future__ import annotations

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
    "FieldInfo",
    "ParsedSchema",
    "SchemaError",
    "canonical_form",
    "field_paths",
    "parse_schema",
]
