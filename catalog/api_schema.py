"""How /api/v1/ describes itself in OpenAPI 3 (drf-spectacular).

Every operation documents the one error shape for the statuses it can answer with, list
endpoints document their filters from the serializer that validates them, and the Basic / bearer
authentication is declared, so generated clients and Schemathesis see the API as it is.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable: clients may match on it.")
    message = serializers.CharField(help_text="One sentence for a person.")
    field = serializers.CharField(
        allow_null=True, help_text="The input that caused it, when there is one."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorDetailSerializer()


class CatalogAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        filters = getattr(self.view, "filter_serializer_class", None)
        if filters is not None and self.method == "GET" and self._is_list_view():
            parameters.append(filters)
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        for code in self._error_statuses():
            if code not in bodies:
                # Errors are JSON even where the success is not (the CSV download).
                bodies[code] = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"]
                )
        return bodies

    def _error_statuses(self) -> list[str]:
        # 400: a query parameter or body that does not validate; 401: no or bad credentials;
        # 403: the rules refuse (or a read-only token writes); 404: an unknown object in the
        # path; 415: a body that is not JSON; 422: a business rule refused the change.
        codes = ["400", "401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["415", "422"]
        return codes


class CatalogApiAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "catalog.api_auth.CatalogApiAuthentication"
    name = ["basicAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        # Either one (OR), not both.
        return [{"basicAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "basic",
                "description": "A catalog user and password, or an API token as the password.",
            },
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "cc_…",
                "description": "A personal API token (created on the API tokens page).",
            },
        ]
