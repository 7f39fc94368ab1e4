"""Writing to the append-only audit log."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from catalog.models import AuditEvent, Team, Topic


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of ``fields`` on ``instance``, for an audit event's before/after."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        assert isinstance(field, models.Field)
        result[name] = _json_safe(field.value_from_object(instance))
    return result


def _json_safe(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    verb: str,
    obj: models.Model,
    topic: Topic | None = None,
    team: Team | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records."""
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent.objects.create(
        actor_id=actor.pk if authenticated and actor is not None else None,
        actor_label=actor.get_username() if authenticated and actor is not None else "system",
        verb=verb,
        object_type=obj._meta.model_name or type(obj).__name__.lower(),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        topic=topic,
        team=team,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )
