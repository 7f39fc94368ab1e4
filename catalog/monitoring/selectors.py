"""Reads for the health page, the alert pages and /metrics; each a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncHour
from django.utils import timezone

from catalog.models import Consumer, Notification, Topic
from catalog.monitoring.models import Alert, CollectionRun, ConsumerSample, TopicSample
from catalog.monitoring.services import LIVE_CONSUMER, freshness, lag_threshold

SPARKLINE_HOURS = 24
HEALTH_TOPICS_PER_PAGE = 25


@dataclass
class ConsumerHealth:
    consumer: Consumer
    lag: int | None
    consume_rate: float | None
    taken_at: datetime.datetime | None
    threshold: int | None
    sparkline: list[float | None] = field(default_factory=list)

    @property
    def over_threshold(self) -> bool:
        return self.lag is not None and self.threshold is not None and self.lag > self.threshold


@dataclass
class TopicHealth:
    topic: Topic
    dlq_depth: int | None
    produce_rate: float | None
    taken_at: datetime.datetime | None
    open_alerts: list[Alert]
    consumers: list[ConsumerHealth]
    dlq_sparkline: list[float | None] = field(default_factory=list)


@dataclass
class HealthOverview:
    page: Page[Topic]
    topics: list[TopicHealth]
    open_alerts: list[Alert]
    history: list[Alert]
    last_run: CollectionRun | None
    last_success: CollectionRun | None


def _latest(model: type[ConsumerSample] | type[TopicSample], key: str, column: str) -> Subquery:
    return Subquery(
        model.objects.filter(**{key: OuterRef("pk")}).order_by("-taken_at").values(column)[:1]
    )


# The annotated querysets are typed loosely: the stubs cannot follow annotations through a helper.
def _with_latest_consumer_reading(consumers: QuerySet[Consumer]) -> QuerySet[Any]:
    """Each consumer's latest lag, consume rate and reading time (``latest_lag``...)."""
    return consumers.annotate(
        latest_lag=_latest(ConsumerSample, "consumer", "lag"),
        latest_rate=_latest(ConsumerSample, "consumer", "consume_rate"),
        sampled_at=_latest(ConsumerSample, "consumer", "taken_at"),
    )


def _with_latest_topic_reading(topics: QuerySet[Topic]) -> QuerySet[Any]:
    """Each topic's latest DLQ depth, produce rate and reading time."""
    return topics.annotate(
        dlq_depth=_latest(TopicSample, "topic", "dlq_depth"),
        produce_rate=_latest(TopicSample, "topic", "produce_rate"),
        sampled_at=_latest(TopicSample, "topic", "taken_at"),
    )


def _watched_topics(query: str) -> QuerySet[Topic]:
    live = Consumer.objects.filter(topic=OuterRef("pk"), status__in=LIVE_CONSUMER)
    open_alert = Alert.objects.filter(topic=OuterRef("pk"), resolved_at__isnull=True)
    topics = _with_latest_topic_reading(
        Topic.objects.annotate(has_consumers=Exists(live), alerting=Exists(open_alert))
        .filter(Q(has_consumers=True) | ~Q(dlq_topic=""))
        .exclude(status=Topic.Status.RETIRED)
        .select_related("owner")
    ).order_by("-alerting", "name")
    if query:
        topics = topics.filter(name__icontains=query)
    return topics


