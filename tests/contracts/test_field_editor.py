from __future__ import annotations

import json

import pytest
from django.urls import reverse

from contracts.field_edits import FieldRow, apply_rows, rows_from_schema
from contracts.models import ChangeProposal
from tests.contracts.conftest import V1
from tests.factories import register_schema


def test_rows_round_trip_without_changes():
    schema, errors = apply_rows(V1, rows_from_schema(V1))
    assert errors == [] and schema == V1


def test_rename_retype_document_default_remove_and_add():
    rows = rows_from_schema(V1)
    rows[1] = FieldRow("customer_id", "customerId", "string", "Who ordered.", "")
    rows[2] = FieldRow("amount_cents", "amount_cents", '"double"', "", "0")
    rows[3] = FieldRow("currency", "currency", "string", "", "", remove=True)
    rows.append(FieldRow("", "loyalty_tier", '["null", "string"]', "", "null"))
    schema, errors = apply_rows(V1, rows)
    assert errors == []
    by_name = {f["name"]: f for f in schema["fields"]}
    assert list(by_name) == [
        "order_id",
        "customerId",
        "amount_cents",
        "discount_code",
        "loyalty_tier",
    ]
    assert by_name["customerId"]["doc"] == "Who ordered."
    assert (by_name["amount_cents"]["type"], by_name["amount_cents"]["default"]) == ("double", 0)
    assert by_name["loyalty_tier"] == {
        "name": "loyalty_tier",
        "type": ["null", "string"],
        "default": None,
    }


@pytest.mark.parametrize(
    "row, column",
    [
        (FieldRow("", "x", "[nope", "", ""), "type"),
        (FieldRow("", "x", "string", "", "{bad"), "default"),
        (FieldRow("order_id", "", "string", "", ""), "name"),
        (FieldRow("", "order_id", "string", "", ""), "name"),
        (FieldRow("", "x", "", "", ""), "type"),
    ],
)
def test_bad_rows_are_reported_by_column_and_change_nothing(row, column):
    schema, errors = apply_rows(V1, [*rows_from_schema(V1), row])
    assert schema == V1
    assert column in {e.column for e in errors}


@pytest.fixture
def story(orders_created):
    register_schema(orders_created, V1)
    return orders_created


def _post(client, topic, **fields):
    rows = rows_from_schema(V1) + [FieldRow("", "", "", "", "")]
    data = {
        "action": "apply_fields",
        "schema_text": json.dumps(V1),
        "rationale": "keep me",
        "deadline": "2099-01-01",
        "submit_token": "t",
        "f-count": str(len(rows)),
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"f-{i}-original": row.original,
                f"f-{i}-name": row.name,
                f"f-{i}-type": row.type,
                f"f-{i}-doc": row.doc,
                f"f-{i}-default": row.default,
            }
        )
    data.update(fields)
    return client.post(reverse("contracts:proposal-new", args=[topic.name]), data)


def test_the_editor_rewrites_the_schema_and_the_preview_without_submitting(as_bob, story):
    response = _post(as_bob, story, **{"f-1-name": "customerId"})
    assert response.status_code == 200
    form = response.context["form"]
    assert [f["name"] for f in json.loads(form.initial["schema_text"])["fields"]][1] == "customerId"
    assert form.initial["rationale"] == "keep me"
    assert "Incompatible under BACKWARD" in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_editor_errors_are_shown_beside_the_row(as_bob, story):
    response = _post(as_bob, story, **{"f-5-name": "extra", "f-5-type": "[oops"})
    assert response.status_code == 422
    assert "Not a type" in response.content.decode()
    assert json.loads(response.context["form"].initial["schema_text"]) == V1


def test_outsiders_cannot_use_the_editor(as_charlie, story):
    assert _post(as_charlie, story).status_code == 403
