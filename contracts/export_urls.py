"""URLs of contract exports and imports: the API under /api/v1/ and the browser's import page.
Included from catalog.urls with one line."""

from __future__ import annotations

from django.urls import path

from contracts.export_api import DomainExportApi, ImportApi, TopicExportApi
from contracts.import_views import contract_import

app_name = "exports"

urlpatterns = [
    path(
        "api/v1/topics/<str:name>/exports/<str:fmt>",
        TopicExportApi.as_view(),
        name="topic-export",
    ),
    path(
        "api/v1/domains/<str:domain>/exports/<str:fmt>",
        DomainExportApi.as_view(),
        name="domain-export",
    ),
    path("api/v1/imports/", ImportApi.as_view(), name="import-api"),
    path("imports/", contract_import, name="import"),
]
