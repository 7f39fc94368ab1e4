"""Time series of consumer lag, throughput and DLQ depth; the alerts they raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from catalog.models import Consumer, Topic


class Source(models.TextChoices):
    KAFKA = "kafka", "Kafka collector"
    INGEST = "ingest", "Ingest API"
    DEMO = "demo", "Demo data"


class ConsumerSample(models.Model):
    """One reading of one consumer group on its topic: one row per collection, the
    per-partition lags packed in a JSON list so a 7-day series stays small."""

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField()
    lag = models.PositiveBigIntegerField(help_text="Messages behind, summed over partitions.")
    # Index = partition number; a partition the group never committed on counts everything
    # retained as lag (what the group would have to read) and is counted in `uncommitted`.
    partition_lags = models.JSONField(default=list, blank=True)
    uncommitted = models.PositiveIntegerField(default=0)
    # Sum of the group's committed offsets: the next collection derives throughput from it.
    committed_total = models.BigIntegerField(null=True, blank=True)
    consume_rate = models.FloatField(null=True, blank=True, help_text="Messages/s consumed.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.KAFKA)

    class Meta:
        constraints = [
            # Idempotent by timestamp: a re-sent point is a duplicate, not a second reading.
            models.UniqueConstraint(
                fields=["consumer", "taken_at"], name="consumer_sample_unique_time"
            ),
        ]
        indexes = [
            # Pruning: everything older than the retention.
            models.Index(fields=["taken_at"], name="consumer_sample_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id} lag {self.lag} at {self.taken_at:%Y-%m-%d %H:%M:%S}"


class TopicSample(models.Model):
    """One reading of a topic: how much it receives and how deep its DLQ is."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField()
    end_total = models.BigIntegerField(null=True, blank=True, help_text="Sum of end offsets.")
    produce_rate = models.FloatField(null=True, blank=True, help_text="Messages/s received.")
    dlq_depth = models.PositiveBigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.KAFKA)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "taken_at"], name="topic_sample_unique_time"),
        ]
        indexes = [
            # Pruning: everything older than the retention.
            models.Index(fields=["taken_at"], name="topic_sample_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id} dlq {self.dlq_depth} at {self.taken_at:%Y-%m-%d %H:%M:%S}"


class CollectionRun(models.Model):
    """One pass of the Kafka collector; a broker that is down is one error here, per run."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices)
    error = models.TextField(blank=True)
    groups = models.PositiveIntegerField(default=0)
    partitions = models.PositiveIntegerField(default=0)
    alerts_opened = models.PositiveIntegerField(default=0)
    alerts_resolved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # Health page and /metrics: the latest runs.
            models.Index(fields=["-started_at"], name="collection_run_started_idx"),
        ]

    def __str__(self) -> str:
        return f"collection at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.status}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        DLQ_DEPTH = "dlq_depth", "DLQ not empty"
        LAG = "lag", "Consumer lag over threshold"
        THROUGHPUT_DROP = "throughput_drop", "Consumer throughput dropped"

    class Resolution(models.TextChoices):
        CLEARED = "cleared", "Condition cleared"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by the owner"
        GONE = "gone", "Consumer retired or DLQ removed"

    # What fires: one open alert per key ("lag:consumer:12", "dlq_depth:topic:3").
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="alerts")
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    value = models.FloatField(help_text="The latest reading while it fired.")
    peak = models.FloatField()
    threshold = models.FloatField(null=True, blank=True)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    # Schema versions registered and proposals applied on the topic in the hour before.
    likely_causes = models.JSONField(default=list, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_key",
                violation_error_message="This alert is already open.",
            ),
        ]
        indexes = [
            # Health page: open alerts, then history, newest first.
            models.Index(fields=["resolved_at", "-opened_at"], name="alert_open_idx"),
            # Topic page: a topic's alerts.
            models.Index(fields=["topic", "-opened_at"], name="alert_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.topic_id}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:alert-detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class DlqAcknowledgement(models.Model):
    """The DLQ depth an owner has looked at: only growth past it alerts again. It ratchets
    down as the DLQ drains and disappears when the DLQ is empty."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="dlq_ack")
    depth = models.PositiveBigIntegerField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"DLQ of {self.topic_id} acknowledged at depth {self.depth}"
