"""Alert rules against stored readings: open once, update while firing, resolve with
hysteresis, notify both teams, name the likely cause. The clock is frozen: every reading and
evaluation is placed at an explicit time."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from catalog.audit import audit_record
from catalog.models import AuditEvent, Notification
from catalog.monitoring.models import Alert
from catalog.monitoring.services import alerts_evaluate, dlq_acknowledge
from contracts.models import SchemaVersion
from tests.factories import ConsumerFactory, register_schema
from tests.monitoring.conftest import minutes_ago, record


def collect_lag(consumer, now, lags_by_minute_ago):
    """Readings one per minute, then an evaluation after each (as collections would)."""
    outcomes = []
    for minutes, lag in lags_by_minute_ago:
        at = minutes_ago(now, minutes)
        record(at, consumer=consumer, lag=lag)
        outcomes.append(alerts_evaluate(consumer_ids=[consumer.pk], topic_ids=[], now=at))
    return outcomes


def alert_notifications(event):
    return sorted(Notification.objects.filter(event=event).values_list("team__slug", flat=True))


class TestLag:
    def test_it_opens_after_five_minutes_over_the_threshold_and_notifies_both_teams(
        self, analytics_consumer, now
    ):
        outcomes = collect_lag(
            analytics_consumer, now, [(m, 150 + 10 * (6 - m)) for m in range(6, -1, -1)]
        )
        opened = [o.opened for o in outcomes]
        assert opened == [0, 0, 0, 0, 0, 1, 0]
        alert = Alert.objects.get()
        assert alert.kind == Alert.Kind.LAG
        assert alert.consumer == analytics_consumer
        assert alert.threshold == 100
        assert alert.value == 210
        assert "warehouse-loader" in alert.message and "100" in alert.message
        assert alert_notifications("alert.opened") == ["analytics", "orders"]

    def test_it_opens_once_and_updates_while_firing(self, analytics_consumer, now):
        collect_lag(analytics_consumer, now, [(m, 500) for m in range(10, 3, -1)])
        collect_lag(analytics_consumer, now, [(3, 900), (2, 700)])
        alert = Alert.objects.get()
        assert alert.value == 700
        assert alert.peak == 900
        assert alert.last_seen_at == minutes_ago(now, 2)
        assert Notification.objects.filter(event="alert.opened").count() == 2  # two teams

    def test_it_stays_open_just_under_the_threshold_and_resolves_well_below_it(
        self, analytics_consumer, now
    ):
        collect_lag(analytics_consumer, now, [(m, 300) for m in range(12, 5, -1)])
        assert Alert.objects.get().is_open
        collect_lag(analytics_consumer, now, [(5, 95), (4, 130), (3, 90)])
        assert Alert.objects.get().is_open, "hovering around the threshold must not flap"
        collect_lag(analytics_consumer, now, [(2, 80)])
        alert = Alert.objects.get()
        assert alert.resolution == Alert.Resolution.CLEARED
        assert alert.resolved_at == minutes_ago(now, 2)
        assert alert_notifications("alert.resolved") == ["analytics", "orders"]
        collect_lag(analytics_consumer, now, [(1, 150), (0, 160)])
        assert Alert.objects.count() == 1, "reopening needs five more minutes over"

    def test_a_shrinking_lag_does_not_alert(self, analytics_consumer, now):
        collect_lag(analytics_consumer, now, [(m, 100 + 100 * m) for m in range(7, -1, -1)])
        assert not Alert.objects.exists()

    def test_the_consumer_override_beats_the_topic_sla(
        self, analytics_consumer, orders_created, analytics, now
    ):
        analytics_consumer.lag_threshold = 1_000
        analytics_consumer.save()
        follows_sla = ConsumerFactory(topic=orders_created, team=analytics, group_id="bi")
        collect_lag(analytics_consumer, now, [(m, 500) for m in range(7, -1, -1)])
        collect_lag(follows_sla, now, [(m, 500) for m in range(7, -1, -1)])
        assert list(Alert.objects.values_list("consumer__group_id", flat=True)) == ["bi"]

    def test_without_any_threshold_lag_never_alerts(self, orders_created, analytics, now):
        orders_created.sla.delete()
        consumer = ConsumerFactory(topic=orders_created, team=analytics, group_id="g")
        consumer.refresh_from_db()
        collect_lag(consumer, now, [(m, 10**9) for m in range(7, -1, -1)])
        assert not Alert.objects.exists()

    def test_an_alert_stays_open_while_no_reading_arrives(self, analytics_consumer, now):
        collect_lag(analytics_consumer, now, [(m, 500) for m in range(30, 23, -1)])
        alerts_evaluate(consumer_ids=[analytics_consumer.pk], topic_ids=[], now=now)
        assert Alert.objects.get().is_open, "silence is not recovery"

    def test_a_retired_consumer_s_alert_resolves_as_gone(self, analytics_consumer, now):
        collect_lag(analytics_consumer, now, [(m, 500) for m in range(7, 0, -1)])
        analytics_consumer.status = analytics_consumer.Status.RETIRED
        analytics_consumer.save()
        alerts_evaluate(consumer_ids=[analytics_consumer.pk], topic_ids=[], now=now)
        assert Alert.objects.get().resolution == Alert.Resolution.GONE


def collect_rates(consumer, topic, now, points):
    for minutes, rate, produced in points:
        at = minutes_ago(now, minutes)
        record(at, consumer=consumer, rate=rate, topic=topic, produce_rate=produced)
        alerts_evaluate(consumer_ids=[consumer.pk], topic_ids=[topic.pk], now=at)


class TestThroughput:
    def baseline(self, consumer, topic, now, start=70, end=8):
        collect_rates(consumer, topic, now, [(m, 100.0, 100.0) for m in range(start, end, -1)])

    def test_a_drop_of_more_than_twenty_percent_for_five_minutes_opens(
        self, analytics_consumer, orders_created, now
    ):
        self.baseline(analytics_consumer, orders_created, now)
        collect_rates(
            analytics_consumer, orders_created, now, [(m, 40.0, 100.0) for m in range(8, 3, -1)]
        )
        assert not Alert.objects.exists(), "four minutes low is not five"
        collect_rates(analytics_consumer, orders_created, now, [(3, 40.0, 100.0)])
        alert = Alert.objects.get()
        assert alert.kind == Alert.Kind.THROUGHPUT_DROP
        assert alert.details["baseline"] == pytest.approx(100.0)
        assert "60% below its baseline" in alert.message

    def test_no_alert_while_the_topic_receives_nothing(
        self, analytics_consumer, orders_created, now
    ):
        self.baseline(analytics_consumer, orders_created, now)
        collect_rates(
            analytics_consumer, orders_created, now, [(m, 0.0, 0.0) for m in range(8, -1, -1)]
        )
        assert not Alert.objects.exists()

    def test_it_resolves_near_the_baseline_it_opened_against(
        self, analytics_consumer, orders_created, now
    ):
        self.baseline(analytics_consumer, orders_created, now, start=75, end=14)
        collect_rates(
            analytics_consumer, orders_created, now, [(m, 40.0, 100.0) for m in range(14, 7, -1)]
        )
        assert Alert.objects.get().is_open
        collect_rates(analytics_consumer, orders_created, now, [(7, 85.0, 100.0)])
        assert Alert.objects.get().is_open, "85% of the baseline is not recovered yet"
        collect_rates(analytics_consumer, orders_created, now, [(6, 95.0, 100.0)])
        assert Alert.objects.get().resolution == Alert.Resolution.CLEARED


class TestDlq:
    def test_it_opens_on_the_first_reading_and_names_both_teams(
        self, analytics_consumer, orders_created, now
    ):
        record(now, topic=orders_created, dlq_depth=3)
        outcome = alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        assert outcome.opened == 1
        alert = Alert.objects.get()
        assert alert.kind == Alert.Kind.DLQ_DEPTH
        assert alert.value == 3
        assert "orders.created.dlq" in alert.message
        assert alert_notifications("alert.opened") == ["analytics", "orders"]

    def test_it_resolves_when_the_dlq_is_drained(self, analytics_consumer, orders_created, now):
        record(minutes_ago(now, 2), topic=orders_created, dlq_depth=3)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 2))
        record(minutes_ago(now, 1), topic=orders_created, dlq_depth=7)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 1))
        assert Alert.objects.get().peak == 7
        record(now, topic=orders_created, dlq_depth=0)
        outcome = alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        assert outcome.resolved == 1
        assert Alert.objects.get().resolution == Alert.Resolution.CLEARED

    def test_a_dlq_alert_stays_open_when_readings_stop(self, orders_created, now):
        record(minutes_ago(now, 30), topic=orders_created, dlq_depth=3)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 30))
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        assert Alert.objects.get().is_open

    def test_a_stale_reading_says_nothing(self, orders_created, now):
        record(minutes_ago(now, 60), topic=orders_created, dlq_depth=3)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        assert not Alert.objects.exists()

    def test_the_owner_acknowledges_and_only_growth_alerts_again(
        self, alice, analytics_consumer, orders_created, now
    ):
        record(minutes_ago(now, 3), topic=orders_created, dlq_depth=5)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 3))
        alert = Alert.objects.get()
        dlq_acknowledge(actor=alice, alert=alert, now=minutes_ago(now, 3))
        alert.refresh_from_db()
        assert alert.resolution == Alert.Resolution.ACKNOWLEDGED
        assert alert.acknowledged_by == alice
        assert AuditEvent.objects.filter(verb="alert.acknowledged", object_id=str(alert.pk))
        record(minutes_ago(now, 2), topic=orders_created, dlq_depth=5)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 2))
        assert Alert.objects.filter(resolved_at__isnull=True).count() == 0
        record(minutes_ago(now, 1), topic=orders_created, dlq_depth=6)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 1))
        assert Alert.objects.filter(resolved_at__isnull=True).count() == 1

    def test_a_drained_dlq_forgets_the_acknowledgement(self, alice, orders_created, now):
        record(minutes_ago(now, 3), topic=orders_created, dlq_depth=5)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 3))
        dlq_acknowledge(actor=alice, alert=Alert.objects.get(), now=minutes_ago(now, 3))
        record(minutes_ago(now, 2), topic=orders_created, dlq_depth=0)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 2))
        record(minutes_ago(now, 1), topic=orders_created, dlq_depth=2)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=minutes_ago(now, 1))
        assert Alert.objects.filter(resolved_at__isnull=True).count() == 1

    def test_an_outsider_cannot_acknowledge(self, charlie, orders_created, now):
        record(now, topic=orders_created, dlq_depth=5)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        with pytest.raises(PermissionDenied):
            dlq_acknowledge(actor=charlie, alert=Alert.objects.get(), now=now)
        assert Alert.objects.get().is_open


class TestLikelyCause:
    def test_it_names_versions_and_proposals_from_the_hour_before_only(
        self, alice, orders_created, now
    ):
        register_schema(orders_created)
        register_schema(orders_created, {"type": "record", "name": "O", "fields": []})
        old, recent = SchemaVersion.objects.order_by("version")
        SchemaVersion.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(hours=3))
        SchemaVersion.objects.filter(pk=recent.pk).update(
            created_at=now - datetime.timedelta(minutes=40)
        )
        audit_record(
            actor=alice,
            verb="proposal.applied",
            obj=recent,
            topic=orders_created,
            after={"version": 2},
        )
        # The audit event is stamped by the real clock, a moment after the frozen 'now'.
        later = now + datetime.timedelta(minutes=1)
        record(later, topic=orders_created, dlq_depth=1)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=later)
        causes = Alert.objects.get().likely_causes
        versions = [c["version"] for c in causes if c["kind"] == "schema_version"]
        assert versions == [2]
        assert [c["kind"] for c in causes] == ["proposal_applied", "schema_version"]
        assert causes[1]["subject"] == "orders.created-value"
        body = Notification.objects.filter(event="alert.opened").first().body
        assert "orders.created-value version 2" in body

    def test_an_alert_without_a_recent_change_says_so(self, orders, orders_created, now):
        record(now, topic=orders_created, dlq_depth=1)
        alerts_evaluate(topic_ids=[orders_created.pk], consumer_ids=[], now=now)
        assert Alert.objects.get().likely_causes == []
        body = Notification.objects.get(event="alert.opened", team=orders).body
        assert "No schema change on this topic in the hour before." in body


def test_readings_past_the_retention_are_pruned(analytics_consumer, now):
    from catalog.monitoring.models import ConsumerSample
    from catalog.monitoring.tasks import prune_signals

    record(now - datetime.timedelta(days=8), consumer=analytics_consumer, lag=1)
    record(now - datetime.timedelta(days=6), consumer=analytics_consumer, lag=2)
    assert prune_signals.delay().get() == 1
    assert list(ConsumerSample.objects.values_list("lag", flat=True)) == [2]
