from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "catalog.monitoring"
    label = "monitoring"
    verbose_name = "Operational signals"
    default_auto_field = "django.db.models.BigAutoField"
