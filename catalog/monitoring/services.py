"""Writes of the signals app: storing readings, evaluating the alert rules, acknowledging a
DLQ, pruning old readings. Collection and ingest both end in :func:`alerts_evaluate`."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone

from catalog.audit import audit_record
from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Consumer, Team, Topic
from catalog.monitoring import rules
from catalog.monitoring.kafka import KafkaUnavailable, client_config_from_env, kafka_read
from catalog.monitoring.models import (
    Alert,
    CollectionRun,
    ConsumerSample,
    DlqAcknowledgement,
    Source,
    TopicSample,
)
from catalog.notifications import TeamMessage, notify_each
from catalog.permissions import require_topic_owner
from contracts.models import SchemaVersion

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
LIVE_CONSUMER = (Consumer.Status.ACTIVE, Consumer.Status.MIGRATING)


def _setting(name: str) -> Any:
    return getattr(settings, name)


def _sustain() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("ALERT_SUSTAIN_SECONDS"))


def _baseline_span() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("ALERT_THROUGHPUT_BASELINE_SECONDS"))


def freshness() -> datetime.timedelta:
    """Readings older than this say nothing about now (a stopped collector is not a DLQ)."""
    return datetime.timedelta(seconds=_setting("SIGNALS_STALE_AFTER_SECONDS"))


CAUSE_WINDOW = datetime.timedelta(hours=1)


# --- Storing readings ------------------------------------------------------------------------


@dataclass(slots=True)
class ConsumerReading:
    consumer_id: int
    lag: int
    partition_lags: list[int]
    uncommitted: int = 0
    position_total: int | None = None
    consume_rate: float | None = None


@dataclass(slots=True)
class TopicReadingIn:
    topic_id: int
    end_total: int | None = None
    produce_rate: float | None = None
    dlq_depth: int | None = None


@dataclass
class StoreResult:
    consumer_samples: int = 0
    topic_samples: int = 0
    duplicates: int = 0


def _rate(
    total: int | None, previous: tuple[datetime.datetime, int | None] | None, at: datetime.datetime
) -> float | None:
    """Messages per second since the previous reading's offset total; None without one, or
    when offsets went backwards (a reset topic or group)."""
    if total is None or previous is None or previous[1] is None:
        return None
    seconds = (at - previous[0]).total_seconds()
    if seconds <= 0 or total < previous[1]:
        return None
    return (total - previous[1]) / seconds


def samples_store(
    *,
    taken_at: datetime.datetime,
    consumers: Sequence[ConsumerReading],
    topics: Sequence[TopicReadingIn],
    source: str,
) -> StoreResult:
    """Store one collection's readings at ``taken_at``; throughput that the reading does not
    carry is derived from the previous reading's offsets. A reading already stored for that
    time is a duplicate and is left alone (idempotent by timestamp)."""
    # Only readings with offsets and no rate of their own need the previous reading.
    previous_consumers = _latest_before(
        ConsumerSample,
        "consumer_id",
        [
            c.consumer_id
            for c in consumers
            if c.consume_rate is None and c.position_total is not None
        ],
        taken_at,
    )
    previous_topics = _latest_before(
        TopicSample,
        "topic_id",
        [t.topic_id for t in topics if t.produce_rate is None and t.end_total is not None],
        taken_at,
    )
    consumer_rows: list[tuple[Any, ...]] = []
    for reading in consumers:
        rate = reading.consume_rate
        if rate is None:
            rate = _rate(
                reading.position_total, previous_consumers.get(reading.consumer_id), taken_at
            )
        consumer_rows.append(
            (
                reading.consumer_id,
                taken_at,
                reading.lag,
                _int_list_json(reading.partition_lags),
                reading.uncommitted,
                reading.position_total,
                rate,
                source,
            )
        )
    topic_rows: list[tuple[Any, ...]] = []
    for topic_reading in topics:
        rate = topic_reading.produce_rate
        if rate is None:
            rate = _rate(
                topic_reading.end_total, previous_topics.get(topic_reading.topic_id), taken_at
            )
        topic_rows.append(
            (
                topic_reading.topic_id,
                taken_at,
                topic_reading.end_total,
                rate,
                topic_reading.dlq_depth,
                source,
            )
        )
    return _insert_samples(taken_at, consumer_rows, topic_rows)


def _int_list_json(values: list[int]) -> str:
    # The JSON of a list of ints, without json.dumps' per-call overhead (one per reading).
    return "[" + ",".join(map(str, values)) + "]"


def _latest_before(
    model: type[ConsumerSample] | type[TopicSample],
    key: str,
    ids: list[int],
    before: datetime.datetime,
) -> dict[int, tuple[datetime.datetime, int | None]]:
    """When the latest reading before ``before`` was taken, and its offset total, per id."""
    if not ids:
        return {}
    total = "committed_total" if model is ConsumerSample else "end_total"
    rows = (
        model.objects.filter(
            **{f"{key}__in": ids}, taken_at__lt=before, taken_at__gte=before - freshness()
        )
        .order_by(key, "-taken_at")
        .values_list(key, "taken_at", total)
    )
    latest: dict[int, tuple[datetime.datetime, int | None]] = {}
    for owner, taken_at, offsets in rows:
        latest.setdefault(owner, (taken_at, offsets))
    return latest


CONSUMER_SAMPLE_COLUMNS = (
    "consumer_id",
    "taken_at",
    "lag",
    "partition_lags",
    "uncommitted",
    "committed_total",
    "consume_rate",
    "source",
)
TOPIC_SAMPLE_COLUMNS = ("topic_id", "taken_at", "end_total", "produce_rate", "dlq_depth", "source")


def _insert_samples(
    taken_at: datetime.datetime,
    consumer_rows: list[tuple[Any, ...]],
    topic_rows: list[tuple[Any, ...]],
) -> StoreResult:
    """Insert readings taken at one time; one already stored for that time is a duplicate.

    A collection or an ingest batch stores hundreds of rows at a time, so this is one
    multi-row ``INSERT ... ON CONFLICT DO NOTHING`` per table rather than model instances
    (bulk_create spent most of an ingest request building and adapting them), and the
    database's own count of inserted rows tells the duplicates apart."""
    # Inside a caller's transaction (an ingest batch) no savepoint is needed: all or nothing.
    with transaction.atomic(savepoint=False):
        consumers = _insert_rows(ConsumerSample, CONSUMER_SAMPLE_COLUMNS, consumer_rows)
        topics = _insert_rows(TopicSample, TOPIC_SAMPLE_COLUMNS, topic_rows)
    return StoreResult(
        consumer_samples=consumers,
        topic_samples=topics,
        duplicates=len(consumer_rows) + len(topic_rows) - consumers - topics,
    )


