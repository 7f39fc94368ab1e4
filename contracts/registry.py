"""The schema registry: Confluent Schema Registry semantics over our storage, and the gate.

Everything here speaks in subjects, versions and global schema ids, and fails with
:class:`RegistryError`, which carries Confluent's HTTP status and ``error_code``. The HTTP layer
(``contracts.registry_api``) only parses requests and renders these results.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from catalog.audit import audit_record
from catalog.authentication import ApiPrincipal
from catalog.models import Topic
from catalog.naming import validate_kafka_topic_name
from catalog.notifications import notify_teams
from catalog.permissions import is_platform, user_team_ids
from contracts.impact import (
    AffectedConsumer,
    breaking_paths,
    consumers_affected,
    topic_active_consumers,
    touches,
)
from contracts.models import Compatibility, Mode, RegistryConfig, Schema, SchemaVersion, Subject
from contracts.schema import (
    CompatibilityResult,
    ParsedSchema,
    SchemaError,
    check_compatibility,
    diff_schemas,
    parse_schema,
)

MAX_VERSION = 2**31 - 1
LATEST: Literal["latest"] = "latest"
VersionSpec = int | Literal["latest"]
SUPPORTED_TYPES = ("AVRO",)


class RegistryError(Exception):
    """A refusal in Confluent's terms: HTTP status, ``error_code`` and message."""

    def __init__(self, status: int, error_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}


def subject_not_found(subject: str) -> RegistryError:
    return RegistryError(404, 40401, f"Subject '{subject}' not found.")


def version_not_found(version: VersionSpec) -> RegistryError:
    return RegistryError(404, 40402, f"Version {version} not found.")


def schema_not_found(schema_id: int | None = None) -> RegistryError:
    if schema_id is None:
        return RegistryError(404, 40403, "Schema not found")
    return RegistryError(404, 40403, f"Schema {schema_id} not found")


def invalid_schema(message: str) -> RegistryError:
    return RegistryError(422, 42201, f"Invalid schema: {message}")


def forbidden(message: str) -> RegistryError:
    return RegistryError(403, 40301, message)


def parse_version(raw: str) -> VersionSpec:
    """``latest`` and ``-1`` mean the latest version; otherwise 1 … 2^31-1 (else 42202)."""
    if raw == "latest" or raw == "-1":
        return LATEST
    if raw.isdigit() and not (len(raw) > 1 and raw.startswith("0")):
        number = int(raw)
        if 1 <= number <= MAX_VERSION:
            return number
    raise RegistryError(
        422,
        42202,
        f"The specified version '{raw}' is not a valid version id. Allowed values are between "
        '[1, 2^31-1] and the string "latest"',
    )


def parse_compatibility(raw: Any) -> str:
    value = raw.upper() if isinstance(raw, str) else None
    if value not in Compatibility.values:
        raise RegistryError(
            422,
            42203,
            "Invalid compatibility level. Valid values are none, backward, forward, full, "
            "backward_transitive, forward_transitive, and full_transitive",
        )
    return value


def parse_mode(raw: Any) -> str:
    value = raw.upper() if isinstance(raw, str) else None
    if value not in Mode.values:
        raise RegistryError(422, 42204, "Invalid mode. Valid values are READWRITE and READONLY")
    return value


# --- reading -------------------------------------------------------------------------------


# Stored schemas never change: each is parsed once per process and kept by fingerprint, so a
# check against 100 versions neither re-parses nor even re-reads their text.
_PARSED: OrderedDict[str, ParsedSchema] = OrderedDict()
_PARSED_MAX = 4096


def _remember(fingerprint: str, parsed: ParsedSchema) -> ParsedSchema:
    _PARSED[fingerprint] = parsed
    _PARSED.move_to_end(fingerprint)
    while len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)
    return parsed


def parsed_schema(schema: Schema) -> ParsedSchema:
    cached = _PARSED.get(schema.fingerprint)
    if cached is not None:
        return cached
    return _remember(schema.fingerprint, parse_schema(schema.text, max_bytes=len(schema.text) + 1))


