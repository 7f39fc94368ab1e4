"""Field-by-field editing of a record schema, for producers who would rather not hand-edit
JSON: rename, retype, document, set or drop a default, remove, add. Pure; no Django."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

NO_DEFAULT = ""


@dataclass(frozen=True)
class FieldRow:
    original: str  # the field's name in the schema being edited; "" for a new field
    name: str
    type: str  # JSON, or a bare type name such as string or long
    doc: str
    default: str  # JSON; "" means no default
    remove: bool = False


@dataclass(frozen=True)
class RowError:
    index: int
    column: str
    message: str


def rows_from_schema(schema: dict[str, Any]) -> list[FieldRow]:
    """The editable rows of a record schema's top-level fields."""
    rows = []
    for field in schema.get("fields", []):
        kind = field.get("type")
        rows.append(
            FieldRow(
                original=str(field.get("name", "")),
                name=str(field.get("name", "")),
                type=kind if isinstance(kind, str) else json.dumps(kind),
                doc=str(field.get("doc", "")),
                default=json.dumps(field["default"]) if "default" in field else NO_DEFAULT,
            )
        )
    return rows


def _parse_type(text: str) -> Any:
    text = text.strip()
    if text.startswith(("{", "[", '"')):
        return json.loads(text)
    return text


def apply_rows(
    schema: dict[str, Any], rows: list[FieldRow]
) -> tuple[dict[str, Any], list[RowError]]:
    """The schema with the rows applied, and the problems found (then the schema is unchanged).

    Only shapes are checked here; the result still goes through the schema engine."""
    errors: list[RowError] = []
    by_name = {f.get("name"): f for f in schema.get("fields", [])}
    fields: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if row.remove or (not row.original and not row.name.strip()):
            continue
        name = row.name.strip()
        if not name:
            errors.append(RowError(index, "name", "A field needs a name."))
            continue
        field = dict(by_name.get(row.original, {})) if row.original else {}
        field["name"] = name
        try:
            field["type"] = _parse_type(row.type) if row.type.strip() else None
        except ValueError:
            errors.append(RowError(index, "type", "Not a type: use a name (string) or JSON."))
            continue
        if field["type"] is None:
            errors.append(RowError(index, "type", "Give the field a type."))
            continue
        if row.doc.strip():
            field["doc"] = row.doc.strip()
        else:
            field.pop("doc", None)
        if row.default.strip():
            try:
                field["default"] = json.loads(row.default)
            except ValueError:
                errors.append(
                    RowError(index, "default", 'The default is JSON: null, 0, "text", true…')
                )
                continue
        else:
            field.pop("default", None)
        fields.append(field)
    names = [f["name"] for f in fields]
    for index, row in enumerate(rows):
        if row.name.strip() and names.count(row.name.strip()) > 1 and not row.remove:
            errors.append(RowError(index, "name", f"Two fields are named {row.name.strip()}."))
    if errors:
        return schema, errors
    return {**schema, "fields": fields}, []