def _hourly(rows: Any, key: str, now: datetime.datetime) -> dict[int, list[float | None]]:
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        hours=SPARKLINE_HOURS - 1
    )
    series: dict[int, list[float | None]] = defaultdict(lambda: [None] * SPARKLINE_HOURS)
    for row in rows:
        slot = int((row["hour"] - start).total_seconds() // 3600)
        if 0 <= slot < SPARKLINE_HOURS and row["peak"] is not None:
            series[row[key]][slot] = float(row["peak"])
    return series


def health_overview(
    *, query: str = "", page: int | str = 1, now: datetime.datetime | None = None
) -> HealthOverview:
    """Watched topics (with live consumers or a DLQ), alerting ones first, with their
    consumers' latest readings and 24-hour sparklines; open alerts and recent history."""
    now = now or timezone.now()
    paginator = Paginator(_watched_topics(query), HEALTH_TOPICS_PER_PAGE)
    topic_page = paginator.get_page(page)
    topics = list(topic_page.object_list)
    topic_ids = [t.pk for t in topics]
    consumers = list(
        _with_latest_consumer_reading(
            Consumer.objects.filter(topic_id__in=topic_ids, status__in=LIVE_CONSUMER)
        )
        .select_related("team", "topic__sla")
        .order_by("team__slug", "name")
    )
    since = now - datetime.timedelta(hours=SPARKLINE_HOURS)
    lag_lines = _hourly(
        ConsumerSample.objects.filter(
            consumer_id__in=[c.pk for c in consumers], taken_at__gte=since, taken_at__lte=now
        )
        .annotate(hour=TruncHour("taken_at"))
        .values("consumer_id", "hour")
        .annotate(peak=Max("lag"))
        .order_by(),
        "consumer_id",
        now,
    )
    dlq_lines = _hourly(
        TopicSample.objects.filter(topic_id__in=topic_ids, taken_at__gte=since, taken_at__lte=now)
        .annotate(hour=TruncHour("taken_at"))
        .values("topic_id", "hour")
        .annotate(peak=Max("dlq_depth"))
        .order_by(),
        "topic_id",
        now,
    )
    open_alerts = list(
        Alert.objects.filter(resolved_at__isnull=True)
        .select_related("topic", "consumer__team")
        .order_by("-opened_at")[:200]
    )
    alerts_by_topic: dict[int, list[Alert]] = defaultdict(list)
    for alert in open_alerts:
        alerts_by_topic[alert.topic_id].append(alert)
    by_topic: dict[int, list[ConsumerHealth]] = defaultdict(list)
    for consumer in consumers:
        by_topic[consumer.topic_id].append(
            ConsumerHealth(
                consumer=consumer,
                lag=consumer.latest_lag,
                consume_rate=consumer.latest_rate,
                taken_at=consumer.sampled_at,
                threshold=lag_threshold(consumer),
                sparkline=lag_lines.get(consumer.pk, []),
            )
        )
    rows = [
        TopicHealth(
            topic=topic,
            dlq_depth=topic.dlq_depth,
            produce_rate=topic.produce_rate,
            taken_at=topic.sampled_at,
            open_alerts=alerts_by_topic.get(topic.pk, []),
            consumers=by_topic.get(topic.pk, []),
            dlq_sparkline=dlq_lines.get(topic.pk, []),
        )
        for topic in topics
    ]
    history = list(
        Alert.objects.filter(resolved_at__isnull=False)
        .select_related("topic", "consumer__team")
        .order_by("-opened_at")[:25]
    )
    runs = list(CollectionRun.objects.order_by("-started_at")[:1])
    success = CollectionRun.objects.filter(status=CollectionRun.Status.OK).first()
    return HealthOverview(
        page=topic_page,
        topics=rows,
        open_alerts=open_alerts,
        history=history,
        last_run=runs[0] if runs else None,
        last_success=success,
    )


def topic_open_alerts(topic: Topic) -> list[Alert]:
    return list(
        Alert.objects.filter(topic=topic, resolved_at__isnull=True).order_by("-opened_at")[:10]
    )


def alert_detail(pk: int) -> Alert | None:
    return (
        Alert.objects.select_related("topic", "topic__owner", "consumer__team", "acknowledged_by")
        .filter(pk=pk)
        .first()
    )


@dataclass
class MetricsSnapshot:
    consumers: Sequence[Consumer]
    topics: Sequence[Topic]
    open_alerts: dict[str, int]
    failed_notifications: int
    last_success: CollectionRun | None
    failed_runs: int


def metrics_snapshot(*, now: datetime.datetime | None = None) -> MetricsSnapshot:
    """The latest fresh reading of every live consumer and watched topic, open alerts by
    kind, failed notifications and the collector's own health."""
    now = now or timezone.now()
    fresh = now - freshness()
    consumers = list(
        _with_latest_consumer_reading(Consumer.objects.filter(status__in=LIVE_CONSUMER))
        .select_related("team", "topic")
        .filter(sampled_at__gte=fresh)
        .order_by("topic__name", "group_id")
    )
    topics = list(
        _with_latest_topic_reading(Topic.objects.all())
        .filter(sampled_at__gte=fresh)
        .order_by("name")
    )
    open_alerts = dict.fromkeys(Alert.Kind.values, 0)
    for row in (
        Alert.objects.filter(resolved_at__isnull=True).values("kind").annotate(n=Count("id"))
    ):
        open_alerts[row["kind"]] = row["n"]
    return MetricsSnapshot(
        consumers=consumers,
        topics=topics,
        open_alerts=open_alerts,
        failed_notifications=Notification.objects.filter(status=Notification.Status.FAILED).count(),
        last_success=CollectionRun.objects.filter(status=CollectionRun.Status.OK).first(),
        failed_runs=CollectionRun.objects.filter(status=CollectionRun.Status.FAILED).count(),
    )
