"""POST /api/v1/signals/: points from a collector that already exists; GET /api/v1/alerts/."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import error_body
from catalog.authentication import ApiPrincipal
from catalog.monitoring import tasks
from catalog.monitoring.ingest import IngestRejected, signals_ingest
from catalog.monitoring.models import Alert
from catalog.tasks import enqueue


class RawBodyParser(BaseParser):
    """Leaves the body to the view, so size and JSON errors get our error shape."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return None


class SignalIngestApi(APIView):
    """Store a batch of points (see the README): all or nothing, idempotent by timestamp.
    Alert rules run for the consumers and topics in the batch right after it is stored."""

    parser_classes = [RawBodyParser]

    def post(self, request: Request) -> Response:
        auth = request.auth
        if isinstance(auth, ApiPrincipal) and not auth.can_write:
            return Response(
                error_body("read_only_token", "This token is read-only; pushing signals writes."),
                status=status.HTTP_403_FORBIDDEN,
            )
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


class AlertListApi(APIView):
    """Open alerts first, then the most recent resolved ones; ``?state=open|resolved``,
    ``?topic=``, ``?limit=`` (max 500)."""

    def get(self, request: Request) -> Response:
        alerts = Alert.objects.select_related("topic", "consumer__team")
        state = request.query_params.get("state", "")
        if state == "open":
            alerts = alerts.filter(resolved_at__isnull=True)
        elif state == "resolved":
            alerts = alerts.filter(resolved_at__isnull=False)
        elif state:
            return Response(
                error_body("invalid", "state is open or resolved.", "state"),
                status=status.HTTP_400_BAD_REQUEST,
            )
        topic = request.query_params.get("topic", "")
        if topic:
            alerts = alerts.filter(topic__name=topic)
        try:
            limit = max(1, min(int(request.query_params.get("limit", "100")), 500))
        except ValueError:
            return Response(
                error_body("invalid", "limit is a number.", "limit"),
                status=status.HTTP_400_BAD_REQUEST,
            )
        rows = alerts.order_by("-opened_at")[:limit]
        return Response({"alerts": [alert_as_dict(a) for a in rows]})
