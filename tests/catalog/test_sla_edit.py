from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import AuditEvent, DeliverySLA
from tests.conftest import HX

VALID = {
    "max_latency_seconds": "60",
    "availability_percent": "99.9",
    "retention_days": "7",
    "max_consumer_lag": "5000",
    "support_channel": "#orders-oncall",
    "support_hours": "24/7",
}


def _url(topic):
    return reverse("catalog:topic-sla-edit", args=[topic.name])


@pytest.mark.parametrize("persona", ["as_alice", "as_bob", "as_pat"])
def test_owners_teammates_and_the_platform_lead_set_the_sla(request, persona, topic):
    client = request.getfixturevalue(persona)
    response = client.post(_url(topic), VALID)
    assert response.status_code == 302
    sla = DeliverySLA.objects.get(topic=topic)
    assert (sla.max_latency_seconds, sla.availability_percent) == (60, Decimal("99.900"))
    event = AuditEvent.objects.get()
    assert event.verb == "sla.created"
    assert event.after["availability_percent"] == "99.900"


def test_an_update_records_before_and_after(as_alice, topic):
    as_alice.post(_url(topic), VALID)
    as_alice.post(_url(topic), {**VALID, "max_latency_seconds": "30"})
    event = AuditEvent.objects.order_by("id").last()
    assert event.verb == "sla.updated"
    assert (event.before["max_latency_seconds"], event.after["max_latency_seconds"]) == (60, 30)
    assert DeliverySLA.objects.count() == 1


def test_it_rejects_outsiders_and_changes_nothing(as_charlie, topic):
    assert as_charlie.get(_url(topic)).status_code == 403
    response = as_charlie.post(_url(topic), VALID)
    assert response.status_code == 403
    assert "Only members of orders" in response.content.decode()
    assert not DeliverySLA.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_latency_seconds", "-1"),
        ("availability_percent", "-0.5"),
        ("availability_percent", "100.5"),
        ("retention_days", "-7"),
        ("max_consumer_lag", "-10"),
        ("max_latency_seconds", "soon"),
    ],
)
def test_bad_numbers_are_shown_beside_the_field_and_nothing_changes(as_alice, topic, field, value):
    as_alice.post(_url(topic), VALID)
    response = as_alice.post(_url(topic), {**VALID, field: value})
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert DeliverySLA.objects.get(topic=topic).max_latency_seconds == 60
    assert AuditEvent.objects.count() == 1


def test_htmx_edit_returns_the_form_fragment_then_the_saved_section(as_alice, topic):
    form = as_alice.get(_url(topic), **HX).content.decode()
    assert form.lstrip().startswith('<div class="card" id="sla-section">')
    assert "<html" not in form and 'name="max_latency_seconds"' in form
    saved = as_alice.post(_url(topic), VALID, **HX)
    body = saved.content.decode()
    assert saved.status_code == 200
    assert body.lstrip().startswith('<div class="card" id="sla-section">')
    assert "<html" not in body and "60 s" in body and "99.9 %" in body


def test_htmx_errors_come_back_in_the_fragment(as_alice, topic):
    response = as_alice.post(_url(topic), {**VALID, "retention_days": "-1"}, **HX)
    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in body
    assert "Ensure this value is greater than or equal to 0." in body
