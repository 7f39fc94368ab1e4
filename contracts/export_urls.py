"""URLs of contract exports and imports, under /api/v1/ (included from catalog.urls)."""

from __future__ import annotations

from django.urls import path

from contracts.export_api import DomainExportApi, ImportApi, TopicExportApi

urlpatterns = [
    path(
        "topics/<str:name>/exports/<str:fmt>",
        TopicExportApi.as_view(),
        name="api-topic-export",
    ),
    path(
        "domains/<str:domain>/exports/<str:fmt>",
        DomainExportApi.as_view(),
        name="api-domain-export",
    ),
    path("imports/", ImportApi.as_view(), name="api-import"),
]
