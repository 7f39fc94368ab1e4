from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.template.context import RequestContext

register = template.Library()


@register.simple_tag(takes_context=True)
def query_url(context: RequestContext, **changes: Any) -> str:
    """The current URL's query string with ``changes`` applied (pagination keeps the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


@register.filter
def field_anchor(path: str) -> str:
    """A DOM id for a dotted field path."""
    return "field-" + path.replace(".", "__")


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def plain_decimal(value: Decimal | None) -> str:
    """99.900 → "99.9", 100.000 → "100": no trailing zeros, never scientific notation."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


@register.filter
def get_level(verdicts: dict[str, Any], level: str) -> list[Any]:
    """The incompatibilities of one level in an analysis' verdicts."""
    return list(verdicts.get(level, {}).get("incompatibilities", []))
