"""DRF authentication for /api/v1/: the same Basic and token credentials as the registry.

Kept apart from ``catalog.api`` because DRF imports authentication classes while
``rest_framework.views`` is still loading."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from catalog.authentication import ApiPrincipal, AuthenticationFailed, authenticate_api_request


class CatalogApiAuthentication(BaseAuthentication):
    """HTTP Basic (cached) and bearer tokens, shared with the registry API."""

    def authenticate(self, request: Request) -> tuple[Any, ApiPrincipal] | None:
        try:
            principal = authenticate_api_request(request._request)
        except AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        if principal is None:
            return None
        return principal.user, principal

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="contract-catalog"'
