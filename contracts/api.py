"""REST endpoints of the contracts app under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import error_body
from catalog.models import Topic
from contracts import registry
from contracts.impact import breaking_paths, consumers_affected, topic_active_consumers
from contracts.models import Compatibility, Subject
from contracts.registry import RegistryError
from contracts.schema import ChangeKind, check_compatibility, diff_schemas


class SchemaCheckInput(serializers.Serializer[Any]):
    schema = serializers.JSONField(help_text="The schema: JSON text, or the schema itself.")
    subject = serializers.ChoiceField(choices=["value", "key"], default="value")


class TopicSchemaCheckApi(APIView):
    """Dry-run a schema against a topic: verdict per level, why, the field-level diff with
    rename suggestions, and the consumers it would affect. Writes nothing.

    ``?strict=true`` answers 409 instead of 200 when the topic's level refuses the schema, so
    ``curl --fail`` can gate a CI pipeline."""

    def post(self, request: Request, name: str) -> Response:
        topic = Topic.objects.filter(name=name).select_related("owner").first()
        if topic is None:
            return Response(
                error_body("topic_not_found", f"No topic named {name} in the catalog."),
                status=status.HTTP_404_NOT_FOUND,
            )
        data = SchemaCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        subject_name = f"{topic.name}-{data.validated_data['subject']}"
        try:
            parsed = registry.parse_submitted(
                registry.schema_text_from(data.validated_data["schema"])
            )
        except RegistryError as exc:
            return Response(
                error_body("invalid_schema", exc.message, "schema"),
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        subject = Subject.objects.filter(name=subject_name).select_related("topic").first()
        history = registry.subject_history(subject)
        level = registry.effective_compatibility(subject)
        existing = registry.parsed_history(history)
        labels = [f"version {v.version}" for v in history]
        verdicts = {
            lvl: check_compatibility(parsed, existing, lvl, version_labels=labels).as_dict()
            for lvl in Compatibility.values
        }
        changes = diff_schemas(existing[-1], parsed) if existing else []
        incompatibilities = check_compatibility(
            parsed, existing, level, version_labels=labels
        ).incompatibilities
        affected = consumers_affected(
            topic_active_consumers(topic), breaking_paths(changes, incompatibilities)
        )
        is_compatible = verdicts[level]["is_compatible"]
        body = {
            "topic": topic.name,
            "subject": subject_name,
            "level": level,
            "is_compatible": is_compatible,
            "latest_version": history[-1].version if history else None,
            "verdicts": verdicts,
            "incompatibilities": verdicts[level]["incompatibilities"],
            "diff": [c.as_dict() for c in changes],
            "rename_suggestions": [
                c.as_dict() for c in changes if c.kind == ChangeKind.LIKELY_RENAME
            ],
            "affected_consumers": [a.as_dict() for a in affected],
            "topic_url": settings.SITE_URL.rstrip("/") + topic.get_absolute_url(),
        }
        strict = request.query_params.get("strict", "").lower() == "true"
        code = status.HTTP_409_CONFLICT if strict and not is_compatible else status.HTTP_200_OK
        return Response(body, status=code)
