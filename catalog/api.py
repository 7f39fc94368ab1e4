"""The REST API's (/api/v1/) one error shape.

Errors always look like ``{"error": {"code": "...", "message": "...", "field": ...}}`` with a
stable ``code`` clients may match on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from catalog.errors import ApplicationError


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.field),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict):
            field, messages = next(iter(detail.items()))
            message = (
                " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            )
            response.data = error_body("invalid", message, str(field))
        else:
            code = exc.get_codes() if not isinstance(detail, list) else "invalid"
            message = " ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
            response.data = error_body(str(code), message)
    return response
