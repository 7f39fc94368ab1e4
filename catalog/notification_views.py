"""A team's notifications page: what was sent, what is pending, what failed and why, with a
retry for the failures. Members of the team and the platform role only: notifications can
carry schema details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog import notifications, selectors
from catalog.errors import ApplicationError
from catalog.models import Notification, Team
from catalog.permissions import require_team
from catalog.views import HtmxHttpRequest

TEMPLATE = "catalog/team_notifications.html"


def _page_url(team: Team) -> str:
    return reverse("catalog:team-notifications", kwargs={"slug": team.slug})


def _back_url(request: HttpRequest, team: Team) -> str:
    """Where a retry without JavaScript returns: the page it came from (filter and page kept),
    never anywhere else."""
    default = _page_url(team)
    target = request.POST.get("next", "")
    if target == default or target.startswith(default + "?"):
        return target
    return default


@login_required
def team_notifications(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    require_team(request.user, team, "see its notifications")
    status = request.GET.get("status", "")
    if status not in selectors.NOTIFICATION_STATUS_FILTERS:
        status = ""
    page = selectors.team_notifications(team=team, status=status, page=request.GET.get("page", 1))
    context = {
        "team": team,
        "page": page,
        "status": status,
        "status_filters": [("", "All")]
        + [(value, value.capitalize()) for value in selectors.NOTIFICATION_STATUS_FILTERS],
        "failed_count": selectors.failed_notification_count(team),
        "next_url": request.get_full_path(),
    }
    template = TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@login_required
@require_POST
def notification_retry(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    notification = get_object_or_404(
        Notification.objects.select_related("team").defer("body", "payload"),
        pk=pk,
        team__slug=slug,
    )
    team = notification.team
    error = ""
    try:
        notifications.notification_retry(actor=request.user, notification=notification)
    except ApplicationError as exc:
        error = exc.message
    back = _back_url(request, team)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Retrying “{notification.subject}”.")
        return HttpResponseRedirect(back)
    # In-process delivery may already have run after commit: show the row as it is now.
    notification.refresh_from_db(fields=["status", "attempts", "last_error", "sent_at"])
    context = {
        "team": team,
        "notification": notification,
        "row_error": error,
        "failed_count": selectors.failed_notification_count(team),
        "next_url": back,
    }
    return render(request, TEMPLATE + "#retried", context, status=422 if error else 200)
