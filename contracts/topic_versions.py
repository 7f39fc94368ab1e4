"""Breaking changes as new topic versions: ``orders.created`` → ``orders.created.v2`` with a
dual-publish window, consumers moving at their own pace, v1 deprecated then retired.

Every write checks permissions, runs in one transaction, records an audit event and notifies
through the outbox. Time-dependent functions take ``now`` so tests move a frozen clock.
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.audit import audit_record
from catalog.authentication import ApiPrincipal
from catalog.errors import ApplicationError
from catalog.models import Consumer, DeliverySLA, FieldSemantics, Topic
from catalog.naming import validate_topic_name
from catalog.notifications import (
    TeamMessage,
    escalation_emails,
    notify_each,
    notify_people,
    notify_teams,
)
from catalog.permissions import can_act_for_team, can_manage_topic, is_platform
from contracts import registry
from contracts.models import ChangeProposal, ConsumerMigration, Migration, Subject
from contracts.proposals import next_version_name, user_id
from contracts.schema import ChangeKind, diff_schemas
from contracts.selectors import value_subject_name

User = AbstractBaseUser | AnonymousUser

WINDOW_MIN_DAYS, WINDOW_MAX_DAYS = 30, 60


def _renames(topic: Topic, new_schema_text: str) -> dict[str, str]:
    """Old path → new path for the fields the new schema renames (likely renames, and aliases)."""
    subject = Subject.objects.filter(name=value_subject_name(topic.name)).first()
    history = registry.subject_history(subject)
    if not history:
        return {}
    old = registry.parsed_history(history[-1:])[0]
    new = registry.parse_submitted(new_schema_text)
    renames = {}
    for change in diff_schemas(old, new):
        if change.kind == ChangeKind.LIKELY_RENAME and change.old_name and change.new_name:
            prefix = change.path.rsplit(".", 1)[0] + "." if "." in change.path else ""
            renames[change.path] = prefix + change.new_name
    return renames


def migration_start(
    *,
    actor: User,
    topic: Topic,
    schema_text: str,
    window_days: int = 30,
    proposal: ChangeProposal | None = None,
    now: datetime.datetime | None = None,
) -> Migration:
    """Create the next version of ``topic`` with ``schema_text``, carry over owner, SLA and
    field semantics (through renames), and open a migration for every active consumer."""
    if not can_manage_topic(actor, topic):
        raise PermissionDenied(f"Only the owners of {topic.name} may start a migration.")
    now = now or timezone.now()
    if topic.status in (Topic.Status.RETIRED, Topic.Status.DEPRECATED):
        raise ApplicationError(
            f"{topic.name} is {topic.get_status_display().lower()}: migrate from its successor.",
            code="topic_not_active",
        )
    if not (WINDOW_MIN_DAYS <= window_days <= WINDOW_MAX_DAYS) and not is_platform(actor):
        raise ApplicationError(
            f"The dual-publish window is {WINDOW_MIN_DAYS} to {WINDOW_MAX_DAYS} days "
            "(the platform role may set another).",
            code="invalid_window",
            field="window_days",
        )
    if window_days < 1:
        raise ApplicationError(
            "The window needs at least a day.", code="invalid_window", field="window_days"
        )
    # A breaking proposal ships as a new version when approved as such, or when consumers
    # rejected breaking the topic in place (a new version breaks nobody).
    if proposal is not None and (
        proposal.topic_id != topic.pk
        or proposal.kind != ChangeProposal.Kind.BREAKING
        or not (
            (proposal.status == ChangeProposal.Status.APPROVED and proposal.migration_required)
            or proposal.status == ChangeProposal.Status.REJECTED
        )
    ):
        raise ApplicationError(
            "Only a breaking proposal of this topic, approved or rejected in place, becomes a "
            "migration.",
            code="proposal_not_approved",
        )
    if Migration.objects.filter(from_topic=topic, status__in=Migration.OPEN).exists():
        raise _already_migrating(topic)
    new_name = next_version_name(topic.name)
    if Topic.objects.filter(name=new_name).exists():
        raise ApplicationError(
            f"{new_name} already exists: retire or rename it first.", code="version_name_taken"
        )
    exemption = ""
    if topic.naming_exemption:
        # A version of an exempt legacy name carries the exemption (and says whose).
        exemption = f"A version of the exempt legacy topic {topic.name}."
    else:
        try:
            validate_topic_name(new_name)
        except ValidationError:
            raise ApplicationError(
                f"{new_name} would break the naming rule.", code="invalid_topic_name"
            ) from None
    parsed = registry.parse_submitted(schema_text)
    renames = _renames(topic, schema_text)
    try:
        with transaction.atomic():
            new_topic = Topic.objects.create(
                name=new_name,
                owner=topic.owner,
                status=Topic.Status.ACTIVE,
                description=topic.description,
                partitions=topic.partitions,
                retention_hours=topic.retention_hours,
                dlq_topic=f"{new_name}.dlq" if topic.dlq_topic else "",
                supersedes=topic,
                naming_exemption=exemption,
            )
            _carry_over(topic, new_topic, renames)
            author = proposal.author if proposal is not None else actor
            registry.register(
                principal=ApiPrincipal(user=author, can_write=True),  # type: ignore[arg-type]
                subject_name=value_subject_name(new_name),
                schema_text=schema_text,
            )
            migration = Migration.objects.create(
                from_topic=topic,
                to_topic=new_topic,
                proposal=proposal,
                window_days=window_days,
                window_ends_at=now + datetime.timedelta(days=window_days),
                renames=renames,
                created_by_id=user_id(actor),
            )
            consumers = list(
                Consumer.objects.filter(topic=topic, status=Consumer.Status.ACTIVE).select_related(
                    "team"
                )
            )
            ConsumerMigration.objects.bulk_create(
                ConsumerMigration(migration=migration, consumer=c) for c in consumers
            )
            Consumer.objects.filter(pk__in=[c.pk for c in consumers]).update(
                status=Consumer.Status.MIGRATING
            )
            if proposal is not None:
                ChangeProposal.objects.filter(pk=proposal.pk).update(
                    status=ChangeProposal.Status.APPLIED,
                    decision_reason=f"Shipped as {new_name}, migration window {window_days} days.",
                )
            audit_record(
                actor=actor,
                verb="migration.started",
                obj=migration,
                topic=topic,
                team=topic.owner,
                after={
                    "to_topic": new_name,
                    "window_days": window_days,
                    "consumers": [c.group_id for c in consumers],
                    "renames": renames,
                    "fingerprint": parsed.fingerprint,
                },
            )
            _notify_started(migration, consumers)
    except IntegrityError as exc:
        raise _already_migrating(topic) from exc
    return migration


def _already_migrating(topic: Topic) -> ApplicationError:
    return ApplicationError(
        f"{topic.name} already has a migration in progress.", code="migration_in_progress"
    )


def _carry_over(old: Topic, new: Topic, renames: dict[str, str]) -> None:
    sla = DeliverySLA.objects.filter(topic=old).first()
    if sla is not None:
        sla.pk = None
        sla.topic = new
        sla._state.adding = True
        sla.save()
    FieldSemantics.objects.bulk_create(
        FieldSemantics(
            topic=new,
            path=renames.get(s.path, s.path),
            meaning=s.meaning,
            null_meaning=s.null_meaning,
            unit=s.unit,
            pii=s.pii,
            example=s.example,
            allowed_values=s.allowed_values,
        )
        for s in FieldSemantics.objects.filter(topic=old)
    )


def _link(migration: Migration) -> str:
    return settings.SITE_URL.rstrip("/") + migration.get_absolute_url()


def _notify_started(migration: Migration, consumers: list[Consumer]) -> None:
    by_team: dict[int, list[Consumer]] = {}
    for consumer in consumers:
        by_team.setdefault(consumer.team_id, []).append(consumer)
    messages = []
    for team_consumers in by_team.values():
        team = team_consumers[0].team
        moved = sorted(
            {
                migration.renames[f]
                for c in team_consumers
                for f in c.fields
                if f in migration.renames
            }
        )
        lines = [
            f"{migration.from_topic.name} gets a new version, {migration.to_topic.name}: a "
            "breaking change ships there while the producer writes both topics.",
            f"Move {', '.join(c.name for c in team_consumers)} before "
            f"{migration.window_ends_at:%Y-%m-%d}, then mark it migrated on the board.",
        ]
        if moved:
            lines.append(f"Renamed fields your consumers read: {json.dumps(migration.renames)}")
        lines.append(_link(migration))
        messages.append(
            TeamMessage(
                team=team,
                event="migration.started",
                subject=f"[{migration.from_topic.name}] please move to {migration.to_topic.name}",
                body="\n".join(lines),
                payload={
                    "migration": migration.pk,
                    "from_topic": migration.from_topic.name,
                    "to_topic": migration.to_topic.name,
                    "window_ends_at": migration.window_ends_at.isoformat(),
                    "consumers": [c.group_id for c in team_consumers],
                    "renames": migration.renames,
                    "url": _link(migration),
                },
                key=f"migration:{migration.pk}:started",
            )
        )
    notify_each(messages)


def consumer_mark_migrated(
    *, actor: User, item: ConsumerMigration, now: datetime.datetime | None = None
) -> ConsumerMigration:
    """The consumer's team says it reads the new topic: register it there (same group, fields
    mapped through renames), retire the old registration; v1 is deprecated when the last one
    moves."""
    consumer = item.consumer
    if not can_act_for_team(actor, consumer.team):
        raise PermissionDenied(
            f"Only members of {consumer.team.slug} may mark its consumers migrated."
        )
    now = now or timezone.now()
    with transaction.atomic():
        migration = (
            Migration.objects.select_for_update(of=("self",))
            .select_related("from_topic", "to_topic", "from_topic__owner")
            .get(pk=item.migration_id)
        )
        if migration.status == Migration.Status.COMPLETED:
            raise ApplicationError("This migration is complete.", code="migration_completed")
        claimed = ConsumerMigration.objects.filter(
            pk=item.pk, status=ConsumerMigration.Status.PENDING
        ).update(status=ConsumerMigration.Status.MIGRATED, migrated_at=now, migrated_by_id=actor.pk)
        if not claimed:
            item.refresh_from_db()
            return item
        fields = [migration.renames.get(f, f) for f in consumer.fields]
        new_consumer = Consumer.objects.create(
            team=consumer.team,
            topic=migration.to_topic,
            name=consumer.name,
            group_id=consumer.group_id,
            purpose=consumer.purpose,
            fields=sorted(set(fields)),
            lag_threshold=consumer.lag_threshold,
        )
        Consumer.objects.filter(pk=consumer.pk).update(
            status=Consumer.Status.RETIRED, retired_at=now
        )
        ConsumerMigration.objects.filter(pk=item.pk).update(new_consumer=new_consumer)
        audit_record(
            actor=actor,
            verb="migration.consumer_migrated",
            obj=migration,
            topic=migration.from_topic,
            team=consumer.team,
            after={
                "consumer": consumer.group_id,
                "to_topic": migration.to_topic.name,
                "fields": fields,
            },
        )
        remaining = migration.consumers.filter(status=ConsumerMigration.Status.PENDING).count()
        if migration.from_topic.owner is not None:
            notify_teams(
                teams=[migration.from_topic.owner],
                event="migration.consumer_migrated",
                subject=f"[{migration.from_topic.name}] {consumer.team.slug}/{consumer.name} "
                f"moved to {migration.to_topic.name} ({remaining} to go)",
                body=f"{consumer.group_id} now reads {migration.to_topic.name}. "
                f"{remaining} consumer(s) still read {migration.from_topic.name}.\n"
                f"{_link(migration)}",
                payload={
                    "migration": migration.pk,
                    "consumer": consumer.group_id,
                    "remaining": remaining,
                    "url": _link(migration),
                },
                key=f"migration:{migration.pk}:migrated:{item.pk}",
            )
        if not remaining:
            _deprecate_v1(migration, actor=actor, now=now)
    item.refresh_from_db()
    return item


def _deprecate_v1(migration: Migration, *, actor: User | None, now: datetime.datetime) -> None:
    topic = migration.from_topic
    Topic.objects.filter(pk=topic.pk).update(
        status=Topic.Status.DEPRECATED, deprecation_date=now.date()
    )
    audit_record(
        actor=actor,
        verb="topic.deprecated",
        obj=topic,
        topic=topic,
        team=topic.owner,
        before={"status": topic.status},
        after={
            "status": Topic.Status.DEPRECATED,
            "reason": f"every consumer moved to {migration.to_topic.name}",
        },
    )
    if topic.owner is not None:
        notify_teams(
            teams=[topic.owner],
            event="migration.all_migrated",
            subject=f"[{topic.name}] every consumer reads {migration.to_topic.name}: "
            "stop dual-publishing",
            body=f"Every registered consumer of {topic.name} has moved to "
            f"{migration.to_topic.name}. You may stop writing to {topic.name}; it is deprecated "
            f"and will be retired.\n{_link(migration)}",
            payload={"migration": migration.pk, "topic": topic.name, "url": _link(migration)},
            key=f"migration:{migration.pk}:all-migrated",
        )


def migration_confirm_dual_publish(
    *, actor: User, migration: Migration, now: datetime.datetime | None = None
) -> Migration:
    """The producer confirms it writes both topics (owners only)."""
    if not can_manage_topic(actor, migration.from_topic):
        raise PermissionDenied(f"Only the owners of {migration.from_topic.name} may confirm this.")
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Migration.objects.filter(pk=migration.pk, status=Migration.Status.PLANNED).update(
            status=Migration.Status.DUAL_PUBLISHING,
            dual_publish_started_at=now,
            dual_publish_confirmed_by_id=actor.pk,
        )
        if claimed:
            audit_record(
                actor=actor,
                verb="migration.dual_publishing",
                obj=migration,
                topic=migration.from_topic,
                after={"started_at": now.isoformat()},
            )
            pending = migration.consumers.filter(
                status=ConsumerMigration.Status.PENDING
            ).select_related("consumer__team")
            notify_teams(
                teams={item.consumer.team for item in pending},
                event="migration.dual_publishing",
                subject=f"[{migration.from_topic.name}] {migration.to_topic.name} now receives "
                "every event: you can move",
                body=f"The producer writes both {migration.from_topic.name} and "
                f"{migration.to_topic.name} since {now:%Y-%m-%d %H:%M} UTC. Move your consumers "
                f"and mark them migrated: {_link(migration)}",
                payload={"migration": migration.pk, "url": _link(migration)},
                key=f"migration:{migration.pk}:dual-publishing",
            )
    migration.refresh_from_db()
    return migration


def migrations_tick(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Daily after the window: remind teams that have not moved; after
    MIGRATION_ESCALATE_AFTER_DAYS of reminders, escalate to their leads and the platform role;
    retire v1 once it is deprecated, the window is over and no consumer remains."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0, "retired": 0}
    open_migrations = Migration.objects.filter(
        status__in=Migration.OPEN, window_ends_at__lte=now
    ).select_related("from_topic", "from_topic__owner", "to_topic")
    for migration in open_migrations:
        pending = list(
            migration.consumers.filter(status=ConsumerMigration.Status.PENDING).select_related(
                "consumer", "consumer__team"
            )
        )
        for item in pending:
            counts["reminded"] += _remind(migration, item, now)
            counts["escalated"] += _escalate(migration, item, now)
        counts["retired"] += _maybe_retire(migration, now)
    return counts


def _remind(migration: Migration, item: ConsumerMigration, now: datetime.datetime) -> int:
    if item.last_reminded_at is not None and now - item.last_reminded_at < datetime.timedelta(
        days=1
    ):
        return 0
    claimed = ConsumerMigration.objects.filter(
        pk=item.pk, reminders_sent=item.reminders_sent
    ).update(reminders_sent=item.reminders_sent + 1, last_reminded_at=now)
    if not claimed:
        return 0
    days_over = (now - migration.window_ends_at).days
    notify_teams(
        teams=[item.consumer.team],
        event="migration.reminder",
        subject=f"[{migration.from_topic.name}] {item.consumer.name} has not moved to "
        f"{migration.to_topic.name} ({days_over} days past the window)",
        body=f"The dual-publish window ended on {migration.window_ends_at:%Y-%m-%d}. Move "
        f"{item.consumer.name} ({item.consumer.group_id}) to {migration.to_topic.name} and mark "
        f"it migrated: {_link(migration)}",
        payload={
            "migration": migration.pk,
            "consumer": item.consumer.group_id,
            "url": _link(migration),
        },
        key=f"migration:{migration.pk}:reminder:{item.pk}:{item.reminders_sent + 1}",
    )
    audit_record(
        actor=None,
        verb="migration.reminded",
        obj=migration,
        topic=migration.from_topic,
        team=item.consumer.team,
        after={"consumer": item.consumer.group_id, "reminder": item.reminders_sent + 1},
    )
    return 1


def _escalate(migration: Migration, item: ConsumerMigration, now: datetime.datetime) -> int:
    after = datetime.timedelta(days=settings.MIGRATION_ESCALATE_AFTER_DAYS)
    if item.escalated_at is not None or now - migration.window_ends_at < after:
        return 0
    claimed = ConsumerMigration.objects.filter(pk=item.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not claimed:
        return 0
    team = item.consumer.team
    notify_people(
        team=team,
        emails=escalation_emails(team),
        event="migration.escalated",
        subject=f"[{migration.from_topic.name}] {team.slug} still reads it, "
        f"{(now - migration.window_ends_at).days} days after the window",
        body=f"{item.consumer.name} ({item.consumer.group_id}) has not moved to "
        f"{migration.to_topic.name}; {migration.from_topic.name} cannot be retired until it "
        f"does. {_link(migration)}",
        payload={
            "migration": migration.pk,
            "consumer": item.consumer.group_id,
            "url": _link(migration),
        },
        key=f"migration:{migration.pk}:escalation:{item.pk}",
    )
    audit_record(
        actor=None,
        verb="migration.escalated",
        obj=migration,
        topic=migration.from_topic,
        team=team,
        after={"consumer": item.consumer.group_id},
    )
    return 1


def _maybe_retire(migration: Migration, now: datetime.datetime) -> int:
    topic = migration.from_topic
    if topic.status != Topic.Status.DEPRECATED:
        return 0
    if Consumer.objects.filter(topic=topic).exclude(status=Consumer.Status.RETIRED).exists():
        return 0
    with transaction.atomic():
        retired = Topic.objects.filter(pk=topic.pk, status=Topic.Status.DEPRECATED).update(
            status=Topic.Status.RETIRED, retirement_date=now.date()
        )
        if not retired:
            return 0
        Migration.objects.filter(pk=migration.pk).update(
            status=Migration.Status.COMPLETED, completed_at=now
        )
        audit_record(
            actor=None,
            verb="topic.retired",
            obj=topic,
            topic=topic,
            team=topic.owner,
            before={"status": Topic.Status.DEPRECATED},
            after={"status": Topic.Status.RETIRED, "successor": migration.to_topic.name},
        )
        audit_record(actor=None, verb="migration.completed", obj=migration, topic=topic)
        if topic.owner is not None:
            notify_teams(
                teams=[topic.owner],
                event="migration.completed",
                subject=f"[{topic.name}] retired; {migration.to_topic.name} is the topic now",
                body=f"{topic.name} is retired: no consumer reads it. {_link(migration)}",
                payload={"migration": migration.pk, "topic": topic.name},
                key=f"migration:{migration.pk}:completed",
            )
    return 1
