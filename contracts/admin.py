from __future__ import annotations

from django.contrib import admin

from contracts.models import Schema, SchemaVersion, Subject


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
