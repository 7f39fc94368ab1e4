from __future__ import annotations

from django.contrib import admin

from contracts.models import (
    Approval,
    ChangeProposal,
    ConsumerMigration,
    Migration,
    Schema,
    SchemaVersion,
    Subject,
)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "topic", "role"]
    search_fields = ["name"]
    list_select_related = ["topic"]


@admin.register(Schema)
class SchemaAdmin(admin.ModelAdmin):
    list_display = ["id", "schema_type", "fingerprint", "created_at"]
    readonly_fields = ["schema_type", "text", "canonical", "fingerprint", "created_at"]


@admin.register(SchemaVersion)
class SchemaVersionAdmin(admin.ModelAdmin):
    list_display = ["subject", "version", "schema", "deleted", "created_at"]
    list_select_related = ["subject", "schema"]
    readonly_fields = ["subject", "version", "schema", "created_by", "created_at"]


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    readonly_fields = ["team", "role", "state", "fields_hit", "decided_by", "comment", "decided_at"]
    can_delete = False


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "author", "kind", "status", "deadline", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["topic", "author"]
    search_fields = ["topic__name", "author__username"]
    readonly_fields = [f.name for f in ChangeProposal._meta.fields]
    inlines = [ApprovalInline]


class ConsumerMigrationInline(admin.TabularInline):
    model = ConsumerMigration
    fk_name = "migration"
    extra = 0
    readonly_fields = ["consumer", "new_consumer", "status", "migrated_at", "migrated_by"]
    can_delete = False


@admin.register(Migration)
class MigrationAdmin(admin.ModelAdmin):
    list_display = ["id", "from_topic", "to_topic", "status", "window_ends_at"]
    list_filter = ["status"]
    list_select_related = ["from_topic", "to_topic"]
    readonly_fields = [f.name for f in Migration._meta.fields]
    inlines = [ConsumerMigrationInline]
