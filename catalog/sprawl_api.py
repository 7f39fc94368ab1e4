"""GET /api/v1/sprawl/: the sprawl report as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import BadRequest, first_error
from catalog.selectors import sprawl_report


class SprawlTopicSerializer(serializers.Serializer[Any]):
    topic = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    retirement_date = serializers.DateField(allow_null=True)
    url = serializers.CharField()


class SprawlMigrationSerializer(serializers.Serializer[Any]):
    from_topic = serializers.CharField()
    to_topic = serializers.CharField()
    window_ended = serializers.DateField()
    url = serializers.CharField()


class SprawlSubjectSerializer(serializers.Serializer[Any]):
    subject = serializers.CharField()
    topic = serializers.CharField(allow_null=True)


def _section(item: type[serializers.Serializer[Any]], name: str) -> type[Any]:
    return type(
        name,
        (serializers.Serializer,),
        {"count": serializers.IntegerField(), "items": item(many=True)},
    )


class SprawlReportSerializer(serializers.Serializer[Any]):
    unowned_topics = _section(SprawlTopicSerializer, "SprawlUnownedTopics")()
    topics_without_consumers = _section(SprawlTopicSerializer, "SprawlTopicsWithoutConsumers")()
    topics_without_schema = _section(SprawlTopicSerializer, "SprawlTopicsWithoutSchema")()
    deprecated_past_retirement = _section(SprawlTopicSerializer, "SprawlDeprecatedTopics")()
    stalled_migrations = _section(SprawlMigrationSerializer, "SprawlStalledMigrations")()
    unowned_subjects = _section(SprawlSubjectSerializer, "SprawlUnownedSubjects")()


class SprawlParams(serializers.Serializer[Any]):
    limit = serializers.IntegerField(
        min_value=1, max_value=1000, default=100, help_text="Most rows per section."
    )


class SprawlReportApi(APIView):
    @extend_schema(
        summary="Sprawl report: unowned, unconsumed, schemaless and stalled topics",
        tags=["reports"],
        parameters=[SprawlParams],
        responses={200: SprawlReportSerializer},
    )
    def get(self, request: Request) -> Response:
        params = SprawlParams(data=request.query_params.dict())
        if not params.is_valid():
            field, message = first_error(params.errors)
            raise BadRequest(message, code="invalid_filter", field=field or None)
        return Response(sprawl_report(limit=params.validated_data["limit"]).as_dict())
