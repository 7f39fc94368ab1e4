from __future__ import annotations

from django.urls import reverse

from catalog.models import Topic
from tests.conftest import HX
from tests.factories import ConsumerFactory, TeamFactory, TopicFactory

URL = reverse("catalog:topic-list")


def _names(response):
    return [t.name for t in response.context["page"].object_list]


def test_it_lists_topics_with_owner_and_consumer_count(as_charlie, topic):
    ConsumerFactory(topic=topic)
    ConsumerFactory(topic=topic, status="retired")
    response = as_charlie.get(URL)
    assert response.status_code == 200
    row = response.context["page"].object_list[0]
    assert (row.name, row.owner.slug, row.active_consumers) == ("orders.order.created", "orders", 1)
    assert "orders.order.created" in response.content.decode()


def test_search_matches_name_domain_and_owner(as_charlie, orders):
    payments = TeamFactory(slug="payments", name="Payments & Wallets")
    TopicFactory(name="orders.order.created", owner=orders)
    TopicFactory(name="billing.invoice.sent", owner=payments)
    TopicFactory(name="customers.customer.created", owner=TeamFactory(slug="crm"))
    assert _names(as_charlie.get(URL, {"q": "invoice"})) == ["billing.invoice.sent"]
    assert _names(as_charlie.get(URL, {"q": "customers"})) == ["customers.customer.created"]
    assert _names(as_charlie.get(URL, {"q": "wallets"})) == ["billing.invoice.sent"]
    assert _names(as_charlie.get(URL, {"q": "CREATED"})) == [
        "customers.customer.created",
        "orders.order.created",
    ]


def test_status_and_domain_filters(as_charlie, orders):
    TopicFactory(name="orders.order.created", owner=orders)
    TopicFactory(name="orders.order.old", owner=orders, status=Topic.Status.DEPRECATED)
    TopicFactory(name="billing.invoice.sent", owner=orders)
    assert _names(as_charlie.get(URL, {"status": "deprecated"})) == ["orders.order.old"]
    assert _names(as_charlie.get(URL, {"domain": "billing"})) == ["billing.invoice.sent"]
    # An unknown status is ignored rather than an error.
    assert len(_names(as_charlie.get(URL, {"status": "bogus"}))) == 3


def test_pagination_keeps_the_filters(as_charlie, orders, settings):
    settings.CATALOG_TOPICS_PER_PAGE = 2
    for i in range(5):
        TopicFactory(name=f"orders.thing{i}.created", owner=orders)
    TopicFactory(name="other.thing.created", owner=TeamFactory(slug="other"))
    first = as_charlie.get(URL, {"q": "orders"})
    assert _names(first) == ["orders.thing0.created", "orders.thing1.created"]
    assert "?q=orders&amp;page=2" in first.content.decode()
    third = as_charlie.get(URL, {"q": "orders", "page": 3})
    assert _names(third) == ["orders.thing4.created"]
    # Out-of-range and garbage pages fall back to a valid page instead of failing.
    assert as_charlie.get(URL, {"page": "999"}).status_code == 200
    assert as_charlie.get(URL, {"page": "abc"}).status_code == 200


def test_htmx_search_returns_only_the_results_fragment(as_charlie, topic):
    response = as_charlie.get(URL, {"q": "orders"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="topic-results"')
    assert "<html" not in body and "<form" not in body
    assert "orders.order.created" in body


def test_user_text_is_escaped(as_charlie, orders):
    TopicFactory(name="orders.order.created", owner=TeamFactory(slug="x", name="<b>x</b>"))
    response = as_charlie.get(URL, {"q": "<script>alert(1)</script>"})
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_the_list_does_a_bounded_number_of_queries(
    as_charlie, orders, django_assert_max_num_queries
):
    teams = [TeamFactory() for _ in range(5)]
    for i in range(40):
        t = TopicFactory(name=f"orders.thing{i}.created", owner=teams[i % 5])
        ConsumerFactory(topic=t, team=teams[(i + 1) % 5])
    with django_assert_max_num_queries(6):
        as_charlie.get(URL)
    with django_assert_max_num_queries(6):
        as_charlie.get(URL, {"q": "thing", "status": "active", "page": 2})


def test_it_requires_login(client, db):
    assert client.get(URL).status_code == 302
