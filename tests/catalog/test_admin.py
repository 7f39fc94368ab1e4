from __future__ import annotations

from django.urls import reverse

from catalog.models import AuditEvent, Topic
from tests.factories import TeamFactory, UserFactory


def test_an_ownership_change_in_the_admin_is_audited(client, topic, orders):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    new_owner = TeamFactory(slug="payments")
    url = reverse("admin:catalog_topic_change", args=[topic.pk])
    data = {
        "name": topic.name,
        "owner": new_owner.pk,
        "status": "active",
        "partitions": 6,
        "description": "",
        "dlq_topic": "",
        "naming_exemption": "",
        "sla-TOTAL_FORMS": 0,
        "sla-INITIAL_FORMS": 0,
        "sla-MIN_NUM_FORMS": 0,
        "sla-MAX_NUM_FORMS": 1,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Topic.objects.get().owner == new_owner
    event = AuditEvent.objects.get()
    assert event.verb == "topic.changed_in_admin"
    assert event.before == {"owner": orders.pk}
    assert event.after == {"owner": new_owner.pk}


def test_the_admin_cannot_edit_or_delete_audit_events(client, topic):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    from catalog.audit import audit_record

    event = audit_record(actor=admin, verb="x", obj=topic)
    assert client.get(reverse("admin:catalog_auditevent_changelist")).status_code == 200
    delete = client.post(
        reverse("admin:catalog_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
