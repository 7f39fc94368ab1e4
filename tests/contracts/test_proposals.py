"""The change-proposal workflow, service by service, with a frozen clock (``now=``)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Membership, Notification
from contracts import proposals
from contracts.models import Approval, ChangeProposal, SchemaVersion
from tests.contracts.conftest import V1, renamed, with_fields
from tests.factories import (
    ConsumerFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    register_schema,
)

RENAME = json.dumps(renamed(V1, "customer_id", "customerId"))
OPTIONAL = json.dumps(
    with_fields(V1, {"name": "loyalty_tier", "type": ["null", "string"], "default": None})
)


@pytest.fixture
def story(orders_created, orders, alice, bob, charlie, analytics, pat):
    orders.contact_email = "orders@example.com"
    orders.save()
    analytics.contact_email = "analytics@example.com"
    analytics.save()
    register_schema(orders_created, V1)
    reporting = TeamFactory(slug="reporting", contact_email="reporting@example.com")
    billing = TeamFactory(slug="billing", contact_email="billing@example.com")
    shipping = TeamFactory(slug="shipping", contact_email="shipping@example.com")
    rita = UserFactory(username="rita", email="rita@example.com")
    MembershipFactory(user=rita, team=reporting, role=Membership.Role.LEAD)
    bill = UserFactory(username="bill")
    MembershipFactory(user=bill, team=billing)
    pat.email = "pat@example.com"
    pat.save()
    for team, fields in (
        (analytics, ["order_id", "customer_id"]),
        (reporting, ["amount_cents", "customer_id"]),
        (billing, ["customer_id", "discount_code"]),
        (shipping, ["order_id"]),
    ):
        ConsumerFactory(
            topic=orders_created,
            team=team,
            name=f"{team.slug}-app",
            group_id=f"{team.slug}.app",
            fields=fields,
        )
    return {"topic": orders_created, "rita": rita, "bill": bill}


@pytest.fixture
def file(story, alice, django_capture_on_commit_callbacks):
    def file(schema=RENAME, token="t1", actor=alice, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return proposals.proposal_submit(
                actor=actor,
                topic=story["topic"],
                schema_text=schema,
                rationale="camelCase everywhere",
                deadline=kw.pop("deadline", None),
                submit_token=token,
                **kw,
            )

    return file


def _approval(proposal, slug):
    return proposal.approvals.select_related("team").get(team__slug=slug)


def _decide(proposal, slug, user, decision="approved", comment="", capture=None):
    return proposals.approval_decide(
        actor=user, approval=_approval(proposal, slug), decision=decision, comment=comment
    )


class TestFiling:
    def test_filing_analyses_asks_the_affected_teams_and_the_owner_and_notifies_them(self, file):
        proposal = file()
        proposal.refresh_from_db()
        assert (proposal.status, proposal.kind, proposal.analysed_revision) == (
            "in_review",
            "breaking",
            1,
        )
        roles = dict(proposal.approvals.values_list("team__slug", "role"))
        assert roles == {
            "orders": "owner",
            "analytics": "consumer",
            "reporting": "consumer",
            "billing": "consumer",
        }
        assert _approval(proposal, "billing").fields_hit == ["customer_id"]
        recipients = sorted(m.to[0] for m in mail.outbox)
        assert recipients == [
            "analytics@example.com",
            "billing@example.com",
            "orders@example.com",
            "reporting@example.com",
        ]
        billing = next(m for m in mail.outbox if m.to == ["billing@example.com"])
        assert (
            "customer_id" in billing.body and "BREAKING" in billing.body and "alice" in billing.body
        )
        assert f"/proposals/{proposal.pk}/" in billing.body
        assert proposal.analysis["renames"][0]["old_name"] == "customer_id"
        assert any(".v2" in advice for advice in proposal.analysis["safe_alternatives"])

    def test_a_double_submit_creates_one_proposal(self, file):
        first = file()
        second = file()
        assert first.pk == second.pk and ChangeProposal.objects.count() == 1

    def test_outsiders_cannot_file(self, file, charlie):
        with pytest.raises(PermissionDenied):
            file(actor=charlie)
        assert (
            not ChangeProposal.objects.exists()
            and not AuditEvent.objects.filter(verb="proposal.submitted").exists()
        )

    @pytest.mark.parametrize(
        "schema, kw, code",
        [
            ('{"type": "record"}', {}, "invalid_schema"),
            (json.dumps(V1), {}, "no_change"),
            (RENAME, {"rationale_blank": True}, "missing_rationale"),
            (RENAME, {"deadline": timezone.now() - datetime.timedelta(days=1)}, "past_deadline"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_filed(self, story, alice, schema, kw, code):
        with pytest.raises(ApplicationError) as info:
            proposals.proposal_submit(
                actor=alice,
                topic=story["topic"],
                schema_text=schema,
                rationale="" if kw.get("rationale_blank") else "why",
                deadline=kw.get("deadline"),
                submit_token="x",
            )
        assert info.value.code == code
        assert not ChangeProposal.objects.exists()

    def test_analysis_runs_once_per_revision(self, file):
        proposal = file()
        assert proposals.proposal_analyse(proposal.pk) is False
        assert Approval.objects.count() == 4


class TestDeciding:
    def test_an_objection_rejects_with_the_reason(self, file, charlie, story):
        proposal = file()
        _decide(proposal, "analytics", charlie, "approved")
        result = _decide(
            proposal, "reporting", story["rita"], "objected", "Breaks the revenue report"
        )
        assert result.status == "rejected"
        assert result.decision_reason == "reporting: Breaks the revenue report"
        verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
        assert verbs[-3:] == ["approval.approved", "approval.objected", "proposal.rejected"]
        assert Notification.objects.filter(event="proposal.rejected").count() == 4

    def test_an_objection_needs_a_reason(self, file, charlie):
        proposal = file()
        with pytest.raises(ApplicationError) as info:
            _decide(proposal, "analytics", charlie, "objected", "  ")
        assert info.value.code == "objection_needs_reason"
        assert _approval(proposal, "analytics").state == "pending"

    def test_only_members_decide_for_a_team(self, file, charlie, bob):
        proposal = file()
        for outsider, slug in ((charlie, "billing"), (bob, "analytics")):
            with pytest.raises(PermissionDenied):
                _decide(proposal, slug, outsider)
        assert set(Approval.objects.values_list("state", flat=True)) == {"pending"}
        assert not AuditEvent.objects.filter(verb__startswith="approval.").exists()

    def test_the_platform_role_may_decide_for_any_team(self, file, pat):
        proposal = file()
        assert (
            _decide(proposal, "billing", pat).approvals.get(team__slug="billing").state
            == "approved"
        )

    def test_all_approvals_of_a_compatible_change_register_it(
        self, file, alice, charlie, story, django_capture_on_commit_callbacks
    ):
        proposal = file(schema=OPTIONAL)
        assert set(proposal.approvals.values_list("team__slug", flat=True)) == {"orders"}
        with django_capture_on_commit_callbacks(execute=True):
            result = _decide(proposal, "orders", alice)
        assert (result.status, result.applied_version) == ("applied", 2)
        assert SchemaVersion.objects.filter(subject__name="orders.created-value").count() == 2
        assert Notification.objects.filter(event="schema.registered").exists()

    def test_all_approvals_of_a_breaking_change_require_a_migration(
        self, file, alice, charlie, story, pat
    ):
        proposal = file()
        for slug, user in (
            ("orders", alice),
            ("analytics", charlie),
            ("reporting", story["rita"]),
            ("billing", story["bill"]),
        ):
            proposal = _decide(proposal, slug, user)
        assert (proposal.status, proposal.migration_required) == ("approved", True)
        assert SchemaVersion.objects.count() == 1

    def test_a_closed_proposal_takes_no_decisions(self, file, alice, charlie):
        proposal = file()
        proposals.proposal_withdraw(actor=alice, proposal=proposal)
        with pytest.raises(ApplicationError) as info:
            _decide(proposal, "analytics", charlie)
        assert info.value.code == "proposal_closed"


class TestWithdrawAndRevise:
    def test_only_the_author_or_platform_withdraws(self, file, bob, pat):
        proposal = file()
        with pytest.raises(PermissionDenied):
            proposals.proposal_withdraw(actor=bob, proposal=proposal)
        proposals.proposal_withdraw(actor=pat, proposal=proposal)
        proposal.refresh_from_db()
        assert proposal.status == "withdrawn"

    def test_a_revision_reopens_and_asks_again_only_where_impact_changed(
        self, file, alice, charlie, story, django_capture_on_commit_callbacks
    ):
        proposal = file()
        _decide(proposal, "analytics", charlie, "approved")
        _decide(proposal, "billing", story["bill"], "objected", "We read customer_id")
        # Keep customer_id, rename order_id instead: billing and reporting are no longer hit (and
        # are no longer asked); analytics still is, on another field, so it is asked again;
        # shipping, which reads order_id, is asked for the first time.
        revised = json.dumps(renamed(V1, "order_id", "orderId"))
        with django_capture_on_commit_callbacks(execute=True):
            proposals.proposal_revise(
                actor=alice, proposal=proposal, schema_text=revised, rationale=""
            )
        proposal.refresh_from_db()
        assert (proposal.status, proposal.revision, proposal.analysed_revision) == (
            "in_review",
            2,
            2,
        )
        states = dict(proposal.approvals.values_list("team__slug", "state"))
        assert states == {"orders": "pending", "analytics": "pending", "shipping": "pending"}
        assert _approval(proposal, "analytics").fields_hit == ["order_id"]

    def test_outsiders_cannot_revise(self, file, charlie):
        proposal = file()
        with pytest.raises(PermissionDenied):
            proposals.proposal_revise(
                actor=charlie, proposal=proposal, schema_text=OPTIONAL, rationale=""
            )


class TestClock:
    def test_reminders_go_to_undecided_teams_once_per_interval(self, file, charlie, settings):
        settings.PROPOSAL_REMINDER_HOURS = 24
        proposal = file()
        _decide(proposal, "analytics", charlie)
        start = proposal.created_at
        assert proposals.proposals_remind(now=start + datetime.timedelta(hours=23)) == 0
        assert proposals.proposals_remind(now=start + datetime.timedelta(hours=25)) == 3
        assert proposals.proposals_remind(now=start + datetime.timedelta(hours=26)) == 0
        assert proposals.proposals_remind(now=start + datetime.timedelta(hours=50)) == 3
        reminded = Notification.objects.filter(event="proposal.reminder")
        assert sorted(set(reminded.values_list("team__slug", flat=True))) == [
            "billing",
            "orders",
            "reporting",
        ]
        assert _approval(proposal, "billing").reminders_sent == 2

    def test_escalation_at_the_deadline_goes_to_leads_and_the_platform_role_once(self, file, story):
        proposal = file()
        before = proposal.deadline - datetime.timedelta(minutes=1)
        assert proposals.proposals_escalate(now=before) == 0
        assert proposals.proposals_escalate(now=proposal.deadline) == 1
        assert (
            proposals.proposals_escalate(now=proposal.deadline + datetime.timedelta(hours=1)) == 0
        )
        escalations = Notification.objects.filter(event="proposal.escalated")
        to_reporting = set(
            escalations.filter(team__slug="reporting").values_list("recipient", flat=True)
        )
        assert to_reporting == {"rita@example.com", "pat@example.com"}
        assert AuditEvent.objects.filter(verb="proposal.escalated").count() == 1

    def test_undecided_proposals_expire_after_the_grace_period(self, file, settings):
        settings.PROPOSAL_EXPIRY_GRACE_DAYS = 7
        proposal = file()
        assert proposals.proposals_expire(now=proposal.deadline + datetime.timedelta(days=6)) == 0
        assert proposals.proposals_expire(now=proposal.deadline + datetime.timedelta(days=7)) == 1
        proposal.refresh_from_db()
        assert proposal.status == "expired"
        assert proposals.proposals_expire(now=proposal.deadline + datetime.timedelta(days=8)) == 0
