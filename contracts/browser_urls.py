"""Browser pages of the contracts app (proposals)."""

from __future__ import annotations

from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("topics/<str:name>/proposals/new/", views.proposal_new, name="proposal-new"),
    path("topics/<str:name>/proposals/preview/", views.proposal_preview, name="proposal-preview"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path(
        "proposals/<int:pk>/approvals/<int:approval_pk>/decide/",
        views.approval_decide,
        name="approval-decide",
    ),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal-withdraw"),
    path("proposals/<int:pk>/revise/", views.proposal_revise, name="proposal-revise"),
    path("proposals/<int:pk>/comments/", views.proposal_comment, name="proposal-comment"),
    path("topics/<str:name>/migrations/new/", views.migration_new, name="migration-new"),
    path("migrations/<int:pk>/", views.migration_detail, name="migration-detail"),
    path(
        "migrations/<int:pk>/consumers/<int:item_pk>/migrated/",
        views.migration_consumer_migrated,
        name="migration-consumer-migrated",
    ),
    path(
        "migrations/<int:pk>/dual-publish/",
        views.migration_dual_publish,
        name="migration-dual-publish",
    ),
]
