from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import AuditEvent, Consumer
from tests.conftest import HX
from tests.factories import ConsumerFactory


@pytest.fixture
def consumer(analytics, topic):
    return ConsumerFactory(team=analytics, topic=topic, name="funnel")


def _url(consumer):
    return reverse("catalog:consumer-retire", args=[consumer.pk])


def test_the_consumers_team_retires_it(as_charlie, consumer, topic):
    response = as_charlie.post(_url(consumer))
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    consumer.refresh_from_db()
    assert consumer.status == Consumer.Status.RETIRED and consumer.retired_at is not None
    event = AuditEvent.objects.get()
    assert (event.verb, event.before, event.after) == (
        "consumer.retired",
        {"status": "active"},
        {"status": "retired"},
    )


def test_retiring_twice_changes_nothing_more(as_charlie, consumer):
    as_charlie.post(_url(consumer))
    as_charlie.post(_url(consumer))
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("persona", ["as_alice", "as_bob"])
def test_it_rejects_the_topic_owner_and_other_outsiders(request, persona, consumer):
    client = request.getfixturevalue(persona)
    assert client.post(_url(consumer)).status_code == 403
    consumer.refresh_from_db()
    assert consumer.status == Consumer.Status.ACTIVE
    assert not AuditEvent.objects.exists()


def test_the_platform_lead_may_retire_any_consumer(as_pat, consumer):
    assert as_pat.post(_url(consumer)).status_code == 302
    assert Consumer.objects.get().status == Consumer.Status.RETIRED


def test_get_is_not_allowed(as_charlie, consumer):
    assert as_charlie.get(_url(consumer)).status_code == 405


def test_htmx_retire_redirects_the_client_to_a_safe_next(as_charlie, consumer, analytics):
    response = as_charlie.post(_url(consumer), {"next": analytics.get_absolute_url()}, **HX)
    assert response["HX-Redirect"] == analytics.get_absolute_url()
    response = as_charlie.post(_url(consumer), {"next": "https://evil.example/"}, **HX)
    assert response["HX-Redirect"] == consumer.topic.get_absolute_url()


def test_an_unknown_consumer_is_404(as_charlie, db):
    assert as_charlie.post("/consumers/999/retire/").status_code == 404
