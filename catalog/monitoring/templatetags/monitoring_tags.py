"""Inline SVG sparklines: no script, no image requests, readable without colour."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

WIDTH = 120
HEIGHT = 24


@register.simple_tag
def sparkline(values: Sequence[float | None], label: str) -> str:
    """A polyline of ``values`` (None = no reading that hour), scaled to its own maximum."""
    known = [v for v in values if v is not None]
    if not known:
        return mark_safe('<span class="sparkline-empty">no readings</span>')
    top = max(known) or 1.0
    step = WIDTH / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{HEIGHT - 2 - (v / top) * (HEIGHT - 4):.1f}"
        for i, v in enumerate(values)
        if v is not None
    )
    summary = f"{label}, last 24 hours: min {min(known):,.0f}, max {max(known):,.0f}"
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}"><title>{}</title><polyline points="{}" fill="none" '
        'stroke="currentColor" stroke-width="1.5"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        summary,
        summary,
        points,
    )
