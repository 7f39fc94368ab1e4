"""Reads for pages and APIs. Each does a bounded number of queries whatever the catalog size."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Consumer, FieldSemantics, Notification, Team, Topic
from contracts.selectors import SchemaField, topic_latest_schema_fields


def _active_consumer_count() -> Subquery:
    # A correlated subquery rather than JOIN + GROUP BY: the database then counts only for the
    # rows of the page it returns, not for every matching topic before LIMIT.
    return Subquery(
        Consumer.objects.filter(topic=OuterRef("pk"))
        .exclude(status=Consumer.Status.RETIRED)
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def topic_search(*, query: str = "", status: str = "", domain: str = "") -> QuerySet[Topic]:
    """Topics matching a free-text query on name, domain and owner, ordered by name."""
    topics = Topic.objects.select_related("owner").annotate(
        active_consumers=Coalesce(_active_consumer_count(), 0)
    )
    query = query.strip()
    if query:
        # The domain is the name's first segment, so matching the name covers it. Owners are
        # matched first (there are few teams) so the topic scan needs no join.
        owners = Team.objects.filter(Q(slug__icontains=query) | Q(name__icontains=query))
        topics = topics.filter(Q(name__icontains=query) | Q(owner_id__in=owners.values("pk")))
    if status:
        topics = topics.filter(status=status)
    if domain:
        topics = topics.filter(domain=domain)
    return topics.order_by("name")


def topic_page(
    *, query: str = "", status: str = "", domain: str = "", page: int | str = 1
) -> Page[Topic]:
    paginator = Paginator(
        topic_search(query=query, status=status, domain=domain), settings.CATALOG_TOPICS_PER_PAGE
    )
    return paginator.get_page(page)


@dataclass(frozen=True)
class TopicDetail:
    topic: Topic
    consumers: list[Consumer]
    retired_consumers: list[Consumer]
    semantics: dict[str, FieldSemantics]
    # None until the topic has a registered schema.
    schema_fields: list[SchemaField] | None
    schema_version: int | None

    @property
    def field_rows(self) -> list[tuple[str, SchemaField | None, FieldSemantics | None]]:
        """One row per field: from the schema when there is one, plus any described path the
        schema no longer has (so stale semantics stay visible)."""
        rows: list[tuple[str, SchemaField | None, FieldSemantics | None]] = []
        seen: set[str] = set()
        for field in self.schema_fields or []:
            rows.append((field.path, field, self.semantics.get(field.path)))
            seen.add(field.path)
        for path, semantics in sorted(self.semantics.items()):
            if path not in seen:
                rows.append((path, None, semantics))
        return rows

    @property
    def all_field_readers(self) -> int:
        """How many consumers read every field (registered with no field list)."""
        return sum(1 for consumer in self.consumers if not consumer.fields)

    @property
    def readers_by_field(self) -> dict[str, list[Consumer]]:
        readers: dict[str, list[Consumer]] = {}
        for consumer in self.consumers:
            for path in consumer.fields:
                readers.setdefault(path, []).append(consumer)
        return readers


def topic_detail(*, name: str) -> TopicDetail | None:
    topic = (
        Topic.objects.select_related("owner", "sla", "supersedes")
        .prefetch_related(
            Prefetch(
                "consumers",
                queryset=Consumer.objects.select_related("team").order_by("team__slug", "name"),
            ),
            Prefetch("field_semantics", queryset=FieldSemantics.objects.order_by("path")),
        )
        .filter(name=name)
        .first()
    )
    if topic is None:
        return None
    consumers = list(topic.consumers.all())
    latest = topic_latest_schema_fields(topic)
    return TopicDetail(
        topic=topic,
        consumers=[c for c in consumers if c.status != Consumer.Status.RETIRED],
        retired_consumers=[c for c in consumers if c.status == Consumer.Status.RETIRED],
        semantics={s.path: s for s in topic.field_semantics.all()},
        schema_fields=latest.fields if latest else None,
        schema_version=latest.version if latest else None,
    )


def topic_field_paths(topic: Topic) -> list[str] | None:
    """The field paths of the topic's latest value schema in schema order, or None when it has
    no schema yet."""
    latest = topic_latest_schema_fields(topic)
    if latest is None:
        return None
    return [field.path for field in latest.fields]


@dataclass(frozen=True)
class TeamDetail:
    team: Team
    owned_topics: Sequence[Topic]
    consumers: list[Consumer]
    members: list[tuple[str, str]]


def team_detail(*, slug: str) -> TeamDetail | None:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        return None
    owned = list(
        Topic.objects.filter(owner=team)
        .annotate(
            active_consumers=Count(
                "consumers", filter=~Q(consumers__status=Consumer.Status.RETIRED)
            )
        )
        .order_by("name")
    )
    consumers = list(
        Consumer.objects.filter(team=team)
        .exclude(status=Consumer.Status.RETIRED)
        .select_related("topic", "topic__owner")
        .order_by("topic__name", "name")
    )
    members = [
        (m.user.get_username(), m.role)
        for m in team.memberships.select_related("user").order_by("user__username")
    ]
    return TeamDetail(team=team, owned_topics=owned, consumers=consumers, members=members)


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(
        topic_count=Count("owned_topics", distinct=True),
        consumer_count=Count(
            "consumers", filter=~Q(consumers__status=Consumer.Status.RETIRED), distinct=True
        ),
    ).order_by("slug")


def teams_user_may_act_for(user_is_platform: bool, team_ids: set[int]) -> QuerySet[Team]:
    if user_is_platform:
        return Team.objects.order_by("slug")
    return Team.objects.filter(pk__in=team_ids).order_by("slug")


# Status filters of a team's notifications page. "pending" includes the ones being sent right
# now: to the team both mean "not delivered yet".
NOTIFICATION_STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "pending": (Notification.Status.PENDING, Notification.Status.SENDING),
    "sent": (Notification.Status.SENT,),
    "failed": (Notification.Status.FAILED,),
}
TEAM_NOTIFICATIONS_PER_PAGE = 25


def team_notifications(*, team: Team, status: str = "", page: int | str = 1) -> Page[Notification]:
    """A team's notifications, newest first; ``status`` is a key of NOTIFICATION_STATUS_FILTERS
    (anything else means all). Two queries: the count and the page."""
    notifications = Notification.objects.filter(team=team).defer("body", "payload")
    if status in NOTIFICATION_STATUS_FILTERS:
        notifications = notifications.filter(status__in=NOTIFICATION_STATUS_FILTERS[status])
    paginator = Paginator(notifications.order_by("-created_at", "-id"), TEAM_NOTIFICATIONS_PER_PAGE)
    return paginator.get_page(page)


def failed_notification_count(team: Team | None = None) -> int:
    """Failed deliveries, of one team or of all, for the pages and for alerting."""
    failed = Notification.objects.filter(status=Notification.Status.FAILED)
    if team is not None:
        failed = failed.filter(team=team)
    return failed.count()


def failed_notifications_by_team(*, teams: QuerySet[Team]) -> dict[str, int]:
    """Failed deliveries per team slug for ``teams``, zero included (an alert sees a team
    recover rather than vanish). Two queries whatever the number of notifications."""
    slugs = dict(teams.values_list("pk", "slug"))
    counts = dict(
        Notification.objects.filter(status=Notification.Status.FAILED, team_id__in=slugs)
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    return {slug: counts.get(pk, 0) for pk, slug in sorted(slugs.items(), key=lambda i: i[1])}


@dataclass(frozen=True)
class SprawlReport:
    """Where the topic estate needs attention; each list is capped at ``limit`` rows and each
    count is exact."""

    sections: list[tuple[str, str, int, list[Any]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            key: {"count": count, "items": items} for key, _title, count, items in self.sections
        }


def sprawl_report(*, limit: int = 100, today: datetime.date | None = None) -> SprawlReport:
    """Topics without an owner, consumers or schema; deprecated past retirement; v1 topics whose
    migration is stalled; subjects the registry created that nobody owns. Two queries a
    section, whatever the catalog size."""
    from contracts.models import ConsumerMigration, Migration, SchemaVersion, Subject

    today = today or timezone.now().date()
    live = Topic.objects.exclude(status=Topic.Status.RETIRED)
    # NOT EXISTS rather than NOT IN: the database turns it into an anti-join.
    has_consumers = Exists(
        Consumer.objects.filter(topic=OuterRef("pk")).exclude(status=Consumer.Status.RETIRED)
    )
    has_schema = Exists(
        SchemaVersion.objects.filter(
            subject__topic=OuterRef("pk"), subject__role="value", deleted=False
        )
    )
    being_migrated_to = Exists(
        Migration.objects.filter(to_topic=OuterRef("pk"), status__in=Migration.OPEN)
    )
    stalled = Migration.objects.filter(
        Exists(
            ConsumerMigration.objects.filter(
                migration=OuterRef("pk"), status=ConsumerMigration.Status.PENDING
            )
        ),
        status__in=Migration.OPEN,
        window_ends_at__lt=timezone.now(),
    )
    queries: list[tuple[str, str, QuerySet[Any], Any]] = [
        ("unowned_topics", "Topics without an owner", live.filter(owner__isnull=True), _topic_row),
        (
            "topics_without_consumers",
            "Topics nobody consumes",
            # A new version whose consumers are still moving is not sprawl.
            live.filter(~has_consumers, ~being_migrated_to, status=Topic.Status.ACTIVE),
            _topic_row,
        ),
        (
            "topics_without_schema",
            "Topics without a registered schema",
            live.filter(~has_schema),
            _topic_row,
        ),
        (
            "deprecated_past_retirement",
            "Deprecated topics past their retirement date",
            Topic.objects.filter(status=Topic.Status.DEPRECATED, retirement_date__lt=today),
            _topic_row,
        ),
        (
            "stalled_migrations",
            "Migrations past their window with consumers still on v1",
            stalled.select_related("from_topic", "to_topic").order_by("window_ends_at"),
            lambda m: {
                "from_topic": m.from_topic.name,
                "to_topic": m.to_topic.name,
                "window_ended": m.window_ends_at.date().isoformat(),
                "url": m.get_absolute_url(),
            },
        ),
        (
            "unowned_subjects",
            "Registry subjects no team owns",
            Subject.objects.filter(Q(topic__isnull=True) | Q(topic__owner__isnull=True))
            .filter(versions__isnull=False)
            .distinct()
            .select_related("topic"),
            lambda s: {"subject": s.name, "topic": s.topic.name if s.topic else None},
        ),
    ]
    sections = []
    for key, title, queryset, row in queries:
        if queryset.model is Topic:
            queryset = queryset.select_related("owner").order_by("name")
        items = [row(obj) for obj in queryset[:limit]]
        count = len(items) if len(items) < limit else queryset.count()
        sections.append((key, title, count, items))
    return SprawlReport(sections)


def _topic_row(topic: Topic) -> dict[str, Any]:
    return {
        "topic": topic.name,
        "owner": topic.owner.slug if topic.owner else None,
        "status": topic.status,
        "retirement_date": topic.retirement_date.isoformat() if topic.retirement_date else None,
        "url": topic.get_absolute_url(),
    }
