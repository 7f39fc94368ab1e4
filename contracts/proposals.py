"""Change proposals: filing, analysis, approvals, and what happens when they are all in.

Every write here checks permissions, runs in one transaction, records an audit event and queues
notifications through the outbox; the Celery tasks in ``contracts.tasks`` only call these.
Functions that depend on the time take ``now`` so tests move a frozen clock instead of sleeping.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.audit import audit_record
from catalog.authentication import ApiPrincipal
from catalog.errors import ApplicationError
from catalog.models import Team, Topic
from catalog.notifications import (
    TeamMessage,
    escalation_emails,
    notify_each,
    notify_people,
    notify_teams,
)
from catalog.permissions import can_act_for_team, can_manage_topic, is_platform
from contracts import registry
from contracts.impact import (
    AffectedConsumer,
    breaking_paths,
    consumers_affected,
    topic_active_consumers,
)
from contracts.models import Approval, ChangeProposal, Compatibility, ProposalComment, Subject
from contracts.registry import RegistryError
from contracts.schema import ChangeKind, ParsedSchema, check_compatibility, diff_schemas
from contracts.selectors import value_subject_name

User = AbstractBaseUser | AnonymousUser


# --- analysis (also the browser's live preview) -------------------------------------------


@dataclass(frozen=True)
class Analysis:
    topic: str
    subject: str
    level: str
    base_version: int | None
    is_compatible: bool
    verdicts: dict[str, dict[str, Any]]
    diff: list[dict[str, Any]]
    renames: list[dict[str, Any]]
    affected: list[AffectedConsumer]

    @property
    def kind(self) -> str:
        return (
            ChangeProposal.Kind.COMPATIBLE if self.is_compatible else ChangeProposal.Kind.BREAKING
        )

    def affected_teams(self) -> dict[str, list[str]]:
        """Team slug → the fields that hit its consumers."""
        teams: dict[str, list[str]] = {}
        for consumer in self.affected:
            fields = teams.setdefault(consumer.team, [])
            fields.extend(f for f in consumer.fields_hit if f not in fields)
        return teams

    def safe_alternatives(self) -> list[str]:
        if self.is_compatible:
            return []
        advice = [r["suggestion"] for r in self.renames if r.get("suggestion")]
        advice.append(
            "Make the change additive: keep existing fields, add new ones as optional "
            '(a union with "null" first and "default": null), and use aliases for renames.'
        )
        advice.append(
            f"If the change must break readers, publish it on a new topic version "
            f"({next_version_name(self.topic)}) with a dual-publish window, so consumers "
            "migrate at their own pace."
        )
        return advice

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "subject": self.subject,
            "level": self.level,
            "base_version": self.base_version,
            "is_compatible": self.is_compatible,
            "verdicts": self.verdicts,
            "diff": self.diff,
            "renames": self.renames,
            "affected_consumers": [a.as_dict() for a in self.affected],
            "affected_teams": self.affected_teams(),
            "safe_alternatives": self.safe_alternatives(),
        }


def next_version_name(topic_name: str) -> str:
    from catalog.naming import TOPIC_NAME_RE

    match = TOPIC_NAME_RE.match(topic_name)
    if match and match.group("version"):
        number = int(match.group("version"))
        return topic_name[: -len(f".v{number}")] + f".v{number + 1}"
    return f"{topic_name}.v2"


def analyse(topic: Topic, parsed: ParsedSchema, *, role: str = "value") -> Analysis:
    """Diff against the latest version, the verdict under every level, and who it hits."""
    subject_name = f"{topic.name}-{role}"
    subject = Subject.objects.filter(name=subject_name).first()
    history = registry.subject_history(subject)
    existing = registry.parsed_history(history)
    labels = [f"version {v.version}" for v in history]
    level = registry.effective_compatibility(subject)
    results = {
        lvl: check_compatibility(parsed, existing, lvl, version_labels=labels)
        for lvl in Compatibility.values
    }
    changes = diff_schemas(existing[-1], parsed) if existing else []
    paths = breaking_paths(changes, results[level].incompatibilities)
    return Analysis(
        topic=topic.name,
        subject=subject_name,
        level=level,
        base_version=history[-1].version if history else None,
        is_compatible=results[level].is_compatible,
        verdicts={lvl: result.as_dict() for lvl, result in results.items()},
        diff=[c.as_dict() for c in changes],
        renames=[c.as_dict() for c in changes if c.kind == ChangeKind.LIKELY_RENAME],
        affected=consumers_affected(topic_active_consumers(topic), paths),
    )


def parse_proposed(schema_text: str) -> ParsedSchema:
    try:
        return registry.parse_submitted(schema_text)
    except RegistryError as exc:
        raise ApplicationError(exc.message, code="invalid_schema", field="schema_text") from exc


# --- filing --------------------------------------------------------------------------------


def _require_producer(actor: User, topic: Topic) -> None:
    if not can_manage_topic(actor, topic):
        owner = topic.owner.slug if topic.owner else "the owning team"
        raise PermissionDenied(f"Only members of {owner} may propose changes to {topic.name}.")


def proposal_submit(
    *,
    actor: User,
    topic: Topic,
    schema_text: str,
    rationale: str,
    deadline: datetime.datetime | None,
    submit_token: str,
    now: datetime.datetime | None = None,
) -> ChangeProposal:
    """File a proposal (producer team members). Submitting the same form twice returns the
    first proposal. Analysis, approvals and notifications follow in a task after commit."""
    _require_producer(actor, topic)
    existing = ChangeProposal.objects.filter(submit_token=submit_token).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    rationale = rationale.strip()
    if not rationale:
        raise ApplicationError(
            "Say why the change is needed: consumers decide on it.",
            code="missing_rationale",
            field="rationale",
        )
    if not submit_token or len(submit_token) > 64:
        raise ApplicationError("Reload the form and submit again.", code="invalid_form_token")
    deadline = deadline or now + datetime.timedelta(days=settings.PROPOSAL_DEFAULT_DEADLINE_DAYS)
    if deadline <= now:
        raise ApplicationError(
            "The deadline must be in the future.", code="past_deadline", field="deadline"
        )
    parsed = parse_proposed(schema_text)
    latest = registry.subject_history(
        Subject.objects.filter(name=value_subject_name(topic.name)).first()
    )
    if latest and latest[-1].fingerprint == parsed.fingerprint:
        raise ApplicationError(
            "This is the schema already registered: there is nothing to change.",
            code="no_change",
            field="schema_text",
        )
    try:
        with transaction.atomic():
            proposal = ChangeProposal.objects.create(
                topic=topic,
                author_id=user_id(actor),
                schema_text=schema_text,
                fingerprint=parsed.fingerprint,
                rationale=rationale,
                deadline=deadline,
                submit_token=submit_token,
            )
            audit_record(
                actor=actor,
                verb="proposal.submitted",
                obj=proposal,
                topic=topic,
                team=topic.owner,
                after={"deadline": deadline.isoformat(), "revision": 1},
            )
            _enqueue_analysis(proposal)
    except IntegrityError:
        # The same form, submitted twice at once: the first one won.
        return ChangeProposal.objects.get(submit_token=submit_token)
    return proposal


def user_id(actor: User) -> int:
    # Callers have checked permissions, which anonymous users never have.
    assert actor.pk is not None
    return int(actor.pk)


def _enqueue_analysis(proposal: ChangeProposal) -> None:
    from catalog.tasks import enqueue
    from contracts.tasks import analyse_proposal

    proposal_id = proposal.pk
    transaction.on_commit(lambda: enqueue(analyse_proposal, proposal_id))


def proposal_analyse(proposal_id: int) -> bool:
    """Analyse the proposal's current revision once: store the analysis, create or reset
    approvals, notify the teams. Returns False when there was nothing to do."""
    with transaction.atomic():
        proposal = (
            ChangeProposal.objects.select_for_update(of=("self",))
            .select_related("topic", "topic__owner", "author")
            .filter(pk=proposal_id)
            .first()
        )
        if (
            proposal is None
            or proposal.status != ChangeProposal.Status.IN_REVIEW
            or proposal.analysed_revision >= proposal.revision
        ):
            return False
        analysis = analyse(proposal.topic, parse_proposed(proposal.schema_text))
        proposal.analysis = analysis.as_dict()
        proposal.kind = analysis.kind
        proposal.base_version = analysis.base_version
        proposal.analysed_revision = proposal.revision
        proposal.save(update_fields=["analysis", "kind", "base_version", "analysed_revision"])
        changed_teams = _sync_approvals(proposal, analysis)
        audit_record(
            actor=None,
            verb="proposal.analysed",
            obj=proposal,
            topic=proposal.topic,
            after={
                "revision": proposal.revision,
                "kind": proposal.kind,
                "affected_teams": sorted(analysis.affected_teams()),
            },
        )
        _notify_review_requested(proposal, analysis, changed_teams)
    return True


def _sync_approvals(proposal: ChangeProposal, analysis: Analysis) -> list[Team]:
    """One approval per affected consumer team plus the owner. On a revision, a team whose
    impact changed is asked again; a team no longer affected is dropped if it had not decided.
    Returns the teams that must be asked (again)."""
    hit = analysis.affected_teams()
    teams = {t.slug: t for t in Team.objects.filter(slug__in=hit)}
    existing = {a.team_id: a for a in proposal.approvals.select_related("team")}
    ask: list[Team] = []
    new: list[Approval] = []
    wanted: set[int] = set()
    owner = proposal.topic.owner
    if owner is not None:
        wanted.add(owner.pk)
        if owner.pk not in existing:
            new.append(Approval(proposal=proposal, team=owner, role=Approval.Role.OWNER))
            ask.append(owner)
    for slug, fields in hit.items():
        team = teams[slug]
        wanted.add(team.pk)
        approval = existing.get(team.pk)
        if approval is None:
            new.append(
                Approval(
                    proposal=proposal, team=team, role=Approval.Role.CONSUMER, fields_hit=fields
                )
            )
            ask.append(team)
        elif approval.role == Approval.Role.CONSUMER and sorted(approval.fields_hit) != sorted(
            fields
        ):
            approval.fields_hit = fields
            approval.state = Approval.State.PENDING
            approval.decided_by = None
            approval.decided_at = None
            approval.comment = ""
            approval.save(
                update_fields=["fields_hit", "state", "decided_by", "decided_at", "comment"]
            )
            ask.append(team)
    Approval.objects.bulk_create(new)
    for team_id, approval in existing.items():
        if team_id not in wanted and approval.state == Approval.State.PENDING:
            approval.delete()
    return ask


# --- deciding ------------------------------------------------------------------------------


def approval_decide(
    *,
    actor: User,
    approval: Approval,
    decision: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ChangeProposal:
    """A team approves or objects (members of that team, or the platform role). An objection
    needs a reason. Deciding again is allowed while the proposal is in review."""
    if not can_act_for_team(actor, approval.team):
        raise PermissionDenied(f"Only members of {approval.team.slug} may decide for it.")
    comment = comment.strip()
    if decision not in (Approval.State.APPROVED, Approval.State.OBJECTED):
        raise ApplicationError("Approve or object.", code="invalid_decision", field="decision")
    if decision == Approval.State.OBJECTED and not comment:
        raise ApplicationError(
            "An objection needs a reason the producer can act on.",
            code="objection_needs_reason",
            field="comment",
        )
    now = now or timezone.now()
    with transaction.atomic():
        proposal = ChangeProposal.objects.select_for_update(of=("self",)).get(
            pk=approval.proposal_id
        )
        if proposal.status != ChangeProposal.Status.IN_REVIEW:
            raise ApplicationError(
                f"This proposal is {proposal.get_status_display().lower()}; it takes no more "
                "decisions.",
                code="proposal_closed",
            )
        if proposal.analysed_revision < proposal.revision:
            raise ApplicationError(
                "The latest revision is still being analysed; try again in a moment.",
                code="analysis_pending",
            )
        locked = Approval.objects.select_for_update().get(pk=approval.pk)
        before = {"state": locked.state}
        locked.state = decision
        locked.comment = comment
        locked.decided_by_id = actor.pk
        locked.decided_at = now
        locked.save(update_fields=["state", "comment", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            verb=f"approval.{decision}",
            obj=proposal,
            topic=proposal.topic,
            team=approval.team,
            before=before,
            after={"state": decision, "team": approval.team.slug, "comment": comment},
        )
        _settle(proposal, actor=actor, now=now)
    proposal.refresh_from_db()
    return proposal


def _settle(proposal: ChangeProposal, *, actor: User, now: datetime.datetime) -> None:
    """Any objection rejects; all approvals in approves (and applies)."""
    states = list(proposal.approvals.values_list("state", "comment", "team__slug"))
    objections = [
        (team, comment) for state, comment, team in states if state == Approval.State.OBJECTED
    ]
    if objections:
        reason = "; ".join(f"{team}: {comment}" for team, comment in objections)
        _close(proposal, ChangeProposal.Status.REJECTED, actor=actor, now=now, reason=reason)
        return
    if states and all(state == Approval.State.APPROVED for state, _, _ in states):
        _close(proposal, ChangeProposal.Status.APPROVED, actor=actor, now=now)
        proposal_apply(proposal, actor=actor)


def _close(
    proposal: ChangeProposal,
    status: str,
    *,
    actor: User | None,
    now: datetime.datetime,
    reason: str = "",
) -> None:
    before = proposal.status
    proposal.status = status
    proposal.decided_at = now
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        verb=f"proposal.{status}",
        obj=proposal,
        topic=proposal.topic,
        team=proposal.topic.owner,
        before={"status": before},
        after={"status": status, "reason": reason},
    )
    _notify_decision(proposal)


def proposal_apply(proposal: ChangeProposal, *, actor: User) -> None:
    """An approved compatible change is registered through the registry's gate; a breaking one
    is marked migration required (a new topic version)."""
    if proposal.kind == ChangeProposal.Kind.BREAKING:
        proposal.migration_required = True
        proposal.save(update_fields=["migration_required"])
        audit_record(
            actor=actor,
            verb="proposal.migration_required",
            obj=proposal,
            topic=proposal.topic,
            after={"next_topic": next_version_name(proposal.topic.name)},
        )
        return
    author = get_user_model().objects.get(pk=proposal.author_id)
    try:
        registration = registry.register(
            principal=ApiPrincipal(user=author, can_write=True),
            subject_name=value_subject_name(proposal.topic.name),
            schema_text=proposal.schema_text,
        )
    except RegistryError as exc:
        # The subject moved on since the analysis (another version landed): say so, and leave
        # the proposal approved for the author to revise.
        audit_record(
            actor=actor,
            verb="proposal.apply_failed",
            obj=proposal,
            topic=proposal.topic,
            after={"error": exc.message[:2000]},
        )
        proposal.decision_reason = f"Approved, but the registry refused it: {exc.message}"
        proposal.save(update_fields=["decision_reason"])
        return
    proposal.status = ChangeProposal.Status.APPLIED
    proposal.applied_version = registration.version
    proposal.save(update_fields=["status", "applied_version"])
    audit_record(
        actor=actor,
        verb="proposal.applied",
        obj=proposal,
        topic=proposal.topic,
        after={"version": registration.version, "schema_id": registration.schema_id},
    )


def proposal_withdraw(
    *, actor: User, proposal: ChangeProposal, now: datetime.datetime | None = None
) -> None:
    if proposal.author_id != actor.pk and not is_platform(actor):
        raise PermissionDenied("Only the author (or the platform role) may withdraw a proposal.")
    with transaction.atomic():
        locked = (
            ChangeProposal.objects.select_for_update(of=("self",))
            .select_related("topic", "topic__owner")
            .get(pk=proposal.pk)
        )
        if locked.status not in (ChangeProposal.Status.IN_REVIEW, ChangeProposal.Status.REJECTED):
            raise ApplicationError(
                f"A proposal that is {locked.get_status_display().lower()} cannot be withdrawn.",
                code="proposal_closed",
            )
        _close(locked, ChangeProposal.Status.WITHDRAWN, actor=actor, now=now or timezone.now())


def proposal_revise(
    *,
    actor: User,
    proposal: ChangeProposal,
    schema_text: str,
    rationale: str,
) -> ChangeProposal:
    """A new revision of the schema: back in review, analysed again; teams whose impact changed
    are asked again, the others keep their decision."""
    if proposal.author_id != actor.pk and not can_manage_topic(actor, proposal.topic):
        raise PermissionDenied("Only the producer team may revise this proposal.")
    parsed = parse_proposed(schema_text)
    with transaction.atomic():
        locked = (
            ChangeProposal.objects.select_for_update(of=("self",))
            .select_related("topic", "topic__owner")
            .get(pk=proposal.pk)
        )
        if locked.status not in (ChangeProposal.Status.IN_REVIEW, ChangeProposal.Status.REJECTED):
            raise ApplicationError(
                f"A proposal that is {locked.get_status_display().lower()} cannot be revised.",
                code="proposal_closed",
            )
        before = {"revision": locked.revision, "status": locked.status}
        locked.schema_text = schema_text
        locked.fingerprint = parsed.fingerprint
        if rationale.strip():
            locked.rationale = rationale.strip()
        locked.revision += 1
        locked.status = ChangeProposal.Status.IN_REVIEW
        locked.decision_reason = ""
        locked.decided_at = None
        locked.save(
            update_fields=[
                "schema_text",
                "fingerprint",
                "rationale",
                "revision",
                "status",
                "decision_reason",
                "decided_at",
            ]
        )
        # An objection is an answer to the old revision: the objecting teams decide again.
        locked.approvals.filter(state=Approval.State.OBJECTED).update(
            state=Approval.State.PENDING, decided_by=None, decided_at=None
        )
        audit_record(
            actor=actor,
            verb="proposal.revised",
            obj=locked,
            topic=locked.topic,
            before=before,
            after={"revision": locked.revision, "status": locked.status},
        )
        _enqueue_analysis(locked)
    return locked


def proposal_comment(*, actor: User, proposal: ChangeProposal, text: str) -> ProposalComment:
    """Anyone signed in may comment: consumers not (yet) registered often know most."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to comment.")
    text = text.strip()
    if not text:
        raise ApplicationError("Write something.", code="empty_comment", field="text")
    with transaction.atomic():
        comment = ProposalComment.objects.create(proposal=proposal, author_id=actor.pk, text=text)
        audit_record(actor=actor, verb="proposal.commented", obj=proposal, topic=proposal.topic)
    return comment


