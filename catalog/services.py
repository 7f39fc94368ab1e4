"""Every write to the inventory. Each service checks permissions, validates, writes in one
transaction and records an audit event."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.audit import audit_record, snapshot
from catalog.errors import ApplicationError
from catalog.models import Consumer, DeliverySLA, Domain, FieldSemantics, Membership, Team, Topic
from catalog.naming import topic_domain, validate_kafka_topic_name, validate_topic_name
from catalog.notifications import notify_teams
from catalog.permissions import is_platform, require_team, require_topic_owner
from catalog.selectors import topic_field_paths

User = AbstractBaseUser | AnonymousUser

SLA_FIELDS = (
    "max_latency_seconds",
    "availability_percent",
    "retention_days",
    "max_consumer_lag",
    "support_channel",
    "support_hours",
)
SEMANTICS_FIELDS = ("meaning", "null_meaning", "unit", "pii", "example", "allowed_values")
TOPIC_FIELDS = (
    "name",
    "owner",
    "status",
    "description",
    "partitions",
    "retention_hours",
    "dlq_topic",
    "naming_exemption",
)
CONSUMER_FIELDS = (
    "team",
    "topic",
    "name",
    "group_id",
    "purpose",
    "status",
    "fields",
    "lag_threshold",
)


def _validation_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@transaction.atomic
def topic_create(
    *,
    actor: User,
    name: str,
    owner: Team,
    description: str = "",
    partitions: int = 6,
    retention_hours: int | None = None,
    dlq_topic: str = "",
    naming_exemption: str = "",
) -> Topic:
    """Create a topic owned by ``owner``; the actor must belong to that team.

    A legacy name that breaks the convention needs ``naming_exemption`` (the recorded reason),
    which only the platform role may grant."""
    require_team(actor, owner, "create topics for it")
    name = name.strip()
    naming_exemption = naming_exemption.strip()
    if naming_exemption and not is_platform(actor):
        raise PermissionDenied("Only the platform role may exempt a topic from the naming rule.")
    try:
        if naming_exemption:
            validate_kafka_topic_name(name)
        else:
            validate_topic_name(name)
    except ValidationError as exc:
        raise ApplicationError(
            _validation_message(exc), code="invalid_topic_name", field="name"
        ) from exc
    if dlq_topic:
        try:
            validate_kafka_topic_name(dlq_topic)
        except ValidationError as exc:
            raise ApplicationError(
                _validation_message(exc), code="invalid_dlq_topic", field="dlq_topic"
            ) from exc
        if dlq_topic == name:
            raise ApplicationError(
                "The DLQ topic must differ from the topic itself.",
                code="invalid_dlq_topic",
                field="dlq_topic",
            )
    if partitions < 1:
        raise ApplicationError(
            "A topic needs at least one partition.", code="invalid_partitions", field="partitions"
        )
    if Topic.objects.filter(name=name).exists():
        raise _duplicate_topic(name)
    _require_domain(actor, owner, topic_domain(name), naming_exemption)
    topic = Topic(
        name=name,
        owner=owner,
        status=Topic.Status.PROPOSED,
        description=description,
        partitions=partitions,
        retention_hours=retention_hours,
        dlq_topic=dlq_topic,
        naming_exemption=naming_exemption,
    )
    try:
        # A savepoint, so a concurrent create of the same name fails cleanly here.
        with transaction.atomic():
            topic.save()
    except IntegrityError as exc:
        raise _duplicate_topic(name) from exc
    audit_record(
        actor=actor,
        verb="topic.created",
        obj=topic,
        topic=topic,
        team=owner,
        after=snapshot(topic, TOPIC_FIELDS),
    )
    return topic


def _require_domain(actor: User, owner: Team, domain_name: str, exemption: str) -> None:
    """Topics live in registered domains, created by the domain's owning teams; legacy
    (exempt) names and the platform role skip the ownership check, not the registry."""
    domain = Domain.objects.filter(name=domain_name).prefetch_related("owners").first()
    if domain is None:
        if exemption:
            return
        raise ApplicationError(
            f"There is no domain “{domain_name}”: the platform role registers domains and their "
            "owning teams.",
            code="unknown_domain",
            field="name",
        )
    if is_platform(actor) or owner in domain.owners.all():
        return
    owners = ", ".join(t.slug for t in domain.owners.all()) or "nobody yet"
    raise ApplicationError(
        f"Domain {domain_name} belongs to {owners}; {owner.slug} cannot create topics in it.",
        code="not_domain_owner",
        field="owner",
    )


@transaction.atomic
def topic_activate(*, actor: User, topic: Topic) -> Topic:
    """A proposed topic goes live: owner-team leads or the platform role, name checked again."""
    if not (is_platform(actor) or (topic.owner is not None and _is_lead(actor, topic.owner))):
        raise PermissionDenied(
            "Only a lead of the owning team or the platform role may activate it."
        )
    locked = Topic.objects.select_for_update(of=("self",)).select_related("owner").get(pk=topic.pk)
    if locked.status != Topic.Status.PROPOSED:
        raise ApplicationError(
            f"{locked.name} is {locked.get_status_display().lower()}, not proposed.",
            code="not_proposed",
        )
    if locked.owner is None:
        raise ApplicationError("Give the topic an owning team first.", code="no_owner")
    if not locked.naming_exemption:
        try:
            validate_topic_name(locked.name)
        except ValidationError as exc:
            raise ApplicationError(_validation_message(exc), code="invalid_topic_name") from exc
    locked.status = Topic.Status.ACTIVE
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb="topic.activated",
        obj=locked,
        topic=locked,
        team=locked.owner,
        before={"status": Topic.Status.PROPOSED},
        after={"status": Topic.Status.ACTIVE},
    )
    return locked


@transaction.atomic
def topic_deprecate(
    *,
    actor: User,
    topic: Topic,
    deprecation_date: datetime.date | None,
    retirement_date: datetime.date | None = None,
    reason: str = "",
) -> Topic:
    """Announce that a topic is going away (owners): a date is required, consumers are told."""
    require_topic_owner(actor, topic, "deprecate")
    if deprecation_date is None:
        raise ApplicationError(
            "Deprecating needs a deprecation date.", code="missing_date", field="deprecation_date"
        )
    if retirement_date is not None and retirement_date < deprecation_date:
        raise ApplicationError(
            "Retirement comes after deprecation.", code="invalid_dates", field="retirement_date"
        )
    locked = Topic.objects.select_for_update(of=("self",)).select_related("owner").get(pk=topic.pk)
    if locked.status != Topic.Status.ACTIVE:
        raise ApplicationError(
            f"Only an active topic can be deprecated; {locked.name} is "
            f"{locked.get_status_display().lower()}.",
            code="not_active",
        )
    locked.status = Topic.Status.DEPRECATED
    locked.deprecation_date = deprecation_date
    locked.retirement_date = retirement_date
    locked.save(update_fields=["status", "deprecation_date", "retirement_date", "updated_at"])
    audit_record(
        actor=actor,
        verb="topic.deprecated",
        obj=locked,
        topic=locked,
        team=locked.owner,
        before={"status": Topic.Status.ACTIVE},
        after={
            "status": Topic.Status.DEPRECATED,
            "deprecation_date": deprecation_date.isoformat(),
            "retirement_date": retirement_date.isoformat() if retirement_date else None,
            "reason": reason,
        },
    )
    teams = Team.objects.filter(
        consumers__topic=locked,
        consumers__status__in=[Consumer.Status.ACTIVE, Consumer.Status.MIGRATING],
    ).distinct()
    link = settings.SITE_URL.rstrip("/") + locked.get_absolute_url()
    notify_teams(
        teams=teams,
        event="topic.deprecated",
        subject=f"[{locked.name}] deprecated from {deprecation_date:%Y-%m-%d}",
        body=f"{locked.name} is deprecated from {deprecation_date:%Y-%m-%d}"
        + (f" and will be retired on {retirement_date:%Y-%m-%d}" if retirement_date else "")
        + f". {reason}\nPlan to move your consumers: {link}",
        payload={
            "topic": locked.name,
            "deprecation_date": deprecation_date.isoformat(),
            "retirement_date": retirement_date.isoformat() if retirement_date else None,
            "url": link,
        },
        key=f"topic:{locked.pk}:deprecated:{deprecation_date.isoformat()}",
    )
    return locked


def _duplicate_topic(name: str) -> ApplicationError:
    return ApplicationError(
        f"A topic named “{name}” already exists.", code="duplicate_topic_name", field="name"
    )


@transaction.atomic
def topic_sla_update(
    *,
    actor: User,
    topic: Topic,
    max_latency_seconds: int | None,
    availability_percent: Decimal | None,
    retention_days: int | None,
    max_consumer_lag: int | None,
    support_channel: str = "",
    support_hours: str = "",
) -> DeliverySLA:
    """Create or replace the topic's delivery SLA (owner team only)."""
    require_topic_owner(actor, topic, "change the SLA of")
    numbers: dict[str, int | Decimal | None] = {
        "max_latency_seconds": max_latency_seconds,
        "availability_percent": availability_percent,
        "retention_days": retention_days,
        "max_consumer_lag": max_consumer_lag,
    }
    for field, value in numbers.items():
        if value is not None and value < 0:
            raise ApplicationError("Must be zero or more.", code="negative_sla_value", field=field)
    if availability_percent is not None and availability_percent > 100:
        raise ApplicationError(
            "Availability is a percentage: at most 100.",
            code="invalid_availability",
            field="availability_percent",
        )
    sla = DeliverySLA.objects.select_for_update().filter(topic=topic).first()
    before = snapshot(sla, SLA_FIELDS) if sla else None
    if sla is None:
        sla = DeliverySLA(topic=topic)
    sla.max_latency_seconds = max_latency_seconds
    sla.availability_percent = availability_percent
    sla.retention_days = retention_days
    sla.max_consumer_lag = max_consumer_lag
    sla.support_channel = support_channel.strip()
    sla.support_hours = support_hours.strip()
    sla.save()
    sla.refresh_from_db(fields=["availability_percent"])
    audit_record(
        actor=actor,
        verb="sla.updated" if before else "sla.created",
        obj=sla,
        topic=topic,
        team=topic.owner,
        before=before,
        after=snapshot(sla, SLA_FIELDS),
    )
    return sla


