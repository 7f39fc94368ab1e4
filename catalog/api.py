"""The REST API's (/api/v1/) one error shape.

Errors always look like ``{"error": {"code": "...", "message": "...", "field": ...}}`` with a
stable ``code`` clients may match on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from catalog.errors import ApplicationError


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


class BadRequest(exceptions.APIException):
    """Input the API cannot use (a filter value, a cursor, a page size): 400 with a stable
    code and the parameter that caused it."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message, code)
        self.field = field


def first_error(detail: Any, path: str = "") -> tuple[str, str]:
    """The dotted path and message of the first error in a serializer's (nested) errors."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        if key == "non_field_errors":
            return first_error(value, path)
        return first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list) and detail:
        if all(not isinstance(d, dict | list) for d in detail):
            return path, " ".join(str(d) for d in detail)
        for index, item in enumerate(detail):
            if item:
                return first_error(item, f"{path}.{index}" if path else str(index))
    return path, str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BadRequest):
        return Response(
            error_body(str(exc.get_codes()), str(exc.detail), exc.field),
            status=status.HTTP_400_BAD_REQUEST,
        )
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
            field, message = first_error(detail)
            response.data = error_body("invalid", message, field or None)
        else:
            code = exc.get_codes() if not isinstance(detail, list) else "invalid"
            message = " ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
            response.data = error_body(str(code), message)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 handler: a path under /api/ that matches no endpoint answers in the API's error
    shape; every other path gets the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", f"Nothing at {request.path}: see /api/docs/."), status=404
        )
    return defaults.page_not_found(request, exception)
