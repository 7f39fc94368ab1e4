from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.models import AuditEvent, Consumer, DeliverySLA, Domain, Membership, Topic
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, TopicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def producer():
    orders = TeamFactory(slug="orders", name="Orders")
    Domain.objects.create(name="orders").owners.add(orders)
    TopicFactory(name="payments.payment.captured", owner=TeamFactory(slug="payments"))
    user = UserFactory(username="olivia")
    MembershipFactory(user=user, team=orders, role=Membership.Role.LEAD)
    return user


def test_a_producer_logs_in_creates_a_topic_and_subscribes_a_consumer(page, producer):
    page.goto("/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Topics")).to_be_visible()

    # Search as you type: htmx swaps the results without a page load.
    page.get_by_placeholder("Search by name, domain or owning team").fill("payments")
    expect(page.locator("#topic-results")).to_contain_text("payments.payment.captured")
    expect(page).to_have_url(re.compile(r"q=payments"))

    page.get_by_role("link", name="New topic").first.click()
    page.get_by_label("Name").fill("orders.created")
    page.get_by_role("button", name="Create topic").click()
    # The rule is shown beside the field, and nothing is created.
    expect(page.locator("#id_name-errors")).to_contain_text("domain.entity.event_type")
    assert not Topic.objects.filter(name="orders.created").exists()

    page.get_by_label("Name").fill("orders.order.shipped")
    page.get_by_label("DLQ topic").fill("orders.order.shipped.dlq")
    page.get_by_role("button", name="Create topic").click()
    expect(page.get_by_role("heading", name=re.compile("orders.order.shipped"))).to_be_visible()

    # Inline SLA edit through htmx: an error beside the field, then the saved section.
    page.locator("#sla-section").get_by_role("link", name="Edit").click()
    page.get_by_label("Max latency (seconds)").fill("-5")
    page.get_by_role("button", name="Save SLA").click()
    expect(page.locator("#id_max_latency_seconds-errors")).to_be_visible()
    page.get_by_label("Max latency (seconds)").fill("120")
    page.get_by_role("button", name="Save SLA").click()
    expect(page.locator("#sla-section")).to_contain_text("120 s")

    page.get_by_role("link", name="Subscribe a consumer").click()
    page.get_by_label("Name").fill("shipping-notifier")
    page.get_by_label("Consumer group id").fill("orders.shipping-notifier")
    page.get_by_label("Fields it reads").fill("order_id\ncustomer_id")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#consumers")).to_contain_text("orders.shipping-notifier")

    consumer = Consumer.objects.get()
    assert consumer.topic.name == "orders.order.shipped"
    assert consumer.fields == ["customer_id", "order_id"]
    assert DeliverySLA.objects.get().max_latency_seconds == 120
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "topic.created",
        "sla.created",
        "consumer.subscribed",
    ]
