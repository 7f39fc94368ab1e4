"""Breaking changes shipped as a new topic version, and the v1 lifecycle (frozen clock)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.errors import ApplicationError
from catalog.models import (
    AuditEvent,
    Consumer,
    DeliverySLA,
    FieldSemantics,
    Membership,
    Notification,
    Topic,
)
from contracts import proposals, topic_versions
from contracts.models import ChangeProposal, Migration, SchemaVersion
from tests.contracts.conftest import V1, renamed
from tests.factories import (
    ConsumerFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    register_schema,
)

RENAME = json.dumps(renamed(V1, "customer_id", "customerId"))


@pytest.fixture
def story(
    orders_created, orders, alice, charlie, analytics, pat, django_capture_on_commit_callbacks
):
    for team in (orders, analytics):
        team.contact_email = f"{team.slug}@example.com"
        team.save()
    register_schema(orders_created, V1)
    DeliverySLA.objects.create(topic=orders_created, max_latency_seconds=60)
    FieldSemantics.objects.create(topic=orders_created, path="customer_id", meaning="Who ordered")
    reporting = TeamFactory(slug="reporting", contact_email="reporting@example.com")
    billing = TeamFactory(slug="billing", contact_email="billing@example.com")
    rita = UserFactory(username="rita", email="rita@example.com")
    MembershipFactory(user=rita, team=reporting, role=Membership.Role.LEAD)
    bill = UserFactory(username="bill")
    MembershipFactory(user=bill, team=billing)
    for team in (analytics, reporting, billing):
        ConsumerFactory(
            topic=orders_created,
            team=team,
            name=f"{team.slug}-app",
            group_id=f"{team.slug}.app",
            fields=["customer_id", "amount_cents"],
        )
    with django_capture_on_commit_callbacks(execute=True):
        proposal = proposals.proposal_submit(
            actor=alice,
            topic=orders_created,
            schema_text=RENAME,
            rationale="camelCase",
            deadline=None,
            submit_token="p1",
        )
    for slug, user in (
        ("orders", alice),
        ("analytics", charlie),
        ("reporting", rita),
        ("billing", bill),
    ):
        proposal = proposals.approval_decide(
            actor=user, approval=proposal.approvals.get(team__slug=slug), decision="approved"
        )
    assert (proposal.status, proposal.migration_required) == ("approved", True)
    return {"topic": orders_created, "proposal": proposal, "rita": rita, "bill": bill}


@pytest.fixture
def start(story, alice, django_capture_on_commit_callbacks):
    def start(**kw):
        with django_capture_on_commit_callbacks(execute=True):
            return topic_versions.migration_start(
                actor=kw.pop("actor", alice),
                topic=story["topic"],
                schema_text=RENAME,
                proposal=kw.pop("proposal", story["proposal"]),
                **kw,
            )

    return start


def _item(migration, slug):
    return migration.consumers.select_related("consumer", "consumer__team").get(
        consumer__team__slug=slug
    )


class TestStarting:
    def test_the_approved_rename_becomes_a_v2_topic_with_everything_carried_over(
        self, start, story
    ):
        migration = start()
        v2 = migration.to_topic
        assert (v2.name, v2.owner, v2.supersedes, v2.status) == (
            "orders.created.v2",
            story["topic"].owner,
            story["topic"],
            "active",
        )
        assert v2.naming_exemption  # a version of an exempt legacy name
        assert SchemaVersion.objects.filter(subject__name="orders.created.v2-value").count() == 1
        assert DeliverySLA.objects.get(topic=v2).max_latency_seconds == 60
        assert FieldSemantics.objects.get(topic=v2).path == "customerId"
        assert migration.renames == {"customer_id": "customerId"}
        assert migration.consumers.count() == 3
        assert set(
            Consumer.objects.filter(topic=story["topic"]).values_list("status", flat=True)
        ) == {"migrating"}
        story["proposal"].refresh_from_db()
        assert story["proposal"].status == "applied"
        started = Notification.objects.filter(event="migration.started")
        assert set(started.values_list("team__slug", flat=True)) == {
            "analytics",
            "reporting",
            "billing",
        }
        assert AuditEvent.objects.filter(verb="migration.started").count() == 1

    def test_outsiders_cannot_start_one_and_nothing_is_written(self, start, charlie):
        with pytest.raises(PermissionDenied):
            start(actor=charlie)
        assert not Topic.objects.filter(name="orders.created.v2").exists()
        assert not Migration.objects.exists()

    @pytest.mark.parametrize("days", [10, 29, 61, 90])
    def test_a_window_outside_30_to_60_days_is_refused(self, start, days):
        with pytest.raises(ApplicationError) as info:
            start(window_days=days)
        assert info.value.code == "invalid_window"
        assert not Topic.objects.filter(name="orders.created.v2").exists()

    def test_the_platform_role_may_set_another_window(self, start, pat):
        assert start(actor=pat, window_days=90).window_days == 90

    def test_a_second_open_migration_is_refused(self, start, story, alice):
        start()
        Topic.objects.filter(name="orders.created.v2").update(name="orders.created.v2x")
        with pytest.raises(ApplicationError) as info:
            topic_versions.migration_start(actor=alice, topic=story["topic"], schema_text=RENAME)
        assert info.value.code == "migration_in_progress"

    def test_a_taken_version_name_is_refused(self, start, story):
        Topic.objects.create(
            name="orders.created.v2", owner=story["topic"].owner, naming_exemption="x"
        )
        with pytest.raises(ApplicationError) as info:
            start()
        assert info.value.code == "version_name_taken"
        assert not Migration.objects.exists()

    def test_a_retired_topic_cannot_migrate(self, start, story):
        Topic.objects.filter(pk=story["topic"].pk).update(status="retired")
        story["topic"].refresh_from_db()
        with pytest.raises(ApplicationError) as info:
            start()
        assert info.value.code == "topic_not_active"

    def test_a_rejected_rename_becomes_the_v2_migration(self, start, story):
        ChangeProposal.objects.filter(pk=story["proposal"].pk).update(status="rejected")
        story["proposal"].refresh_from_db()
        assert start().proposal == story["proposal"]

    @pytest.mark.parametrize(
        "status, kind", [("in_review", "breaking"), ("approved", "compatible")]
    )
    def test_other_proposals_do_not_become_migrations(self, start, story, status, kind):
        ChangeProposal.objects.filter(pk=story["proposal"].pk).update(status=status, kind=kind)
        story["proposal"].refresh_from_db()
        with pytest.raises(ApplicationError) as info:
            start()
        assert info.value.code == "proposal_not_approved"


class TestMoving:
    def test_the_consumers_team_marks_it_migrated_and_it_is_registered_on_v2(
        self, start, charlie, bob
    ):
        migration = start()
        with pytest.raises(PermissionDenied):
            topic_versions.consumer_mark_migrated(actor=bob, item=_item(migration, "analytics"))
        item = topic_versions.consumer_mark_migrated(
            actor=charlie, item=_item(migration, "analytics")
        )
        assert item.status == "migrated" and item.migrated_by == charlie
        [told] = Notification.objects.filter(
            event="migration.consumer_migrated", team__slug="orders"
        )
        assert "(2 to go)" in told.subject
        new = item.new_consumer
        assert (new.topic, new.group_id, new.fields) == (
            migration.to_topic,
            "analytics.app",
            ["amount_cents", "customerId"],
        )
        assert Consumer.objects.get(pk=item.consumer_id).status == "retired"
        again = topic_versions.consumer_mark_migrated(
            actor=charlie, item=_item(migration, "analytics")
        )
        assert again.new_consumer == new
        assert Consumer.objects.filter(topic=migration.to_topic).count() == 1

    def test_only_owners_confirm_dual_publishing(self, start, charlie, bob):
        migration = start()
        with pytest.raises(PermissionDenied):
            topic_versions.migration_confirm_dual_publish(actor=charlie, migration=migration)
        migration = topic_versions.migration_confirm_dual_publish(actor=bob, migration=migration)
        assert migration.status == "dual_publishing" and migration.dual_publish_confirmed_by == bob
        told = Notification.objects.filter(event="migration.dual_publishing")
        assert set(told.values_list("team__slug", flat=True)) == {
            "analytics",
            "reporting",
            "billing",
        }


def test_the_seed_story_continues_to_retirement_and_the_audit_log_tells_it(
    start, story, charlie, settings
):
    settings.MIGRATION_ESCALATE_AFTER_DAYS = 3
    start_time = timezone.now()
    migration = start(now=start_time)
    topic_versions.consumer_mark_migrated(
        actor=charlie, item=_item(migration, "analytics"), now=start_time
    )
    end = migration.window_ends_at
    assert topic_versions.migrations_tick(now=end - datetime.timedelta(days=1)) == {
        "reminded": 0,
        "escalated": 0,
        "retired": 0,
    }
    assert topic_versions.migrations_tick(now=end + datetime.timedelta(hours=1))["reminded"] == 2
    topic_versions.consumer_mark_migrated(
        actor=story["bill"], item=_item(migration, "billing"), now=end + datetime.timedelta(hours=2)
    )
    assert topic_versions.migrations_tick(now=end + datetime.timedelta(days=1, hours=2)) == {
        "reminded": 1,
        "escalated": 0,
        "retired": 0,
    }
    escalation = topic_versions.migrations_tick(now=end + datetime.timedelta(days=3, hours=3))
    assert escalation["escalated"] == 1
    recipients = set(
        Notification.objects.filter(event="migration.escalated").values_list("recipient", flat=True)
    )
    assert "rita@example.com" in recipients
    topic_versions.consumer_mark_migrated(
        actor=story["rita"],
        item=_item(migration, "reporting"),
        now=end + datetime.timedelta(days=4),
    )
    v1 = Topic.objects.get(name="orders.created")
    assert v1.status == "deprecated"
    assert Notification.objects.filter(event="migration.all_migrated", team__slug="orders").exists()
    assert (
        topic_versions.migrations_tick(now=end + datetime.timedelta(days=4, hours=1))["retired"]
        == 1
    )
    v1.refresh_from_db()
    migration.refresh_from_db()
    assert (v1.status, migration.status) == ("retired", "completed")
    story_verbs = [
        v
        for v in AuditEvent.objects.filter(topic=v1)
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
        if v.startswith(("migration.", "topic."))
    ]
    assert story_verbs == [
        "migration.started",
        "migration.consumer_migrated",  # analytics, at once
        "migration.reminded",
        "migration.reminded",
        "migration.consumer_migrated",  # billing, after a reminder
        "migration.reminded",
        "migration.reminded",  # reporting, daily
        "migration.escalated",
        "migration.consumer_migrated",  # reporting, after the escalation
        "topic.deprecated",
        "topic.retired",
        "migration.completed",
    ]
