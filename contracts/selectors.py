"""Reads over stored schemas."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Q

from catalog.models import Topic
from contracts.models import ChangeProposal, Migration, SchemaVersion, Subject
from contracts.schema import field_paths, parse_schema


@dataclass(frozen=True)
class SchemaField:
    path: str
    type: str
    doc: str | None
    nullable: bool


@dataclass(frozen=True)
class LatestSchema:
    version: int
    schema_id: int
    fields: list[SchemaField]


def value_subject_name(topic_name: str) -> str:
    """TopicNameStrategy: the value schema of topic T lives under subject ``T-value``."""
    return f"{topic_name}-value"


def key_subject_name(topic_name: str) -> str:
    """TopicNameStrategy: the key schema of topic T lives under subject ``T-key``."""
    return f"{topic_name}-key"


@lru_cache(maxsize=2048)
def _fields_of(fingerprint: str, text: str) -> tuple[SchemaField, ...]:
    # Keyed by fingerprint: stored schemas never change, so parsing once per process is enough.
    parsed = parse_schema(text)
    return tuple(
        SchemaField(path=f.path, type=f.type, doc=f.doc, nullable=f.nullable)
        for f in field_paths(parsed)
    )


def topic_latest_schema_fields(topic: Topic) -> LatestSchema | None:
    """The latest live version of the topic's value subject and its fields (one query)."""
    latest = (
        SchemaVersion.objects.filter(subject__name=value_subject_name(topic.name), deleted=False)
        .select_related("schema")
        .order_by("-version")
        .first()
    )
    if latest is None:
        return None
    return LatestSchema(
        version=latest.version,
        schema_id=latest.schema_id,
        fields=list(_fields_of(latest.schema.fingerprint, latest.schema.text)),
    )


def subject_for_topic(topic: Topic) -> Subject | None:
    return Subject.objects.filter(name=value_subject_name(topic.name)).first()


def topic_recent_proposals(topic: Topic, limit: int = 10) -> list[ChangeProposal]:
    return list(
        ChangeProposal.objects.filter(topic=topic)
        .select_related("author")
        .order_by("-created_at")[:limit]
    )


def topic_migrations(topic: Topic) -> list[Migration]:
    """Migrations from or to the topic, newest first (one query)."""
    return list(
        Migration.objects.filter(Q(from_topic=topic) | Q(to_topic=topic))
        .select_related("from_topic", "to_topic")
        .order_by("-created_at")[:5]
    )
