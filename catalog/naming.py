"""The topic naming convention: ``domain.entity.event_type`` with an optional ``.vN``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

TOPIC_NAME_RULE = (
    "Topic names follow domain.entity.event_type with an optional .vN version suffix (N ≥ 2): "
    "three lowercase segments of letters, digits and underscores, each starting with a letter, "
    "e.g. orders.order.created or orders.order.created.v2."
)
TOPIC_NAME_EXAMPLE = "orders.order.created"
TOPIC_NAME_MAX_LENGTH = 249  # Kafka's own limit

_SEGMENT = r"[a-z][a-z0-9_]*"
TOPIC_NAME_RE = re.compile(
    rf"^(?P<domain>{_SEGMENT})\.{_SEGMENT}\.{_SEGMENT}(?:\.v(?P<version>[2-9]|[1-9][0-9]+))?$"
)
# Any name Kafka itself accepts; only used for legacy topics with a recorded exemption and for
# DLQ topic names, which follow the team's DLQ tooling rather than our convention.
KAFKA_TOPIC_NAME_RE = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")


def validate_topic_name(name: str) -> None:
    """Raise ValidationError (``invalid_topic_name``) unless ``name`` follows the convention."""
    if len(name) > TOPIC_NAME_MAX_LENGTH or not TOPIC_NAME_RE.match(name):
        raise ValidationError(
            "“%(name)s” does not follow the naming rule. %(rule)s",
            code="invalid_topic_name",
            params={"name": name, "rule": TOPIC_NAME_RULE},
        )


def validate_kafka_topic_name(name: str) -> None:
    """Raise ValidationError unless ``name`` is a name Kafka accepts."""
    if not KAFKA_TOPIC_NAME_RE.match(name) or name in {".", ".."}:
        raise ValidationError(
            "“%(name)s” is not a valid Kafka topic name: use 1–249 characters from "
            "letters, digits, '.', '_' and '-'.",
            code="invalid_kafka_topic_name",
            params={"name": name},
        )


def topic_domain(name: str) -> str:
    """The domain segment of a topic name (the part before the first dot)."""
    return name.split(".", 1)[0]


def topic_version(name: str) -> int:
    """The version a topic name carries: ``.vN`` → N, no suffix → 1."""
    match = TOPIC_NAME_RE.match(name)
    if match and match.group("version"):
        return int(match.group("version"))
    return 1