def _insert_rows(
    model: type[ConsumerSample] | type[TopicSample],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> int:
    """Insert ``rows``, skipping conflicts; returns how many were inserted."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return _insert_rows_unnest(connection, model, columns, rows)
    adapt = connection.ops.adapt_datetimefield_value
    # Parameters per statement stay well under SQLite's limit of 32,766.
    chunk = max(1, 30_000 // len(columns))
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES "
    )
    adapted: dict[datetime.datetime, Any] = {}
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                when = adapted.get(row[1])
                if when is None:
                    when = adapted[row[1]] = adapt(row[1])
                params.append(row[0])
                params.append(when)
                params.extend(row[2:])
            cursor.execute(
                head + ", ".join([row_sql] * len(part)) + " ON CONFLICT DO NOTHING", params
            )
            inserted += cursor.rowcount
    return inserted


def _insert_rows_unnest(
    connection: Any,
    model: type[ConsumerSample] | type[TopicSample],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> int:
    """PostgreSQL: one array per column, unnested into rows. Eight array parameters parse
    far faster than thousands of scalar ones (an ingest batch's INSERT went from 18 to a few
    milliseconds)."""
    quote = connection.ops.quote_name
    fields = {f.column: f for f in model._meta.concrete_fields}
    arrays = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in columns)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values) for values in zip(*rows, strict=True)])
        return int(cursor.rowcount)


# --- Collecting from Kafka -------------------------------------------------------------------


def collection_run(*, now: datetime.datetime | None = None) -> CollectionRun:
    """One collection: read every registered consumer group and DLQ from Kafka, store the
    readings, evaluate the alert rules. Kafka being unreachable is recorded on the run (once,
    with the reason) and never raised."""
    started = now or timezone.now()
    consumers = list(
        Consumer.objects.filter(status__in=LIVE_CONSUMER)
        .exclude(topic__status=Topic.Status.RETIRED)
        .select_related("topic")
        .only("id", "group_id", "topic__id", "topic__name", "topic__dlq_topic")
    )
    topics = {c.topic.name: c.topic for c in consumers}
    for topic in (
        Topic.objects.exclude(dlq_topic="")
        .exclude(status=Topic.Status.RETIRED)
        .only("id", "name", "dlq_topic")
    ):
        topics.setdefault(topic.name, topic)
    bootstrap = _setting("KAFKA_BOOTSTRAP_SERVERS")
    run = CollectionRun(started_at=started, groups=len({c.group_id for c in consumers}))
    if not bootstrap:
        return _finish_run(run, error="KAFKA_BOOTSTRAP_SERVERS is not set")
    try:
        snapshot = kafka_read(
            config=client_config_from_env(bootstrap),
            groups=[(c.group_id, c.topic.name) for c in consumers],
            topics=list(topics),
            dlq_topics={name: t.dlq_topic for name, t in topics.items() if t.dlq_topic},
            timeout=_setting("KAFKA_TIMEOUT_SECONDS"),
        )
    except KafkaUnavailable as exc:
        logger.warning("signal collection failed: %s", exc)
        return _finish_run(run, error=str(exc))
    except Exception as exc:  # a client bug must not stop the beat schedule
        logger.exception("signal collection failed")
        return _finish_run(run, error=f"unexpected error: {exc}")
    run.partitions = snapshot.partitions
    consumer_readings = []
    for consumer in consumers:
        group = snapshot.groups.get((consumer.group_id, consumer.topic.name))
        if group is None:
            continue
        consumer_readings.append(
            ConsumerReading(
                consumer_id=consumer.pk,
                lag=group.lag,
                partition_lags=group.partition_lags,
                uncommitted=group.uncommitted,
                position_total=group.position_total,
            )
        )
    topic_readings = [
        TopicReadingIn(
            topic_id=topics[name].pk, end_total=reading.end_total, dlq_depth=reading.dlq_depth
        )
        for name, reading in snapshot.topics.items()
    ]
    samples_store(
        taken_at=started,
        consumers=consumer_readings,
        topics=topic_readings,
        source=Source.KAFKA,
    )
    outcome = alerts_evaluate(
        consumer_ids={c.consumer_id for c in consumer_readings},
        topic_ids={t.topic_id for t in topic_readings},
        now=started,
    )
    run.alerts_opened, run.alerts_resolved = outcome.opened, outcome.resolved
    return _finish_run(run, error="; ".join(snapshot.problems[:20]), failed=False)


def _finish_run(run: CollectionRun, *, error: str, failed: bool = True) -> CollectionRun:
    run.finished_at = timezone.now()
    run.status = CollectionRun.Status.FAILED if failed else CollectionRun.Status.OK
    run.error = error[:4000]
    run.save()
    return run


# --- Evaluating the rules --------------------------------------------------------------------


@dataclass
class EvaluationOutcome:
    opened: int = 0
    resolved: int = 0


@dataclass
class _Firing:
    """A rule that holds now: what would open (or keep open) an alert."""

    kind: str
    key: str
    topic: Topic
    consumer: Consumer | None
    value: float
    threshold: float | None
    onset: datetime.datetime
    message: str
    details: dict[str, Any]


def alerts_evaluate(
    *,
    consumer_ids: Iterable[int] | None = None,
    topic_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> EvaluationOutcome:
    """Evaluate every rule for the given consumers and topics (all of them when both are None)
    at ``now``: open what newly fires, update what still fires, resolve what cleared.
    Safe to run concurrently and repeatedly: one open alert per key is a database constraint."""
    now = now or timezone.now()
    everything = consumer_ids is None and topic_ids is None
    consumer_qs = Consumer.objects.select_related("topic", "topic__sla", "topic__owner", "team")
    topic_qs = Topic.objects.select_related("owner").exclude(dlq_topic="")
    if not everything:
        consumer_qs = consumer_qs.filter(pk__in=list(consumer_ids or ()))
        topic_qs = topic_qs.filter(pk__in=list(topic_ids or ()))
    consumers = list(consumer_qs)
    dlq_topics = list(topic_qs)
    keys = [_key(Alert.Kind.LAG, c) for c in consumers]
    keys += [_key(Alert.Kind.THROUGHPUT_DROP, c) for c in consumers]
    keys += [f"{Alert.Kind.DLQ_DEPTH}:topic:{t.pk}" for t in dlq_topics]
    open_alerts = {a.key: a for a in Alert.objects.filter(resolved_at__isnull=True, key__in=keys)}

    # Recent readings decide lag and a drop; the baseline is one aggregate over the hour before.
    # Twice the sustained window: its start needs a reading at or before it (the anchor), so
    # readings must come at least every ALERT_SUSTAIN_SECONDS (the collector: every minute).
    since = now - 2 * _sustain()
    lag_readings: dict[int, list[rules.Reading]] = defaultdict(list)
    rate_readings: dict[int, list[rules.Reading]] = defaultdict(list)
    for consumer_id, taken_at, lag, rate in ConsumerSample.objects.filter(
        consumer_id__in=[c.pk for c in consumers], taken_at__gte=since, taken_at__lte=now
    ).values_list("consumer_id", "taken_at", "lag", "consume_rate"):
        lag_readings[consumer_id].append(rules.Reading(taken_at, float(lag)))
        if rate is not None:
            rate_readings[consumer_id].append(rules.Reading(taken_at, rate))
    baseline_end = now - _sustain()
    baselines = {
        row["consumer_id"]: rules.throughput_baseline(row["mean"], row["count"])
        for row in ConsumerSample.objects.filter(
            consumer_id__in=list(rate_readings),
            taken_at__gte=baseline_end - _baseline_span(),
            taken_at__lt=baseline_end,
            consume_rate__isnull=False,
        )
        .values("consumer_id")
        .annotate(mean=Avg("consume_rate"), count=Count("id"))
        .order_by()
    }
    topic_ids_all = {c.topic_id for c in consumers} | {t.pk for t in dlq_topics}
    latest_topic: dict[int, TopicSample] = {}
    for sample in TopicSample.objects.filter(
        topic_id__in=topic_ids_all, taken_at__gte=now - freshness(), taken_at__lte=now
    ).order_by("topic_id", "-taken_at"):
        latest_topic.setdefault(sample.topic_id, sample)
    acks = {a.topic_id: a for a in DlqAcknowledgement.objects.filter(topic__in=dlq_topics)}

    def _has_fresh_readings(alert: Alert) -> bool:
        if alert.kind == Alert.Kind.DLQ_DEPTH:
            sample = latest_topic.get(alert.topic_id)
            return sample is not None and sample.dlq_depth is not None
        readings = lag_readings.get(alert.consumer_id or 0) or []
        return bool(readings) and now - max(r.at for r in readings) <= freshness()

    firing: dict[str, _Firing] = {}
    gone: set[str] = set()
    for consumer in consumers:
        if consumer.status not in LIVE_CONSUMER:
            gone.update(
                {_key(Alert.Kind.LAG, consumer), _key(Alert.Kind.THROUGHPUT_DROP, consumer)}
            )
            continue
        lag_firing = _lag_rule(consumer, lag_readings[consumer.pk], open_alerts, now)
        if lag_firing is not None:
            firing[lag_firing.key] = lag_firing
        drop = _throughput_rule(
            consumer,
            rate_readings[consumer.pk],
            baselines.get(consumer.pk),
            latest_topic.get(consumer.topic_id),
            open_alerts,
            now,
        )
        if drop is not None:
            firing[drop.key] = drop
    for topic in dlq_topics:
        dlq = _dlq_rule(topic, latest_topic.get(topic.pk), acks.get(topic.pk), now)
        if dlq is not None:
            firing[dlq.key] = dlq

    outcome = EvaluationOutcome()
    to_open = [f for key, f in firing.items() if key not in open_alerts]
    with transaction.atomic():
        for key, alert in open_alerts.items():
            current = firing.get(key)
            if current is None and key not in gone and not _has_fresh_readings(alert):
                # No reading says the condition cleared (the collector stopped, say): an
                # alert stays as it is rather than resolving on silence.
                continue
            if current is None:
                resolution = Alert.Resolution.GONE if key in gone else Alert.Resolution.CLEARED
                _alert_resolve(alert, now=now, resolution=resolution)
                outcome.resolved += 1
            else:
                alert.value = current.value
                alert.peak = max(alert.peak, current.value)
                alert.last_seen_at = now
                alert.details = {**alert.details, **current.details}
                alert.save(update_fields=["value", "peak", "last_seen_at", "details"])
        causes = _likely_causes({f.topic.pk for f in to_open}, now)
        for candidate in to_open:
            opened = _alert_open(candidate, now=now, causes=causes.get(candidate.topic.pk, []))
            if opened is not None:
                outcome.opened += 1
    return outcome


def _key(kind: str, consumer: Consumer) -> str:
    return f"{kind}:consumer:{consumer.pk}"


def lag_threshold(consumer: Consumer) -> int | None:
    """The consumer's own threshold, else its topic SLA's max consumer lag."""
    if consumer.lag_threshold is not None:
        return consumer.lag_threshold
    sla = getattr(consumer.topic, "sla", None)
    return sla.max_consumer_lag if sla is not None else None


def _lag_rule(
    consumer: Consumer,
    readings: list[rules.Reading],
    open_alerts: dict[str, Alert],
    now: datetime.datetime,
) -> _Firing | None:
    threshold = lag_threshold(consumer)
    key = _key(Alert.Kind.LAG, consumer)
    if threshold is None or not readings:
        return None
    latest = max(readings, key=lambda r: r.at)
    if now - latest.at > freshness():
        return None
    if key in open_alerts:
        if rules.lag_cleared(latest.value, threshold=threshold):
            return None
    elif not rules.lag_breached(readings, threshold=threshold, now=now, duration=_sustain()):
        return None
    minutes = int(_sustain().total_seconds() // 60)
    return _Firing(
        kind=Alert.Kind.LAG,
        key=key,
        topic=consumer.topic,
        consumer=consumer,
        value=latest.value,
        threshold=float(threshold),
        onset=now - _sustain(),
        message=(
            f"{consumer.team.slug}/{consumer.name} (group {consumer.group_id}) is "
            f"{int(latest.value):,} messages behind on {consumer.topic.name}, over its threshold "
            f"of {threshold:,} for {minutes} minutes and not catching up."
        ),
        details={"group_id": consumer.group_id},
    )


def _throughput_rule(
    consumer: Consumer,
    readings: list[rules.Reading],
    trailing_baseline: float | None,
    topic_sample: TopicSample | None,
    open_alerts: dict[str, Alert],
    now: datetime.datetime,
) -> _Firing | None:
    key = _key(Alert.Kind.THROUGHPUT_DROP, consumer)
    if not readings:
        return None
    latest = max(readings, key=lambda r: r.at)
    if now - latest.at > freshness():
        return None
    # A consumer reading less because nothing arrives is not a problem.
    receiving = topic_sample is not None and (topic_sample.produce_rate or 0) > 0
    if not receiving:
        return None
    drop = _setting("ALERT_THROUGHPUT_DROP_PERCENT") / 100
    existing = open_alerts.get(key)
    if existing is not None:
        baseline = float(existing.details.get("baseline") or 0)
        if baseline <= 0 or rules.throughput_recovered(latest.value, baseline=baseline):
            return None
        onset = existing.opened_at
    else:
        window = rules.sustained_since(readings, now=now, duration=_sustain())
        if window is None:
            return None
        onset = window[0].at
        if trailing_baseline is None:
            return None
        baseline = trailing_baseline
        if not rules.throughput_dropped(
            readings, baseline=baseline, drop=drop, now=now, duration=_sustain()
        ):
            return None
    percent = round(100 * (1 - latest.value / baseline))
    return _Firing(
        kind=Alert.Kind.THROUGHPUT_DROP,
        key=key,
        topic=consumer.topic,
        consumer=consumer,
        value=latest.value,
        threshold=baseline * (1 - drop),
        onset=onset,
        message=(
            f"{consumer.team.slug}/{consumer.name} (group {consumer.group_id}) consumes "
            f"{latest.value:.1f} msg/s, {percent}% below its baseline of {baseline:.1f} msg/s, "
            f"while {consumer.topic.name} still receives "
            f"{(topic_sample.produce_rate if topic_sample else 0) or 0:.1f} msg/s."
        ),
        details={"baseline": baseline, "group_id": consumer.group_id},
    )


def _dlq_rule(
    topic: Topic,
    sample: TopicSample | None,
    ack: DlqAcknowledgement | None,
    now: datetime.datetime,
) -> _Firing | None:
    if sample is None or sample.dlq_depth is None:
        return None
    depth = sample.dlq_depth
    if ack is not None and depth < ack.depth:
        # The DLQ is draining: only growth past what is left alerts again.
        if depth == 0:
            ack.delete()
            ack = None
        else:
            ack.depth = depth
            ack.save(update_fields=["depth"])
    acknowledged = ack.depth if ack is not None else 0
    if not rules.dlq_firing(depth, acknowledged=acknowledged):
        return None
    return _Firing(
        kind=Alert.Kind.DLQ_DEPTH,
        key=f"{Alert.Kind.DLQ_DEPTH}:topic:{topic.pk}",
        topic=topic,
        consumer=None,
        value=float(depth),
        threshold=float(acknowledged),
        onset=sample.taken_at,
        message=(
            f"The DLQ of {topic.name} ({topic.dlq_topic}) holds {depth:,} "
            f"message{'s' if depth != 1 else ''}"
            + (f", {acknowledged:,} of them acknowledged." if acknowledged else ".")
        ),
        details={"dlq_topic": topic.dlq_topic},
    )


def _likely_causes(topic_ids: set[int], now: datetime.datetime) -> dict[int, list[dict[str, Any]]]:
    """Schema versions registered and proposals applied on each topic in the hour before
    ``now`` (the sustained rules' onset is at most a few minutes earlier), newest first."""
    if not topic_ids:
        return {}
    since = now - CAUSE_WINDOW - _sustain()
    causes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    versions = (
        SchemaVersion.objects.filter(
            subject__topic_id__in=topic_ids, created_at__gte=since, created_at__lte=now
        )
        .select_related("subject__topic", "created_by")
        .order_by("-created_at")
    )
    site = settings.SITE_URL.rstrip("/")
    for version in versions:
        topic_id = version.subject.topic_id
        assert topic_id is not None
        causes[topic_id].append(
            {
                "kind": "schema_version",
                "subject": version.subject.name,
                "version": version.version,
                "schema_id": version.schema_id,
                "at": version.created_at.isoformat(),
                "by": version.created_by.get_username() if version.created_by else "",
                "url": site + _topic_url(version.subject.topic) + "#schema",
                "registry_url": site
                + reverse(
                    "registry:subject-version",
                    kwargs={"subject": version.subject.name, "version": str(version.version)},
                ),
            }
        )
    applied = AuditEvent.objects.filter(
        verb="proposal.applied",
        topic_id__in=topic_ids,
        created_at__gte=since,
        created_at__lte=now,
    ).order_by("-created_at")
    for event in applied:
        assert event.topic_id is not None
        causes[event.topic_id].append(
            {
                "kind": "proposal_applied",
                "proposal": int(event.object_id),
                "version": (event.after or {}).get("version"),
                "at": event.created_at.isoformat(),
                "by": event.actor_label,
                "url": site + reverse("contracts:proposal-detail", kwargs={"pk": event.object_id}),
            }
        )
    for items in causes.values():
        items.sort(key=lambda c: c["at"], reverse=True)
    return causes


def _topic_url(topic: Topic | None) -> str:
    return topic.get_absolute_url() if topic is not None else ""


def describe_causes(causes: Sequence[dict[str, Any]]) -> str:
    if not causes:
        return "No schema change on this topic in the hour before."
    parts = []
    for cause in causes:
        if cause["kind"] == "schema_version":
            by = f" by {cause['by']}" if cause["by"] else ""
            parts.append(
                f"{cause['subject']} version {cause['version']} registered at "
                f"{cause['at'][11:16]} UTC{by}"
            )
        else:
            parts.append(
                f"proposal #{cause['proposal']} applied at {cause['at'][11:16]} UTC "
                f"by {cause['by']}"
            )
    return "Likely cause: " + "; ".join(parts) + "."


def _alert_open(
    candidate: _Firing, *, now: datetime.datetime, causes: list[dict[str, Any]]
) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                key=candidate.key,
                kind=candidate.kind,
                topic=candidate.topic,
                consumer=candidate.consumer,
                opened_at=now,
                last_seen_at=now,
                value=candidate.value,
                peak=candidate.value,
                threshold=candidate.threshold,
                message=candidate.message,
                details=candidate.details,
                likely_causes=causes,
            )
    except IntegrityError:
        # Another evaluation opened it first; it notifies.
        return None
    _alert_notify(alert, event="alert.opened")
    return alert


def _alert_resolve(
    alert: Alert, *, now: datetime.datetime, resolution: str, actor: User | None = None
) -> None:
    alert.resolved_at = now
    alert.resolution = resolution
    fields = ["resolved_at", "resolution"]
    if actor is not None and actor.is_authenticated:
        alert.acknowledged_by_id = actor.pk
        fields.append("acknowledged_by")
    alert.save(update_fields=fields)
    _alert_notify(alert, event="alert.resolved")


def _alert_teams(alert: Alert) -> list[Team]:
    """The owning team and the consumer's team; for a DLQ, every team reading the topic."""
    teams: dict[int, Team] = {}
    if alert.topic.owner is not None:
        teams[alert.topic.owner.pk] = alert.topic.owner
    if alert.consumer is not None:
        teams[alert.consumer.team.pk] = alert.consumer.team
    else:
        for team in Team.objects.filter(
            consumers__topic=alert.topic, consumers__status__in=LIVE_CONSUMER
        ).distinct():
            teams.setdefault(team.pk, team)
    return list(teams.values())


def _alert_notify(alert: Alert, *, event: str) -> None:
    site = settings.SITE_URL.rstrip("/")
    link = site + reverse("monitoring:alert-detail", kwargs={"pk": alert.pk})
    what = alert.get_kind_display()
    if event == "alert.opened":
        subject = f"[alert] {what}: {alert.topic.name}"
        body = f"{alert.message}\n\n{describe_causes(alert.likely_causes)}\n\n{link}"
    else:
        subject = f"[resolved] {what}: {alert.topic.name}"
        body = (
            f"Resolved ({alert.get_resolution_display().lower()}) after it opened at "
            f"{alert.opened_at:%Y-%m-%d %H:%M} UTC: {alert.message}\n\n{link}"
        )
    payload = {
        "text": f"{subject}\n{alert.message}",
        "event": event,
        "alert": alert.pk,
        "kind": alert.kind,
        "topic": alert.topic.name,
        "consumer_group": alert.consumer.group_id if alert.consumer else None,
        "value": alert.value,
        "likely_causes": alert.likely_causes,
        "url": link,
    }
    notify_each(
        TeamMessage(team, event, subject, body, payload, f"{event}:{alert.pk}")
        for team in _alert_teams(alert)
    )


@transaction.atomic
def dlq_acknowledge(*, actor: User, alert: Alert, now: datetime.datetime | None = None) -> Alert:
    """The owner has seen the DLQ's messages: resolve the alert and only alert again when the
    DLQ grows past the depth acknowledged now."""
    now = now or timezone.now()
    locked = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("topic", "topic__owner", "consumer")
        .get(pk=alert.pk)
    )
    require_topic_owner(actor, locked.topic, "acknowledge the DLQ of")
    if locked.kind != Alert.Kind.DLQ_DEPTH:
        raise ApplicationError(
            "Only a DLQ alert can be acknowledged; the others resolve when the lag or "
            "throughput recovers.",
            code="not_acknowledgeable",
        )
    if locked.resolved_at is not None:
        return locked
    depth = int(locked.value)
    DlqAcknowledgement.objects.update_or_create(
        topic=locked.topic,
        defaults={"depth": depth, "acknowledged_by": actor, "acknowledged_at": now},
    )
    _alert_resolve(locked, now=now, resolution=Alert.Resolution.ACKNOWLEDGED, actor=actor)
    audit_record(
        actor=actor,
        verb="alert.acknowledged",
        obj=locked,
        topic=locked.topic,
        team=locked.topic.owner,
        after={"dlq_depth": depth},
    )
    return locked


def signals_prune(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete readings older than the retention; collection runs go with them."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=_setting("SIGNALS_RETENTION_DAYS"))
    consumers, _ = ConsumerSample.objects.filter(taken_at__lt=cutoff).delete()
    topics, _ = TopicSample.objects.filter(taken_at__lt=cutoff).delete()
    CollectionRun.objects.filter(started_at__lt=cutoff).delete()
    return consumers, topics
