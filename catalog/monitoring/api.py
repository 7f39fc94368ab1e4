"""POST /api/v1/signals/: points from a collector that already exists; GET /api/v1/alerts/."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import BadRequest, error_body, first_error
from catalog.api_schema import ErrorSerializer
from catalog.monitoring import tasks
from catalog.monitoring.ingest import IngestRejected, signals_ingest
from catalog.monitoring.models import Alert
from catalog.tasks import enqueue


class RawBodyParser(BaseParser):
    """Leaves the body to the view, so size and JSON errors get our error shape."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return None


class SignalPointSerializer(serializers.Serializer[Any]):
    """One reading: a consumer group's lag (and throughput) or a topic's DLQ depth (and
    throughput). Documents the ingest body; the view validates a whole batch itself."""

    topic = serializers.CharField(min_length=1, help_text="A topic in the catalog.")
    timestamp = serializers.DateTimeField(help_text="When it was read (with a time zone).")
    consumer_group = serializers.CharField(
        required=False, min_length=1, help_text="A group registered on the topic."
    )
    partition_lag = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text='Messages behind per partition number, e.g. {"0": 12, "1": 0}.',
    )
    throughput = serializers.FloatField(
        required=False, min_value=0, help_text="Messages/s the group consumes."
    )
    topic_throughput = serializers.FloatField(
        required=False, min_value=0, help_text="Messages/s the topic receives."
    )
    dlq_depth = serializers.IntegerField(
        required=False, min_value=0, help_text="Messages in the topic's DLQ."
    )


class SignalBatchSerializer(serializers.Serializer[Any]):
    points = SignalPointSerializer(many=True, allow_empty=False)


class StoredSerializer(serializers.Serializer[Any]):
    consumer_samples = serializers.IntegerField()
    topic_samples = serializers.IntegerField()


class IngestResultSerializer(serializers.Serializer[Any]):
    points = serializers.IntegerField()
    stored = StoredSerializer()
    duplicates = serializers.IntegerField(help_text="Points already stored for that time.")


class SignalIngestApi(APIView):
    """Store a batch of points (see the README): all or nothing, idempotent by timestamp.
    Alert rules run for the consumers and topics in the batch right after it is stored."""

    parser_classes = [RawBodyParser]

    @extend_schema(
        summary="Push lag, throughput and DLQ readings from another collector",
        tags=["signals"],
        request={"application/json": SignalBatchSerializer},
        responses={
            200: IngestResultSerializer,
            413: ErrorSerializer,
            422: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        # Read-only tokens are refused by the default WriteNeedsWriteScope permission.
        try:
            raw = request._request.body
        except RequestDataTooBig:
            return Response(
                error_body(
                    "body_too_large",
                    f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes; "
                    "send smaller batches.",
                ),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Response(
                error_body("invalid_json", "The body is not JSON."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        points = body.get("points") if isinstance(body, dict) else None
        try:
            result = signals_ingest(actor=request.user, points=points)
        except IngestRejected as exc:
            code: int = (
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
                if exc.code == "batch_too_large"
                else status.HTTP_422_UNPROCESSABLE_ENTITY
            )
            if exc.errors and all(e.code == "forbidden" for e in exc.errors):
                code = status.HTTP_403_FORBIDDEN
            return Response(
                error_body(
                    exc.code, exc.message, "points", errors=[e.as_dict() for e in exc.errors[:100]]
                ),
                status=code,
            )
        if result.consumer_ids or result.topic_ids:
            consumer_ids, topic_ids = sorted(result.consumer_ids), sorted(result.topic_ids)
            transaction.on_commit(lambda: enqueue(tasks.evaluate_alerts, consumer_ids, topic_ids))
        return Response(
            {
                "points": result.points,
                "stored": {
                    "consumer_samples": result.stored.consumer_samples,
                    "topic_samples": result.stored.topic_samples,
                },
                "duplicates": result.stored.duplicates,
            },
            status=status.HTTP_200_OK,
        )


def alert_as_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "topic": alert.topic.name,
        "consumer_group": alert.consumer.group_id if alert.consumer else None,
        "team": alert.consumer.team.slug if alert.consumer else None,
        "opened_at": alert.opened_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "resolution": alert.resolution or None,
        "value": alert.value,
        "peak": alert.peak,
        "threshold": alert.threshold,
        "message": alert.message,
        "likely_causes": alert.likely_causes,
    }


class AlertParams(serializers.Serializer[Any]):
    state = serializers.ChoiceField(
        choices=["open", "resolved"], required=False, help_text="Only open or resolved alerts."
    )
    topic = serializers.CharField(required=False, help_text="Only this topic's alerts.")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class AlertCauseSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["schema_version", "proposal_applied"])
    at = serializers.DateTimeField()
    by = serializers.CharField()
    url = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    subject = serializers.CharField(required=False)
    proposal = serializers.IntegerField(required=False)


class AlertSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Alert.Kind.choices)
    topic = serializers.CharField()
    consumer_group = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    opened_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.ChoiceField(choices=Alert.Resolution.choices, allow_null=True)
    value = serializers.FloatField()
    peak = serializers.FloatField()
    threshold = serializers.FloatField(allow_null=True)
    message = serializers.CharField()
    likely_causes = AlertCauseSerializer(many=True)


class AlertListSerializer(serializers.Serializer[Any]):
    alerts = AlertSerializer(many=True)


class AlertListApi(APIView):
    """The newest alerts first; ``?state=open|resolved``, ``?topic=``, ``?limit=`` (max 500)."""

    @extend_schema(
        summary="Operational alerts (DLQ depth, lag, throughput drop) with their likely cause",
        tags=["signals"],
        parameters=[AlertParams],
        responses={200: AlertListSerializer},
    )
    def get(self, request: Request) -> Response:
        params = AlertParams(data=request.query_params.dict())
        if not params.is_valid():
            field, message = first_error(params.errors)
            raise BadRequest(message, code="invalid_filter", field=field or None)
        values = params.validated_data
        alerts = Alert.objects.select_related("topic", "consumer__team")
        if values.get("state") == "open":
            alerts = alerts.filter(resolved_at__isnull=True)
        elif values.get("state") == "resolved":
            alerts = alerts.filter(resolved_at__isnull=False)
        if values.get("topic"):
            alerts = alerts.filter(topic__name=values["topic"])
        rows = alerts.order_by("-opened_at", "-id")[: values["limit"]]
        return Response({"alerts": [alert_as_dict(a) for a in rows]})
