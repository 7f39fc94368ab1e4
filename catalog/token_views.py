"""The API tokens page: a user lists, creates and revokes their own personal API tokens.

A new token's plaintext is in the response to the POST that created it and nowhere else (only
its SHA-256 digest is stored), so that page is marked ``no-store``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from catalog import tokens
from catalog.errors import ApplicationError
from catalog.forms import ApiTokenForm
from catalog.models import ApiToken
from catalog.views import HtmxHttpRequest, show_form_error

TEMPLATE = "catalog/api_tokens.html"


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created: tuple[ApiToken, str] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            expires_on = form.cleaned_data["expires_on"]
            try:
                created = tokens.api_token_create(
                    user=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=_end_of_day(expires_on) if expires_on else None,
                )
            except ApplicationError as exc:
                show_form_error(form, exc)
            else:
                form = ApiTokenForm()
        if created is None:
            status = 422
    user_pk = request.user.pk
    assert user_pk is not None  # login_required
    context = {
        "form": form,
        "tokens": list(ApiToken.objects.filter(user_id=user_pk).order_by("-created_at")),
        "created": created[0] if created else None,
        "plaintext": created[1] if created else None,
        "now": timezone.now(),
    }
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    # Someone else's token is "not found", not "forbidden": its existence is not shown.
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk)
    tokens.api_token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, f"Token “{token.name}” ({token.prefix}…) is revoked.")
    return redirect("catalog:api-tokens")
