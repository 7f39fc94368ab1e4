"""The browser's import page: paste or upload → preview → confirm, errors beside the field."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from catalog.models import AuditEvent, Domain, FieldSemantics, Topic
from contracts import exports
from contracts.models import SchemaVersion
from tests.factories import ORDER_SCHEMA, FieldSemanticsFactory, register_schema

URL = "/imports/"


@pytest.fixture
def orders_domain(orders):
    domain = Domain.objects.create(name="orders")
    domain.owners.add(orders)
    return domain


def _avsc_post(**extra):
    return {
        "content": json.dumps(ORDER_SCHEMA),
        "format": "auto",
        "topic": "orders.order.created",
        "owner": "orders",
        "action": "preview",
        **extra,
    }


def test_the_page_offers_paste_upload_and_the_teams_one_may_act_for(as_alice, analytics):
    response = as_alice.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="content"' in body and 'type="file"' in body
    assert 'enctype="multipart/form-data"' in body
    assert '<option value="orders">' in body
    assert '<option value="analytics">' not in body
    assert "csrfmiddlewaretoken" in body


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302


def test_a_preview_shows_what_changes_and_saves_nothing(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post())
    assert response.status_code == 200
    body = response.content.decode()
    assert "orders.order.created" in body
    assert "<strong>created</strong>" in body
    assert "registers version 1" in body
    assert "Compatible under BACKWARD" in body
    assert 'value="commit"' in body
    assert not Topic.objects.filter(name="orders.order.created").exists()


def test_confirming_saves_and_goes_to_the_topic_page(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(action="commit"))
    assert response.status_code == 302
    assert response["Location"] == "/topics/orders.order.created/"
    assert SchemaVersion.objects.filter(subject__name="orders.order.created-value").count() == 1
    page = as_alice.get(response["Location"]).content.decode()
    assert "Imported: orders.order.created created" in page


def test_the_confirm_form_carries_the_contract_so_an_upload_need_not_be_repeated(
    as_alice, orders_domain
):
    upload = io.BytesIO(json.dumps(ORDER_SCHEMA).encode())
    upload.name = "order.avsc"
    response = as_alice.post(
        URL,
        {"file": upload, "topic": "orders.order.created", "owner": "orders", "format": "auto"},
    )
    body = response.content.decode()
    assert "registers version 1" in body
    # The hidden field holds the uploaded text (HTML-escaped), ready to confirm.
    assert "&quot;OrderCreated&quot;" in body


def test_htmx_gets_only_the_form_and_preview_back(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="grid-2 import-grid" id="import-main">')
    assert "<html" not in body


def test_htmx_confirm_redirects_the_client(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(action="commit"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/topics/orders.order.created/"


def test_invalid_avro_is_shown_beside_the_text(as_alice, orders_domain):
    response = as_alice.post(
        URL, _avsc_post(content='{"type": "record", "name": "X", "fields": [{"name": 1}]}')
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_content-errors"' in body
    assert "Invalid schema" in body


def test_malformed_yaml_is_shown_beside_the_text(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(content="kind: DataContract\nschema: [oops"))
    assert response.status_code == 422
    assert 'id="id_content-errors"' in response.content.decode()
    assert "Not valid YAML" in response.content.decode()


def test_a_missing_topic_name_is_shown_beside_the_topic_field(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(topic=""))
    assert response.status_code == 422
    assert 'id="id_topic-errors"' in response.content.decode()


def test_nothing_pasted_is_an_error_beside_the_text(as_alice):
    response = as_alice.post(URL, _avsc_post(content=""))
    assert response.status_code == 422
    assert "Paste a contract" in response.content.decode()


def test_an_outsider_is_refused_and_nothing_is_written(as_charlie, topic):
    register_schema(topic)
    audit_before = AuditEvent.objects.count()
    response = as_charlie.post(URL, _avsc_post(topic=topic.name, owner="", action="commit"))
    assert response.status_code == 403
    assert "Only members of orders" in response.content.decode()
    assert AuditEvent.objects.count() == audit_before


def test_an_incompatible_schema_shows_the_verdict_without_a_save_button(as_alice, topic):
    register_schema(topic)
    broken = {**ORDER_SCHEMA, "fields": [*ORDER_SCHEMA["fields"], {"name": "n", "type": "int"}]}
    response = as_alice.post(
        URL, _avsc_post(content=json.dumps(broken), topic=topic.name, owner="")
    )
    body = response.content.decode()
    assert "Incompatible under BACKWARD" in body
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in body
    assert 'value="commit"' not in body
    assert f"/topics/{topic.name}/proposals/new/" in body


def test_an_edited_export_previews_its_semantics_and_sla_changes(as_alice, topic):
    register_schema(topic)
    FieldSemanticsFactory(topic=topic, path="customer_id", meaning="Who ordered.")
    contract = yaml.safe_load(exports.export_document(exports.topic_for_export(topic.name), "odcs"))
    customer = contract["schema"][0]["properties"][1]
    customer["description"] = "The customer account that placed the order."
    contract["slaProperties"] = [{"property": "latency", "value": 30, "unit": "s"}]
    response = as_alice.post(
        URL, {"content": yaml.safe_dump(contract), "format": "odcs", "action": "preview"}
    )
    body = response.content.decode()
    assert "unchanged (version 1)" in body
    assert "max_latency_seconds" in body
    assert "The customer account that placed the order." in body
    response = as_alice.post(
        URL, {"content": yaml.safe_dump(contract), "format": "odcs", "action": "commit"}
    )
    assert response.status_code == 302
    semantics = FieldSemantics.objects.get(topic=topic, path="customer_id")
    assert semantics.meaning == "The customer account that placed the order."
    assert topic.__class__.objects.get(pk=topic.pk).sla.max_latency_seconds == 30


def test_a_bad_topic_name_is_shown_beside_the_topic_field(as_alice, orders_domain):
    response = as_alice.post(URL, _avsc_post(topic="OrdersCreated"))
    assert response.status_code == 422
    assert 'id="id_topic-errors"' in response.content.decode()
