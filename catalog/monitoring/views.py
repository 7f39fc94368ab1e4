"""The health page and alert pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from catalog.errors import ApplicationError
from catalog.monitoring import selectors, services
from catalog.permissions import can_manage_topic
from catalog.views import HtmxHttpRequest


@login_required
def health(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    overview = selectors.health_overview(query=query, page=request.GET.get("page", 1))
    template = "monitoring/health.html"
    if request.htmx and not request.htmx.boosted:
        template += "#topics"
    return render(request, template, {"overview": overview, "query": query})


@login_required
def alert_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_detail(pk)
    if alert is None:
        raise Http404("No such alert.")
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "can_acknowledge": alert.is_open
            and alert.kind == alert.Kind.DLQ_DEPTH
            and can_manage_topic(request.user, alert.topic),
            "cause_summary": services.describe_causes(alert.likely_causes),
        },
    )


@login_required
@require_POST
def alert_acknowledge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_detail(pk)
    if alert is None:
        raise Http404("No such alert.")
    try:
        services.dlq_acknowledge(actor=request.user, alert=alert)
    except PermissionDenied:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Acknowledged: the DLQ of {alert.topic.name} alerts again only if it grows "
            f"past {int(alert.value):,} messages.",
        )
    return HttpResponseRedirect(alert.get_absolute_url())
