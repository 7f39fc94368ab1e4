"""Browser pages of the proposal workflow."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.errors import ApplicationError
from catalog.models import AuditEvent, Topic
from catalog.permissions import can_act_for_team, can_manage_topic, is_platform
from catalog.views import HtmxHttpRequest, show_form_error
from contracts import field_edits, proposals, topic_versions
from contracts.forms import CommentForm, DecisionForm, MigrationForm, ProposalForm, ReviseForm
from contracts.models import (
    Approval,
    ChangeProposal,
    ConsumerMigration,
    Migration,
    ProposalComment,
    SchemaVersion,
)
from contracts.registry import RegistryError
from contracts.selectors import subject_for_topic


def _current_schema_text(topic: Topic) -> str:
    subject = subject_for_topic(topic)
    if subject is None:
        return ""
    latest = (
        SchemaVersion.objects.filter(subject=subject, deleted=False)
        .select_related("schema")
        .order_by("-version")
        .first()
    )
    if latest is None:
        return ""
    return json.dumps(json.loads(latest.schema.text), indent=2)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HtmxHttpRequest, name: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("owner"), name=name)
    if not can_manage_topic(request.user, topic):
        raise PermissionDenied(f"Only members of the owning team may propose changes to {name}.")
    if request.method == "POST" and request.POST.get("action") == "apply_fields":
        return _apply_field_edits(request, topic)
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        initial={"schema_text": _current_schema_text(topic)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposal = proposals.proposal_submit(
                    actor=request.user,
                    topic=topic,
                    schema_text=form.cleaned_data["schema_text"],
                    rationale=form.cleaned_data["rationale"],
                    deadline=form.deadline_at(),
                    submit_token=form.cleaned_data["submit_token"],
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                if request.htmx:
                    return HttpResponseClientRedirect(proposal.get_absolute_url())
                return redirect(proposal)
        status = 422
    schema_text = form.data.get("schema_text") if form.is_bound else form.initial["schema_text"]
    return _render_new(request, topic, form, schema_text, status=status)


def _render_new(
    request: HttpRequest,
    topic: Topic,
    form: ProposalForm,
    schema_text: str | None,
    *,
    status: int = 200,
    editor_errors: list[field_edits.RowError] | None = None,
) -> HttpResponse:
    errors = {(e.index, e.column): e.message for e in editor_errors or []}
    rows = _editor_rows(schema_text)
    return render(
        request,
        "contracts/proposal_new.html",
        {
            "topic": topic,
            "form": form,
            "preview": _preview_context(topic, schema_text),
            "editor_rows": None
            if rows is None
            else [
                (i, row, {c: errors.get((i, c)) for c in ("name", "type", "default")})
                for i, row in enumerate(rows)
            ],
            "editor_open": bool(errors) or request.POST.get("action") == "apply_fields",
        },
        status=status,
    )


def _editor_rows(schema_text: str | None) -> list[field_edits.FieldRow] | None:
    """The field editor's rows for a schema text (plus an empty one to add a field); None when
    the text is not a record schema."""
    schema = _record(schema_text or "")
    if schema is None:
        return None
    return [*field_edits.rows_from_schema(schema), field_edits.FieldRow("", "", "", "", "")]


def _record(schema_text: str) -> dict[str, Any] | None:
    try:
        schema = json.loads(schema_text)
    except ValueError:
        return None
    if not isinstance(schema, dict) or schema.get("type") != "record":
        return None
    return schema


def _apply_field_edits(request: HttpRequest, topic: Topic) -> HttpResponse:
    """Apply the field editor's rows to the schema text, and show the form again (nothing is
    submitted): the preview then shows what the edits do."""
    data = request.POST
    schema = _record(data.get("schema_text", ""))
    keep = {k: data.get(k, "") for k in ("rationale", "deadline", "submit_token")}
    if schema is None:
        form = ProposalForm(initial={**keep, "schema_text": data.get("schema_text", "")})
        return _render_new(request, topic, form, data.get("schema_text", ""), status=422)
    try:
        count = min(int(data.get("f-count", "0")), 2000)
    except ValueError:
        count = 0
    rows = [
        field_edits.FieldRow(
            original=data.get(f"f-{i}-original", ""),
            name=data.get(f"f-{i}-name", ""),
            type=data.get(f"f-{i}-type", ""),
            doc=data.get(f"f-{i}-doc", ""),
            default=data.get(f"f-{i}-default", ""),
            remove=data.get(f"f-{i}-remove") == "on",
        )
        for i in range(count)
    ]
    edited, errors = field_edits.apply_rows(schema, rows)
    if errors:
        form = ProposalForm(initial={**keep, "schema_text": data.get("schema_text", "")})
        return _render_new(
            request, topic, form, data.get("schema_text", ""), status=422, editor_errors=errors
        )
    text = json.dumps(edited, indent=2)
    form = ProposalForm(initial={**keep, "schema_text": text})
    return _render_new(request, topic, form, text)


def _preview_context(topic: Topic, schema_text: str | None) -> dict[str, Any]:
    if not schema_text or not schema_text.strip():
        return {"empty": True}
    try:
        parsed = proposals.parse_proposed(schema_text)
    except ApplicationError as exc:
        return {"error": exc.message}
    analysis = proposals.analyse(topic, parsed)
    return {"analysis": analysis, "data": analysis.as_dict()}


@login_required
@require_POST
def proposal_preview(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """The live preview (htmx, debounced): diff, verdicts, affected consumers, alternatives."""
    topic = get_object_or_404(Topic.objects.select_related("owner"), name=name)
    context = {"topic": topic, "preview": _preview_context(topic, request.POST.get("schema_text"))}
    return render(request, "contracts/proposal_new.html#preview", context)


def _proposal(pk: int) -> ChangeProposal:
    return get_object_or_404(
        ChangeProposal.objects.select_related("topic", "topic__owner", "author").prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("team", "decided_by")),
            Prefetch("comments", queryset=ProposalComment.objects.select_related("author")),
        ),
        pk=pk,
    )


def _detail_context(request: HttpRequest, proposal: ChangeProposal) -> dict[str, Any]:
    user = request.user
    is_open = proposal.status == ChangeProposal.Status.IN_REVIEW
    may_change = proposal.status in (
        ChangeProposal.Status.IN_REVIEW,
        ChangeProposal.Status.REJECTED,
    )
    return {
        "proposal": proposal,
        "topic": proposal.topic,
        "analysis": proposal.analysis,
        "approvals": [
            (a, is_open and can_act_for_team(user, a.team)) for a in proposal.approvals.all()
        ],
        "timeline": list(
            AuditEvent.objects.filter(
                object_type="changeproposal", object_id=str(proposal.pk)
            ).order_by("created_at", "id")
        ),
        "comments": list(proposal.comments.all()),
        "is_open": is_open,
        "can_withdraw": may_change and (proposal.author_id == user.pk or is_platform(user)),
        "can_revise": may_change
        and (proposal.author_id == user.pk or can_manage_topic(user, proposal.topic)),
        "decision_form": DecisionForm(),
        "comment_form": CommentForm(),
        "can_start_migration": can_manage_topic(user, proposal.topic),
    }


@login_required
def proposal_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    return render(request, "contracts/proposal_detail.html", _detail_context(request, proposal))


@login_required
@require_POST
def approval_decide(request: HtmxHttpRequest, pk: int, approval_pk: int) -> HttpResponse:
    approval = get_object_or_404(
        Approval.objects.select_related("team", "proposal"), pk=approval_pk, proposal_id=pk
    )
    form = DecisionForm(request.POST)
    error = "Choose approve or object."
    if form.is_valid():
        try:
            proposals.approval_decide(
                actor=request.user,
                approval=approval,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            url = approval.proposal.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    # The error goes beside the approval row that caused it; what was typed is kept.
    context = _detail_context(request, _proposal(pk))
    context.update(decision_form=form, decision_error=error, error_approval=approval.pk)
    return render(request, "contracts/proposal_detail.html", context, status=422)


@login_required
@require_POST
def proposal_withdraw(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        proposals.proposal_withdraw(actor=request.user, proposal=proposal)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=422)
    return redirect(proposal)


@login_required
@require_POST
def proposal_comment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        proposals.proposal_comment(
            actor=request.user, proposal=proposal, text=form.cleaned_data["text"]
        )
    return redirect(f"{proposal.get_absolute_url()}#comments")


@login_required
@require_http_methods(["GET", "POST"])
def proposal_revise(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    if proposal.author_id != request.user.pk and not can_manage_topic(request.user, proposal.topic):
        raise PermissionDenied("Only the producer team may revise this proposal.")
    form = ReviseForm(request.POST or None, initial={"schema_text": proposal.schema_text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposals.proposal_revise(
                    actor=request.user,
                    proposal=proposal,
                    schema_text=form.cleaned_data["schema_text"],
                    rationale=form.cleaned_data["rationale"],
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                return redirect(proposal)
        status = 422
    return render(
        request,
        "contracts/proposal_revise.html",
        {"proposal": proposal, "topic": proposal.topic, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def migration_new(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Start a migration to the next topic version (owners), from an approved breaking
    proposal (``?proposal=``) or directly."""
    topic = get_object_or_404(Topic.objects.select_related("owner"), name=name)
    if not can_manage_topic(request.user, topic):
        raise PermissionDenied(f"Only the owners of {name} may start a migration.")
    proposal_id = request.POST.get("proposal") or request.GET.get("proposal")
    proposal = (
        ChangeProposal.objects.filter(pk=proposal_id, topic=topic).select_related("author").first()
        if proposal_id and str(proposal_id).isdigit()
        else None
    )
    initial = {
        "schema_text": proposal.schema_text if proposal else _current_schema_text(topic),
        "proposal": proposal.pk if proposal else None,
    }
    form = MigrationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                migration = topic_versions.migration_start(
                    actor=request.user,
                    topic=topic,
                    schema_text=form.cleaned_data["schema_text"],
                    window_days=form.cleaned_data["window_days"],
                    proposal=proposal,
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            except RegistryError as exc:
                form.add_error("schema_text", exc.message)
            else:
                return redirect(migration)
        status = 422
    context = {
        "topic": topic,
        "form": form,
        "proposal": proposal,
        "next_name": proposals.next_version_name(topic.name),
    }
    return render(request, "contracts/migration_new.html", context, status=status)


def _migration(pk: int) -> Migration:
    return get_object_or_404(
        Migration.objects.select_related(
            "from_topic", "from_topic__owner", "to_topic", "proposal", "dual_publish_confirmed_by"
        ).prefetch_related(
            Prefetch(
                "consumers",
                queryset=ConsumerMigration.objects.select_related(
                    "consumer", "consumer__team", "migrated_by"
                ),
            )
        ),
        pk=pk,
    )


@login_required
def migration_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The migration board."""
    migration = _migration(pk)
    user = request.user
    items = list(migration.consumers.all())
    now = timezone.now()
    context = {
        "migration": migration,
        "topic": migration.from_topic,
        "rows": [(item, can_act_for_team(user, item.consumer.team)) for item in items],
        "migrated": sum(1 for i in items if i.status == ConsumerMigration.Status.MIGRATED),
        "total": len(items),
        "days_left": (migration.window_ends_at - now).days,
        "is_owner": can_manage_topic(user, migration.from_topic),
        "is_open": migration.status in Migration.OPEN,
    }
    return render(request, "contracts/migration_detail.html", context)


@login_required
@require_POST
def migration_consumer_migrated(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(
        ConsumerMigration.objects.select_related("consumer", "consumer__team"),
        pk=item_pk,
        migration_id=pk,
    )
    try:
        topic_versions.consumer_mark_migrated(actor=request.user, item=item)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=422)
    url = reverse("contracts:migration-detail", kwargs={"pk": pk})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def migration_dual_publish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    migration = _migration(pk)
    topic_versions.migration_confirm_dual_publish(actor=request.user, migration=migration)
    return redirect(migration)
