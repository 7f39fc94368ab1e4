"""Creating or updating a topic from a contract: an Avro ``.avsc`` file or an ODCS v3 data
contract (ours, or anyone's).

Three steps, each usable alone:

1. :func:`parse_contract` turns the uploaded text into a :class:`ContractDraft` (no database);
   bad input raises :class:`ApplicationError` with a stable code and the field at fault.
2. :func:`import_preview` says what saving would create or change (topic, owner, SLA, field
   semantics, the schema and the registry gate's verdict), and proves it by applying the
   import inside a transaction that it rolls back.
3. :func:`import_commit` applies it in one transaction through the existing services and the
   registry gate, so every change lands in the audit log and nothing is half-written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from catalog import services
from catalog.authentication import ApiPrincipal
from catalog.errors import ApplicationError
from catalog.models import DeliverySLA, FieldSemantics, Team, Topic
from catalog.permissions import require_team, require_topic_owner
from catalog.selectors import topic_field_paths
from contracts import exports, registry
from contracts.models import Subject
from contracts.registry import RegistryError
from contracts.schema import field_paths
from contracts.schema.model import RecordNode
from contracts.selectors import value_subject_name

FORMATS = ("auto", "avsc", "odcs")
SEMANTIC_FIELDS = ("meaning", "null_meaning", "unit", "pii", "example", "allowed_values")
SLA_FIELDS = services.SLA_FIELDS


# --- the draft -----------------------------------------------------------------------------


@dataclass
class SemanticsDraft:
    path: str
    meaning: str = ""
    null_meaning: str = ""
    unit: str = ""
    pii: str = FieldSemantics.PII.NONE
    example: str = ""
    allowed_values: str = ""

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SEMANTIC_FIELDS}


@dataclass
class ContractDraft:
    """What an uploaded contract says, normalised; nothing checked against the database yet."""

    source: str
    topic_name: str
    owner_slug: str = ""
    description: str = ""
    schema_text: str | None = None
    # None: the contract says nothing about the SLA (left as it is); else the whole SLA.
    sla: dict[str, Any] | None = None
    semantics: list[SemanticsDraft] = field(default_factory=list)
    # Only used when the import creates the topic.
    partitions: int | None = None
    retention_hours: int | None = None
    dlq_topic: str = ""


def _error(message: str, code: str, field_name: str | None = None) -> ApplicationError:
    return ApplicationError(message, code=code, field=field_name)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a contract never needs them, and refusing them
    rules out exponential "billion laughs" documents."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases are not allowed in a contract", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_contract(
    content: str | bytes, *, fmt: str = "auto", topic_name: str = "", owner: str = ""
) -> ContractDraft:
    """Read an ``.avsc`` schema or an ODCS v3 contract. ``topic_name`` and ``owner`` (a team
    slug) fill in what an ``.avsc`` cannot say, and override the contract's when given."""
    limit = settings.CONTRACT_IMPORT_MAX_BYTES
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > limit:
        raise _error(
            f"The contract is {len(raw)} bytes; the limit is {limit} (CONTRACT_IMPORT_MAX_BYTES).",
            "too_large",
            "content",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error("The contract is not UTF-8 text.", "not_text", "content") from exc
    if not text.strip():
        raise _error("Upload a file or paste a contract.", "empty", "content")
    if fmt not in FORMATS:
        raise _error(f"Unknown format {fmt!r}; use avsc or odcs.", "invalid_format", "format")
    try:
        document = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader
        if fmt == "auto":
            fmt = _detect(document)
        draft = _from_avsc(text, document) if fmt == "avsc" else _from_odcs(document)
    except yaml.YAMLError as exc:
        raise _error(f"Not valid YAML or JSON: {_first_line(exc)}", "malformed", "content") from exc
    except RecursionError as exc:
        raise _error("The contract is nested too deeply.", "too_deep", "content") from exc
    if topic_name.strip():
        draft.topic_name = topic_name.strip()
    if owner.strip():
        draft.owner_slug = owner.strip()
    if not draft.topic_name:
        raise _error("Name the topic this schema is for.", "missing_topic_name", "topic")
    return draft


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _detect(document: Any) -> str:
    if isinstance(document, dict):
        if document.get("kind") == "DataContract" or "apiVersion" in document:
            return "odcs"
        if "type" in document:
            return "avsc"
    raise _error(
        "This is neither an Avro schema (.avsc) nor an ODCS data contract (kind: DataContract).",
        "not_a_contract",
        "content",
    )


def _from_avsc(text: str, document: Any) -> ContractDraft:
    if not isinstance(document, dict) or document.get("type") != "record":
        raise _error(
            'An .avsc import needs an Avro record schema ("type": "record").',
            "not_a_record",
            "content",
        )
    schema_text = text.strip() if text.lstrip().startswith("{") else json.dumps(document)
    parsed = _parse_avro(schema_text)
    return ContractDraft(
        source="avsc",
        topic_name="",
        schema_text=schema_text,
        semantics=[],
        description=(parsed.root.doc or "") if isinstance(parsed.root, RecordNode) else "",
    )


def _parse_avro(schema_text: str) -> Any:
    try:
        return registry.parse_submitted(schema_text)
    except RegistryError as exc:
        code = "too_large" if exc.error_code == 42209 else "invalid_schema"
        raise _error(exc.message, code, "schema") from exc


# --- ODCS ----------------------------------------------------------------------------------

_PRIMITIVES = {"string", "bytes", "int", "long", "float", "double", "boolean"}
_LOGICAL_TO_AVRO: dict[str, Any] = {
    "string": "string",
    "integer": "long",
    "number": "double",
    "boolean": "boolean",
    "date": {"type": "int", "logicalType": "date"},
    "timestamp": {"type": "long", "logicalType": "timestamp-millis"},
    "time": {"type": "int", "logicalType": "time-millis"},
}
_PHYSICAL = re.compile(r"^(?P<kind>[a-z]+)(?: \((?P<logical>[a-z\-]+)\))?$")


def _from_odcs(document: Any) -> ContractDraft:
    if not isinstance(document, dict) or document.get("kind") != "DataContract":
        raise _error(
            "Not an ODCS data contract: kind must be DataContract.", "not_a_contract", "content"
        )
    api_version = str(document.get("apiVersion", ""))
    if not api_version.startswith("v3."):
        raise _error(
            f"Only ODCS v3 contracts can be imported (apiVersion {api_version or 'missing'}).",
            "unsupported_version",
            "apiVersion",
        )
    objects = document.get("schema") or []
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise _error("schema must be a list of objects.", "invalid_contract", "schema")
    if len(objects) > 1:
        raise _error(
            "A topic has one message schema; this contract has several schema objects.",
            "invalid_contract",
            "schema",
        )
    obj: dict[str, Any] = objects[0] if objects else {}
    topic_name = str(
        obj.get("physicalName") or document.get("name") or document.get("id") or ""
    ).strip()
    team = document.get("team")
    owner = str(team.get("name", "")).strip() if isinstance(team, dict) else ""
    description = document.get("description")
    purpose = str(description.get("purpose", "")) if isinstance(description, dict) else ""
    custom = _custom(document.get("customProperties"), "customProperties")
    draft = ContractDraft(
        source="odcs",
        topic_name=topic_name,
        owner_slug=owner,
        description=purpose.strip(),
        partitions=_int_or_none(custom.get(exports.PROP_PARTITIONS), "partitions"),
        retention_hours=_int_or_none(custom.get(exports.PROP_RETENTION_HOURS), "retentionHours"),
        dlq_topic=str(custom.get(exports.PROP_DLQ_TOPIC) or ""),
    )
    properties = obj.get("properties") or []
    if not isinstance(properties, list):
        raise _error("properties must be a list.", "invalid_contract", "schema[0].properties")
    object_custom = _custom(obj.get("customProperties"), "schema[0].customProperties")
    avro = object_custom.get(exports.PROP_AVRO_SCHEMA)
    docs: dict[str, str] = {}
    if avro is not None:
        text = avro if isinstance(avro, str) else json.dumps(avro)
        parsed = _parse_avro(text)
        draft.schema_text = text
        docs = {f.path: f.doc or "" for f in field_paths(parsed)}
    elif properties:
        record = _avro_record(str(obj.get("name") or topic_name), properties, "schema[0]")
        draft.schema_text = json.dumps(record)
        _parse_avro(draft.schema_text)
    draft.semantics = list(_semantics(properties, "", docs, "schema[0]"))
    draft.sla = _sla(document)
    return draft


def _custom(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _error(f"{where} must be a list.", "invalid_contract", where)
    result: dict[str, Any] = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or "property" not in entry:
            raise _error(
                f"{where}[{index}] needs a property and a value.",
                "invalid_contract",
                f"{where}[{index}]",
            )
        result[str(entry["property"])] = entry.get("value")
    return result


def _int_or_none(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _error(f"{where} must be a whole number.", "invalid_contract", where)
    try:
        number = int(value)
    except ValueError as exc:
        raise _error(f"{where} must be a whole number.", "invalid_contract", where) from exc
    if number < 0:
        raise _error(f"{where} must be zero or more.", "invalid_contract", where)
    return number


def _sla(document: dict[str, Any]) -> dict[str, Any] | None:
    """The whole SLA the contract states, or None when it states none."""
    properties = document.get("slaProperties")
    support = document.get("support")
    if not properties and not support:
        return None
    sla: dict[str, Any] = dict.fromkeys(SLA_FIELDS)
    sla["support_channel"] = ""
    sla["support_hours"] = ""
    if properties is not None and not isinstance(properties, list):
        raise _error("slaProperties must be a list.", "invalid_contract", "slaProperties")
    by_property = {prop: (name, unit) for prop, name, unit in exports.SLA_PROPERTIES}
    for index, entry in enumerate(properties or []):
        where = f"slaProperties[{index}]"
        if not isinstance(entry, dict):
            raise _error(f"{where} must be an object.", "invalid_contract", where)
        prop = entry.get("property")
        if prop not in by_property:
            continue
        name, _ = by_property[str(prop)]
        value = _sla_value(entry.get("value"), str(entry.get("unit") or ""), str(prop), where)
        sla[name] = value
    if isinstance(support, list) and support:
        first = support[0]
        if isinstance(first, dict):
            sla["support_channel"] = str(first.get("channel") or "")[:200]
            hours = _custom(first.get("customProperties"), "support[0].customProperties")
            sla["support_hours"] = str(hours.get(exports.PROP_SUPPORT_HOURS) or "")[:120]
    return sla


_SECONDS: dict[str, Decimal] = {
    **dict.fromkeys(("s", "sec", "seconds"), Decimal(1)),
    **dict.fromkeys(("m", "min", "minutes"), Decimal(60)),
    **dict.fromkeys(("h", "hours"), Decimal(3600)),
    "ms": Decimal("0.001"),
}
_DAYS: dict[str, int] = {"d": 1, "day": 1, "days": 1, "y": 365, "yr": 365, "years": 365}


def _sla_value(value: Any, unit: str, prop: str, where: str) -> Any:
    if value is None or isinstance(value, bool):
        raise _error(f"{where}: {prop} needs a number.", "invalid_sla", where)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _error(f"{where}: {prop} needs a number.", "invalid_sla", where) from exc
    if not number.is_finite() or number < 0:
        raise _error(f"{where}: {prop} must be zero or more.", "invalid_sla", where)
    if prop == "availability":
        if number > 100:
            raise _error(f"{where}: availability is at most 100 %.", "invalid_sla", where)
        return number.quantize(Decimal("0.001"))
    if prop == "latency":
        number *= _SECONDS.get(unit.lower(), Decimal(1))
    elif prop == "retention":
        number *= Decimal(_DAYS.get(unit.lower(), 1))
    return int(number)


def _avro_record(name: str, properties: list[Any], where: str) -> dict[str, Any]:
    """An Avro record for an ODCS object that carries no Avro schema of its own."""
    fields = []
    for index, prop in enumerate(properties):
        here = f"{where}.properties[{index}]"
        if not isinstance(prop, dict) or not prop.get("name"):
            raise _error(f"{here} needs a name.", "invalid_contract", here)
        avro_type = _avro_type(prop, here, name)
        entry: dict[str, Any] = {"name": str(prop["name"])}
        if prop.get("required") is True:
            entry["type"] = avro_type
        else:
            entry["type"] = ["null", avro_type]
            entry["default"] = None
        fields.append(entry)
    return {"type": "record", "name": _avro_name(name), "fields": fields}


def _avro_type(prop: dict[str, Any], where: str, parent: str) -> Any:
    """The Avro type of a property; nested records are named after their path (from the
    ``parent`` record's name), so two ``address`` objects at different depths stay apart."""
    physical = str(prop.get("physicalType") or "").strip().lower()
    match = _PHYSICAL.match(physical)
    if match and match["kind"] in _PRIMITIVES:
        if match["logical"]:
            return {"type": match["kind"], "logicalType": match["logical"]}
        return match["kind"]
    logical = prop.get("logicalType")
    if logical == "object":
        return _avro_record(f"{parent} {prop['name']}", prop.get("properties") or [], where)
    if logical == "array":
        items = prop.get("items")
        if not isinstance(items, dict):
            raise _error(f"{where}: an array needs items.", "invalid_contract", f"{where}.items")
        items = {**items, "name": f"{prop['name']} item"}
        return {"type": "array", "items": _avro_type(items, f"{where}.items", parent)}
    if logical in _LOGICAL_TO_AVRO:
        return _LOGICAL_TO_AVRO[str(logical)]
    if logical is None:
        return "string"
    raise _error(
        f"{where}: unknown logicalType {logical!r}.", "invalid_contract", f"{where}.logicalType"
    )


def _avro_name(value: str) -> str:
    name = "".join(part.title() for part in re.split(r"[^A-Za-z0-9]+", value) if part)
    if not name or name[0].isdigit():
        name = "R" + name
    return name


def _semantics(
    properties: list[Any], prefix: str, docs: dict[str, str], where: str
) -> list[SemanticsDraft]:
    """Field semantics from ODCS properties: meaning from ``description`` (unless it only
    repeats the Avro doc), the rest from our ``customProperties``, ``classification`` and
    ``examples``. Nested ``properties`` (and array ``items``) give dotted paths."""
    result: list[SemanticsDraft] = []
    for index, prop in enumerate(properties):
        here = f"{where}.properties[{index}]"
        if not isinstance(prop, dict) or not prop.get("name"):
            raise _error(f"{here} needs a name.", "invalid_contract", here)
        path = f"{prefix}{prop['name']}"
        custom = _custom(prop.get("customProperties"), f"{here}.customProperties")
        description = str(prop.get("description") or "").strip()
        meaning = "" if description == docs.get(path, "").strip() else description
        pii = str(custom.get(exports.PROP_PII) or prop.get("classification") or "none")
        if pii not in FieldSemantics.PII.values:
            pii = FieldSemantics.PII.NONE
        examples = prop.get("examples")
        example = str(examples[0]) if isinstance(examples, list) and examples else ""
        draft = SemanticsDraft(
            path=path,
            meaning=meaning[:10_000],
            null_meaning=str(custom.get(exports.PROP_NULL_MEANING) or "")[:500],
            unit=str(custom.get(exports.PROP_UNIT) or "")[:60],
            pii=pii,
            example=example[:500],
            allowed_values=str(custom.get(exports.PROP_ALLOWED_VALUES) or "")[:1000],
        )
        if any(draft.values()[name] for name in SEMANTIC_FIELDS if name != "pii") or (
            exports.PROP_PII in custom or pii != FieldSemantics.PII.NONE
        ):
            result.append(draft)
        nested = prop.get("properties")
        items = prop.get("items")
        if isinstance(items, dict) and isinstance(items.get("properties"), list):
            nested = items["properties"]
        if isinstance(nested, list):
            result += _semantics(nested, f"{path}.", docs, here)
    return result


# --- preview and commit --------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.name, "before": _plain(self.before), "after": _plain(self.after)}


@dataclass(frozen=True)
class SemanticsChange:
    path: str
    action: str  # create | update
    changes: list[FieldChange]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "action": self.action,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass
class ImportPlan:
    """What saving the draft would do."""

    draft: ContractDraft
    topic: Topic | None
    owner: Team | None
    schema_action: str  # none | unchanged | register
    schema_version: int | None = None
    compatibility: str | None = None
    compatible: bool = True
    incompatibilities: list[str] = field(default_factory=list)
    sla_changes: list[FieldChange] = field(default_factory=list)
    semantics_changes: list[SemanticsChange] = field(default_factory=list)

    @property
    def creates_topic(self) -> bool:
        return self.topic is None

    @property
    def has_changes(self) -> bool:
        return bool(
            self.creates_topic
            or self.schema_action == "register"
            or self.sla_changes
            or self.semantics_changes
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.draft.source,
            "topic": {
                "name": self.draft.topic_name,
                "action": "create" if self.creates_topic else "update",
                "description": self.draft.description if self.creates_topic else None,
            },
            "owner": self.owner.slug if self.owner else None,
            "schema": {
                "action": self.schema_action,
                "version": self.schema_version,
                "compatibility": self.compatibility,
                "is_compatible": self.compatible,
                "incompatibilities": self.incompatibilities,
            },
            "sla": [c.as_dict() for c in self.sla_changes],
            "field_semantics": [c.as_dict() for c in self.semantics_changes],
            "has_changes": self.has_changes,
        }


def _plan(actor: Any, draft: ContractDraft) -> ImportPlan:
    """Check the draft against the catalog and list what would change; writes nothing."""
    topic = Topic.objects.filter(name=draft.topic_name).select_related("owner", "sla").first()
    if topic is not None:
        require_topic_owner(actor, topic, "import a contract into")
        owner = topic.owner
        if draft.owner_slug and owner is not None and draft.owner_slug != owner.slug:
            raise _error(
                f"{topic.name} is owned by {owner.slug}, not {draft.owner_slug}; an import does "
                "not move a topic to another team.",
                "owner_mismatch",
                "owner",
            )
        if owner is None and draft.owner_slug:
            raise _error(
                f"{topic.name} has no owning team; an import does not assign one.",
                "owner_mismatch",
                "owner",
            )
    else:
        if not draft.owner_slug:
            raise _error("Name the owning team (its slug).", "missing_owner", "owner")
        owner = _team(draft.owner_slug)
        require_team(actor, owner, "import topics for it")
    plan = ImportPlan(draft=draft, topic=topic, owner=owner, schema_action="none")
    paths: list[str] | None = None
    if draft.schema_text is not None:
        parsed = _parse_avro(draft.schema_text)
        paths = [f.path for f in field_paths(parsed)]
        _plan_schema(plan, parsed)
    elif topic is not None:
        paths = topic_field_paths(topic)
    _plan_sla(plan)
    _plan_semantics(plan, paths)
    return plan


def _team(slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise _error(f"There is no team “{slug}” in the catalog.", "unknown_owner", "owner")
    return team


def _plan_schema(plan: ImportPlan, parsed: Any) -> None:
    subject = Subject.objects.filter(name=value_subject_name(plan.draft.topic_name)).first()
    history = registry.subject_history(subject)
    for entry in history:
        if entry.fingerprint == parsed.fingerprint:
            plan.schema_action = "unchanged"
            plan.schema_version = entry.version
            if entry is not history[-1]:
                raise _error(
                    f"This schema is version {entry.version} of {plan.draft.topic_name}, not "
                    f"its latest ({history[-1].version}); import the latest schema instead.",
                    "stale_schema",
                    "schema",
                )
            return
    verdict = registry.evaluate(subject, parsed, history=history)
    plan.schema_action = "register"
    plan.schema_version = (history[-1].version if history else 0) + 1
    plan.compatibility = verdict.level
    plan.compatible = verdict.is_compatible
    plan.incompatibilities = verdict.messages()


def _plan_sla(plan: ImportPlan) -> None:
    wanted = plan.draft.sla
    if wanted is None:
        return
    current: DeliverySLA | None = getattr(plan.topic, "sla", None) if plan.topic else None
    for name in SLA_FIELDS:
        before = getattr(current, name) if current is not None else None
        after = wanted.get(name)
        if name in ("support_channel", "support_hours"):
            before = before or ""
            after = after or ""
        if not _same(before, after):
            plan.sla_changes.append(FieldChange(name, before, after))


def _plan_semantics(plan: ImportPlan, paths: list[str] | None) -> None:
    existing: dict[str, FieldSemantics] = {}
    if plan.topic is not None:
        existing = {s.path: s for s in plan.topic.field_semantics.all()}
    for index, item in enumerate(plan.draft.semantics):
        if paths is not None and item.path not in paths:
            raise _error(
                f"“{item.path}” is not a field of the schema.",
                "unknown_field_path",
                f"semantics[{index}]",
            )
        if item.pii not in FieldSemantics.PII.values:
            raise _error("Unknown PII class.", "invalid_pii", f"semantics[{index}]")
        row = existing.get(item.path)
        changes = [
            FieldChange(name, getattr(row, name) if row else "", value)
            for name, value in item.values().items()
            if (getattr(row, name) if row else ("none" if name == "pii" else "")) != value
        ]
        if row is None or changes:
            plan.semantics_changes.append(
                SemanticsChange(item.path, "update" if row else "create", changes)
            )


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, Decimal) or isinstance(after, Decimal):
        if before is None or after is None:
            return before is after
        return Decimal(before) == Decimal(after)
    return bool(before == after)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral_value() else str(value)
    return value


class _Rollback(Exception):
    pass


def import_preview(*, principal: ApiPrincipal, draft: ContractDraft) -> ImportPlan:
    """What importing ``draft`` would change. A compatible import is also applied inside a
    transaction that is rolled back, so a preview without errors means the commit will pass
    (unless the catalog changes in between)."""
    plan = _plan(principal.user, draft)
    if plan.compatible and plan.has_changes:
        try:
            with transaction.atomic():
                # Rolled back, so a read-only token may preview too.
                _apply(ApiPrincipal(user=principal.user, can_write=True), plan)
                raise _Rollback
        except _Rollback:
            pass
    return plan


@transaction.atomic
def import_commit(*, principal: ApiPrincipal, draft: ContractDraft) -> ImportPlan:
    """Apply ``draft``: create the topic if it is new, register the schema through the gate,
    replace the SLA if the contract states one, create or update field semantics. One
    transaction: an error anywhere writes nothing."""
    if not principal.can_write:
        raise PermissionDenied("This API token is read-only; use a read-write token to import.")
    plan = _plan(principal.user, draft)
    if not plan.compatible:
        raise _error(
            f"The schema is incompatible with {draft.topic_name} under {plan.compatibility}: "
            + "; ".join(plan.incompatibilities)
            + ". File a change proposal (or a new topic version) instead.",
            "incompatible_schema",
            "schema",
        )
    _apply(principal, plan)
    return plan


def _apply(principal: ApiPrincipal, plan: ImportPlan) -> None:
    draft = plan.draft
    actor = principal.user
    topic = plan.topic
    if topic is None:
        assert plan.owner is not None  # _plan requires one for a new topic
        try:
            topic = services.topic_create(
                actor=actor,
                name=draft.topic_name,
                owner=plan.owner,
                description=draft.description,
                partitions=draft.partitions or 6,
                retention_hours=draft.retention_hours,
                dlq_topic=draft.dlq_topic,
            )
        except ApplicationError as exc:
            # The topic's name is the import's "topic" input.
            if exc.field == "name":
                exc.field = "topic"
            raise
    if plan.schema_action == "register" and draft.schema_text is not None:
        try:
            registry.register(
                principal=principal,
                subject_name=value_subject_name(topic.name),
                schema_text=draft.schema_text,
            )
        except RegistryError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            raise _error(exc.message, _registry_code(exc), "schema") from exc
    if plan.sla_changes and draft.sla is not None:
        sla = draft.sla
        services.topic_sla_update(
            actor=actor,
            topic=topic,
            max_latency_seconds=sla.get("max_latency_seconds"),
            availability_percent=sla.get("availability_percent"),
            retention_days=sla.get("retention_days"),
            max_consumer_lag=sla.get("max_consumer_lag"),
            support_channel=sla.get("support_channel") or "",
            support_hours=sla.get("support_hours") or "",
        )
    wanted = {s.path: s for s in draft.semantics}
    for change in plan.semantics_changes:
        services.field_semantics_update(
            actor=actor, topic=topic, path=change.path, **wanted[change.path].values()
        )


def _registry_code(exc: RegistryError) -> str:
    return {
        409: "incompatible_schema",
        42201: "invalid_schema",
        42205: "read_only_subject",
        42208: "invalid_subject",
        42209: "too_large",
    }.get(exc.error_code, "registry_error")
