"""The inventory: teams, topics, consumers, SLAs, field semantics and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from catalog.naming import TOPIC_NAME_MAX_LENGTH, topic_domain


class Team(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    webhook_url = models.URLField(blank=True, help_text="Notifications are POSTed here as JSON.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("catalog:team-detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_user_team_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class Topic(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        DEPRECATED = "deprecated", "Deprecated"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=TOPIC_NAME_MAX_LENGTH, unique=True)
    # Denormalized from the name so the list can filter and search by domain with an index.
    domain = models.CharField(max_length=TOPIC_NAME_MAX_LENGTH, editable=False)
    owner = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_topics"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    description = models.TextField(blank=True)
    partitions = models.PositiveIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    retention_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Kafka retention; empty means the cluster default."
    )
    dlq_topic = models.CharField("DLQ topic", max_length=TOPIC_NAME_MAX_LENGTH, blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    naming_exemption = models.TextField(
        blank=True,
        help_text="Why this legacy name may break the naming convention (platform role only).",
    )
    deprecation_date = models.DateField(null=True, blank=True)
    retirement_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Topic list: filter by domain, ordered by name.
            models.Index(fields=["domain", "name"], name="topic_domain_name_idx"),
            # Topic list: filter by status, ordered by name.
            models.Index(fields=["status", "name"], name="topic_status_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(owner__isnull=False),
                name="topic_owner_required_once_active",
                violation_error_message="A topic needs an owning team once it is active.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "active", "deprecated", "retired"]),
                name="topic_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.domain = topic_domain(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "domain"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:topic-detail", kwargs={"name": self.name})


class DeliverySLA(models.Model):
    """What the producer promises the topic's consumers."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="sla")
    max_latency_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Event time to availability on the topic."
    )
    availability_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    max_consumer_lag = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Messages behind before a consumer's lag alerts."
    )
    support_channel = models.CharField(max_length=200, blank=True)
    support_hours = models.CharField(max_length=120, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "delivery SLA"
        constraints = [
            models.CheckConstraint(
                condition=Q(availability_percent__isnull=True)
                | Q(availability_percent__gte=0, availability_percent__lte=100),
                name="sla_availability_between_0_and_100",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA for {self.topic}"


class Consumer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        MIGRATING = "migrating", "Migrating"
        RETIRED = "retired", "Retired"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="consumers")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="consumers")
    name = models.CharField(max_length=120)
    group_id = models.CharField("consumer group id", max_length=255)
    purpose = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Dotted field paths this consumer reads; an empty list means "every field".
    fields = models.JSONField(default=list, blank=True)
    lag_threshold = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Overrides the topic SLA's max consumer lag."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["topic__name", "team__slug", "name"]
        indexes = [
            # Team page: what a team consumes.
            models.Index(fields=["team", "status"], name="consumer_team_status_idx"),
        ]
        constraints = [
            # A consumer group reads a topic once; a retired registration frees the group id.
            models.UniqueConstraint(
                fields=["topic", "group_id"],
                condition=~Q(status="retired"),
                name="consumer_group_unique_per_topic",
                violation_error_message="This consumer group is already registered on the topic.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}/{self.name} on {self.topic}"

    @property
    def reads_all_fields(self) -> bool:
        return not self.fields


class FieldSemantics(models.Model):
    class PII(models.TextChoices):
        NONE = "none", "Not personal data"
        PSEUDONYMOUS = "pseudonymous", "Pseudonymous identifier"
        PERSONAL = "personal", "Personal data"
        SENSITIVE = "sensitive", "Sensitive personal data"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="field_semantics")
    path = models.CharField(max_length=500, help_text="Dotted field path, e.g. address.city")
    meaning = models.TextField(blank=True)
    null_meaning = models.CharField("what null means", max_length=500, blank=True)
    unit = models.CharField(max_length=60, blank=True)
    pii = models.CharField("PII class", max_length=16, choices=PII.choices, default=PII.NONE)
    example = models.CharField(max_length=500, blank=True)
    allowed_values = models.CharField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "field semantics"
        ordering = ["topic", "path"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "path"], name="field_semantics_unique_path"),
        ]

    def __str__(self) -> str:
        return f"{self.topic}:{self.path}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events cannot be deleted")


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """Append-only record of every state change users care about.

    Updates are refused here and by a database trigger (see migration 0002); deletes are refused
    by the ORM, and users with history cannot be deleted (deactivate them instead).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    # Survives renames: who it was at the time.
    actor_label = models.CharField(max_length=150)
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Topic page / audit API: a topic's history, newest first.
            models.Index(fields=["topic", "-created_at"], name="audit_topic_created_idx"),
            # Audit API: filter by object.
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.verb} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events cannot be deleted")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored: tokens are 256 random bits, so a
    fast hash is enough, and the plaintext is shown once when the token is created."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """The outbox: one message to one team over one channel. The row exists before any task
    does, so a broker outage delays a notification but never loses it."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # An email address instead of the team's (escalations to leads and the platform role).
    recipient = models.EmailField(blank=True)
    event = models.CharField(max_length=64)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker claimed it; a claim older than the lease belongs to a dead worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending notifications, oldest first; the failed-delivery count.
            models.Index(fields=["status", "created_at"], name="notification_status_idx"),
            # A team's notifications page, newest first.
            models.Index(fields=["team", "-created_at"], name="notification_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.team} by {self.channel} ({self.status})"


class Domain(models.Model):
    """A registered ``domain.`` prefix and the teams that may create topics in it."""

    name = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    owners = models.ManyToManyField(Team, related_name="domains", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
