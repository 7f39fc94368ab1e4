"""The ownership report page (the same figures as GET /api/v1/reports/ownership/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from catalog.reports import ownership_report
from catalog.views import HtmxHttpRequest


@login_required
def ownership(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "catalog/ownership.html", {"report": ownership_report(limit=50)})
