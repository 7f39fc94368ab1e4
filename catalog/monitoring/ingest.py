"""The ingest API's input: a batch of points from a collector that already exists.

A batch is validated whole before anything is stored: one bad point refuses the batch with
every problem listed by index, so a collector can fix and resend it. Points are idempotent by
timestamp: resending a batch stores nothing twice.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Consumer, Topic
from catalog.monitoring.models import Source
from catalog.monitoring.services import (
    LIVE_CONSUMER,
    ConsumerReading,
    StoreResult,
    TopicReadingIn,
    samples_store,
)
from catalog.permissions import is_platform, user_team_ids

User = AbstractBaseUser | AnonymousUser
POINT_FIELDS = {
    "topic",
    "timestamp",
    "consumer_group",
    "partition_lag",
    "throughput",
    "topic_throughput",
    "dlq_depth",
}


@dataclass(frozen=True)
class PointError:
    index: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


class IngestRejected(Exception):
    """The batch was refused; nothing was stored."""

    def __init__(self, code: str, message: str, errors: Sequence[PointError] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = list(errors)


class _TopicRow(NamedTuple):
    pk: int
    name: str
    owner_id: int | None


class _ConsumerRow(NamedTuple):
    pk: int
    team_id: int


@dataclass
class IngestResult:
    stored: StoreResult
    points: int
    consumer_ids: set[int] = field(default_factory=set)
    topic_ids: set[int] = field(default_factory=set)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _rate(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def signals_ingest(
    *, actor: User, points: Any, now: datetime.datetime | None = None
) -> IngestResult:
    """Validate and store a batch of points; raises :class:`IngestRejected` (nothing stored)
    on any bad point, a batch over the limit, or a topic the caller may not report on."""
    now = now or timezone.now()
    limit = settings.SIGNALS_INGEST_MAX_POINTS
    if not isinstance(points, list):
        raise IngestRejected("invalid", "`points` must be a list of points.")
    if not points:
        raise IngestRejected("invalid", "`points` is empty.")
    if len(points) > limit:
        raise IngestRejected(
            "batch_too_large",
            f"{len(points):,} points in one batch; the limit is {limit:,}. Split the batch.",
        )
    latest_allowed = now + datetime.timedelta(seconds=settings.SIGNALS_MAX_FUTURE_SECONDS)
    earliest_allowed = now - datetime.timedelta(days=settings.SIGNALS_RETENTION_DAYS)
    errors: list[PointError] = []
    parsed: list[tuple[int, Mapping[str, Any], datetime.datetime]] = []
    stamps: dict[str, datetime.datetime | None] = {}
    for index, point in enumerate(points):
        before = len(errors)
        if not isinstance(point, dict):
            errors.append(PointError(index, "", "invalid", "A point must be an object."))
            continue
        unknown = point.keys() - POINT_FIELDS
        if unknown:
            errors.append(PointError(index, sorted(unknown)[0], "unknown_field", "Unknown field."))
        if not isinstance(point.get("topic"), str) or not point["topic"]:
            errors.append(PointError(index, "topic", "required", "A topic name is required."))
        stamp = point.get("timestamp")
        # A batch usually carries a handful of distinct timestamps: parse each once.
        when = stamps.get(stamp) if isinstance(stamp, str) else None
        if when is None and isinstance(stamp, str):
            when = stamps[stamp] = parse_datetime(stamp)
        if when is None or timezone.is_naive(when):
            errors.append(
                PointError(
                    index,
                    "timestamp",
                    "invalid_timestamp",
                    "An ISO 8601 timestamp with a time zone is required.",
                )
            )
        elif when > latest_allowed:
            errors.append(
                PointError(
                    index,
                    "timestamp",
                    "timestamp_in_future",
                    f"{stamp} is more than {settings.SIGNALS_MAX_FUTURE_SECONDS} s in the future.",
                )
            )
        elif when < earliest_allowed:
            errors.append(
                PointError(
                    index,
                    "timestamp",
                    "timestamp_too_old",
                    f"{stamp} is older than the {settings.SIGNALS_RETENTION_DAYS}-day retention.",
                )
            )
        group = point.get("consumer_group")
        if "consumer_group" in point:
            if not isinstance(group, str) or not group:
                errors.append(PointError(index, "consumer_group", "invalid", "Must be a group id."))
            lags = point.get("partition_lag")
            if not isinstance(lags, dict) or not lags:
                errors.append(
                    PointError(
                        index,
                        "partition_lag",
                        "required",
                        'A consumer point needs its lag per partition, e.g. {"0": 12, "1": 0}.',
                    )
                )
            else:
                for partition, lag in lags.items():
                    if (
                        type(lag) is int
                        and lag >= 0
                        and partition.isdecimal()
                        and partition.isascii()
                        and len(partition) < 7
                    ):
                        continue
                    if not (partition.isdecimal() and partition.isascii()) or len(partition) > 6:
                        errors.append(
                            PointError(
                                index,
                                f"partition_lag.{partition}",
                                "invalid_partition",
                                "Partitions are numbers from 0.",
                            )
                        )
                    elif not _count(lag):
                        errors.append(
                            PointError(
                                index,
                                f"partition_lag.{partition}",
                                "negative_lag" if isinstance(lag, int | float) else "invalid",
                                "Lag is a whole number of messages, 0 or more.",
                            )
                        )
            if "throughput" in point and not _rate(point["throughput"]):
                errors.append(
                    PointError(index, "throughput", "invalid", "Messages per second, 0 or more.")
                )
        elif "partition_lag" in point or "throughput" in point:
            errors.append(
                PointError(
                    index,
                    "consumer_group",
                    "required",
                    "Lag and throughput belong to a consumer group: name it.",
                )
            )
        if "dlq_depth" in point and not _count(point["dlq_depth"]):
            errors.append(
                PointError(index, "dlq_depth", "invalid", "A whole number of messages, 0 or more.")
            )
        if "topic_throughput" in point and not _rate(point["topic_throughput"]):
            errors.append(
                PointError(index, "topic_throughput", "invalid", "Messages per second, 0 or more.")
            )
        if (
            "consumer_group" not in point
            and "dlq_depth" not in point
            and "topic_throughput" not in point
            and len(errors) == before
        ):
            errors.append(
                PointError(
                    index,
                    "",
                    "empty_point",
                    "A point carries a consumer group's lag, a DLQ depth or a topic throughput.",
                )
            )
        if len(errors) == before and when is not None:
            parsed.append((index, point, when))
    if errors:
        raise IngestRejected("invalid_points", _summary(errors), errors)

    names = {point["topic"] for _, point, _ in parsed}
    # Plain rows, not model instances: a batch names hundreds of consumers.
    topics = {
        name: _TopicRow(pk, name, owner_id)
        for pk, name, owner_id in Topic.objects.filter(name__in=names).values_list(
            "id", "name", "owner_id"
        )
    }
    consumers = {
        (topic_id, group_id): _ConsumerRow(pk, team_id)
        for pk, topic_id, group_id, team_id in Consumer.objects.filter(
            topic__name__in=names, status__in=LIVE_CONSUMER
        ).values_list("id", "topic_id", "group_id", "team_id")
    }
    platform = is_platform(actor)
    teams = user_team_ids(actor)
    consumer_rows: dict[tuple[int, datetime.datetime], ConsumerReading] = {}
    topic_rows: dict[tuple[int, datetime.datetime], dict[str, Any]] = {}
    for index, point, when in parsed:
        topic = topics.get(point["topic"])
        if topic is None:
            errors.append(
                PointError(
                    index,
                    "topic",
                    "unknown_topic",
                    f"No topic named {point['topic']} in the catalog.",
                )
            )
            continue
        consumer = None
        if "consumer_group" in point:
            consumer = consumers.get((topic.pk, point["consumer_group"]))
            if consumer is None:
                errors.append(
                    PointError(
                        index,
                        "consumer_group",
                        "unknown_group",
                        f"No consumer with group {point['consumer_group']} is registered on "
                        f"{topic.name}; register it in the catalog first.",
                    )
                )
                continue
        allowed = platform or topic.owner_id in teams or (consumer and consumer.team_id in teams)
        if not allowed:
            errors.append(
                PointError(
                    index,
                    "topic",
                    "forbidden",
                    f"Only the platform role, {topic.name}'s owner or its consumers' teams may "
                    "report on it.",
                )
            )
            continue
        if consumer is not None:
            lags = point["partition_lag"]
            by_partition = {int(p): lag for p, lag in lags.items()}
            partition_lags = [by_partition.get(p, 0) for p in range(max(by_partition) + 1)]
            if (consumer.pk, when) in consumer_rows:
                errors.append(
                    PointError(index, "timestamp", "duplicate_point", "Twice in one batch.")
                )
                continue
            consumer_rows[(consumer.pk, when)] = ConsumerReading(
                consumer_id=consumer.pk,
                lag=sum(partition_lags),
                partition_lags=partition_lags,
                consume_rate=point.get("throughput"),
            )
        if "dlq_depth" in point or "topic_throughput" in point:
            row = topic_rows.setdefault((topic.pk, when), {})
            for name in ("dlq_depth", "topic_throughput"):
                if name in point:
                    if name in row and row[name] != point[name]:
                        errors.append(
                            PointError(index, name, "duplicate_point", "Conflicts in one batch.")
                        )
                    row[name] = point[name]
    if errors:
        raise IngestRejected("invalid_points", _summary(errors), errors)

    stored = StoreResult()
    with transaction.atomic():
        by_time: dict[datetime.datetime, tuple[list[ConsumerReading], list[TopicReadingIn]]] = {}
        for (_, when), reading in consumer_rows.items():
            by_time.setdefault(when, ([], []))[0].append(reading)
        for (topic_id, when), values in topic_rows.items():
            by_time.setdefault(when, ([], []))[1].append(
                TopicReadingIn(
                    topic_id=topic_id,
                    produce_rate=values.get("topic_throughput"),
                    dlq_depth=values.get("dlq_depth"),
                )
            )
        for when, (consumer_readings, topic_readings) in sorted(by_time.items()):
            result = samples_store(
                taken_at=when,
                consumers=consumer_readings,
                topics=topic_readings,
                source=Source.INGEST,
            )
            stored.consumer_samples += result.consumer_samples
            stored.topic_samples += result.topic_samples
            stored.duplicates += result.duplicates
    return IngestResult(
        stored=stored,
        points=len(points),
        consumer_ids={r.consumer_id for r in consumer_rows.values()},
        topic_ids={topic_id for topic_id, _ in topic_rows},
    )


def _summary(errors: Sequence[PointError]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = f"points[{first.index}]" + (f".{first.field}" if first.field else "")
    return f"{where}: {first.message}{more}"
