from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from catalog import report_views, token_views, views
from catalog.monitoring.api import AlertListApi, SignalIngestApi
from catalog.monitoring.metrics import metrics
from catalog.notification_api import FailedNotificationCountApi
from catalog.notification_views import notification_retry, team_notifications
from catalog.sprawl_api import SprawlReportApi
from contracts.api import TopicSchemaCheckApi

catalog_patterns = (
    [
        path("topics/", views.topic_list, name="topic-list"),
        path("topics/new/", views.topic_create, name="topic-create"),
        path("topics/<str:name>/", views.topic_detail, name="topic-detail"),
        path("topics/<str:name>/sla/", views.topic_sla_edit, name="topic-sla-edit"),
        path("topics/<str:name>/fields/", views.field_semantics_edit, name="field-semantics-edit"),
        path("topics/<str:name>/fields/card/", views.field_card, name="field-card"),
        path("topics/<str:name>/subscribe/", views.consumer_subscribe, name="consumer-subscribe"),
        path("consumers/<int:pk>/retire/", views.consumer_retire, name="consumer-retire"),
        path("topics/<str:name>/activate/", views.topic_activate, name="topic-activate"),
        path("topics/<str:name>/deprecate/", views.topic_deprecate, name="topic-deprecate"),
        path("sprawl/", views.sprawl, name="sprawl"),
        path("ownership/", report_views.ownership, name="ownership"),
        path("account/tokens/", token_views.api_tokens, name="api-tokens"),
        path(
            "account/tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api-token-revoke"
        ),
        path("teams/", views.team_list, name="team-list"),
        path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
        path(
            "teams/<slug:slug>/notifications/",
            team_notifications,
            name="team-notifications",
        ),
        path(
            "teams/<slug:slug>/notifications/<int:pk>/retry/",
            notification_retry,
            name="notification-retry",
        ),
    ],
    "catalog",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include(catalog_patterns)),
    path("", include("contracts.browser_urls")),
    path("", include("catalog.monitoring.urls")),
    path("metrics", metrics, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("registry/", include("contracts.urls")),
    path("", include("catalog.api_urls")),
    path(
        "api/v1/topics/<str:name>/check",
        TopicSchemaCheckApi.as_view(),
        name="api-topic-check",
    ),
    path("api/v1/signals/", SignalIngestApi.as_view(), name="api-signals"),
    path("api/v1/alerts/", AlertListApi.as_view(), name="api-alerts"),
    path("api/v1/sprawl/", SprawlReportApi.as_view(), name="api-sprawl"),
    path("", include("contracts.export_urls")),
    path(
        "api/v1/notifications/failed-count",
        FailedNotificationCountApi.as_view(),
        name="api-notifications-failed-count",
    ),
]

handler404 = "catalog.api.not_found"
