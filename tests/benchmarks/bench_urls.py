from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from catalog.urls import urlpatterns as app_urlpatterns


def floor(request: HttpRequest) -> HttpResponse:
    # The framework's floor: full middleware stack, no work, a fixed body.
    return HttpResponse(b'{"schema":"\\"string\\""}', content_type="application/json")


urlpatterns = [path("bench/floor", floor), *app_urlpatterns]
