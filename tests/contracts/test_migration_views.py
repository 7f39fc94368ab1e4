from __future__ import annotations

import json

import pytest
from django.urls import reverse

from contracts import topic_versions
from contracts.models import ConsumerMigration, Migration
from tests.contracts.conftest import V1, renamed
from tests.factories import ConsumerFactory, register_schema

RENAME = json.dumps(renamed(V1, "customer_id", "customerId"))


@pytest.fixture
def migration(orders_created, analytics, alice):
    register_schema(orders_created, V1)
    ConsumerFactory(
        topic=orders_created,
        team=analytics,
        name="funnel",
        group_id="analytics.funnel",
        fields=["customer_id"],
    )
    return topic_versions.migration_start(actor=alice, topic=orders_created, schema_text=RENAME)


def test_owners_start_a_migration_from_the_form(as_bob, orders_created, analytics):
    register_schema(orders_created, V1)
    url = reverse("contracts:migration-new", args=[orders_created.name])
    page = as_bob.get(url)
    assert page.status_code == 200 and "orders.created.v2" in page.content.decode()
    bad = as_bob.post(url, {"schema_text": RENAME, "window_days": "10"})
    assert bad.status_code == 422 and "window_days" in bad.context["form"].errors
    assert not Migration.objects.exists()
    response = as_bob.post(url, {"schema_text": RENAME, "window_days": "45"})
    migration = Migration.objects.get()
    assert response["Location"] == migration.get_absolute_url()
    assert migration.window_days == 45


def test_outsiders_cannot_start_one(as_charlie, orders_created):
    assert (
        as_charlie.get(reverse("contracts:migration-new", args=[orders_created.name])).status_code
        == 403
    )


def test_the_board_shows_consumers_and_actions_for_whoever_may_act(client, charlie, bob, migration):
    client.force_login(charlie)
    body = client.get(migration.get_absolute_url()).content.decode()
    assert "0 of 1</strong> consumers migrated" in body
    assert "Mark funnel migrated" in body and "Confirm we write both topics" not in body
    client.force_login(bob)
    body = client.get(migration.get_absolute_url()).content.decode()
    assert "Mark funnel migrated" not in body and "Confirm we write both topics" in body


def test_marking_migrated_through_the_board(client, charlie, bob, migration):
    item = migration.consumers.get()
    url = reverse("contracts:migration-consumer-migrated", args=[migration.pk, item.pk])
    client.force_login(bob)
    assert client.post(url).status_code == 403
    assert ConsumerMigration.objects.get().status == "pending"
    client.force_login(charlie)
    assert client.post(url).status_code == 302
    assert ConsumerMigration.objects.get().status == "migrated"
    assert (
        "1 of 1</strong> consumers migrated"
        in client.get(migration.get_absolute_url()).content.decode()
    )


def test_confirming_dual_publish(client, charlie, bob, migration):
    url = reverse("contracts:migration-dual-publish", args=[migration.pk])
    client.force_login(charlie)
    assert client.post(url).status_code == 403
    client.force_login(bob)
    client.post(url)
    migration.refresh_from_db()
    assert migration.status == "dual_publishing"


def test_the_board_does_a_bounded_number_of_queries(
    client, charlie, migration, django_assert_max_num_queries
):
    client.force_login(charlie)
    with django_assert_max_num_queries(10):
        assert client.get(migration.get_absolute_url()).status_code == 200