@dataclass(frozen=True)
class HistoryEntry:
    """A live version of a subject, without its text (loaded only when not yet parsed)."""

    version: int
    schema_id: int
    fingerprint: str


def parsed_history(entries: Sequence[HistoryEntry]) -> list[ParsedSchema]:
    missing = {e.schema_id for e in entries if e.fingerprint not in _PARSED}
    if missing:
        for schema in Schema.objects.filter(pk__in=missing).only("text", "fingerprint"):
            parsed_schema(schema)
    return [_PARSED[e.fingerprint] for e in entries]


@dataclass(frozen=True)
class RegisteredVersion:
    subject: str
    version: int
    schema_id: int
    schema: str
    schema_type: str
    deleted: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "subject": self.subject,
            "version": self.version,
            "id": self.schema_id,
            "schema": self.schema,
        }
        if self.schema_type != Schema.Type.AVRO:
            data["schemaType"] = self.schema_type
        return data


def _registered(version: SchemaVersion, subject_name: str) -> RegisteredVersion:
    return RegisteredVersion(
        subject=subject_name,
        version=version.version,
        schema_id=version.schema_id,
        schema=version.schema.text,
        schema_type=version.schema.schema_type,
        deleted=version.deleted,
    )


def subject_names(
    *, prefix: str = "", deleted: bool = False, deleted_only: bool = False
) -> list[str]:
    """Subjects with at least one live version (or any version, with ``deleted``)."""
    versions = SchemaVersion.objects.all()
    if deleted_only:
        # Subjects whose every version is soft-deleted.
        live = SchemaVersion.objects.filter(deleted=False).values("subject_id")
        versions = versions.exclude(subject_id__in=live)
    elif not deleted:
        versions = versions.filter(deleted=False)
    if prefix:
        versions = versions.filter(subject__name__startswith=prefix)
    return list(
        versions.order_by("subject__name").values_list("subject__name", flat=True).distinct()
    )


def _subject(name: str) -> Subject:
    subject = Subject.objects.filter(name=name).select_related("topic").first()
    if subject is None:
        raise subject_not_found(name)
    return subject


def subject_versions(name: str, *, deleted: bool = False) -> list[int]:
    versions = SchemaVersion.objects.filter(subject__name=name)
    if not deleted:
        versions = versions.filter(deleted=False)
    numbers = list(versions.order_by("version").values_list("version", flat=True))
    if not numbers:
        raise subject_not_found(name)
    return numbers


def _version_row(name: str, spec: VersionSpec, *, deleted: bool = False) -> SchemaVersion:
    versions = SchemaVersion.objects.filter(subject__name=name).select_related("schema")
    if not versions.exists():
        raise subject_not_found(name)
    if spec == LATEST:
        row = versions.filter(deleted=False).order_by("-version").first()
    else:
        row = versions.filter(version=spec).first()
        if row is not None and row.deleted and not deleted:
            row = None
    if row is None:
        if spec == LATEST and not versions.filter(deleted=False).exists():
            raise subject_not_found(name)
        raise version_not_found(spec)
    return row


def subject_version(name: str, spec: VersionSpec, *, deleted: bool = False) -> RegisteredVersion:
    return _registered(_version_row(name, spec, deleted=deleted), name)


def schema_by_id(schema_id: int) -> Schema:
    schema = Schema.objects.filter(pk=schema_id).first()
    if schema is None:
        raise schema_not_found(schema_id)
    return schema


def schema_subject_versions(schema_id: int, *, deleted: bool = False) -> list[tuple[str, int]]:
    schema_by_id(schema_id)
    versions = SchemaVersion.objects.filter(schema_id=schema_id)
    if not deleted:
        versions = versions.filter(deleted=False)
    return list(
        versions.order_by("subject__name", "version").values_list("subject__name", "version")
    )


def lookup(name: str, schema_text: str, *, deleted: bool = False) -> RegisteredVersion:
    """The version of subject ``name`` holding this schema (40401 / 40403 if none)."""
    versions = SchemaVersion.objects.filter(subject__name=name)
    if not deleted:
        versions = versions.filter(deleted=False)
    if not versions.exists():
        raise subject_not_found(name)
    parsed = parse_submitted(schema_text)
    row = (
        versions.filter(schema__fingerprint=parsed.fingerprint)
        .select_related("schema")
        .order_by("-version")
        .first()
    )
    if row is None:
        raise schema_not_found()
    return _registered(row, name)