@transaction.atomic
def field_semantics_update(
    *,
    actor: User,
    topic: Topic,
    path: str,
    meaning: str = "",
    null_meaning: str = "",
    unit: str = "",
    pii: str = FieldSemantics.PII.NONE,
    example: str = "",
    allowed_values: str = "",
) -> FieldSemantics:
    """Create or update what one field of the topic means (owner team only)."""
    require_topic_owner(actor, topic, "describe the fields of")
    path = path.strip()
    if not path:
        raise ApplicationError("Name the field path.", code="missing_field_path", field="path")
    known = topic_field_paths(topic)
    if known is not None and path not in known:
        raise ApplicationError(
            f"“{path}” is not a field of the latest schema of {topic.name}.",
            code="unknown_field_path",
            field="path",
        )
    if pii not in FieldSemantics.PII.values:
        raise ApplicationError("Choose a PII class from the list.", code="invalid_pii", field="pii")
    semantics = FieldSemantics.objects.select_for_update().filter(topic=topic, path=path).first()
    before = snapshot(semantics, SEMANTICS_FIELDS) if semantics else None
    if semantics is None:
        semantics = FieldSemantics(topic=topic, path=path)
    semantics.meaning = meaning.strip()
    semantics.null_meaning = null_meaning.strip()
    semantics.unit = unit.strip()
    semantics.pii = pii
    semantics.example = example.strip()
    semantics.allowed_values = allowed_values.strip()
    semantics.save()
    audit_record(
        actor=actor,
        verb="field_semantics.updated" if before else "field_semantics.created",
        obj=semantics,
        topic=topic,
        team=topic.owner,
        before=before,
        after=snapshot(semantics, SEMANTICS_FIELDS),
    )
    return semantics


