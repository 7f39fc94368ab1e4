"""Benchmark: server time and query count of the catalog pages on a large catalog.

Generates 10,000 topics, 1,000 teams and 20,000 consumers, then times the topic list (first
page, and a search) and a topic page through Django's test client (in-process: server time,
no network). Prints p50/p95 and queries per request. Not a test: it prints figures.

    .venv/bin/python tests/benchmarks/bench_catalog_pages.py            # SQLite (temp file)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench \\
        .venv/bin/python tests/benchmarks/bench_catalog_pages.py        # PostgreSQL
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TEAMS, TOPICS, CONSUMERS = 1_000, 10_000, 20_000
REQUESTS = 200
WARMUP = 20


from tests.benchmarks.database import fresh_database_url  # noqa: E402

os.environ["DATABASE_URL"] = fresh_database_url()
warnings.filterwarnings("ignore", message="No directory at")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Consumer, DeliverySLA, FieldSemantics, Team, Topic  # noqa: E402
from contracts.services import schema_version_append  # noqa: E402

DOMAINS = ["orders", "payments", "customers", "shipping", "inventory", "marketing", "search"]


def populate() -> Topic:
    call_command("migrate", verbosity=0)
    teams = Team.objects.bulk_create(
        Team(slug=f"team-{i:04d}", name=f"Team {i}") for i in range(TEAMS)
    )
    topics = Topic.objects.bulk_create(
        Topic(
            name=f"{DOMAINS[i % len(DOMAINS)]}.entity{i:05d}.changed",
            domain=DOMAINS[i % len(DOMAINS)],
            owner=teams[i % TEAMS],
            status=Topic.Status.ACTIVE if i % 10 else Topic.Status.DEPRECATED,
        )
        for i in range(TOPICS)
    )
    Consumer.objects.bulk_create(
        Consumer(
            team=teams[(i * 7) % TEAMS],
            topic=topics[(i * 13) % TOPICS],
            name=f"consumer-{i}",
            group_id=f"group-{i}",
            fields=["field_1", "field_2"],
        )
        for i in range(CONSUMERS)
    )
    # The measured topic page: a schema of 30 fields, semantics on each, 25 consumers, an SLA.
    hot = topics[0]
    schema = {
        "type": "record",
        "name": "Changed",
        "fields": [{"name": f"field_{n}", "type": "string"} for n in range(30)],
    }
    schema_version_append(actor=None, topic=hot, schema_text=json.dumps(schema))
    FieldSemantics.objects.bulk_create(
        FieldSemantics(topic=hot, path=f"field_{n}", meaning="m") for n in range(30)
    )
    DeliverySLA.objects.create(topic=hot, max_latency_seconds=60)
    # A live database has planner statistics (autovacuum); a freshly bulk-loaded one does not.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Consumer.objects.bulk_create(
        Consumer(team=teams[n], topic=hot, name=f"hot-{n}", group_id=f"hot-{n}", fields=[])
        for n in range(25)
    )
    return hot


def measure(client: Client, url: str, headers: dict[str, str]) -> tuple[float, float, int]:
    for _ in range(WARMUP):
        assert client.get(url, headers=headers).status_code == 200
    timings = []
    queries = 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
        queries = max(queries, len(captured))
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    started = time.perf_counter()
    hot = populate()
    print(
        f"catalog: {Topic.objects.count():,} topics, {Team.objects.count():,} teams, "
        f"{Consumer.objects.count():,} consumers on {connection.vendor} "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    user = get_user_model().objects.create_user("bench", password="x")
    client = Client()
    client.force_login(user)
    cases = [
        ("topic list, first page", "/topics/", {}),
        ("topic list, search 'payments'", "/topics/?q=payments", {}),
        ("topic list, search + status, page 3", "/topics/?q=entity0&status=active&page=3", {}),
        ("topic list, htmx search fragment", "/topics/?q=customers", {"HX-Request": "true"}),
        ("topic list, search with no match", "/topics/?q=nothing-matches", {}),
        (f"topic page ({hot.name}, 25 consumers)", hot.get_absolute_url(), {}),
    ]
    print(f"{'page':<56}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for label, url, headers in cases:
        p50, p95, queries = measure(client, url, headers)
        print(f"{label:<56}{p50:>9.2f}{p95:>9.2f}{queries:>9}")
    print(
        f"({REQUESTS} requests each after {WARMUP} warm-up; targets: p50 <= 50 ms, <= 10 queries)"
    )


if __name__ == "__main__":
    main()
