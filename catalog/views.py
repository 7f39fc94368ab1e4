"""Browser pages. Views parse input, call a service or selector, and render; htmx requests get
only the fragment they asked for."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from catalog import selectors, services
from catalog.errors import ApplicationError
from catalog.forms import (
    ConsumerSubscribeForm,
    DeprecateForm,
    FieldSemanticsForm,
    SLAForm,
    TopicCreateForm,
    topic_status_choices,
)
from catalog.models import Consumer, FieldSemantics, Topic
from catalog.monitoring.selectors import topic_open_alerts
from catalog.permissions import (
    can_act_for_team,
    can_manage_topic,
    is_platform,
    require_team,
    require_topic_owner,
    user_team_ids,
)
from contracts.selectors import topic_migrations, topic_recent_proposals


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def show_form_error(form: Form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _user_teams(request: HttpRequest) -> Any:
    return selectors.teams_user_may_act_for(is_platform(request.user), user_team_ids(request.user))


@login_required
def topic_list(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    status = request.GET.get("status", "")
    if status not in Topic.Status.values:
        status = ""
    domain = request.GET.get("domain", "")[:249]
    page = selectors.topic_page(
        query=query, status=status, domain=domain, page=request.GET.get("page", 1)
    )
    context = {
        "page": page,
        "query": query,
        "status": status,
        "domain": domain,
        "status_choices": topic_status_choices(),
    }
    template = "catalog/topic_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@login_required
def topic_detail(request: HtmxHttpRequest, name: str) -> HttpResponse:
    detail = selectors.topic_detail(name=name)
    if detail is None:
        raise Http404(f"No topic named {name}.")
    topic = detail.topic
    context = {
        "detail": detail,
        "topic": topic,
        "sla": getattr(topic, "sla", None),
        "proposals": topic_recent_proposals(topic),
        "migrations": topic_migrations(topic),
        "open_alerts": topic_open_alerts(topic),
        "can_manage": can_manage_topic(request.user, topic),
        "can_activate": topic.status == Topic.Status.PROPOSED
        and (is_platform(request.user) or services.is_team_lead(request.user, topic.owner)),
        "team_ids": user_team_ids(request.user),
        "platform": is_platform(request.user),
    }
    return render(request, "catalog/topic_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: HtmxHttpRequest) -> HttpResponse:
    teams = _user_teams(request)
    form = TopicCreateForm(request.POST or None, teams=teams)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                topic = services.topic_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    owner=form.cleaned_data["owner"],
                    description=form.cleaned_data["description"],
                    partitions=form.cleaned_data["partitions"],
                    retention_hours=form.cleaned_data["retention_hours"],
                    dlq_topic=form.cleaned_data["dlq_topic"].strip(),
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                if request.htmx:
                    return HttpResponseClientRedirect(topic.get_absolute_url())
                return redirect(topic)
        status = 422
    return render(request, "catalog/topic_form.html", {"form": form}, status=status)


def _topic_or_404(name: str) -> Topic:
    return get_object_or_404(Topic.objects.select_related("owner"), name=name)


@login_required
@require_http_methods(["GET", "POST"])
def topic_sla_edit(request: HtmxHttpRequest, name: str) -> HttpResponse:
    topic = _topic_or_404(name)
    # The service checks too; checking here as well avoids showing a form that cannot be saved.
    require_topic_owner(request.user, topic, "change the SLA of")
    sla = getattr(topic, "sla", None)
    initial = {f: getattr(sla, f) for f in services.SLA_FIELDS} if sla else {}
    form = SLAForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sla = services.topic_sla_update(
                    actor=request.user, topic=topic, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                if request.htmx:
                    return render(
                        request,
                        "catalog/topic_detail.html#sla",
                        {"topic": topic, "sla": sla, "can_manage": True},
                    )
                return redirect(topic)
        status = 422
    template = "catalog/sla_form.html" + ("#form" if request.htmx else "")
    return render(request, template, {"topic": topic, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def field_semantics_edit(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Describe one field. ``?path=`` picks the field; htmx swaps the field's card in place."""
    topic = _topic_or_404(name)
    require_topic_owner(request.user, topic, "describe the fields of")
    path = (request.POST.get("path") or request.GET.get("path") or "").strip()
    existing = FieldSemantics.objects.filter(topic=topic, path=path).first() if path else None
    initial: dict[str, Any] = {"path": path}
    if existing:
        initial.update({f: getattr(existing, f) for f in services.SEMANTICS_FIELDS})
    form = FieldSemanticsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                semantics = services.field_semantics_update(
                    actor=request.user, topic=topic, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                if request.htmx:
                    return render(
                        request,
                        "catalog/topic_detail.html#field-card",
                        _field_card_context(topic, semantics.path, semantics),
                    )
                return redirect(topic)
        status = 422
    template = "catalog/field_semantics_form.html" + ("#form" if request.htmx else "")
    return render(request, template, {"topic": topic, "form": form, "path": path}, status=status)


@login_required
def field_card(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """One field's card (htmx: the "cancel" of an inline edit)."""
    topic = _topic_or_404(name)
    path = request.GET.get("path", "").strip()
    semantics = FieldSemantics.objects.filter(topic=topic, path=path).first()
    if not request.htmx:
        return redirect(topic)
    return render(
        request,
        "catalog/topic_detail.html#field-card",
        _field_card_context(topic, path, semantics),
    )


def _field_card_context(
    topic: Topic, path: str, semantics: FieldSemantics | None
) -> dict[str, Any]:
    detail = selectors.topic_detail(name=topic.name)
    assert detail is not None
    schema_field = next((f for f in detail.schema_fields or [] if f.path == path), None)
    return {
        "topic": topic,
        "path": path,
        "schema_field": schema_field,
        "semantics": semantics,
        "readers": detail.readers_by_field.get(path, []),
        "all_field_readers": detail.all_field_readers,
        "can_manage": True,
    }


@login_required
@require_http_methods(["GET", "POST"])
def consumer_subscribe(request: HtmxHttpRequest, name: str) -> HttpResponse:
    topic = _topic_or_404(name)
    teams = _user_teams(request)
    form = ConsumerSubscribeForm(
        request.POST or None, teams=teams, field_paths=selectors.topic_field_paths(topic)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consumer_subscribe(
                    actor=request.user,
                    topic=topic,
                    team=form.cleaned_data["team"],
                    name=form.cleaned_data["name"],
                    group_id=form.cleaned_data["group_id"],
                    purpose=form.cleaned_data["purpose"],
                    fields=form.field_list(),
                    lag_threshold=form.cleaned_data["lag_threshold"],
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                if request.htmx:
                    return HttpResponseClientRedirect(topic.get_absolute_url())
                return redirect(topic)
        status = 422
    return render(
        request,
        "catalog/consumer_form.html",
        {"topic": topic, "form": form, "has_teams": teams.exists()},
        status=status,
    )


@login_required
@require_POST
def consumer_retire(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    consumer = get_object_or_404(Consumer.objects.select_related("team", "topic"), pk=pk)
    require_team(request.user, consumer.team, "retire its consumers")
    services.consumer_retire(actor=request.user, consumer=consumer)
    back = _safe_next(request, consumer.topic.get_absolute_url())
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return HttpResponseRedirect(back)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def team_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "catalog/team_list.html", {"teams": selectors.team_list()})


@login_required
def team_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    detail = selectors.team_detail(slug=slug)
    if detail is None:
        raise Http404(f"No team {slug}.")
    return render(
        request,
        "catalog/team_detail.html",
        {
            "detail": detail,
            "team": detail.team,
            "can_act": can_act_for_team(request.user, detail.team),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("catalog:topic-list"))


@login_required
def sprawl(request: HtmxHttpRequest) -> HttpResponse:
    """The sprawl report: where the topic estate needs an owner's attention."""
    report = selectors.sprawl_report(limit=50)
    return render(request, "catalog/sprawl.html", {"report": report})


@login_required
@require_POST
def topic_activate(request: HtmxHttpRequest, name: str) -> HttpResponse:
    topic = _topic_or_404(name)
    try:
        services.topic_activate(actor=request.user, topic=topic)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(topic)


@login_required
@require_http_methods(["GET", "POST"])
def topic_deprecate(request: HtmxHttpRequest, name: str) -> HttpResponse:
    topic = _topic_or_404(name)
    require_topic_owner(request.user, topic, "deprecate")
    form = DeprecateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.topic_deprecate(actor=request.user, topic=topic, **form.cleaned_data)
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                return redirect(topic)
        status = 422
    return render(
        request, "catalog/topic_deprecate.html", {"topic": topic, "form": form}, status=status
    )
