"""In Chromium: download a topic's ODCS contract from its page, import it back as a new
topic through the import page (htmx preview, error beside the field, confirm)."""

from __future__ import annotations

import re

import pytest
import yaml
from playwright.sync_api import expect

from catalog.models import DeliverySLA, Domain, FieldSemantics, Membership, Topic
from tests.factories import (
    PASSWORD,
    FieldSemanticsFactory,
    MembershipFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
    register_schema,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def olivia():
    orders = TeamFactory(slug="orders", name="Orders")
    Domain.objects.create(name="orders").owners.add(orders)
    topic = TopicFactory(name="orders.order.created", owner=orders)
    register_schema(topic)
    DeliverySLA.objects.create(topic=topic, max_latency_seconds=60, support_channel="#orders")
    FieldSemanticsFactory(topic=topic, path="customer_id", pii="pseudonymous")
    user = UserFactory(username="olivia")
    MembershipFactory(user=user, team=orders, role=Membership.Role.LEAD)
    return user


def test_a_producer_downloads_a_contract_and_imports_it_as_a_new_topic(page, olivia, tmp_path):
    page.goto("/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/topics/orders.order.created/")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="ODCS contract").click()
    download = download_info.value
    assert download.suggested_filename == "orders.order.created.odcs.yaml"
    contract = yaml.safe_load(open(download.path()).read())  # noqa: SIM115
    assert contract["team"]["name"] == "orders"

    contract["name"] = contract["id"] = "orders.order.copied"
    contract["schema"][0]["physicalName"] = "orders.order.copied"
    path = tmp_path / "copied.odcs.yaml"
    path.write_text(yaml.safe_dump(contract))

    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import a contract")).to_be_visible()
    # Nothing given: the error shows beside the text, in place (htmx).
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#id_content-errors")).to_contain_text("Paste a contract")

    page.get_by_label("…or upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("orders.order.copied")
    expect(preview).to_contain_text("registers version 1")
    expect(preview).to_contain_text("Compatible under BACKWARD")
    expect(preview).to_contain_text("customer_id")
    assert not Topic.objects.filter(name="orders.order.copied").exists()

    page.get_by_role("button", name="Save import").click()
    expect(page.get_by_role("heading", name=re.compile("orders.order.copied"))).to_be_visible()
    expect(page.locator(".flash.success")).to_contain_text("Imported: orders.order.copied created")
    copied = Topic.objects.get(name="orders.order.copied")
    assert copied.sla.support_channel == "#orders"
    assert FieldSemantics.objects.get(topic=copied, path="customer_id").pii == "pseudonymous"