# --- reminders, escalation, expiry (beat) ---------------------------------------------------


def proposals_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind teams that have not decided, at most once per PROPOSAL_REMINDER_HOURS."""
    now = now or timezone.now()
    interval = datetime.timedelta(hours=settings.PROPOSAL_REMINDER_HOURS)
    due = (
        Approval.objects.filter(
            proposal__status=ChangeProposal.Status.IN_REVIEW, state=Approval.State.PENDING
        )
        .select_related("proposal", "proposal__topic", "team")
        .order_by("pk")
    )
    sent = 0
    for approval in due:
        reference = approval.last_reminded_at or approval.proposal.created_at
        if now - reference < interval:
            continue
        with transaction.atomic():
            claimed = Approval.objects.filter(
                pk=approval.pk, state=Approval.State.PENDING, reminders_sent=approval.reminders_sent
            ).update(reminders_sent=approval.reminders_sent + 1, last_reminded_at=now)
            if not claimed:
                continue
            proposal = approval.proposal
            number = approval.reminders_sent + 1
            notify_teams(
                teams=[approval.team],
                event="proposal.reminder",
                subject=f"[{proposal.topic.name}] reminder: decide on proposal #{proposal.pk}",
                body=_review_body(proposal, approval.fields_hit, reminder=True),
                payload=_payload(proposal, approval.fields_hit),
                key=f"proposal:{proposal.pk}:reminder:{approval.team_id}:{number}",
            )
            sent += 1
    return sent


def proposals_escalate(*, now: datetime.datetime | None = None) -> int:
    """Past the deadline with decisions missing: tell the undecided teams' leads and the
    platform role, once per proposal."""
    now = now or timezone.now()
    overdue = ChangeProposal.objects.filter(
        status=ChangeProposal.Status.IN_REVIEW, deadline__lte=now, escalated_at__isnull=True
    ).select_related("topic", "topic__owner")
    escalated = 0
    for proposal in overdue:
        with transaction.atomic():
            claimed = ChangeProposal.objects.filter(
                pk=proposal.pk, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            pending = list(
                proposal.approvals.filter(state=Approval.State.PENDING).select_related("team")
            )
            for approval in pending:
                notify_people(
                    team=approval.team,
                    emails=escalation_emails(approval.team),
                    event="proposal.escalated",
                    subject=f"[{proposal.topic.name}] overdue: {approval.team.slug} has not "
                    f"decided on proposal #{proposal.pk}",
                    body=_review_body(proposal, approval.fields_hit, escalation=True),
                    payload=_payload(proposal, approval.fields_hit),
                    key=f"proposal:{proposal.pk}:escalation:{approval.team_id}",
                )
            audit_record(
                actor=None,
                verb="proposal.escalated",
                obj=proposal,
                topic=proposal.topic,
                after={"pending_teams": [a.team.slug for a in pending]},
            )
            escalated += 1
    return escalated


def proposals_expire(*, now: datetime.datetime | None = None) -> int:
    """Undecided past the deadline plus PROPOSAL_EXPIRY_GRACE_DAYS: expired."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.PROPOSAL_EXPIRY_GRACE_DAYS)
    expired = 0
    for proposal in ChangeProposal.objects.filter(
        status=ChangeProposal.Status.IN_REVIEW, deadline__lte=cutoff
    ).select_related("topic", "topic__owner"):
        with transaction.atomic():
            claimed = ChangeProposal.objects.filter(
                pk=proposal.pk, status=ChangeProposal.Status.IN_REVIEW
            ).update(status=ChangeProposal.Status.EXPIRED, decided_at=now)
            if not claimed:
                continue
            proposal.status = ChangeProposal.Status.EXPIRED
            audit_record(
                actor=None,
                verb="proposal.expired",
                obj=proposal,
                topic=proposal.topic,
                before={"status": ChangeProposal.Status.IN_REVIEW},
                after={"status": ChangeProposal.Status.EXPIRED},
            )
            _notify_decision(proposal)
            expired += 1
    return expired


