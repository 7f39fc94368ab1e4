"""Celery tasks of the proposal workflow: thin, idempotent, given ids."""

from __future__ import annotations

from celery import shared_task

from catalog.tasks import enqueue
from contracts import proposals, topic_versions


@shared_task(acks_late=True, ignore_result=True)
def analyse_proposal(proposal_id: int) -> None:
    # Safe twice: the analysis runs once per revision (claimed under a row lock).
    proposals.proposal_analyse(proposal_id)


@shared_task(ignore_result=True)
def remind_pending_approvals() -> int:
    return proposals.proposals_remind()


@shared_task(ignore_result=True)
def escalate_overdue_proposals() -> int:
    return proposals.proposals_escalate()


@shared_task(ignore_result=True)
def expire_stale_proposals() -> int:
    return proposals.proposals_expire()


@shared_task(ignore_result=True)
def sweep_unanalysed_proposals() -> int:
    """Re-enqueue analyses whose task was lost (broker down when the proposal was filed)."""
    ids = proposals.unanalysed_proposal_ids(older_than_seconds=120)
    for proposal_id in ids:
        enqueue(analyse_proposal, proposal_id)
    return len(ids)


@shared_task(ignore_result=True)
def migrations_tick() -> dict[str, int]:
    # Hourly; reminders are at most daily per consumer and every step is claimed, so it is safe.
    return topic_versions.migrations_tick()