def global_config() -> RegistryConfig:
    return RegistryConfig.objects.filter(pk=1).first() or RegistryConfig(pk=1)


def effective_compatibility(subject: Subject | None) -> str:
    if subject is not None and subject.compatibility:
        return subject.compatibility
    return global_config().compatibility


def effective_mode(subject: Subject | None) -> str:
    if subject is not None and subject.mode:
        return subject.mode
    return global_config().mode


def subject_compatibility(name: str, *, default_to_global: bool) -> str:
    subject = Subject.objects.filter(name=name).first()
    if subject is not None and subject.compatibility:
        return subject.compatibility
    if default_to_global:
        return global_config().compatibility
    if subject is None:
        raise subject_not_found(name)
    raise RegistryError(
        404, 40408, f"Subject '{name}' does not have subject-level compatibility configured"
    )


def subject_mode(name: str) -> str:
    return effective_mode(Subject.objects.filter(name=name).first())


# --- the gate ----------------------------------------------------------------------------


def parse_submitted(schema_text: str, schema_type: str | None = None) -> ParsedSchema:
    """Parse a schema a client sent, as the registry's 42201 / 42209 errors."""
    if schema_type is not None and schema_type.upper() not in SUPPORTED_TYPES:
        raise invalid_schema(
            f"schemaType {schema_type} is not supported; this registry stores AVRO schemas"
        )
    limit = settings.REGISTRY_MAX_SCHEMA_BYTES
    raw = schema_text.encode()
    if len(raw) > limit:
        raise RegistryError(
            422, 42209, f"Schema too large: the limit is {limit} bytes (REGISTRY_MAX_SCHEMA_BYTES)"
        )
    # Serializers send the very same text on every start, from every instance: remember the
    # parse by a digest of the exact bytes (only valid schemas are remembered).
    key = hashlib.sha256(raw).hexdigest()
    cached = _SUBMITTED.get(key)
    if cached is not None:
        return cached
    try:
        parsed = parse_schema(schema_text, max_bytes=limit)
    except SchemaError as exc:
        raise invalid_schema(str(exc)) from exc
    _SUBMITTED[key] = parsed
    while len(_SUBMITTED) > _PARSED_MAX:
        _SUBMITTED.popitem(last=False)
    return parsed


_SUBMITTED: OrderedDict[str, ParsedSchema] = OrderedDict()


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer for a schema against a subject's history."""

    level: str
    result: CompatibilityResult
    compared_versions: list[int]
    affected: list[AffectedConsumer] = field(default_factory=list)

    @property
    def is_compatible(self) -> bool:
        return self.result.is_compatible

    def messages(self) -> list[str]:
        """Confluent-style detail lines, then whose consumers it would break."""
        lines = [
            f"{item.rule} at {item.path or '/'}"
            + (f" (field {item.field})" if item.field else "")
            + f": {item.message}"
            for item in self.result.incompatibilities
        ]
        lines += [f"affected consumer {a.describe()}" for a in self.affected]
        return lines


def subject_history(subject: Subject | None) -> list[HistoryEntry]:
    """The subject's live versions, oldest first (one small query: no schema texts)."""
    if subject is None:
        return []
    rows = (
        SchemaVersion.objects.filter(subject=subject, deleted=False)
        .order_by("version")
        .values_list("version", "schema_id", "schema__fingerprint")
    )
    return [
        HistoryEntry(version, schema_id, fingerprint) for version, schema_id, fingerprint in rows
    ]


