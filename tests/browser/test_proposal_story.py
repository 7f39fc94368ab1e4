"""The seed story end to end: Chromium, a live server, a real Celery worker over Redis."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Membership, Topic
from contracts.models import ChangeProposal, SchemaVersion
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import (
    PASSWORD,
    ConsumerFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    register_schema,
)
from tests.support import WebhookSink, celery_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONSUMER_TEAMS = ("analytics", "reporting", "billing")


@pytest.fixture
def sink():
    with WebhookSink() as running:
        yield running


@pytest.fixture
def worker(tmp_path):
    with celery_worker(tmp_path, route_this_process=True) as running:
        yield running


@pytest.fixture
def story(sink):
    orders = TeamFactory(slug="orders", contact_email="orders@example.com", webhook_url=sink.url)
    MembershipFactory(user=UserFactory(username="olivia"), team=orders, role=Membership.Role.LEAD)
    topic = Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy")
    register_schema(topic, V1)
    for slug, user, fields in (
        ("analytics", "ana", ["order_id", "customer_id"]),
        ("reporting", "rita", ["amount_cents", "customer_id"]),
        ("billing", "bill", ["customer_id", "amount_cents", "discount_code"]),
    ):
        team = TeamFactory(slug=slug, contact_email=f"{slug}@example.com", webhook_url=sink.url)
        MembershipFactory(user=UserFactory(username=user), team=team)
        ConsumerFactory(
            topic=topic, team=team, name=f"{slug}-app", group_id=f"{slug}.app", fields=fields
        )
    return topic


def login(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Topics")).to_be_visible()


def propose(page: Page, schema: dict, rationale: str) -> None:
    page.goto("/topics/orders.created/")
    page.get_by_role("link", name="Propose a schema change").click()
    page.get_by_label("Proposed schema (Avro JSON)").fill(json.dumps(schema, indent=2))


def test_the_rename_is_rejected_and_an_optional_field_ships(page, story, worker, sink):
    login(page, "olivia")
    propose(page, renamed(V1, "customer_id", "customerId"), "camelCase")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Incompatible under BACKWARD")
    expect(preview).to_contain_text("customer_id → customerId")
    expect(preview).to_contain_text("orders.created.v2")
    for team in CONSUMER_TEAMS:
        expect(preview.locator("table.affected")).to_contain_text(team)
    page.get_by_label("Rationale").fill("Our API uses camelCase everywhere.")
    page.get_by_role("button", name="Submit proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    # The worker analyses it; the page refreshes itself until the teams are known.
    expect(page.locator("#approval-billing")).to_be_visible(timeout=30_000)
    proposal = ChangeProposal.objects.get()

    def everyone_told() -> bool:
        mailed = "\n".join(worker.emails())
        hooked = {
            hook.get("proposal")
            for hook in sink.received
            if hook.get("event") == "proposal.review_requested"
        }
        return all(f"{t}@example.com" in mailed for t in CONSUMER_TEAMS) and proposal.pk in hooked

    assert wait_for(everyone_told), worker.emails()
    assert len([h for h in sink.received if h.get("event") == "proposal.review_requested"]) == 4

    login(page, "ana")
    page.goto(proposal.get_absolute_url())
    page.get_by_role("button", name="Approve for analytics").click()
    expect(page.locator("#approval-analytics")).to_contain_text("Approved")

    login(page, "rita")
    page.goto(proposal.get_absolute_url())
    page.get_by_role("button", name="Object for reporting").click()
    expect(page.locator("#approval-reporting")).to_contain_text("An objection needs a reason")
    page.get_by_placeholder("Reason (required to object)").fill(
        "The revenue report joins on customer_id."
    )
    page.get_by_role("button", name="Object for reporting").click()
    expect(page.locator("#proposal-status")).to_have_text("Rejected")
    expect(page.locator("#decision-reason")).to_contain_text(
        "reporting: The revenue report joins on customer_id."
    )

    login(page, "olivia")
    propose(
        page,
        with_fields(V1, {"name": "loyalty_tier", "type": ["null", "string"], "default": None}),
        "",
    )
    expect(page.locator("#preview")).to_contain_text("Compatible under BACKWARD")
    page.get_by_label("Rationale").fill("Loyalty programme launch.")
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.locator("#approval-orders")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Approve for orders").click()
    expect(page.locator("#proposal-status")).to_have_text("Applied")
    assert SchemaVersion.objects.filter(subject__name="orders.created-value").count() == 2
