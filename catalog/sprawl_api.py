"""GET /api/v1/sprawl/: the sprawl report as JSON."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import sprawl_report


class SprawlReportApi(APIView):
    def get(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.query_params.get("limit", "100")), 1000))
        except ValueError:
            limit = 100
        return Response(sprawl_report(limit=limit).as_dict())