def evaluate(
    subject: Subject | None,
    parsed: ParsedSchema,
    *,
    history: Sequence[HistoryEntry] | None = None,
    level: str | None = None,
) -> GateVerdict:
    """Check ``parsed`` against ``history`` (default: the subject's live versions) at ``level``
    (default: the subject's), and find the consumers the incompatibilities would break."""
    level = level or effective_compatibility(subject)
    history = list(history) if history is not None else subject_history(subject)
    existing = parsed_history(history)
    result = check_compatibility(
        parsed, existing, level, version_labels=[f"version {v.version}" for v in history]
    )
    affected: list[AffectedConsumer] = []
    if not result.is_compatible and history and subject is not None:
        changes = diff_schemas(existing[-1], parsed)
        paths = breaking_paths(changes, result.incompatibilities)
        affected = consumers_affected(topic_active_consumers(subject.topic), paths)
    compared = [v.version for v in history]
    if not level.endswith("_TRANSITIVE") and history:
        compared = compared[-1:]
    return GateVerdict(level=level, result=result, compared_versions=compared, affected=affected)


def _proposal_url(subject: Subject) -> str:
    if subject.topic is not None:
        return settings.SITE_URL.rstrip("/") + subject.topic.get_absolute_url()
    return settings.SITE_URL.rstrip("/") + "/topics/"


def incompatible_error(subject: Subject, verdict: GateVerdict) -> RegistryError:
    details = "; ".join(verdict.messages())
    compared = ", ".join(str(v) for v in verdict.compared_versions)
    message = (
        "Schema being registered is incompatible with an earlier schema for subject "
        f'"{subject.name}", details: [{details}]; '
        f"compatibility: {verdict.level} against version(s) {compared}. "
        "Do not force it: file a change proposal for a compatible change or a new topic version "
        f"at {_proposal_url(subject)}"
    )
    return RegistryError(409, 409, message)


# --- writing -----------------------------------------------------------------------------


def _topic_name_for(subject_name: str) -> tuple[str | None, str]:
    """TopicNameStrategy: ``<topic>-value`` / ``<topic>-key``; other subjects map to no topic."""
    for suffix, role in (("-value", Subject.Role.VALUE), ("-key", Subject.Role.KEY)):
        if subject_name.endswith(suffix) and len(subject_name) > len(suffix):
            return subject_name[: -len(suffix)], role
    return None, Subject.Role.VALUE


def _validate_subject_name(name: str) -> None:
    if not name or len(name) > 300 or any(ord(c) < 32 for c in name):
        raise RegistryError(422, 42208, f"Invalid subject name '{name[:300]}'")


def _subject_for_write(name: str, principal: ApiPrincipal) -> Subject:
    """The subject row, created (with its catalog topic) on first write."""
    _validate_subject_name(name)
    subject = Subject.objects.filter(name=name).select_related("topic", "topic__owner").first()
    if subject is None:
        topic_name, role = _topic_name_for(name)
        topic = _catalog_topic(topic_name, name, principal) if topic_name else None
        if topic is None and settings.REGISTRY_REQUIRE_CATALOGED_TOPICS:
            raise RegistryError(
                422,
                42208,
                f"Subject '{name}' does not follow TopicNameStrategy (<topic>-value or "
                "<topic>-key), and this registry only accepts subjects of catalogued topics "
                "(REGISTRY_REQUIRE_CATALOGED_TOPICS)",
            )
        subject, _ = Subject.objects.get_or_create(
            name=name, defaults={"topic": topic, "role": role}
        )
    _require_write(principal, subject)
    # Lock the subject row only: concurrent writes to one subject queue here, so versions stay
    # contiguous. (PostgreSQL cannot lock the nullable side of the topic join.)
    return (
        Subject.objects.select_for_update(of=("self",))
        .select_related("topic", "topic__owner")
        .get(pk=subject.pk)
    )


