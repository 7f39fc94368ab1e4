"""Refuse NUL characters in the URL at the door.

PostgreSQL text cannot hold NUL (0x00), so a path or query parameter carrying one would fail
in the database as a server error wherever it reaches a lookup. It is never meaningful input:
answer 400 (in the API's error shape under /api/)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from catalog.api import error_body

MESSAGE = "The URL contains a NUL character."


class RejectNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid_character", MESSAGE), status=400)
            return HttpResponseBadRequest(MESSAGE)
        return self.get_response(request)