@transaction.atomic
def consumer_subscribe(
    *,
    actor: User,
    topic: Topic,
    team: Team,
    name: str,
    group_id: str,
    purpose: str = "",
    fields: Sequence[str] = (),
    lag_threshold: int | None = None,
) -> Consumer:
    """Register that ``team`` reads ``topic`` with consumer group ``group_id``.

    ``fields`` are the dotted paths it reads; empty means every field. Once the topic has a
    schema, each path must be one of its fields."""
    require_team(actor, team, "subscribe consumers for it")
    if topic.status == Topic.Status.RETIRED:
        raise ApplicationError(
            f"{topic.name} is retired; subscribe to its successor instead.",
            code="topic_retired",
        )
    name = name.strip()
    group_id = group_id.strip()
    if not name:
        raise ApplicationError("Give the consumer a name.", code="missing_name", field="name")
    if not group_id:
        raise ApplicationError(
            "Give the Kafka consumer group id.", code="missing_group_id", field="group_id"
        )
    cleaned_fields = _clean_field_paths(topic, fields)
    if lag_threshold is not None and lag_threshold < 0:
        raise ApplicationError(
            "Must be zero or more.", code="negative_lag_threshold", field="lag_threshold"
        )
    active = Consumer.objects.exclude(status=Consumer.Status.RETIRED)
    if active.filter(topic=topic, group_id=group_id).exists():
        raise _duplicate_group(group_id, topic)
    consumer = Consumer(
        team=team,
        topic=topic,
        name=name,
        group_id=group_id,
        purpose=purpose.strip(),
        fields=cleaned_fields,
        lag_threshold=lag_threshold,
    )
    try:
        with transaction.atomic():
            consumer.save()
    except IntegrityError as exc:
        raise _duplicate_group(group_id, topic) from exc
    audit_record(
        actor=actor,
        verb="consumer.subscribed",
        obj=consumer,
        topic=topic,
        team=team,
        after=snapshot(consumer, CONSUMER_FIELDS),
    )
    return consumer


