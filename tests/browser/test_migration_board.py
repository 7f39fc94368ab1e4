from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from catalog.models import Membership, Topic
from contracts import topic_versions
from tests.contracts.conftest import V1, renamed
from tests.factories import (
    PASSWORD,
    ConsumerFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    register_schema,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_consumer_team_marks_itself_migrated_on_the_board(page):
    orders = TeamFactory(slug="orders")
    olivia = UserFactory(username="olivia")
    MembershipFactory(user=olivia, team=orders, role=Membership.Role.LEAD)
    analytics = TeamFactory(slug="analytics")
    MembershipFactory(user=UserFactory(username="ana"), team=analytics)
    topic = Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy")
    register_schema(topic, V1)
    ConsumerFactory(
        topic=topic,
        team=analytics,
        name="funnel",
        group_id="analytics.funnel",
        fields=["customer_id"],
    )
    migration = topic_versions.migration_start(
        actor=olivia, topic=topic, schema_text=json.dumps(renamed(V1, "customer_id", "customerId"))
    )
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(migration.get_absolute_url())
    expect(page.locator("#progress")).to_contain_text("0 of 1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mark funnel migrated").click()
    expect(page.locator("#progress")).to_contain_text("1 of 1")
    expect(page.locator("#consumer-analytics-funnel")).to_contain_text("ana")
    page.goto("/topics/orders.created.v2/")
    expect(page.locator("#consumers")).to_contain_text("analytics.funnel")
    expect(page.locator("#consumers")).to_contain_text("customerId")
