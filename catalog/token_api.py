"""/api/v1/tokens/: a caller's own API tokens, listed and revoked (a leaked token is revoked
from a script as well as from the browser). Tokens are created in the browser only, where the
plaintext is shown once; the API never shows a token's digest or plaintext."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api_base import IdLookupViewSet, StrictBooleanField, id_path, ordering_choices
from catalog.models import ApiToken
from catalog.tokens import api_token_revoke

TOKEN_PATH = id_path("Token id.")


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    prefix = serializers.CharField(help_text="The token's first characters, to recognise it.")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]


class ApiTokenFilters(serializers.Serializer[Any]):
    active = StrictBooleanField(
        required=False, help_text="Tokens that still work: not revoked, not expired (or not)."
    )
    ordering = ordering_choices("created_at", "last_used_at")


@extend_schema_view(
    list=extend_schema(summary="Your API tokens", tags=["tokens"]),
    retrieve=extend_schema(
        summary="One of your API tokens", tags=["tokens"], parameters=[TOKEN_PATH]
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, IdLookupViewSet[ApiToken]):
    serializer_class = ApiTokenSerializer
    filter_serializer_class = ApiTokenFilters

    def get_queryset(self) -> QuerySet[ApiToken]:
        # One's own only: anyone else's token is a 404, whoever asks.
        # (The API refuses anonymous callers before any view runs.)
        return ApiToken.objects.filter(user_id=self.request.user.pk)  # type: ignore[misc]

    def apply_filters(
        self, queryset: QuerySet[ApiToken], filters: Mapping[str, Any]
    ) -> QuerySet[ApiToken]:
        if filters.get("active") is not None:
            active = Q(revoked_at__isnull=True) & (
                Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
            )
            queryset = queryset.filter(active if filters["active"] else ~active)
        return queryset

    @extend_schema(
        summary="Revoke one of your API tokens (at once; revoking again changes nothing)",
        tags=["tokens"],
        parameters=[TOKEN_PATH],
        request=None,
        responses={200: ApiTokenSerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, id: str) -> Response:
        token = self.get_object()
        api_token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
        token.refresh_from_db(fields=["revoked_at"])
        return Response(ApiTokenSerializer(token).data)