def _clean_field_paths(topic: Topic, fields: Sequence[str]) -> list[str]:
    cleaned = sorted({f.strip() for f in fields if f.strip()})
    known = topic_field_paths(topic)
    if known is not None:
        unknown = [f for f in cleaned if f not in known]
        if unknown:
            raise ApplicationError(
                f"Not fields of the latest schema of {topic.name}: {', '.join(unknown)}.",
                code="unknown_field_path",
                field="read_fields",
            )
    return cleaned


def _duplicate_group(group_id: str, topic: Topic) -> ApplicationError:
    return ApplicationError(
        f"Consumer group “{group_id}” is already registered on {topic.name}.",
        code="duplicate_consumer_group",
        field="group_id",
    )


@transaction.atomic
def consumer_retire(*, actor: User, consumer: Consumer) -> Consumer:
    """Mark a consumer retired (its team only). Retiring twice is a no-op, not an error."""
    require_team(actor, consumer.team, "retire its consumers")
    locked = Consumer.objects.select_for_update().get(pk=consumer.pk)
    if locked.status == Consumer.Status.RETIRED:
        return locked
    before = snapshot(locked, ["status"])
    locked.status = Consumer.Status.RETIRED
    locked.retired_at = timezone.now()
    locked.save(update_fields=["status", "retired_at"])
    audit_record(
        actor=actor,
        verb="consumer.retired",
        obj=locked,
        topic=locked.topic,
        team=locked.team,
        before=before,
        after=snapshot(locked, ["status"]),
    )
    return locked


@transaction.atomic
def team_create(
    *, actor: User | None, slug: str, name: str, contact_email: str = "", **extra: Any
) -> Team:
    """Create a team. Only the platform role, or the system itself (``actor=None``)."""
    if actor is not None and not is_platform(actor):
        raise PermissionDenied("Only the platform role may create teams.")
    team = Team.objects.create(slug=slug, name=name, contact_email=contact_email, **extra)
    audit_record(actor=actor, verb="team.created", obj=team, team=team)
    return team


@transaction.atomic
def membership_set(
    *, actor: User | None, team: Team, user: AbstractBaseUser, role: str
) -> Membership:
    """Add ``user`` to ``team`` with ``role``, or change their role. Team leads, the platform
    role, or the system itself (``actor=None``) may."""
    if actor is not None and not (is_platform(actor) or _is_lead(actor, team)):
        raise PermissionDenied(f"Only leads of {team.slug} may change its members.")
    if role not in Membership.Role.values:
        raise ApplicationError("Choose member or lead.", code="invalid_role", field="role")
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if not created and membership.role == role:
        return membership
    before = None if created else {"role": membership.role}
    if not created:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        verb="membership.added" if created else "membership.role_changed",
        obj=membership,
        team=team,
        before=before,
        after={"user": user.get_username(), "role": role},
    )
    return membership


def is_team_lead(user: User, team: Team | None) -> bool:
    return team is not None and _is_lead(user, team)


def _is_lead(user: User, team: Team) -> bool:
    if user.pk is None:
        return False
    return Membership.objects.filter(user_id=user.pk, team=team, role=Membership.Role.LEAD).exists()
