from __future__ import annotations

from catalog.models import Consumer
from tests.factories import (
    ConsumerFactory,
    FieldSemanticsFactory,
    TeamFactory,
    TopicFactory,
    register_schema,
)


def test_it_shows_owner_sla_consumers_their_fields_and_semantics(as_charlie, topic, analytics):
    register_schema(topic)
    from catalog.models import DeliverySLA

    DeliverySLA.objects.create(topic=topic, max_latency_seconds=60, support_channel="#orders")
    ConsumerFactory(topic=topic, team=analytics, name="funnel", fields=["customer_id"])
    FieldSemanticsFactory(topic=topic, path="discount_code", null_meaning="no discount applied")
    response = as_charlie.get(topic.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Orders" in body and "#orders" in body and "60 s" in body
    assert "funnel" in body and "customer_id" in body
    assert "no discount applied" in body
    # Fields come from the latest schema, nested ones by dotted path.
    assert [f.path for f in response.context["detail"].schema_fields] == [
        "order_id",
        "customer_id",
        "amount_cents",
        "discount_code",
        "address",
        "address.city",
    ]


def test_semantics_for_a_field_the_schema_dropped_stay_visible(as_charlie, topic):
    register_schema(topic)
    FieldSemanticsFactory(topic=topic, path="legacy_field")
    rows = as_charlie.get(topic.get_absolute_url()).context["detail"].field_rows
    assert rows[-1][0] == "legacy_field" and rows[-1][1] is None


def test_owners_see_edit_links_outsiders_do_not(client, alice, charlie, topic):
    client.force_login(alice)
    assert "Edit</a>" in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(charlie)
    assert "Edit</a>" not in client.get(topic.get_absolute_url()).content.decode()


def test_an_unknown_topic_is_404(as_charlie):
    assert as_charlie.get("/topics/no.such.topic/").status_code == 404


def test_the_page_does_a_bounded_number_of_queries(
    as_charlie, topic, django_assert_max_num_queries
):
    register_schema(topic)
    for i in range(30):
        ConsumerFactory(topic=topic, team=TeamFactory(), fields=["customer_id", "order_id"])
        FieldSemanticsFactory(topic=topic, path=f"field_{i}")
    ConsumerFactory(topic=topic, status=Consumer.Status.RETIRED)
    TopicFactory()
    # The bound: at most 10 queries for the page, whatever the catalog size.
    with django_assert_max_num_queries(10):
        response = as_charlie.get(topic.get_absolute_url())
    assert len(response.context["detail"].consumers) == 30


def test_each_field_card_names_its_readers(as_charlie, topic, analytics):
    register_schema(topic)
    ConsumerFactory(topic=topic, team=analytics, name="funnel", fields=["customer_id"])
    ConsumerFactory(topic=topic, team=analytics, name="lake", fields=[])
    body = as_charlie.get(topic.get_absolute_url()).content.decode()
    card = body.split('id="field-customer_id"')[1].split("</article>")[0]
    assert "funnel" in card and "1 consumer reading every field" in card
    other = body.split('id="field-order_id"')[1].split("</article>")[0]
    assert "funnel" not in other and "1 consumer reading every field" in other
