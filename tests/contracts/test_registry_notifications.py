"""Compatible registrations are announced to the topic's consumer teams (informational)."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog.models import Notification
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import ConsumerFactory, TeamFactory

SUBJECT = "orders.created-value"
LOYALTY = {"name": "loyalty_tier", "type": ["null", "string"], "default": None}


@pytest.fixture
def consumers(orders_created):
    analytics = TeamFactory(slug="analytics", contact_email="analytics@example.com")
    billing = TeamFactory(slug="billing", contact_email="billing@example.com")
    ConsumerFactory(topic=orders_created, team=analytics, name="funnel", fields=["customer_id"])
    ConsumerFactory(topic=orders_created, team=billing, name="invoices", fields=[])
    return analytics, billing


def test_a_compatible_version_tells_each_consumer_team_what_changed_for_it(
    reg_alice, orders_created, consumers, django_capture_on_commit_callbacks
):
    reg_alice.register(SUBJECT, V1)
    Notification.objects.all().delete()
    changed = with_fields(V1, LOYALTY)
    changed["fields"][1]["doc"] = "Who placed the order (account id)."
    with django_capture_on_commit_callbacks(execute=True):
        assert reg_alice.register(SUBJECT, changed).status_code == 200
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"analytics@example.com", "billing@example.com"}
    analytics = by_recipient["analytics@example.com"]
    assert analytics.subject == "[orders.created] schema version 2 registered (compatible)"
    assert "alice registered version 2" in analytics.body
    assert "customer_id" in analytics.body  # the doc change on the field it reads
    assert "loyalty_tier" not in analytics.body  # not a field it reads
    assert "loyalty_tier" in by_recipient["billing@example.com"].body  # reads everything
    assert "http://127.0.0.1:8000/topics/orders.created/" in analytics.body
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_nothing_is_sent_for_a_refused_or_repeated_registration(
    reg_alice, orders_created, consumers, django_capture_on_commit_callbacks
):
    reg_alice.register(SUBJECT, V1)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        reg_alice.register(SUBJECT, renamed(V1, "customer_id", "customerId"))
        reg_alice.register(SUBJECT, V1)
    assert not Notification.objects.exists()
