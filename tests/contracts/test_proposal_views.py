from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.models import Approval, ChangeProposal
from tests.conftest import HX
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import ConsumerFactory, register_schema

RENAME = json.dumps(renamed(V1, "customer_id", "customerId"), indent=2)
NEW = "contracts:proposal-new"


@pytest.fixture
def story(orders_created, analytics):
    register_schema(orders_created, V1)
    ConsumerFactory(
        topic=orders_created,
        team=analytics,
        name="funnel",
        group_id="analytics.funnel",
        fields=["customer_id"],
    )
    return orders_created


def _form(**overrides):
    data = {
        "schema_text": RENAME,
        "rationale": "camelCase",
        "deadline": "2099-01-01",
        "submit_token": "tok-1",
    }
    data.update(overrides)
    return data


def test_the_form_starts_from_the_current_schema(as_bob, story):
    response = as_bob.get(reverse(NEW, args=[story.name]))
    assert response.status_code == 200
    assert json.loads(response.context["form"].initial["schema_text"]) == V1


def test_outsiders_cannot_open_or_post_the_form(as_charlie, story):
    assert as_charlie.get(reverse(NEW, args=[story.name])).status_code == 403
    assert as_charlie.post(reverse(NEW, args=[story.name]), _form()).status_code == 403
    assert not ChangeProposal.objects.exists()


def test_the_htmx_preview_shows_verdicts_rename_and_consumers_as_a_fragment(as_bob, story):
    url = reverse("contracts:proposal-preview", args=[story.name])
    body = as_bob.post(url, {"schema_text": RENAME}, **HX).content.decode()
    assert body.lstrip().startswith('<section class="card preview" id="preview"')
    assert "<html" not in body
    assert "Incompatible under BACKWARD" in body
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in body
    assert "<code>customer_id</code> → <code>customerId</code>" in body
    assert "funnel" in body and "analytics.funnel" in body
    assert "orders.created.v2" in body  # the safe alternative
    invalid = as_bob.post(url, {"schema_text": "{nope"}, **HX).content.decode()
    assert 'role="alert"' in invalid and "Invalid schema" in invalid


def test_submitting_files_one_proposal_even_twice(
    as_bob, story, django_capture_on_commit_callbacks
):
    url = reverse(NEW, args=[story.name])
    with django_capture_on_commit_callbacks(execute=True):
        first = as_bob.post(url, _form())
        second = as_bob.post(url, _form())
    proposal = ChangeProposal.objects.get()
    assert first["Location"] == second["Location"] == proposal.get_absolute_url()
    assert set(proposal.approvals.values_list("team__slug", flat=True)) == {"orders", "analytics"}


def test_an_uploaded_avsc_replaces_the_text(as_bob, story):
    upload = SimpleUploadedFile("order.avsc", RENAME.encode(), content_type="application/json")
    response = as_bob.post(
        reverse(NEW, args=[story.name]), _form(schema_text="", schema_file=upload)
    )
    assert response.status_code == 302
    assert json.loads(ChangeProposal.objects.get().schema_text) == json.loads(RENAME)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"schema_text": '{"type": "enum"}'}, "schema_text"),
        ({"rationale": ""}, "rationale"),
        ({"schema_text": ""}, "schema_text"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_filed(as_bob, story, overrides, field):
    response = as_bob.post(reverse(NEW, args=[story.name]), _form(**overrides))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not ChangeProposal.objects.exists()


@pytest.fixture
def proposal(as_bob, story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_bob.post(reverse(NEW, args=[story.name]), _form())
    return ChangeProposal.objects.get()


def _decide_url(proposal, slug):
    approval = proposal.approvals.get(team__slug=slug)
    return reverse("contracts:approval-decide", args=[proposal.pk, approval.pk])


def test_members_see_decision_buttons_only_for_their_team(client, charlie, proposal):
    client.force_login(charlie)
    body = client.get(proposal.get_absolute_url()).content.decode()
    assert "Approve for analytics" in body and "Approve for orders" not in body


def test_an_objection_without_reason_is_shown_beside_the_row(client, charlie, proposal):
    client.force_login(charlie)
    response = client.post(
        _decide_url(proposal, "analytics"), {"decision": "objected", "comment": ""}
    )
    assert response.status_code == 422
    assert "An objection needs a reason" in response.content.decode()
    assert proposal.approvals.get(team__slug="analytics").state == "pending"


def test_an_objection_rejects_and_shows_the_reason(client, charlie, proposal):
    client.force_login(charlie)
    response = client.post(
        _decide_url(proposal, "analytics"),
        {"decision": "objected", "comment": "Our funnel joins on customer_id"},
    )
    assert response.status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Rejected" in page and "analytics: Our funnel joins on customer_id" in page


def test_outsiders_cannot_decide_for_a_team(client, charlie, proposal):
    client.force_login(charlie)
    assert client.post(_decide_url(proposal, "orders"), {"decision": "approved"}).status_code == 403
    assert set(Approval.objects.values_list("state", flat=True)) == {"pending"}


def test_the_author_withdraws_and_others_comment(client, bob, charlie, proposal):
    client.force_login(charlie)
    assert (
        client.post(reverse("contracts:proposal-withdraw", args=[proposal.pk])).status_code == 403
    )
    client.post(reverse("contracts:proposal-comment", args=[proposal.pk]), {"text": "<b>why?</b>"})
    client.force_login(bob)
    client.post(reverse("contracts:proposal-withdraw", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "&lt;b&gt;why?&lt;/b&gt;" in page


def test_a_revision_through_the_browser(client, bob, proposal, django_capture_on_commit_callbacks):
    client.force_login(bob)
    optional = json.dumps(with_fields(V1, {"name": "x", "type": ["null", "int"], "default": None}))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contracts:proposal-revise", args=[proposal.pk]),
            {"schema_text": optional, "rationale": ""},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.revision, proposal.kind) == (2, "compatible")
    assert set(proposal.approvals.values_list("team__slug", flat=True)) == {"orders"}


def test_the_page_does_a_bounded_number_of_queries(
    client, charlie, proposal, django_assert_max_num_queries
):
    client.force_login(charlie)
    with django_assert_max_num_queries(12):
        assert client.get(proposal.get_absolute_url()).status_code == 200
