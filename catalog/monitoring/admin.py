from __future__ import annotations

from django.contrib import admin

from catalog.monitoring.models import Alert, CollectionRun


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "topic", "consumer", "opened_at", "resolved_at", "value"]
    list_filter = ["kind", "resolution"]
    search_fields = ["topic__name", "consumer__group_id"]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(CollectionRun)
class CollectionRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "status", "groups", "partitions", "error"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in CollectionRun._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
