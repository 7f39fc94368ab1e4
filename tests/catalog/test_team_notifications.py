from __future__ import annotations

import base64
import itertools

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Notification
from catalog.notifications import notification_retry
from tests.conftest import HX
from tests.factories import PASSWORD

_keys = itertools.count()


def _notification(team, status="sent", **fields):
    defaults = {
        "channel": Notification.Channel.EMAIL,
        "event": "schema.registered",
        "subject": f"{status} notice",
        "body": "details",
        "attempts": 1,
    }
    defaults.update(fields)
    return Notification.objects.create(
        team=team, status=status, idempotency_key=f"k{next(_keys)}", **defaults
    )


@pytest.fixture
def failed(orders):
    return _notification(
        orders, "failed", subject="v2 of orders.created", last_error="email failed: refused"
    )


def _page(team):
    return reverse("catalog:team-notifications", args=[team.slug])


def _retry(notification):
    return reverse("catalog:notification-retry", args=[notification.team.slug, notification.pk])


def _subjects(response):
    return [n.subject for n in response.context["page"].object_list]


def test_a_teammate_sees_what_was_sent_pending_and_failed(as_bob, orders, failed, analytics):
    _notification(orders, "sent")
    _notification(orders, "pending")
    _notification(analytics, "failed", subject="not ours")
    response = as_bob.get(_page(orders))
    assert response.status_code == 200
    assert sorted(_subjects(response)) == ["pending notice", "sent notice", "v2 of orders.created"]
    assert response.context["failed_count"] == 1
    body = response.content.decode()
    assert "email failed: refused" in body
    assert _retry(failed) in body
    assert "not ours" not in body


def test_only_failed_rows_get_a_retry_button(as_bob, orders, failed):
    sent = _notification(orders, "sent")
    body = as_bob.get(_page(orders)).content.decode()
    assert f'action="{_retry(failed)}"' in body
    assert _retry(sent) not in body


def test_an_outsider_gets_403_and_nothing_changes(as_charlie, orders, failed):
    assert as_charlie.get(_page(orders)).status_code == 403
    assert as_charlie.post(_retry(failed)).status_code == 403
    assert as_charlie.post(_retry(failed), **HX).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"
    assert not AuditEvent.objects.exists()


