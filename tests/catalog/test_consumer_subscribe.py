from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalog import services
from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Consumer, Topic
from tests.factories import ConsumerFactory, register_schema


def _url(topic):
    return reverse("catalog:consumer-subscribe", args=[topic.name])


def _data(team, **overrides):
    data = {
        "team": team.pk,
        "name": "orders-funnel",
        "group_id": "analytics.orders-funnel",
        "purpose": "Funnel dashboards",
        "read_fields": ["customer_id", "order_id"],
    }
    data.update(overrides)
    return data


def test_a_consumer_team_member_subscribes_picking_the_fields(as_charlie, analytics, topic):
    register_schema(topic)
    before = AuditEvent.objects.count()
    response = as_charlie.post(_url(topic), _data(analytics))
    assert response.status_code == 302
    consumer = Consumer.objects.get()
    assert (consumer.team, consumer.topic, consumer.group_id) == (
        analytics,
        topic,
        "analytics.orders-funnel",
    )
    assert consumer.fields == ["customer_id", "order_id"]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.first()
    assert (event.verb, event.team, event.actor_label) == (
        "consumer.subscribed",
        analytics,
        "charlie",
    )


def test_the_field_choices_come_from_the_schema(as_charlie, topic):
    register_schema(topic)
    form = as_charlie.get(_url(topic)).context["form"]
    assert [c[0] for c in form.fields["read_fields"].choices][:2] == ["order_id", "customer_id"]


def test_no_fields_ticked_means_every_field(as_charlie, analytics, topic):
    register_schema(topic)
    as_charlie.post(_url(topic), _data(analytics, read_fields=[]))
    assert Consumer.objects.get().reads_all_fields


def test_without_a_schema_fields_are_typed_one_per_line(as_charlie, analytics, topic):
    as_charlie.post(_url(topic), _data(analytics, read_fields="customer_id\n\naddress.city\n"))
    assert Consumer.objects.get().fields == ["address.city", "customer_id"]


def test_a_field_not_in_the_schema_is_refused_beside_the_field(as_charlie, analytics, topic):
    register_schema(topic)
    before = AuditEvent.objects.count()
    response = as_charlie.post(_url(topic), _data(analytics, read_fields=["customerId"]))
    assert response.status_code == 422
    assert "read_fields" in response.context["form"].errors
    assert not Consumer.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_service_refuses_unknown_paths_too(charlie, analytics, topic):
    register_schema(topic)
    with pytest.raises(ApplicationError) as info:
        services.consumer_subscribe(
            actor=charlie, topic=topic, team=analytics, name="x", group_id="g", fields=["nope"]
        )
    assert (info.value.code, info.value.field) == ("unknown_field_path", "read_fields")


def test_a_group_already_registered_on_the_topic_is_refused(as_charlie, analytics, topic):
    ConsumerFactory(topic=topic, group_id="analytics.orders-funnel")
    response = as_charlie.post(_url(topic), _data(analytics, read_fields=""))
    assert response.status_code == 422
    assert "already registered" in response.context["form"].errors["group_id"][0]
    assert Consumer.objects.count() == 1


def test_a_retired_registration_frees_its_group_id(as_charlie, analytics, topic):
    ConsumerFactory(topic=topic, group_id="analytics.orders-funnel", status="retired")
    assert as_charlie.post(_url(topic), _data(analytics, read_fields="")).status_code == 302
    assert Consumer.objects.filter(status="active").count() == 1


def test_the_same_group_may_read_another_topic(as_charlie, analytics, topic, orders):
    other = Topic.objects.create(name="orders.order.shipped", owner=orders)
    ConsumerFactory(topic=other, group_id="analytics.orders-funnel")
    assert as_charlie.post(_url(topic), _data(analytics, read_fields="")).status_code == 302


def test_nobody_subscribes_for_a_team_they_are_not_in(charlie, orders, topic):
    with pytest.raises(PermissionDenied):
        services.consumer_subscribe(actor=charlie, topic=topic, team=orders, name="x", group_id="g")
    assert not Consumer.objects.exists()
    assert not AuditEvent.objects.exists()


def test_posting_another_teams_id_is_an_error_beside_the_field(as_charlie, orders, topic):
    response = as_charlie.post(_url(topic), _data(orders, read_fields=""))
    assert response.status_code == 422
    assert "team" in response.context["form"].errors
    assert not Consumer.objects.exists()


def test_the_platform_lead_subscribes_for_any_team(as_pat, analytics, topic):
    assert as_pat.post(_url(topic), _data(analytics, read_fields="")).status_code == 302
    assert Consumer.objects.get().team == analytics


def test_a_retired_topic_takes_no_new_consumers(charlie, analytics, topic):
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.RETIRED)
    topic.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        services.consumer_subscribe(
            actor=charlie, topic=topic, team=analytics, name="x", group_id="g"
        )
    assert info.value.code == "topic_retired"


@pytest.mark.parametrize("field", ["name", "group_id"])
def test_blank_name_or_group_is_refused(as_charlie, analytics, topic, field):
    response = as_charlie.post(_url(topic), _data(analytics, read_fields="", **{field: "  "}))
    assert response.status_code == 422
    assert field in response.context["form"].errors


def test_negative_lag_threshold_is_refused(as_charlie, analytics, topic):
    response = as_charlie.post(_url(topic), _data(analytics, read_fields="", lag_threshold="-5"))
    assert response.status_code == 422
    assert "lag_threshold" in response.context["form"].errors
