"""The browser's contract import: upload or paste → preview of what changes → confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from catalog import selectors
from catalog.authentication import ApiPrincipal
from catalog.errors import ApplicationError
from catalog.models import Topic
from catalog.permissions import is_platform, user_team_ids
from catalog.views import HtmxHttpRequest
from contracts import imports
from contracts.import_forms import ImportForm

# Errors about the contract's own content are shown beside the text (or the file).
_FORM_FIELDS = {"topic", "owner", "format", "file"}


@login_required
@require_http_methods(["GET", "POST"])
def contract_import(request: HtmxHttpRequest) -> HttpResponse:
    teams = selectors.teams_user_may_act_for(is_platform(request.user), user_team_ids(request.user))
    form = ImportForm(request.POST or None, request.FILES or None, teams=teams)
    plan: imports.ImportPlan | None = None
    status = 200
    if request.method == "POST":
        commit = request.POST.get("action") == "commit"
        if form.is_valid():
            assert isinstance(request.user, AbstractBaseUser)  # login_required
            principal = ApiPrincipal(user=request.user, can_write=True)
            try:
                draft = imports.parse_contract(
                    form.cleaned_data["content"],
                    fmt=form.cleaned_data["format"],
                    topic_name=form.cleaned_data["topic"],
                    owner=form.owner_slug(),
                )
                if commit:
                    plan = imports.import_commit(principal=principal, draft=draft)
                else:
                    plan = imports.import_preview(principal=principal, draft=draft)
            except ApplicationError as exc:
                plan = None
                _show_error(form, exc)
            except PermissionDenied as exc:
                plan = None
                form.add_error(None, str(exc) or "You may not import this contract.")
                status = 403
            else:
                if commit:
                    messages.success(request, _saved_message(plan))
                    url = Topic.objects.get(name=draft.topic_name).get_absolute_url()
                    if request.htmx:
                        return HttpResponseClientRedirect(url)
                    return redirect(url)
        if form.errors and status == 200:
            status = 422
    template = "contracts/import.html"
    if request.htmx:
        template += "#import-main"
    content = form.cleaned_data.get("content", "") if form.is_bound and form.is_valid() else ""
    return render(
        request,
        template,
        {"form": form, "plan": plan, "content": content},
        status=status,
    )


def _show_error(form: ImportForm, error: ApplicationError) -> None:
    field = error.field if error.field in _FORM_FIELDS else "content"
    if field == "file" and not form.cleaned_data.get("file"):
        field = "content"
    message = error.message
    if error.field and error.field not in _FORM_FIELDS and error.field != "content":
        message = f"{message} ({error.field})" if error.field not in message else message
    form.add_error(field, message)


def _saved_message(plan: imports.ImportPlan) -> str:
    if plan.creates_topic:
        return f"Imported: {plan.draft.topic_name} created (proposed, owned by {plan.owner})."
    if plan.has_changes:
        return f"Imported: {plan.draft.topic_name} updated."
    return f"Nothing to change: {plan.draft.topic_name} already matches the contract."
