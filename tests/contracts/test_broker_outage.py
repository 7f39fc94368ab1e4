"""Redis down while a proposal is filed: nothing is lost, the user sees success, and the sweeps
deliver everything once the broker is back."""

from __future__ import annotations

import datetime
import json

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import Notification
from catalog.tasks import sweep_pending_notifications
from contracts.models import ChangeProposal
from contracts.tasks import sweep_unanalysed_proposals
from tests.contracts.conftest import V1, renamed
from tests.factories import ConsumerFactory, register_schema
from tests.support import route_tasks

DEAD_BROKER = "redis://127.0.0.1:1/0"


def test_a_proposal_filed_while_the_broker_is_down_is_kept_and_delivered_later(
    as_bob, orders_created, analytics, django_capture_on_commit_callbacks
):
    analytics.contact_email = "analytics@example.com"
    analytics.save()
    register_schema(orders_created, V1)
    ConsumerFactory(topic=orders_created, team=analytics, fields=["customer_id"])
    form = {
        "schema_text": json.dumps(renamed(V1, "customer_id", "customerId")),
        "rationale": "camelCase",
        "deadline": "2099-01-01",
        "submit_token": "outage",
    }
    with route_tasks(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(reverse("contracts:proposal-new", args=[orders_created.name]), form)
    proposal = ChangeProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.analysed_revision == 0 and not proposal.approvals.exists()
    assert not mail.outbox

    # The broker is back; the periodic sweep finds the proposal nobody analysed.
    ChangeProposal.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unanalysed_proposals() == 1
    proposal.refresh_from_db()
    assert proposal.analysed_revision == 1
    assert set(proposal.approvals.values_list("team__slug", flat=True)) == {"orders", "analytics"}
    assert "analytics@example.com" in [m.to[0] for m in mail.outbox]


def test_notifications_written_while_the_broker_is_down_are_swept_later(
    orders, django_capture_on_commit_callbacks
):
    from catalog.notifications import notify_teams

    orders.contact_email = "orders@example.com"
    orders.save()
    with route_tasks(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        notify_teams(teams=[orders], event="e", subject="s", body="b", payload={}, key="k")
    notification = Notification.objects.get()
    assert notification.status == "pending" and not mail.outbox
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert sweep_pending_notifications() == 1
    assert [m.to for m in mail.outbox] == [["orders@example.com"]]