# --- messages ------------------------------------------------------------------------------


def _link(proposal: ChangeProposal) -> str:
    return settings.SITE_URL.rstrip("/") + proposal.get_absolute_url()


def _payload(proposal: ChangeProposal, fields_hit: list[str]) -> dict[str, Any]:
    return {
        "proposal": proposal.pk,
        "topic": proposal.topic.name,
        "author": proposal.author.get_username(),
        "kind": proposal.kind,
        "status": proposal.status,
        "fields_hit": fields_hit,
        "deadline": proposal.deadline.isoformat(),
        "url": _link(proposal),
    }


def _review_body(
    proposal: ChangeProposal,
    fields_hit: list[str],
    *,
    reminder: bool = False,
    escalation: bool = False,
) -> str:
    analysis = proposal.analysis or {}
    verdict = (
        f"compatible under {analysis.get('level')}"
        if proposal.kind == ChangeProposal.Kind.COMPATIBLE
        else f"BREAKING under {analysis.get('level')}: it needs a new topic version"
    )
    lines = []
    if escalation:
        lines.append("The deadline has passed and this team has not decided.")
    elif reminder:
        lines.append("Your team has not decided yet.")
    lines += [
        f"{proposal.author.get_username()} proposes a schema change to {proposal.topic.name} "
        f"(proposal #{proposal.pk}, revision {proposal.revision}).",
        f"Verdict: {verdict}.",
        f"Why: {proposal.rationale}",
    ]
    if fields_hit:
        lines.append(f"Fields your consumers read that it touches: {', '.join(fields_hit)}")
    lines += [
        f"Decide by {proposal.deadline:%Y-%m-%d %H:%M} UTC: approve, or object with a reason.",
        _link(proposal),
    ]
    return "\n".join(lines)


