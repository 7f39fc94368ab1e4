"""Who a schema change hits: the diff joined with the fields each consumer reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import Consumer, Topic
from contracts.schema import Change, ChangeKind, Incompatibility

# Changes that can break a reader of the field at the change's path.
BREAKING_KINDS = frozenset(
    {
        ChangeKind.FIELD_REMOVED,
        ChangeKind.TYPE_CHANGED,
        ChangeKind.LIKELY_RENAME,
        ChangeKind.NULLABILITY_CHANGED,
        ChangeKind.ENUM_SYMBOLS_REMOVED,
    }
)


@dataclass(frozen=True)
class AffectedConsumer:
    team: str
    consumer: str
    group_id: str
    fields_hit: list[str]
    reads_all_fields: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "consumer": self.consumer,
            "group_id": self.group_id,
            "fields_hit": self.fields_hit,
            "reads_all_fields": self.reads_all_fields,
        }

    def describe(self) -> str:
        fields = ", ".join(self.fields_hit)
        reads = "reads every field" if self.reads_all_fields else "reads"
        return f"{self.team}/{self.consumer} (group {self.group_id}) {reads}: {fields}"


def breaking_paths(
    changes: Iterable[Change], incompatibilities: Iterable[Incompatibility] = ()
) -> list[str]:
    """Dotted paths whose readers a change can break, in first-seen order."""
    paths: dict[str, None] = {}
    for change in changes:
        if change.kind in BREAKING_KINDS and change.path:
            paths[change.path] = None
    for item in incompatibilities:
        if item.field:
            paths[item.field] = None
    return list(paths)


def touches(read: str, broken: str) -> bool:
    """Whether a consumer reading path ``read`` is touched by a change at path ``broken``."""
    # Reading a record touches changes inside it; reading a nested field is hit when an
    # enclosing record is removed or retyped.
    return read == broken or broken.startswith(read + ".") or read.startswith(broken + ".")


def consumers_affected(
    consumers: Sequence[Consumer], paths: Sequence[str]
) -> list[AffectedConsumer]:
    """The consumers (team preloaded) among ``consumers`` that read any of ``paths``.

    A consumer registered with no field list reads everything, so any breaking path hits it."""
    affected = []
    for consumer in consumers:
        if consumer.status == Consumer.Status.RETIRED:
            continue
        if consumer.fields:
            hit = [p for p in paths if any(touches(read, p) for read in consumer.fields)]
        else:
            hit = list(paths)
        if hit:
            affected.append(
                AffectedConsumer(
                    team=consumer.team.slug,
                    consumer=consumer.name,
                    group_id=consumer.group_id,
                    fields_hit=hit,
                    reads_all_fields=not consumer.fields,
                )
            )
    return affected


def topic_active_consumers(topic: Topic | None) -> list[Consumer]:
    if topic is None:
        return []
    return list(
        Consumer.objects.filter(topic=topic)
        .exclude(status=Consumer.Status.RETIRED)
        .select_related("team")
        .order_by("team__slug", "name")
    )
