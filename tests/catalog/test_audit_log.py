from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from catalog.audit import audit_record
from catalog.models import AuditEvent, AuditLogIsAppendOnly


@pytest.fixture
def event(alice, topic):
    return audit_record(actor=alice, verb="topic.created", obj=topic, topic=topic)


def test_an_event_records_who_did_what_to_which_object(event, topic):
    assert (event.actor_label, event.verb, event.object_type, event.object_id) == (
        "alice",
        "topic.created",
        "topic",
        str(topic.pk),
    )


def test_events_cannot_be_changed_through_the_orm(event):
    event.verb = "topic.deleted"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().verb == "topic.created"


def test_the_database_refuses_updates_from_raw_sql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_auditevent SET verb = 'forged'")
    assert AuditEvent.objects.get().verb == "topic.created"


def test_users_with_history_cannot_be_deleted(event, alice):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        alice.delete()


def test_system_actions_are_labelled_system(topic):
    assert audit_record(actor=None, verb="x", obj=topic).actor_label == "system"
