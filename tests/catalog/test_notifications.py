from __future__ import annotations

import pytest
from django.core import mail

from catalog.models import Notification, Team
from catalog.notifications import DeliveryError, notification_deliver, notify_teams
from tests.factories import TeamFactory
from tests.support import WebhookSink


def test_notifying_twice_for_one_event_queues_once(db):
    analytics = TeamFactory(slug="analytics", contact_email="analytics@example.com")
    for _ in range(2):
        notify_teams(teams=[analytics], event="e", subject="s", body="b", payload={}, key="k1")
    assert Notification.objects.count() == 1


def test_webhooks_get_slack_compatible_json(django_capture_on_commit_callbacks, db):
    with WebhookSink() as sink:
        team = TeamFactory(slug="ops", contact_email="", webhook_url=sink.url)
        with django_capture_on_commit_callbacks(execute=True):
            notify_teams(
                teams=[team],
                event="schema.registered",
                subject="v2 registered",
                body="details",
                payload={"topic": "orders.created"},
                key="k",
            )
    [received] = sink.received
    assert received["text"].startswith("*v2 registered*")
    assert (received["event"], received["topic"]) == ("schema.registered", "orders.created")
    assert Notification.objects.get().status == "sent"


def test_a_failing_webhook_is_retried_then_marked_failed_with_the_error(db):
    with WebhookSink(statuses=[500, 503]) as sink:
        team = TeamFactory(slug="ops", contact_email="", webhook_url=sink.url)
        [notification] = notify_teams(
            teams=[team], event="e", subject="s", body="b", payload={}, key="k"
        )
        with pytest.raises(DeliveryError):
            notification_deliver(notification.pk, final_attempt=False)
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == ("pending", 1)
        assert "HTTP 500" in notification.last_error
        assert notification_deliver(notification.pk, final_attempt=True) is False
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == ("failed", 2)
        assert "HTTP 503" in notification.last_error


def test_an_unreachable_webhook_fails_cleanly_in_process(django_capture_on_commit_callbacks, db):
    team = TeamFactory(slug="ops", contact_email="", webhook_url="http://127.0.0.1:9/nothing")
    with django_capture_on_commit_callbacks(execute=True):
        notify_teams(teams=[team], event="e", subject="s", body="b", payload={}, key="k")
    notification = Notification.objects.get()
    assert notification.status == "failed" and "unreachable" in notification.last_error


def test_a_claimed_notification_is_not_sent_twice(db):
    team = TeamFactory(slug="ops", contact_email="ops@example.com")
    [notification] = notify_teams(
        teams=[team], event="e", subject="s", body="b", payload={}, key="k"
    )
    assert notification_deliver(notification.pk, final_attempt=False) is True
    assert notification_deliver(notification.pk, final_attempt=False) is False
    assert len(mail.outbox) == 1


def test_teams_without_channels_get_nothing(db):
    team = Team.objects.create(slug="quiet", name="Quiet")
    assert notify_teams(teams=[team], event="e", subject="s", body="b", payload={}, key="k") == []


def test_the_sweep_delivers_what_a_lost_task_left_pending(db):
    import datetime

    from django.utils import timezone

    from catalog.tasks import sweep_pending_notifications

    team = TeamFactory(slug="ops", contact_email="ops@example.com")
    lost = Notification.objects.create(
        team=team, channel="email", event="e", subject="lost", body="b", idempotency_key="lost"
    )
    fresh = Notification.objects.create(
        team=team, channel="email", event="e", subject="fresh", body="b", idempotency_key="fresh"
    )
    Notification.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert sweep_pending_notifications() == 1
    assert [m.subject for m in mail.outbox] == ["lost"]
    fresh.refresh_from_db()
    assert fresh.status == "pending"  # its own task may still be on its way


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(db, settings):
    import datetime

    from django.utils import timezone

    from catalog.notifications import pending_notification_ids

    settings.NOTIFICATION_CLAIM_LEASE_SECONDS = 60
    team = TeamFactory(slug="ops", contact_email="ops@example.com")
    stuck = Notification.objects.create(
        team=team,
        channel="email",
        event="e",
        subject="s",
        body="b",
        idempotency_key="stuck",
        status="sending",
        claimed_at=timezone.now() - datetime.timedelta(seconds=30),
    )
    assert notification_deliver(stuck.pk, final_attempt=False) is False  # still leased
    assert stuck.pk not in pending_notification_ids(older_than_seconds=0)
    Notification.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    assert stuck.pk in pending_notification_ids(older_than_seconds=0)
    assert notification_deliver(stuck.pk, final_attempt=False) is True
    assert len(mail.outbox) == 1
