from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import AuditEvent, FieldSemantics
from tests.conftest import HX
from tests.factories import register_schema

DATA = {
    "path": "discount_code",
    "meaning": "Promotion code applied at checkout.",
    "null_meaning": "no discount applied",
    "unit": "",
    "pii": "none",
    "example": "SPRING24",
    "allowed_values": "",
}


def _url(topic):
    return reverse("catalog:field-semantics-edit", args=[topic.name])


@pytest.mark.parametrize("persona", ["as_alice", "as_bob", "as_pat"])
def test_owners_describe_a_field(request, persona, topic):
    client = request.getfixturevalue(persona)
    register_schema(topic)
    events_before = AuditEvent.objects.count()
    response = client.post(_url(topic), DATA)
    assert response.status_code == 302
    semantics = FieldSemantics.objects.get(topic=topic, path="discount_code")
    assert semantics.null_meaning == "no discount applied"
    assert AuditEvent.objects.count() == events_before + 1
    assert AuditEvent.objects.first().verb == "field_semantics.created"


def test_it_rejects_outsiders_and_changes_nothing(as_charlie, topic):
    response = as_charlie.post(_url(topic), DATA)
    assert response.status_code == 403
    assert not FieldSemantics.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_path_not_in_the_schema_is_refused_beside_the_field(as_alice, topic):
    register_schema(topic)
    events_before = AuditEvent.objects.count()
    response = as_alice.post(_url(topic), {**DATA, "path": "customerId"})
    assert response.status_code == 422
    assert "not a field of the latest schema" in response.context["form"].errors["path"][0]
    assert not FieldSemantics.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_nested_paths_are_accepted(as_alice, topic):
    register_schema(topic)
    assert as_alice.post(_url(topic), {**DATA, "path": "address.city"}).status_code == 302


def test_without_a_schema_any_path_may_be_described(as_alice, topic):
    assert as_alice.post(_url(topic), {**DATA, "path": "anything"}).status_code == 302


def test_an_invalid_pii_class_is_refused(as_alice, topic):
    response = as_alice.post(_url(topic), {**DATA, "pii": "secret"})
    assert response.status_code == 422
    assert "pii" in response.context["form"].errors


def test_htmx_edit_swaps_one_field_card(as_alice, topic):
    register_schema(topic)
    form = as_alice.get(_url(topic), {"path": "discount_code"}, **HX).content.decode()
    assert form.lstrip().startswith('<article class="field-card editing">')
    assert "<html" not in form
    response = as_alice.post(_url(topic), DATA, **HX)
    body = response.content.decode()
    assert body.lstrip().startswith('<article class="field-card" id="field-discount_code">')
    assert "no discount applied" in body and "<html" not in body


def test_htmx_cancel_returns_the_card(as_alice, topic):
    register_schema(topic)
    url = reverse("catalog:field-card", args=[topic.name])
    body = as_alice.get(url, {"path": "address.city"}, **HX).content.decode()
    assert body.lstrip().startswith('<article class="field-card" id="field-address__city">')
