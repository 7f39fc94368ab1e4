"""Benchmark: the sprawl report and a migration board with 10,000 topics and 500 migrations in
flight. Prints p50/p95 server time and query counts (in-process test client).

    .venv/bin/python tests/benchmarks/bench_migrations.py                 # SQLite
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_mig \\
        .venv/bin/python tests/benchmarks/bench_migrations.py             # PostgreSQL
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOPICS, MIGRATIONS, CONSUMERS_PER_MIGRATION = 10_000, 500, 4
REQUESTS = 100


from tests.benchmarks.database import fresh_database_url  # noqa: E402

os.environ["DATABASE_URL"] = fresh_database_url()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Consumer, Team, Topic  # noqa: E402
from contracts.models import ConsumerMigration, Migration  # noqa: E402


def populate() -> Migration:
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="x", is_staff=True)
    teams = Team.objects.bulk_create(Team(slug=f"team-{i:03d}", name=f"T{i}") for i in range(300))
    topics = Topic.objects.bulk_create(
        Topic(
            name=f"domain{i % 9}.entity{i:05d}.changed",
            domain=f"domain{i % 9}",
            owner=None if i % 50 == 0 else teams[i % 300],
            # Unowned topics are the registry's orphans: proposed until a team claims them.
            status="proposed" if i % 50 == 0 else "active",
        )
        for i in range(TOPICS)
    )
    v2 = Topic.objects.bulk_create(
        Topic(
            name=f"{topics[i].name}.v2",
            domain=topics[i].domain,
            owner=topics[i].owner or teams[0],
            supersedes=topics[i],
            status="active",
        )
        for i in range(MIGRATIONS)
    )
    consumers = Consumer.objects.bulk_create(
        Consumer(team=teams[(i * 7 + j) % 300], topic=topics[i], name=f"c{j}", group_id=f"g{i}-{j}")
        for i in range(MIGRATIONS)
        for j in range(CONSUMERS_PER_MIGRATION)
    )
    now = timezone.now()
    migrations = Migration.objects.bulk_create(
        Migration(
            from_topic=topics[i],
            to_topic=v2[i],
            window_days=30,
            # Half of them are past their window: stalled.
            window_ends_at=now + datetime.timedelta(days=10 if i % 2 else -10),
            created_by=user,
        )
        for i in range(MIGRATIONS)
    )
    ConsumerMigration.objects.bulk_create(
        ConsumerMigration(migration=migrations[c // CONSUMERS_PER_MIGRATION], consumer=consumer)
        for c, consumer in enumerate(consumers)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return migrations[1]


def measure(client: Client, url: str) -> tuple[float, float, int]:
    for _ in range(10):
        assert client.get(url).status_code == 200
    timings, queries = [], 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        queries = max(queries, len(captured))
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    migration = populate()
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    print(
        f"{Topic.objects.count():,} topics, {Migration.objects.count()} migrations in flight, "
        f"{ConsumerMigration.objects.count():,} consumer migrations on {connection.vendor}"
    )
    print(f"{'page':<40}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for label, url in (
        ("sprawl report (page)", "/sprawl/"),
        ("sprawl report (API)", "/api/v1/sprawl/"),
        ("migration board", migration.get_absolute_url()),
    ):
        p50, p95, queries = measure(client, url)
        print(f"{label:<40}{p50:>9.2f}{p95:>9.2f}{queries:>9}")
    print("(targets: <= 15 queries, p50 <= 100 ms)")


if __name__ == "__main__":
    main()