def test_the_platform_lead_sees_and_retries_any_team(
    as_pat, orders, failed, django_capture_on_commit_callbacks
):
    assert as_pat.get(_page(orders)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert as_pat.post(_retry(failed)).status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert AuditEvent.objects.get().actor_label == "pat"


def test_anonymous_users_are_sent_to_log_in(client, orders, failed):
    assert client.get(_page(orders)).status_code == 302
    assert client.post(_retry(failed)).status_code == 302
    assert Notification.objects.get().status == "failed"


def test_retry_resets_to_pending_audits_and_delivers(
    as_bob, orders, failed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_bob.post(_retry(failed), {"next": _page(orders) + "?status=failed"})
    assert response.status_code == 302
    assert response["Location"] == _page(orders) + "?status=failed"
    failed.refresh_from_db()
    assert failed.status == "pending"
    event = AuditEvent.objects.get()
    assert (event.verb, event.team, event.object_id) == (
        "notification.retried",
        orders,
        str(failed.pk),
    )
    assert (event.before["status"], event.after) == ("failed", {"status": "pending"})
    assert len(callbacks) == 1
    callbacks[0]()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("sent", 2, "")
    assert [m.subject for m in mail.outbox] == ["v2 of orders.created"]
    assert mail.outbox[0].to == ["orders@example.com"]


def test_retry_without_js_only_redirects_back_to_the_teams_page(as_bob, orders, failed):
    response = as_bob.post(_retry(failed), {"next": "https://evil.example.com/"})
    assert response["Location"] == _page(orders)


def test_retrying_a_notification_that_has_not_failed_is_refused_with_a_code(bob, orders):
    for status in ("pending", "sending", "sent"):
        notification = _notification(orders, status)
        with pytest.raises(ApplicationError) as refused:
            notification_retry(actor=bob, notification=notification)
        assert refused.value.code == "not_failed"
        notification.refresh_from_db()
        assert notification.status == status
    assert not AuditEvent.objects.exists()


def test_the_page_shows_why_a_retry_was_refused(as_bob, orders):
    sent = _notification(orders, "sent")
    response = as_bob.post(_retry(sent), **HX)
    assert response.status_code == 422
    assert "Only a failed notification can be retried" in response.content.decode()
    followed = as_bob.post(_retry(sent), follow=True)
    assert "Only a failed notification can be retried" in followed.content.decode()


def test_retrying_twice_quickly_queues_one_delivery(
    bob, alice, failed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification_retry(actor=bob, notification=failed)
        with pytest.raises(ApplicationError):
            notification_retry(actor=alice, notification=Notification.objects.get(pk=failed.pk))
    assert len(callbacks) == 1
    assert AuditEvent.objects.count() == 1


def test_the_service_refuses_outsiders(charlie, failed):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        notification_retry(actor=charlie, notification=failed)
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_a_retry_of_another_teams_notification_through_this_team_is_404(as_bob, orders, analytics):
    theirs = _notification(analytics, "failed")
    url = reverse("catalog:notification-retry", args=[orders.slug, theirs.pk])
    assert as_bob.post(url).status_code == 404
    assert as_bob.get(_retry(theirs)).status_code == 405


def test_htmx_filtering_returns_only_the_list_fragment(as_bob, orders, failed):
    _notification(orders, "sent")
    response = as_bob.get(_page(orders), {"status": "failed"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="notification-results"')
    assert "<html" not in body and 'id="failed-summary"' not in body
    assert "v2 of orders.created" in body and "sent notice" not in body


def test_htmx_retry_swaps_the_row_and_updates_the_failed_count(
    as_bob, orders, failed, django_capture_on_commit_callbacks
):
    _notification(orders, "failed", subject="another")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(_retry(failed), **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="notification-{failed.pk}"')
    assert "<html" not in body and "<section" not in body
    # The delivery runs after commit, which the test client's response comes before.
    assert "Pending" in body and _retry(failed) not in body
    assert 'id="failed-summary"' in body and 'hx-swap-oob="true"' in body
    assert "<strong>1</strong> failed delivery" in body
    failed.refresh_from_db()
    assert failed.status == "sent"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("failed", ["failed notice"]),
        ("pending", ["pending notice", "sending notice"]),
        ("sent", ["sent notice"]),
        ("", ["failed notice", "pending notice", "sending notice", "sent notice"]),
        ("bogus", ["failed notice", "pending notice", "sending notice", "sent notice"]),
    ],
)
def test_the_status_filter(as_bob, orders, status, expected):
    for s in ("failed", "pending", "sending", "sent"):
        _notification(orders, s)
    response = as_bob.get(_page(orders), {"status": status})
    assert sorted(_subjects(response)) == expected


def test_pagination_keeps_the_filter(as_bob, orders):
    for _ in range(30):
        _notification(orders, "failed")
    _notification(orders, "sent")
    first = as_bob.get(_page(orders), {"status": "failed"})
    assert len(first.context["page"].object_list) == 25
    assert "?status=failed&amp;page=2" in first.content.decode()
    second = as_bob.get(_page(orders), {"status": "failed", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert as_bob.get(_page(orders), {"page": "abc"}).status_code == 200


def test_the_page_does_a_bounded_number_of_queries(as_bob, orders, django_assert_max_num_queries):
    for i in range(50):
        _notification(orders, ("sent", "pending", "failed")[i % 3], last_error="x")
    with django_assert_max_num_queries(7):
        response = as_bob.get(_page(orders))
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        as_bob.get(_page(orders), {"status": "failed", "page": 2}, **HX)


def test_user_provided_text_is_escaped(as_bob, orders):
    _notification(
        orders,
        "failed",
        subject="<b>bold</b>",
        event="<i>e</i>",
        last_error='webhook said <script>alert("x")</script>',
    )
    body = as_bob.get(_page(orders)).content.decode()
    assert "<script>alert" not in body and "<b>bold</b>" not in body and "<i>e</i>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_the_team_page_links_to_notifications_with_the_failed_count(as_bob, orders, failed):
    body = as_bob.get(orders.get_absolute_url()).content.decode()
    assert f'href="{_page(orders)}?status=failed"><strong>1</strong> failed delivery' in body


def test_the_team_page_hides_the_link_from_outsiders(as_charlie, orders, failed):
    body = as_charlie.get(orders.get_absolute_url()).content.decode()
    assert _page(orders) not in body


API_URL = "/api/v1/notifications/failed-count"


def _api(username):
    client = APIClient()
    raw = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


@pytest.fixture
def failures(orders, analytics, alice, bob, charlie, pat):
    from tests.factories import TeamFactory

    _notification(orders, "failed")
    _notification(orders, "failed")
    _notification(orders, "sent")
    _notification(analytics, "pending")
    _notification(TeamFactory(slug="billing"), "failed")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("alice", {"failed": 2, "by_team": {"orders": 2}}),
        ("bob", {"failed": 2, "by_team": {"orders": 2}}),
        ("charlie", {"failed": 0, "by_team": {"analytics": 0}}),
        ("pat", {"failed": 3, "by_team": {"analytics": 0, "billing": 1, "orders": 2}}),
    ],
)
def test_the_api_counts_failed_deliveries_of_the_callers_teams(failures, username, expected):
    response = _api(username).get(API_URL)
    assert response.status_code == 200
    assert response.json() == expected


def test_the_api_needs_credentials(failures):
    response = APIClient().get(API_URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_retry_with_the_broker_down_stays_pending_for_the_sweep(
    as_bob, failed, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from catalog.tasks import deliver_notification

    def broker_down(*args):
        raise OperationalError("connection refused")

    monkeypatch.setattr(deliver_notification, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_bob.post(_retry(failed)).status_code == 302
    failed.refresh_from_db()
    assert failed.status == "pending"
