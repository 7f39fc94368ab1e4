from __future__ import annotations

from django.urls import reverse

from tests.factories import ConsumerFactory, TopicFactory


def test_the_team_page_shows_what_it_owns_and_consumes(as_charlie, orders, analytics, topic):
    ConsumerFactory(team=analytics, topic=topic, name="funnel", fields=["customer_id"])
    ConsumerFactory(team=analytics, topic=TopicFactory(owner=orders), status="retired")
    owned = TopicFactory(name="analytics.report.published", owner=analytics)
    response = as_charlie.get(analytics.get_absolute_url())
    detail = response.context["detail"]
    assert [t.name for t in detail.owned_topics] == [owned.name]
    assert [(c.topic.name, c.name) for c in detail.consumers] == [(topic.name, "funnel")]
    assert detail.members == [("charlie", "member")]
    assert "customer_id" in response.content.decode()


def test_team_list_counts(as_charlie, orders, analytics, topic):
    ConsumerFactory(team=analytics, topic=topic)
    response = as_charlie.get(reverse("catalog:team-list"))
    counts = {t.slug: (t.topic_count, t.consumer_count) for t in response.context["teams"]}
    assert counts == {"analytics": (0, 1), "orders": (1, 0)}


def test_an_unknown_team_is_404(as_charlie):
    assert as_charlie.get("/teams/nobody/").status_code == 404


def test_the_team_page_does_a_bounded_number_of_queries(
    as_charlie, analytics, django_assert_max_num_queries
):
    for _ in range(20):
        ConsumerFactory(team=analytics)
        TopicFactory(owner=analytics)
    with django_assert_max_num_queries(8):
        as_charlie.get(analytics.get_absolute_url())
