"""In Chromium: a user creates an API token, copies it once, uses it, revokes it; Swagger UI
renders the API from our own static files without reaching any other host."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_creates_uses_and_revokes_a_token(page):
    UserFactory(username="olivia")
    page.goto("/account/tokens/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    page.get_by_label("Name").fill("CI pipeline")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it will not be shown again.")).to_be_visible()
    plaintext = page.get_by_label("The new token").input_value()
    assert plaintext.startswith("cc_")

    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    assert api.get("/api/v1/topics/", **auth).status_code == 200

    # A reload shows the list, never the token again.
    page.goto("/account/tokens/")
    expect(page.locator("table.tokens")).to_contain_text("CI pipeline")
    assert plaintext not in page.content()

    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("table.tokens")).to_contain_text("revoked")
    assert api.get("/api/v1/topics/", **auth).status_code == 401


def test_swagger_ui_renders_without_other_hosts(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/reports/ownership/", exact=True).first).to_be_visible()
    assert requested
    assert all(url.startswith(live_server.url) for url in requested), requested
