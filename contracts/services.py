"""Writes to schema storage."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max

from catalog.audit import audit_record
from catalog.errors import ApplicationError
from catalog.models import Topic
from catalog.permissions import require_topic_owner
from contracts.models import SchemaVersion, Subject
from contracts.registry import stored_schema
from contracts.schema import SchemaError, parse_schema
from contracts.selectors import value_subject_name


@transaction.atomic
def schema_version_append(
    *, actor: AbstractBaseUser | AnonymousUser | None, topic: Topic, schema_text: str
) -> SchemaVersion:
    """Append ``schema_text`` as the next version of the topic's value subject.

    This is storage only, with no compatibility gate: the demo loader and imports use it for
    a topic's first schemas. Producers' changes go through the registry gate instead."""
    if actor is not None:
        require_topic_owner(actor, topic, "register schemas for")
    try:
        parsed = parse_schema(schema_text)
    except SchemaError as exc:
        raise ApplicationError(str(exc), code="invalid_schema", field="schema") from exc
    schema = stored_schema(parsed, schema_text)
    subject, _ = Subject.objects.get_or_create(
        name=value_subject_name(topic.name), defaults={"topic": topic}
    )
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    existing = subject.versions.filter(schema=schema, deleted=False).first()
    if existing is not None:
        return existing
    latest = subject.versions.aggregate(latest=Max("version"))["latest"] or 0
    version = SchemaVersion.objects.create(
        subject=subject,
        version=latest + 1,
        schema=schema,
        created_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        verb="schema_version.registered",
        obj=version,
        topic=topic,
        team=topic.owner,
        after={"subject": subject.name, "version": version.version, "schema_id": schema.pk},
    )
    return version