def _catalog_topic(topic_name: str, subject_name: str, principal: ApiPrincipal) -> Topic | None:
    topic = Topic.objects.filter(name=topic_name).select_related("owner").first()
    if topic is not None:
        return topic
    if settings.REGISTRY_REQUIRE_CATALOGED_TOPICS:
        raise RegistryError(
            422,
            42208,
            f"Topic '{topic_name}' of subject '{subject_name}' is not in the catalog, and this "
            "registry only accepts subjects of catalogued topics "
            "(REGISTRY_REQUIRE_CATALOGED_TOPICS). Create the topic in the catalog first.",
        )
    try:
        validate_kafka_topic_name(topic_name)
    except Exception as exc:
        raise RegistryError(
            422, 42208, f"Subject '{subject_name}' names an invalid Kafka topic '{topic_name}'"
        ) from exc
    # Unowned and proposed: the sprawl report lists it until a team claims it.
    topic, created = Topic.objects.get_or_create(
        name=topic_name,
        defaults={
            "status": Topic.Status.PROPOSED,
            "description": f"Created by the schema registry for subject {subject_name}; "
            "needs an owning team.",
        },
    )
    if created:
        audit_record(
            actor=principal.user,
            verb="topic.created_by_registry",
            obj=topic,
            topic=topic,
            after={"name": topic.name, "subject": subject_name, "owner": None},
        )
    return topic


def _require_write(principal: ApiPrincipal, subject: Subject) -> None:
    if not principal.can_write:
        raise forbidden(
            "This API token is read-only; use a read-write token to change the registry."
        )
    topic = subject.topic
    if topic is None or topic.owner_id is None or is_platform(principal.user):
        return
    if topic.owner_id not in user_team_ids(principal.user):
        owner = topic.owner.slug if topic.owner else ""
        raise forbidden(
            f"User {principal.user.get_username()} may not change subject '{subject.name}': "
            f"topic {topic.name} is owned by team {owner}."
        )


def _require_writable_mode(subject: Subject | None, name: str) -> None:
    if effective_mode(subject) == Mode.READONLY:
        raise RegistryError(422, 42205, f"Subject {name} is in read-only mode")


def _require_platform(principal: ApiPrincipal, what: str) -> None:
    if not principal.can_write:
        raise forbidden("This API token is read-only.")
    if not is_platform(principal.user):
        raise forbidden(f"Only the platform role may change the registry-wide {what}.")


@dataclass(frozen=True)
class Registration:
    schema_id: int
    version: int
    created: bool


def register(
    *,
    principal: ApiPrincipal,
    subject_name: str,
    schema_text: str,
    schema_type: str | None = None,
) -> Registration:
    """Register a schema under a subject through the gate.

    The same schema again returns its existing id and version. A schema the subject's
    compatibility level refuses raises 409 naming the rule, the field and the consumers it
    would break; nothing is written."""
    parsed = parse_submitted(schema_text, schema_type)
    # Serializers re-register on every start: answer that without locking anything.
    existing = SchemaVersion.objects.filter(
        subject__name=subject_name, deleted=False, schema__fingerprint=parsed.fingerprint
    ).first()
    if existing is not None:
        return Registration(existing.schema_id, existing.version, created=False)
    with transaction.atomic():
        _require_writable_mode(Subject.objects.filter(name=subject_name).first(), subject_name)
        subject = _subject_for_write(subject_name, principal)
        history = subject_history(subject)
        for entry in history:
            if entry.fingerprint == parsed.fingerprint:
                return Registration(entry.schema_id, entry.version, created=False)
        verdict = evaluate(subject, parsed, history=history)
        if not verdict.is_compatible:
            raise incompatible_error(subject, verdict)
        schema = stored_schema(parsed, schema_text)
        latest = SchemaVersion.objects.filter(subject=subject).aggregate(n=Max("version"))["n"]
        version = SchemaVersion.objects.create(
            subject=subject,
            version=(latest or 0) + 1,
            schema=schema,
            created_by_id=principal.user.pk,
        )
        audit_record(
            actor=principal.user,
            verb="schema_version.registered",
            obj=version,
            topic=subject.topic,
            team=subject.topic.owner if subject.topic else None,
            after={
                "subject": subject.name,
                "version": version.version,
                "schema_id": schema.pk,
                "compatibility": verdict.level,
            },
        )
        previous = parsed_history(history[-1:])
        _announce_registration(
            subject, version.version, principal, parsed, previous[0] if previous else None, verdict
        )
    return Registration(schema.pk, version.version, created=True)


def _announce_registration(
    subject: Subject,
    version: int,
    principal: ApiPrincipal,
    parsed: ParsedSchema,
    previous: ParsedSchema | None,
    verdict: GateVerdict,
) -> None:
    """Tell every team consuming the topic that a compatible version landed (informational),
    naming the changed fields its consumers read."""
    consumers = topic_active_consumers(subject.topic)
    if not consumers or subject.topic is None:
        return
    topic = subject.topic
    changes = diff_schemas(previous, parsed) if previous is not None else []
    link = settings.SITE_URL.rstrip("/") + topic.get_absolute_url()
    author = principal.user.get_username()
    by_team: dict[str, list[Any]] = {}
    for consumer in consumers:
        by_team.setdefault(consumer.team.slug, []).append(consumer)
    for team_consumers in by_team.values():
        team = team_consumers[0].team
        reads: set[str] = {f for c in team_consumers for f in c.fields}
        reads_all = any(not c.fields for c in team_consumers)
        relevant = [c for c in changes if reads_all or any(touches(r, c.path) for r in reads)]
        lines = [
            f"{author} registered version {version} of {subject.name} (topic {topic.name}).",
            f"Verdict: compatible under {verdict.level}; your consumers keep working.",
        ]
        if relevant:
            lines.append("Changes to fields your consumers read:")
            lines += [f"  - {c.message}" for c in relevant]
        else:
            lines.append("No field your consumers read changed.")
        lines.append(f"Consumers: {', '.join(c.name for c in team_consumers)}")
        lines.append(f"Details: {link}")
        notify_teams(
            teams=[team],
            event="schema.registered",
            subject=f"[{topic.name}] schema version {version} registered (compatible)",
            body="\n".join(lines),
            payload={
                "topic": topic.name,
                "subject": subject.name,
                "version": version,
                "author": author,
                "compatibility": verdict.level,
                "fields_changed": [c.path for c in relevant],
                "consumers": [c.name for c in team_consumers],
                "url": link,
            },
            key=f"schema.registered:{subject.name}:{version}",
        )


def stored_schema(parsed: ParsedSchema, schema_text: str) -> Schema:
    """The Schema row for this fingerprint (the same id in every subject), created once."""
    try:
        with transaction.atomic():
            schema, _ = Schema.objects.get_or_create(
                schema_type=Schema.Type.AVRO,
                fingerprint=parsed.fingerprint,
                defaults={"text": schema_text, "canonical": parsed.canonical},
            )
    except IntegrityError:
        # Another transaction stored it between our read and write.
        schema = Schema.objects.get(schema_type=Schema.Type.AVRO, fingerprint=parsed.fingerprint)
    return schema


def check(
    *, subject_name: str, schema_text: str, schema_type: str | None, version: VersionSpec | None
) -> GateVerdict:
    """Dry run of the gate: against one version, or (``version=None``) the level's versions."""
    parsed = parse_submitted(schema_text, schema_type)
    subject = Subject.objects.filter(name=subject_name).select_related("topic").first()
    if version is None:
        return evaluate(subject, parsed)
    row = _version_row(subject_name, version)
    # Against one named version, the level's direction applies to that version alone.
    level = effective_compatibility(subject).removesuffix("_TRANSITIVE")
    entry = HistoryEntry(row.version, row.schema_id, row.schema.fingerprint)
    return evaluate(subject, parsed, history=[entry], level=level)


def delete_subject(*, principal: ApiPrincipal, subject_name: str, permanent: bool) -> list[int]:
    with transaction.atomic():
        subject = Subject.objects.filter(name=subject_name).select_related("topic").first()
        if subject is None or not subject.versions.exists():
            raise subject_not_found(subject_name)
        _require_writable_mode(subject, subject_name)
        subject = _subject_for_write(subject_name, principal)
        rows = list(subject.versions.order_by("version"))
        live = [r for r in rows if not r.deleted]
        if permanent:
            if live:
                raise RegistryError(
                    404,
                    40405,
                    f"Subject '{subject_name}' was not deleted first before being permanently "
                    "deleted",
                )
            numbers = [r.version for r in rows]
            subject.versions.all().delete()
            verb = "subject.deleted_permanently"
        else:
            if not live:
                raise RegistryError(
                    404,
                    40404,
                    f"Subject '{subject_name}' was soft deleted.Set permanent=true to delete "
                    "permanently",
                )
            numbers = [r.version for r in live]
            subject.versions.filter(deleted=False).update(deleted=True)
            verb = "subject.deleted"
        audit_record(
            actor=principal.user,
            verb=verb,
            obj=subject,
            topic=subject.topic,
            after={"versions": numbers},
        )
    return numbers


