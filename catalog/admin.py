from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models as dj_models
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from catalog.audit import audit_record, snapshot
from catalog.models import (
    AuditEvent,
    Consumer,
    DeliverySLA,
    Domain,
    FieldSemantics,
    Membership,
    Notification,
    Team,
    Topic,
)


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are state changes like any other: they land in the audit log."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        names = [
            f.name
            for f in obj._meta.concrete_fields
            if not (f.primary_key or getattr(f, "auto_now", False))
        ]
        before = None
        if change:
            original = type(obj).objects.get(pk=obj.pk)
            before = snapshot(original, names)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = snapshot(obj, names)
            if before is not None:
                changed = [k for k in names if before[k] != after[k]]
                before = {k: before[k] for k in changed}
                after = {k: after[k] for k in changed}
            audit_record(
                actor=request.user,
                verb=f"{obj._meta.model_name}.{'changed' if change else 'created'}_in_admin",
                obj=obj,
                topic=obj if isinstance(obj, Topic) else getattr(obj, "topic", None),
                team=obj if isinstance(obj, Team) else None,
                before=before,
                after=after,
            )

    def delete_model(self, request: HttpRequest, obj: dj_models.Model) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                verb=f"{obj._meta.model_name}.deleted_in_admin",
                obj=obj,
                before=snapshot(obj, [f.name for f in obj._meta.concrete_fields]),
            )
            super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["slug", "name", "contact_email"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "team__slug"]


class SLAInline(admin.StackedInline):
    model = DeliverySLA
    extra = 0


@admin.register(Topic)
class TopicAdmin(AuditedAdmin):
    list_display = ["name", "owner", "status", "partitions"]
    list_filter = ["status", "domain"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__slug"]
    autocomplete_fields = ["owner", "supersedes"]
    inlines = [SLAInline]


@admin.register(DeliverySLA)
class DeliverySLAAdmin(AuditedAdmin):
    list_display = ["topic", "max_latency_seconds", "availability_percent", "max_consumer_lag"]
    list_select_related = ["topic"]
    autocomplete_fields = ["topic"]


@admin.register(Consumer)
class ConsumerAdmin(AuditedAdmin):
    list_display = ["name", "team", "topic", "group_id", "status"]
    list_filter = ["status"]
    list_select_related = ["team", "topic"]
    search_fields = ["name", "group_id", "topic__name", "team__slug"]
    autocomplete_fields = ["team", "topic"]


@admin.register(FieldSemantics)
class FieldSemanticsAdmin(AuditedAdmin):
    list_display = ["topic", "path", "pii", "unit"]
    list_filter = ["pii"]
    list_select_related = ["topic"]
    search_fields = ["topic__name", "path"]
    autocomplete_fields = ["topic"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "verb", "object_repr"]
    list_filter = ["verb", "object_type"]
    search_fields = ["actor_label", "verb", "object_repr"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "channel", "event", "status", "attempts"]
    list_filter = ["status", "channel", "event"]
    list_select_related = ["team"]
    search_fields = ["subject", "team__slug", "idempotency_key"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(Domain)
class DomainAdmin(AuditedAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]
    filter_horizontal = ["owners"]
