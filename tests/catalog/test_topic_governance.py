from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import AuditEvent, Topic
from tests.factories import ConsumerFactory, TopicFactory


@pytest.fixture
def proposed(orders):
    return TopicFactory(name="orders.order.packed", owner=orders, status=Topic.Status.PROPOSED)


def _activate(client, topic):
    return client.post(reverse("catalog:topic-activate", args=[topic.name]))


def test_a_lead_of_the_owning_team_activates_a_proposed_topic(as_alice, proposed):
    assert _activate(as_alice, proposed).status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == "active"
    assert AuditEvent.objects.get().verb == "topic.activated"


@pytest.mark.parametrize("persona", ["as_bob", "as_charlie"])
def test_members_and_outsiders_cannot_activate(request, persona, proposed):
    client = request.getfixturevalue(persona)
    assert _activate(client, proposed).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == "proposed" and not AuditEvent.objects.exists()


def test_the_platform_role_activates_and_the_name_is_checked_again(as_pat, orders):
    legacy = TopicFactory(name="Legacy_Orders", owner=orders, status=Topic.Status.PROPOSED)
    response = _activate(as_pat, legacy)
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.status == "proposed"
    page = as_pat.get(legacy.get_absolute_url()).content.decode()
    assert "does not follow the naming rule" in page


def _deprecate(client, topic, **data):
    return client.post(reverse("catalog:topic-deprecate", args=[topic.name]), data)


def test_deprecating_needs_a_date_and_tells_the_consumers(
    as_bob, topic, analytics, django_capture_on_commit_callbacks
):
    analytics.contact_email = "analytics@example.com"
    analytics.save()
    ConsumerFactory(topic=topic, team=analytics)
    assert _deprecate(as_bob, topic).status_code == 422
    topic.refresh_from_db()
    assert topic.status == "active"
    day = timezone.now().date() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        response = _deprecate(as_bob, topic, deprecation_date=day.isoformat(), reason="v2 is out")
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.status, topic.deprecation_date) == ("deprecated", day)
    assert [m.to for m in mail.outbox] == [["analytics@example.com"]]
    assert "v2 is out" in mail.outbox[0].body


def test_retirement_before_deprecation_is_refused(as_bob, topic):
    today = timezone.now().date()
    response = _deprecate(
        as_bob,
        topic,
        deprecation_date=today.isoformat(),
        retirement_date=(today - datetime.timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 422
    assert "retirement_date" in response.context["form"].errors


def test_outsiders_cannot_deprecate(as_charlie, topic):
    assert _deprecate(as_charlie, topic, deprecation_date="2099-01-01").status_code == 403
    topic.refresh_from_db()
    assert topic.status == "active"


def test_the_sprawl_report_is_bounded_in_queries(as_charlie, orders, django_assert_max_num_queries):
    for i in range(30):
        TopicFactory(
            name=f"orders.thing{i}.happened",
            owner=None if i % 3 == 0 else orders,
            status="proposed" if i % 3 == 0 else "active",
        )
    with django_assert_max_num_queries(15):
        assert as_charlie.get(reverse("catalog:sprawl")).status_code == 200
