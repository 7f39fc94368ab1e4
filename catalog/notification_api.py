"""Failed notification deliveries under /api/v1/, for alerting."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.permissions import is_platform, user_team_ids


class FailedCountSerializer(serializers.Serializer[Any]):
    failed = serializers.IntegerField(help_text="Failed deliveries of the teams below.")
    by_team = serializers.DictField(child=serializers.IntegerField(), help_text="Slug → failed.")


class FailedNotificationCountApi(APIView):
    """``{"failed": N, "by_team": {"<slug>": n, ...}}``: failed deliveries of the teams the
    caller belongs to (every team for the platform role), zero included, so a monitor can
    alert on ``failed > 0`` and see which team to page."""

    @extend_schema(
        summary="Failed notification deliveries per team, for alerting",
        tags=["notifications"],
        responses={200: FailedCountSerializer},
    )
    def get(self, request: Request) -> Response:
        teams = selectors.teams_user_may_act_for(
            is_platform(request.user), user_team_ids(request.user)
        )
        by_team = selectors.failed_notifications_by_team(teams=teams)
        return Response({"failed": sum(by_team.values()), "by_team": by_team})