def delete_version(
    *, principal: ApiPrincipal, subject_name: str, version: VersionSpec, permanent: bool
) -> int:
    with transaction.atomic():
        existing = Subject.objects.filter(name=subject_name).first()
        if existing is None or not existing.versions.exists():
            raise subject_not_found(subject_name)
        _require_writable_mode(existing, subject_name)
        subject = _subject_for_write(subject_name, principal)
        if version == LATEST:
            row = subject.versions.filter(deleted=False).order_by("-version").first()
            if row is None:
                raise version_not_found(version)
        else:
            row = subject.versions.filter(version=version).first()
            if row is None:
                raise version_not_found(version)
        if permanent:
            if not row.deleted:
                raise RegistryError(
                    404,
                    40407,
                    f"Subject '{subject_name}' Version {row.version} was not deleted first "
                    "before being permanently deleted",
                )
            SchemaVersion.objects.filter(pk=row.pk).delete()
            verb = "schema_version.deleted_permanently"
        else:
            if row.deleted:
                raise RegistryError(
                    404,
                    40406,
                    f"Subject '{subject_name}' Version {row.version} was soft deleted.Set "
                    "permanent=true to delete permanently",
                )
            SchemaVersion.objects.filter(pk=row.pk).update(deleted=True)
            verb = "schema_version.deleted"
        audit_record(
            actor=principal.user,
            verb=verb,
            obj=subject,
            topic=subject.topic,
            after={"subject": subject_name, "version": row.version},
        )
    return row.version


def _set_setting(
    principal: ApiPrincipal, subject_name: str | None, setting: str, value: str, verb: str
) -> None:
    """Set ``compatibility`` or ``mode`` registry-wide (platform role) or on one subject (its
    owners), in a transaction, with an audit event saying what it was."""
    with transaction.atomic():
        target: RegistryConfig | Subject
        if subject_name is None:
            _require_platform(principal, setting.replace("compatibility", "compatibility level"))
            target, _ = RegistryConfig.objects.select_for_update().get_or_create(pk=1)
            fields = [setting, "updated_at"]
            prefix, topic = "registry", None
        else:
            target = _subject_for_write(subject_name, principal)
            fields = [setting]
            prefix, topic = "subject", target.topic
        before = getattr(target, setting)
        setattr(target, setting, value)
        target.save(update_fields=fields)
        audit_record(
            actor=principal.user,
            verb=f"{prefix}.{setting}_{verb}",
            obj=target,
            topic=topic,
            before={setting: before},
            after={setting: value},
        )


def set_compatibility(*, principal: ApiPrincipal, subject_name: str | None, level: Any) -> str:
    level = parse_compatibility(level)
    _set_setting(principal, subject_name, "compatibility", level, "changed")
    return level


def delete_compatibility(*, principal: ApiPrincipal, subject_name: str | None) -> str:
    """Drop a subject's override (or reset the global level); returns the level it had."""
    if subject_name is None:
        before = global_config().compatibility
        _set_setting(principal, None, "compatibility", Compatibility.BACKWARD, "reset")
        return before
    if not Subject.objects.filter(name=subject_name).exists():
        raise subject_not_found(subject_name)
    previous = subject_compatibility(subject_name, default_to_global=True)
    _set_setting(principal, subject_name, "compatibility", "", "reset")
    return previous


def set_mode(*, principal: ApiPrincipal, subject_name: str | None, mode: Any) -> str:
    mode = parse_mode(mode)
    _set_setting(principal, subject_name, "mode", mode, "changed")
    return mode


def schema_text_from(value: Any) -> str:
    """Accept the schema as a JSON string (Confluent's shape) or, for curl users, as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value)
    raise invalid_schema("the 'schema' field must be a string holding the schema JSON")
