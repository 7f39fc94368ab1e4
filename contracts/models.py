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
