"""The ownership report: how much of the topic estate has an owner, an SLA, described fields and
a schema (overall, per domain, per team), which topics are orphaned, how consumers spread over
topics, and which proposals wait past their deadline.

Aggregate queries only (no per-topic loop): at most 19 queries whatever the catalog size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from catalog.models import Consumer, DeliverySLA, FieldSemantics, Membership, Team, Topic

# Buckets of the consumers-per-topic histogram: (label, lowest, highest or None).
CONSUMER_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-5", 2, 5),
    ("6-20", 6, 20),
    ("21+", 21, None),
)
LIVE_STATUSES = (Topic.Status.PROPOSED, Topic.Status.ACTIVE, Topic.Status.DEPRECATED)
COVERAGE_MEASURES = ("with_owner", "with_sla", "with_field_semantics", "with_schema")


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass
class Coverage:
    """Counts of live (not retired) topics in one scope, and how many have each property."""

    name: str
    topics: int = 0
    with_owner: int = 0
    with_sla: int = 0
    with_field_semantics: int = 0
    with_schema: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.topics += row["topics"]
        for measure in COVERAGE_MEASURES:
            setattr(self, measure, getattr(self, measure) + row[measure])

    def percent(self, measure: str) -> float:
        return _percent(getattr(self, measure), self.topics)

    # For templates, which cannot pass arguments.
    @property
    def with_owner_pct(self) -> float:
        return self.percent("with_owner")

    @property
    def with_sla_pct(self) -> float:
        return self.percent("with_sla")

    @property
    def with_field_semantics_pct(self) -> float:
        return self.percent("with_field_semantics")

    @property
    def with_schema_pct(self) -> float:
        return self.percent("with_schema")

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"name": self.name, "topics": self.topics}
        for measure in COVERAGE_MEASURES:
            result[measure] = getattr(self, measure)
            result[f"{measure}_pct"] = self.percent(measure)
        return result


@dataclass
class OwnershipReport:
    generated_at: datetime.datetime
    total: Coverage
    by_domain: list[Coverage]
    by_team: list[Coverage]
    orphans: dict[str, Any]
    owners_without_members: dict[str, Any]
    consumers_per_topic: dict[str, Any]
    overdue_proposals: dict[str, Any]
    limit: int = field(default=100)

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "total": self.total.as_dict(),
            "by_domain": [c.as_dict() for c in self.by_domain],
            "by_team": [c.as_dict() for c in self.by_team],
            "orphans": self.orphans,
            "owners_without_members": self.owners_without_members,
            "consumers_per_topic": self.consumers_per_topic,
            "overdue_proposals": self.overdue_proposals,
        }


def coverage_rows(
    total: Coverage, by_domain: list[Coverage], by_team: list[Coverage]
) -> list[tuple[str, Coverage]]:
    """Every coverage line, for the CSV: the total, then per domain, then per team."""
    return [("all", total)] + [("domain", c) for c in by_domain] + [("team", c) for c in by_team]


def ownership_coverage() -> tuple[Coverage, list[Coverage], list[Coverage]]:
    """Coverage of the live topics: overall, per domain, per owning team (two queries)."""
    return _coverage(_live_topics())


def _live_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(status__in=LIVE_STATUSES)


def _active_consumers() -> QuerySet[Consumer]:
    return Consumer.objects.exclude(status=Consumer.Status.RETIRED)


def _grouped_coverage(live: QuerySet[Topic], key: str) -> dict[Any, Coverage]:
    """Coverage of the live topics grouped by ``key`` (``domain`` or ``owner_id``): the topics,
    then each property counted from its own (smaller) table joined to its topic, grouped in the
    database. Four grouped scans, cheaper than a semi-join per topic per property."""
    from contracts.models import SchemaVersion, Subject

    groups: dict[Any, Coverage] = {}
    # Count("owner") counts the rows whose owner is set.
    for row in live.order_by().values(key).annotate(n=Count("pk"), owned=Count("owner")):
        groups[row[key]] = Coverage(name="", topics=row["n"], with_owner=row["owned"])
    live_topic = Q(topic__status__in=LIVE_STATUSES)
    # (rows, whether a topic can have several): one SLA and one value subject per topic.
    per_property: dict[str, tuple[QuerySet[Any], bool]] = {
        "with_sla": (DeliverySLA.objects.filter(live_topic), False),
        "with_field_semantics": (FieldSemantics.objects.filter(live_topic), True),
        "with_schema": (
            Subject.objects.filter(
                live_topic,
                Exists(SchemaVersion.objects.filter(subject=OuterRef("pk"), deleted=False)),
                role=Subject.Role.VALUE,
            ),
            False,
        ),
    }
    for measure, (queryset, several) in per_property.items():
        counted = (
            queryset.order_by()
            .values(f"topic__{key}")
            .annotate(n=Count("topic", distinct=True) if several else Count("pk"))
        )
        for row in counted:
            group = groups.get(row[f"topic__{key}"])
            if group is not None:
                setattr(group, measure, row["n"])
    return groups


def _coverage(live: QuerySet[Topic]) -> tuple[Coverage, list[Coverage], list[Coverage]]:
    by_domain = _grouped_coverage(live, "domain")
    by_owner = _grouped_coverage(live, "owner_id")
    total = Coverage(name="all")
    for domain, coverage in by_domain.items():
        coverage.name = domain
        total.add(coverage.as_dict())
    slugs = dict(Team.objects.filter(pk__in=by_owner.keys()).values_list("pk", "slug"))
    teams = []
    for owner_id, coverage in by_owner.items():
        if owner_id is not None:
            coverage.name = slugs[owner_id]
            teams.append(coverage)
    return (
        total,
        sorted(by_domain.values(), key=lambda c: c.name),
        sorted(teams, key=lambda c: c.name),
    )


def _topic_item(topic: Topic) -> dict[str, Any]:
    return {
        "topic": topic.name,
        "domain": topic.domain,
        "owner": topic.owner.slug if topic.owner is not None else None,
        "status": topic.status,
        "url": topic.get_absolute_url(),
    }


def _listed(queryset: QuerySet[Topic], limit: int) -> dict[str, Any]:
    items = list(queryset.select_related("owner").order_by("name")[:limit])
    count = len(items) if len(items) < limit else queryset.count()
    return {"count": count, "items": [_topic_item(t) for t in items]}


def _consumers_per_topic(live_topics: int, top: int) -> dict[str, Any]:
    """Active consumers per live topic, grouped in the database: a histogram, the average, the
    maximum and the most consumed topics."""
    per_topic = (
        Consumer.objects.exclude(status=Consumer.Status.RETIRED)
        .filter(topic__status__in=LIVE_STATUSES)
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
    )
    buckets: dict[str, Any] = {}
    for label, low, high in CONSUMER_BUCKETS:
        if low == 0:
            continue
        condition = Q(n__gte=low) if high is None else Q(n__gte=low, n__lte=high)
        # Count the grouped column: counting "pk" would add it to the inner GROUP BY.
        buckets[label] = Count("topic", filter=condition)
    figures = per_topic.aggregate(
        consumed=Count("topic"), consumers=Sum("n"), most=Max("n"), **buckets
    )
    figures["0"] = live_topics - (figures["consumed"] or 0)
    consumers = figures["consumers"] or 0
    leaders = list(per_topic.order_by("-n", "topic")[:top])
    topics = Topic.objects.select_related("owner").in_bulk([row["topic"] for row in leaders])
    most_consumed = [
        {
            "topic": topics[row["topic"]].name,
            "owner": _slug(topics[row["topic"]].owner),
            "consumers": row["n"],
        }
        for row in leaders
    ]
    return {
        "topics": live_topics,
        "consumers": consumers,
        "average": round(consumers / live_topics, 2) if live_topics else 0.0,
        "max": figures["most"] or 0,
        "histogram": [
            {"consumers": label, "topics": figures[label]} for label, _, _ in CONSUMER_BUCKETS
        ],
        "most_consumed": most_consumed,
    }


def _slug(team: Team | None) -> str | None:
    return team.slug if team is not None else None


def _overdue_proposals(now: datetime.datetime, limit: int) -> dict[str, Any]:
    from contracts.models import Approval, ChangeProposal

    overdue = ChangeProposal.objects.filter(
        status=ChangeProposal.Status.IN_REVIEW, deadline__lt=now
    )
    items = list(
        overdue.select_related("topic", "topic__owner", "author")
        .defer("schema_text", "analysis")
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=Approval.objects.filter(state=Approval.State.PENDING)
                .select_related("team")
                .order_by("team__slug"),
                to_attr="pending_approvals",
            )
        )
        .order_by("deadline", "id")[:limit]
    )
    count = len(items) if len(items) < limit else overdue.count()
    return {
        "count": count,
        "items": [
            {
                "id": p.pk,
                "topic": p.topic.name,
                "owner": p.topic.owner.slug if p.topic.owner else None,
                "author": p.author.get_username(),
                "deadline": p.deadline.isoformat(),
                "days_overdue": (now - p.deadline).days,
                "waiting_for": [a.team.slug for a in p.pending_approvals],
                "url": p.get_absolute_url(),
            }
            for p in items
        ],
    }


def ownership_report(*, limit: int = 100, now: datetime.datetime | None = None) -> OwnershipReport:
    """The report; each list holds at most ``limit`` rows and each count is exact."""
    now = now or timezone.now()
    live = _live_topics()
    total, by_domain, by_team = _coverage(live)
    owner_has_members = Exists(Membership.objects.filter(team=OuterRef("owner_id")))
    return OwnershipReport(
        generated_at=now,
        total=total,
        by_domain=by_domain,
        by_team=by_team,
        orphans=_listed(live.filter(owner__isnull=True), limit),
        owners_without_members=_listed(live.filter(~owner_has_members, owner__isnull=False), limit),
        consumers_per_topic=_consumers_per_topic(total.topics, top=min(limit, 10)),
        overdue_proposals=_overdue_proposals(now, limit),
        limit=limit,
    )
