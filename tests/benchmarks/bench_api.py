"""Benchmark: the platform-lead API on a large catalog.

Builds the catalog of ``bench_catalog_pages`` (10,000 topics, 1,000 teams, 20,000 consumers)
and adds what an ownership audit looks at: SLAs on a third of the topics, described fields on a
quarter, 300 unowned (proposed) topics, 60 proposals past their deadline. Then times, through
Django's test client with a read-only API token (in-process: server time, no network), the
ownership report (JSON, CSV, page) and 100-item pages of the lists. Prints p50/p95 and queries
per request. Not a test: it prints figures.

    .venv/bin/python tests/benchmarks/bench_api.py                      # SQLite (temp file)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_api \\
        .venv/bin/python tests/benchmarks/bench_api.py                  # PostgreSQL
"""

from __future__ import annotations

import datetime
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# Importing it prepares the database named by BENCH_DATABASE_URL and sets Django up.
pages = importlib.import_module("tests.benchmarks.bench_catalog_pages")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Consumer, DeliverySLA, FieldSemantics, Team, Topic  # noqa: E402
from catalog.tokens import api_token_create  # noqa: E402
from contracts.models import Approval, ChangeProposal  # noqa: E402

ORPHANS, OVERDUE = 300, 60


def populate() -> None:
    pages.populate()
    topics = list(Topic.objects.order_by("pk").only("pk", "owner_id"))
    DeliverySLA.objects.bulk_create(
        (DeliverySLA(topic=t, max_latency_seconds=60) for t in topics[1::3]), batch_size=2000
    )
    FieldSemantics.objects.bulk_create(
        (FieldSemantics(topic=t, path="field_1", meaning="m") for t in topics[1::4]),
        batch_size=2000,
    )
    Topic.objects.bulk_create(
        Topic(name=f"legacy.orphan{i:04d}.seen", domain="legacy", status=Topic.Status.PROPOSED)
        for i in range(ORPHANS)
    )
    author = get_user_model().objects.create_user("author", password="x")
    now = timezone.now()
    proposals = ChangeProposal.objects.bulk_create(
        ChangeProposal(
            topic=topics[i * 7],
            author=author,
            schema_text="{}",
            fingerprint=str(i),
            rationale="r",
            deadline=now - datetime.timedelta(days=1 + i % 10),
            submit_token=f"bench-{i}",
        )
        for i in range(OVERDUE)
    )
    teams = list(Team.objects.order_by("pk")[:3])
    Approval.objects.bulk_create(
        Approval(proposal=p, team=team, role=Approval.Role.CONSUMER)
        for p in proposals
        for team in teams
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    started = time.perf_counter()
    populate()
    print(
        f"catalog: {Topic.objects.count():,} topics, {Team.objects.count():,} teams, "
        f"{Consumer.objects.count():,} consumers, {DeliverySLA.objects.count():,} SLAs, "
        f"{ChangeProposal.objects.count()} overdue proposals on {connection.vendor} "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    lead = get_user_model().objects.create_user("lead", password="x", is_staff=True)
    _, token = api_token_create(user=lead, name="bench", scope="read")
    api = {"Authorization": f"Bearer {token}"}
    client = Client()
    browser = Client()
    browser.force_login(lead)
    first = client.get("/api/v1/topics/", {"page_size": 100}, headers=api).json()
    cases = [
        ("ownership report (JSON)", client, "/api/v1/reports/ownership/", api),
        ("ownership report (CSV)", client, "/api/v1/reports/ownership.csv", api),
        ("ownership page (browser)", browser, "/ownership/", {}),
        ("topics, 100 per page", client, "/api/v1/topics/?page_size=100", api),
        ("topics, 100 per page, next cursor", client, first["next"], api),
        (
            "topics, 100, has_sla=false&has_consumers=true",
            client,
            "/api/v1/topics/?page_size=100&has_sla=false&has_consumers=true",
            api,
        ),
        (
            "topics, 100, domain=orders, -updated_at",
            client,
            "/api/v1/topics/?page_size=100&domain=orders&ordering=-updated_at",
            api,
        ),
        ("consumers, 100 per page", client, "/api/v1/consumers/?page_size=100", api),
        ("teams, 100 per page", client, "/api/v1/teams/?page_size=100", api),
        ("proposals, 100 per page", client, "/api/v1/proposals/?page_size=100", api),
        ("audit events, 100 per page", client, "/api/v1/audit-events/?page_size=100", api),
        ("topic list page (browser), 100 per page", browser, "/topics/", {}),
    ]
    # The browser's topic list reads its page size from settings on each request.
    settings.CATALOG_TOPICS_PER_PAGE = 100
    print(f"{'request':<52}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for label, who, url, headers in cases:
        p50, p95, queries = pages.measure(who, url, headers)
        print(f"{label:<52}{p50:>9.2f}{p95:>9.2f}{queries:>9}")
    print(
        f"({pages.REQUESTS} requests each after {pages.WARMUP} warm-up; targets: ownership "
        "report p50 <= 200 ms, a 100-item topics page p50 <= 50 ms)"
    )


if __name__ == "__main__":
    main()
