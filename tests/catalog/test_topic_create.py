from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalog import services
from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Domain, Topic
from tests.conftest import HX

URL = reverse("catalog:topic-create")


@pytest.fixture(autouse=True)
def orders_domain(orders):
    domain = Domain.objects.create(name="orders")
    domain.owners.add(orders)
    return domain


def _post(client, owner, **overrides):
    data = {"name": "orders.order.shipped", "owner": owner.pk, "partitions": 6}
    data.update(overrides)
    return client.post(URL, data)


def test_a_team_member_creates_a_topic_and_it_is_audited(as_bob, orders):
    response = _post(as_bob, orders, description="Parcel left the warehouse")
    topic = Topic.objects.get(name="orders.order.shipped")
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    assert topic.owner == orders
    assert topic.domain == "orders"
    assert topic.status == Topic.Status.PROPOSED  # until a lead activates it
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor.username, event.topic) == ("topic.created", "bob", topic)
    assert event.after["name"] == "orders.order.shipped"


def test_the_form_only_offers_the_users_own_teams(as_charlie, orders, analytics):
    response = as_charlie.get(URL)
    assert response.status_code == 200
    owners = list(response.context["form"].fields["owner"].queryset)
    assert owners == [analytics]


def test_it_rejects_outsiders_and_changes_nothing(charlie, orders):
    # The form never offers another team; the service refuses even when called directly.
    with pytest.raises(PermissionDenied):
        services.topic_create(actor=charlie, name="orders.order.shipped", owner=orders)
    assert not Topic.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_outsider_posting_another_teams_id_gets_an_error_and_nothing_changes(as_charlie, orders):
    response = _post(as_charlie, orders)
    assert response.status_code == 422
    assert "owner" in response.context["form"].errors
    assert not Topic.objects.exists()


def test_the_platform_lead_creates_for_any_team(as_pat, orders):
    assert _post(as_pat, orders).status_code == 302
    assert Topic.objects.get().owner == orders
    assert AuditEvent.objects.get().actor_label == "pat"


@pytest.mark.parametrize(
    "bad", ["orders.shipped", "Orders.Order.Shipped", "orders.order.shipped.v1"]
)
def test_an_invalid_name_is_shown_beside_the_field_with_the_rule(as_alice, orders, bad):
    response = _post(as_alice, orders, name=bad)
    assert response.status_code == 422
    errors = response.context["form"].errors["name"]
    assert "domain.entity.event_type" in errors[0]
    assert 'id="id_name-errors"' in response.content.decode()
    assert not Topic.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_duplicate_name_is_refused_beside_the_field(as_alice, orders, topic):
    response = _post(as_alice, orders, name=topic.name)
    assert response.status_code == 422
    assert "already exists" in response.context["form"].errors["name"][0]
    assert Topic.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_an_invalid_dlq_name_is_refused(as_alice, orders):
    response = _post(as_alice, orders, dlq_topic="orders dlq!")
    assert response.status_code == 422
    assert "dlq_topic" in response.context["form"].errors
    assert not Topic.objects.exists()


def test_a_zero_partition_count_is_refused(as_alice, orders):
    response = _post(as_alice, orders, partitions=0)
    assert response.status_code == 422
    assert "partitions" in response.context["form"].errors


def test_only_the_platform_lead_may_grant_a_naming_exemption(alice, pat, orders):
    with pytest.raises(PermissionDenied):
        services.topic_create(
            actor=alice, name="legacy_orders", owner=orders, naming_exemption="old"
        )
    topic = services.topic_create(
        actor=pat, name="legacy_orders", owner=orders, naming_exemption="predates the rule"
    )
    assert topic.naming_exemption == "predates the rule"


def test_an_exemption_still_requires_a_name_kafka_accepts(pat, orders):
    with pytest.raises(ApplicationError) as info:
        services.topic_create(actor=pat, name="bad name", owner=orders, naming_exemption="x")
    assert info.value.code == "invalid_topic_name"


def test_a_domain_must_be_registered_and_owned(as_alice, orders, analytics):
    response = _post(as_alice, orders, name="shipping.parcel.sent")
    assert response.status_code == 422
    assert "no domain" in response.context["form"].errors["name"][0]
    Domain.objects.create(name="shipping").owners.add(analytics)
    response = _post(as_alice, orders, name="shipping.parcel.sent")
    assert "belongs to analytics" in response.context["form"].errors["owner"][0]
    assert not Topic.objects.exists()


def test_htmx_submit_redirects_the_client(as_alice, orders):
    response = as_alice.post(
        URL, {"name": "orders.order.paid", "owner": orders.pk, "partitions": 3}, **HX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/topics/orders.order.paid/"


def test_anonymous_users_are_sent_to_log_in(client, orders):
    response = _post(client, orders)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Topic.objects.exists()