def _notify_review_requested(
    proposal: ChangeProposal, analysis: Analysis, teams: list[Team]
) -> None:
    hits = analysis.affected_teams()
    subject = f"[{proposal.topic.name}] your decision is needed: proposal #{proposal.pk}" + (
        " (breaking)" if proposal.kind == ChangeProposal.Kind.BREAKING else ""
    )
    notify_each(
        TeamMessage(
            team=team,
            event="proposal.review_requested",
            subject=subject,
            body=_review_body(proposal, hits.get(team.slug, [])),
            payload=_payload(proposal, hits.get(team.slug, [])),
            key=f"proposal:{proposal.pk}:r{proposal.revision}:review",
        )
        for team in teams
    )


def _notify_decision(proposal: ChangeProposal) -> None:
    teams = [a.team for a in proposal.approvals.select_related("team")]
    status = proposal.get_status_display().lower()
    body = [f"Proposal #{proposal.pk} on {proposal.topic.name} is {status}."]
    if proposal.decision_reason:
        body.append(f"Reason: {proposal.decision_reason}")
    body.append(_link(proposal))
    notify_teams(
        teams=teams,
        event=f"proposal.{proposal.status}",
        subject=f"[{proposal.topic.name}] proposal #{proposal.pk} {status}",
        body="\n".join(body),
        payload=_payload(proposal, []),
        key=f"proposal:{proposal.pk}:r{proposal.revision}:{proposal.status}",
    )


def unanalysed_proposal_ids(*, older_than_seconds: int) -> list[int]:
    from django.db.models import F

    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        ChangeProposal.objects.filter(
            status=ChangeProposal.Status.IN_REVIEW,
            analysed_revision__lt=F("revision"),
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:200]
    )
