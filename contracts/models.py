"""Schema storage: subjects, schemas (global ids), subject versions and registry config."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import Topic


class Compatibility(models.TextChoices):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"


class Mode(models.TextChoices):
    READWRITE = "READWRITE"
    READONLY = "READONLY"


class RegistryConfig(models.Model):
    """The registry-wide compatibility level and mode: one row, created on first write."""

    compatibility = models.CharField(
        max_length=32, choices=Compatibility.choices, default=Compatibility.BACKWARD
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.READWRITE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="registry_config_singleton")
        ]

    def __str__(self) -> str:
        return f"registry config ({self.compatibility}, {self.mode})"


class Subject(models.Model):
    class Role(models.TextChoices):
        VALUE = "value", "Value"
        KEY = "key", "Key"

    name = models.CharField(max_length=300, unique=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="subjects"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.VALUE)
    # Subject-level overrides; empty means "use the registry-wide setting".
    compatibility = models.CharField(
        max_length=32, choices=Compatibility.choices, blank=True, default=""
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Schema(models.Model):
    """A schema text, stored once; its primary key is the registry's global schema id."""

    class Type(models.TextChoices):
        AVRO = "AVRO", "Avro"
        JSON = "JSON", "JSON Schema"
        PROTOBUF = "PROTOBUF", "Protobuf"

    schema_type = models.CharField(max_length=16, choices=Type.choices, default=Type.AVRO)
    text = models.TextField()
    canonical = models.TextField()
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schema_type", "fingerprint"], name="schema_fingerprint_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"schema {self.pk} ({self.schema_type})"


class SchemaVersion(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    schema = models.ForeignKey(Schema, on_delete=models.PROTECT, related_name="versions")
    deleted = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subject", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "version"], name="schema_version_subject_version_unique"
            ),
        ]
        indexes = [
            # Latest live version of a subject (topic page, gate).
            models.Index(
                fields=["subject", "deleted", "-version"], name="schemaversion_latest_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} v{self.version}"


class ChangeProposal(models.Model):
    """A producer's request to change a topic's schema, and the conversation that follows."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class Kind(models.TextChoices):
        COMPATIBLE = "compatible", "Compatible"
        BREAKING = "breaking", "Breaking"

    OPEN = (Status.IN_REVIEW,)

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    schema_text = models.TextField()
    fingerprint = models.CharField(max_length=64)
    rationale = models.TextField()
    deadline = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_REVIEW)
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    migration_required = models.BooleanField(default=False)
    # The latest version when (re)analysed, and what the analysis found (diff, verdicts, impact).
    base_version = models.PositiveIntegerField(null=True, blank=True)
    analysis = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    analysed_revision = models.PositiveIntegerField(default=0)
    # One proposal per form: a double submit finds the first.
    submit_token = models.CharField(max_length=64, unique=True)
    decision_reason = models.TextField(blank=True)
    applied_version = models.PositiveIntegerField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Periodic tasks: open proposals by deadline.
            models.Index(fields=["status", "deadline"], name="proposal_status_deadline_idx"),
            # Topic page: a topic's proposals, newest first.
            models.Index(fields=["topic", "-created_at"], name="proposal_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"proposal #{self.pk} on {self.topic}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contracts:proposal-detail", kwargs={"pk": self.pk})


class Approval(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        OBJECTED = "objected", "Objected"

    class Role(models.TextChoices):
        CONSUMER = "consumer", "Consumer team"
        OWNER = "owner", "Owning team"

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="approvals")
    team = models.ForeignKey("catalog.Team", on_delete=models.PROTECT, related_name="approvals")
    role = models.CharField(max_length=16, choices=Role.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    fields_hit = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "team__slug"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "team"], name="approval_one_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team} on {self.proposal}: {self.state}"


class ProposalComment(models.Model):
    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment on {self.proposal}"


class Migration(models.Model):
    """A breaking change shipped as a new topic version, with a dual-publish window."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DUAL_PUBLISHING = "dual_publishing", "Dual-publishing"
        COMPLETED = "completed", "Completed"

    OPEN = (Status.PLANNED, Status.DUAL_PUBLISHING)

    from_topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="migrations_from")
    to_topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="migration_to")
    proposal = models.ForeignKey(
        ChangeProposal, null=True, blank=True, on_delete=models.PROTECT, related_name="migrations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    window_days = models.PositiveIntegerField()
    window_ends_at = models.DateTimeField()
    # Old field path -> new field path, so consumers' field lists and semantics carry over.
    renames = models.JSONField(default=dict, blank=True)
    dual_publish_started_at = models.DateTimeField(null=True, blank=True)
    dual_publish_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_topic"],
                condition=models.Q(status__in=["planned", "dual_publishing"]),
                name="migration_one_open_per_topic",
                violation_error_message="This topic already has a migration in progress.",
            ),
        ]
        indexes = [
            # The lifecycle task: open migrations by window end.
            models.Index(fields=["status", "window_ends_at"], name="migration_status_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_topic} → {self.to_topic}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contracts:migration-detail", kwargs={"pk": self.pk})


class ConsumerMigration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        MIGRATED = "migrated", "Migrated"

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="consumers")
    consumer = models.ForeignKey(
        "catalog.Consumer", on_delete=models.PROTECT, related_name="migrations"
    )
    new_consumer = models.ForeignKey(
        "catalog.Consumer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    migrated_at = models.DateTimeField(null=True, blank=True)
    migrated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminders_sent = models.PositiveIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consumer__team__slug", "consumer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["migration", "consumer"], name="consumer_migration_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} in {self.migration}: {self.status}"
