"""The health page in Chromium: the demo's incident, from the alert to its cause, and the
owner acknowledging the DLQ."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_follows_the_alert_to_its_cause_and_acknowledges_it(page):
    call_command("seed_demo", stdout=io.StringIO())
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("contracts-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Health").click()
    alerts = page.locator("#open-alerts")
    expect(alerts).to_contain_text("DLQ not empty · orders.order.shipped")
    expect(alerts).to_contain_text("orders.order.shipped-value v2")
    # Alerting topics come first, with their sparklines drawn inline.
    first = page.locator("#health-topics article").first
    expect(first).to_contain_text("orders.order.shipped")
    expect(first.locator("svg.sparkline").first).to_be_visible()
    # Filtering by topic swaps only the list (htmx).
    page.get_by_label("Topic").fill("orders.created")
    expect(page.locator("#health-topics article")).to_have_count(1)
    expect(page.locator("#open-alerts")).to_be_visible()

    alerts.get_by_role("link", name="DLQ not empty · orders.order.shipped").click()
    expect(page.locator("#likely-cause")).to_contain_text("orders.order.shipped-value version 2")
    expect(page.locator("#likely-cause")).to_contain_text("by oscar")
    page.get_by_role("button", name="Acknowledge DLQ depth").click()
    expect(page.locator(".flash.success")).to_contain_text("alerts again only if it grows past")
    expect(page.locator("p.status")).to_contain_text("acknowledged by the owner")
