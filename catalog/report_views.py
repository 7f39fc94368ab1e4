"""The ownership report page (the same figures as GET /api/v1/reports/ownership/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from catalog.reports import COVERAGE_MEASURES, Coverage, ownership_report
from catalog.views import HtmxHttpRequest

# The page lists the teams furthest from full coverage; the CSV and the API have every team.
TEAMS_ON_PAGE = 50


def _gap(coverage: Coverage) -> float:
    return sum(coverage.percent(measure) for measure in COVERAGE_MEASURES)


@login_required
def ownership(request: HtmxHttpRequest) -> HttpResponse:
    report = ownership_report(limit=50)
    teams = sorted(report.by_team, key=lambda c: (_gap(c), c.name))[:TEAMS_ON_PAGE]
    return render(request, "catalog/ownership.html", {"report": report, "teams": teams})
