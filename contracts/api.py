"""REST endpoints of the contracts app under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import error_body
from catalog.inventory_api import TOPIC_PATH
from catalog.models import Topic
from contracts import proposals, registry
from contracts.registry import RegistryError


class SchemaCheckInput(serializers.Serializer[Any]):
    schema = serializers.JSONField(help_text="The schema: JSON text, or the schema itself.")
    subject = serializers.ChoiceField(choices=["value", "key"], default="value")


class SchemaCheckResultSerializer(serializers.Serializer[Any]):
    topic = serializers.CharField()
    subject = serializers.CharField()
    level = serializers.CharField(help_text="The topic's compatibility level.")
    is_compatible = serializers.BooleanField(help_text="Under the topic's level.")
    latest_version = serializers.IntegerField(allow_null=True)
    verdicts = serializers.DictField(
        child=serializers.JSONField(), help_text="Level → verdict and incompatibilities."
    )
    incompatibilities = serializers.ListField(child=serializers.DictField())
    diff = serializers.ListField(child=serializers.DictField())
    rename_suggestions = serializers.ListField(child=serializers.DictField())
    affected_consumers = serializers.ListField(child=serializers.DictField())
    topic_url = serializers.CharField()


class TopicSchemaCheckApi(APIView):
    """Dry-run a schema against a topic: verdict per level, why, the field-level diff with
    rename suggestions, and the consumers it would affect. Writes nothing.

    ``?strict=true`` answers 409 instead of 200 when the topic's level refuses the schema, so
    ``curl --fail`` can gate a CI pipeline."""

    # A dry run: read-only tokens may call it.
    writes_nothing = True

    @extend_schema(
        summary="Dry-run a schema against a topic (CI check); writes nothing",
        tags=["topics"],
        parameters=[
            TOPIC_PATH,
            OpenApiParameter(
                "strict", bool, description="Answer 409 when the topic's level refuses it."
            ),
        ],
        request=SchemaCheckInput,
        responses={200: SchemaCheckResultSerializer, 409: SchemaCheckResultSerializer},
    )
    def post(self, request: Request, name: str) -> Response:
        topic = Topic.objects.filter(name=name).select_related("owner").first()
        if topic is None:
            return Response(
                error_body("topic_not_found", f"No topic named {name} in the catalog."),
                status=status.HTTP_404_NOT_FOUND,
            )
        data = SchemaCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            parsed = registry.parse_submitted(
                registry.schema_text_from(data.validated_data["schema"])
            )
        except RegistryError as exc:
            return Response(
                error_body("invalid_schema", exc.message, "schema"),
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        analysis = proposals.analyse(topic, parsed, role=data.validated_data["subject"])
        level = analysis.level
        body = {
            "topic": topic.name,
            "subject": analysis.subject,
            "level": level,
            "is_compatible": analysis.is_compatible,
            "latest_version": analysis.base_version,
            "verdicts": analysis.verdicts,
            "incompatibilities": analysis.verdicts[level]["incompatibilities"],
            "diff": analysis.diff,
            "rename_suggestions": analysis.renames,
            "affected_consumers": [a.as_dict() for a in analysis.affected],
            "topic_url": settings.SITE_URL.rstrip("/") + topic.get_absolute_url(),
        }
        strict = request.query_params.get("strict", "").lower() == "true"
        code = (
            status.HTTP_409_CONFLICT
            if strict and not analysis.is_compatible
            else status.HTTP_200_OK
        )
        return Response(body, status=code)
