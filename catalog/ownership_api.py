"""The ownership report under /api/v1/reports/: JSON, and the coverage figures as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import BadRequest, first_error
from catalog.reports import (
    COVERAGE_MEASURES,
    coverage_rows,
    ownership_coverage,
    ownership_report,
)


class ReportParams(serializers.Serializer[Any]):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        default=100,
        help_text="Most rows in each list (counts stay exact).",
    )


def report_params(request: Request) -> dict[str, Any]:
    params = ReportParams(data=request.query_params.dict())
    if not params.is_valid():
        field, message = first_error(params.errors)
        raise BadRequest(message, code="invalid_filter", field=field or None)
    return dict(params.validated_data)


# --- the documented shape ------------------------------------------------------------------


class CoverageSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="“all”, a domain or a team slug.")
    topics = serializers.IntegerField(help_text="Live (not retired) topics.")
    with_owner = serializers.IntegerField()
    with_owner_pct = serializers.FloatField()
    with_sla = serializers.IntegerField()
    with_sla_pct = serializers.FloatField()
    with_field_semantics = serializers.IntegerField()
    with_field_semantics_pct = serializers.FloatField()
    with_schema = serializers.IntegerField()
    with_schema_pct = serializers.FloatField()


class ReportTopicSerializer(serializers.Serializer[Any]):
    topic = serializers.CharField()
    domain = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    url = serializers.CharField()


class ReportTopicListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    items = ReportTopicSerializer(many=True)


class HistogramBucketSerializer(serializers.Serializer[Any]):
    consumers = serializers.CharField(help_text="Active consumers per topic: 0, 1, 2-5, …")
    topics = serializers.IntegerField()


class MostConsumedSerializer(serializers.Serializer[Any]):
    topic = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    consumers = serializers.IntegerField()


class ConsumersPerTopicSerializer(serializers.Serializer[Any]):
    topics = serializers.IntegerField()
    consumers = serializers.IntegerField()
    average = serializers.FloatField()
    max = serializers.IntegerField()
    histogram = HistogramBucketSerializer(many=True)
    most_consumed = MostConsumedSerializer(many=True)


class OverdueProposalSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    topic = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    author = serializers.CharField()
    deadline = serializers.DateTimeField()
    days_overdue = serializers.IntegerField()
    waiting_for = serializers.ListField(
        child=serializers.CharField(), help_text="Teams that have not decided."
    )
    url = serializers.CharField()


class OverdueProposalListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    items = OverdueProposalSerializer(many=True)


class OwnershipReportSerializer(serializers.Serializer[Any]):
    generated_at = serializers.DateTimeField()
    total = CoverageSerializer()
    by_domain = CoverageSerializer(many=True)
    by_team = CoverageSerializer(many=True, help_text="Teams owning at least one live topic.")
    orphans = ReportTopicListSerializer(help_text="Live topics without an owner.")
    owners_without_members = ReportTopicListSerializer(
        help_text="Topics whose owning team has no members left."
    )
    consumers_per_topic = ConsumersPerTopicSerializer()
    overdue_proposals = OverdueProposalListSerializer(
        help_text="Proposals still in review past their deadline."
    )


class OwnershipReportApi(APIView):
    @extend_schema(
        summary="Ownership report: coverage, orphans, consumers per topic, overdue proposals",
        tags=["reports"],
        parameters=[ReportParams],
        responses={200: OwnershipReportSerializer},
    )
    def get(self, request: Request) -> Response:
        report = ownership_report(limit=report_params(request)["limit"])
        return Response(report.as_dict())


# --- CSV -----------------------------------------------------------------------------------

CSV_HEADER = ["scope", "name", "topics"] + [
    column for measure in COVERAGE_MEASURES for column in (measure, f"{measure}_pct")
]


def coverage_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for scope, coverage in coverage_rows(*ownership_coverage()):
        row = coverage.as_dict()
        writer.writerow([scope, row["name"], row["topics"]] + [row[c] for c in CSV_HEADER[3:]])
    return out.getvalue()


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return str(data).encode(self.charset)


class OwnershipReportCsvApi(APIView):
    renderer_classes = [CSVRenderer]

    @extend_schema(
        summary="Ownership coverage as CSV (overall, per domain, per team)",
        tags=["reports"],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> Response:
        filename = f"ownership-coverage-{timezone.now():%Y-%m-%d}.csv"
        return Response(
            coverage_csv(),
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors keep the API's one JSON shape.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response
