"""Notification figures for pages rendered by other views (the team page's link)."""

from __future__ import annotations

from django import template

from catalog.models import Team
from catalog.selectors import failed_notification_count

register = template.Library()


@register.simple_tag
def team_failed_notifications(team: Team) -> int:
    """How many of ``team``'s notifications failed (one query; call it only where shown)."""
    return failed_notification_count(team)
