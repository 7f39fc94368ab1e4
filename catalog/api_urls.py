"""URL map of the platform-lead REST API (/api/v1/) and its OpenAPI schema and docs.

Kept apart from ``catalog.urls`` so other endpoints under /api/v1/ are added beside it without
touching these routes."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from catalog import inventory_api, token_api
from catalog.ownership_api import OwnershipReportApi, OwnershipReportCsvApi
from contracts import governance_api

router = SimpleRouter()
router.register("teams", inventory_api.TeamViewSet, basename="api-team")
router.register("topics", inventory_api.TopicViewSet, basename="api-topic")
router.register("consumers", inventory_api.ConsumerViewSet, basename="api-consumer")
router.register("proposals", governance_api.ProposalViewSet, basename="api-proposal")
router.register("migrations", governance_api.MigrationViewSet, basename="api-migration")
router.register("notifications", inventory_api.NotificationViewSet, basename="api-notification")
router.register("audit-events", inventory_api.AuditEventViewSet, basename="api-audit-event")
router.register("tokens", token_api.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("api/v1/reports/ownership/", OwnershipReportApi.as_view(), name="api-ownership-report"),
    path(
        "api/v1/reports/ownership.csv",
        OwnershipReportCsvApi.as_view(),
        name="api-ownership-report-csv",
    ),
    path("api/v1/", include(router.urls)),
    # The schema describes endpoints, not data: readable without signing in, like the docs.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]
