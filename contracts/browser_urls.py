"""Browser pages of the contracts app (proposals)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "contracts"

urlpatterns: list[URLPattern] = []
