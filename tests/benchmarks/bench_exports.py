"""Benchmark: exporting every contract of one domain (1,000 topics) from a catalog of 10,000
topics and 20,000 consumers.

Each topic of the measured domain has its own 20-field Avro schema (no two alike, so no parse
is shared), an SLA, semantics on five fields and its consumers. Times the domain export
through the API (in-process: server time, no network) for each format, cold (first parse of
every schema in this process) and warm, and the topic export. Not a test: it prints figures.

    .venv/bin/python tests/benchmarks/bench_exports.py            # SQLite (temp file)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_exports \\
        .venv/bin/python tests/benchmarks/bench_exports.py        # PostgreSQL
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TEAMS, TOPICS, CONSUMERS = 1_000, 10_000, 20_000
DOMAINS = [
    "orders",
    "payments",
    "customers",
    "shipping",
    "inventory",
    "marketing",
    "search",
    "pricing",
    "fraud",
    "support",
]
MEASURED = "orders"
TARGET_SECONDS = 5.0


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
from contracts import exports  # noqa: E402
from contracts.models import Schema, SchemaVersion, Subject  # noqa: E402
from contracts.schema import parse_schema  # noqa: E402


def _schema(n: int) -> dict[str, object]:
    fields: list[dict[str, object]] = [
        {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "amount_cents", "type": "long", "doc": "Amount in minor units."},
        {"name": "note", "type": ["null", "string"], "default": None},
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": f"Address{n}",
                "fields": [
                    {"name": "city", "type": "string"},
                    {"name": "zip", "type": ["null", "string"], "default": None},
                ],
            },
        },
    ]
    fields += [{"name": f"field_{n}_{k}", "type": "string"} for k in range(15)]
    return {"type": "record", "name": f"Entity{n}Changed", "namespace": "bench", "fields": fields}


def populate() -> list[Topic]:
    call_command("migrate", verbosity=0)
    teams = Team.objects.bulk_create(
        Team(slug=f"team-{i:04d}", name=f"Team {i}", contact_email=f"team-{i}@example.com")
        for i in range(TEAMS)
    )
    topics = Topic.objects.bulk_create(
        Topic(
            name=f"{DOMAINS[i % len(DOMAINS)]}.entity{i:05d}.changed",
            domain=DOMAINS[i % len(DOMAINS)],
            owner=teams[i % TEAMS],
            description=f"Entity {i} changed.",
            status=Topic.Status.ACTIVE,
        )
        for i in range(TOPICS)
    )
    Consumer.objects.bulk_create(
        Consumer(
            team=teams[(i * 7) % TEAMS],
            topic=topics[(i * 13) % TOPICS],
            name=f"consumer-{i}",
            group_id=f"group-{i}",
            purpose="Dashboards.",
            fields=["event_id", "amount_cents"] if i % 2 else [],
        )
        for i in range(CONSUMERS)
    )
    measured = [t for t in topics if t.domain == MEASURED]
    subjects = Subject.objects.bulk_create(
        Subject(name=f"{t.name}-value", topic=t, role=Subject.Role.VALUE) for t in measured
    )
    schema_rows = []
    for n, _topic in enumerate(measured):
        text = json.dumps(_schema(n))
        parsed = parse_schema(text)
        schema_rows.append(
            Schema(text=text, canonical=parsed.canonical, fingerprint=parsed.fingerprint)
        )
    schema_rows = Schema.objects.bulk_create(schema_rows)
    SchemaVersion.objects.bulk_create(
        SchemaVersion(subject=s, version=1, schema=row)
        for s, row in zip(subjects, schema_rows, strict=True)
    )
    DeliverySLA.objects.bulk_create(
        DeliverySLA(
            topic=t,
            max_latency_seconds=60,
            availability_percent=Decimal("99.9"),
            retention_days=7,
            support_channel=f"#{t.owner.slug if t.owner else 'platform'}",
            support_hours="24/7",
        )
        for t in measured
    )
    FieldSemantics.objects.bulk_create(
        FieldSemantics(topic=t, path=path, meaning=f"What {path} means.", unit="u", pii="none")
        for t in measured
        for path in ("event_id", "occurred_at", "amount_cents", "note", "address.city")
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return measured


def timed(client: Client, url: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        body = response.content
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(captured), len(body)


def main() -> None:
    started = time.perf_counter()
    measured = populate()
    print(
        f"catalog: {Topic.objects.count():,} topics, {Team.objects.count():,} teams, "
        f"{Consumer.objects.count():,} consumers on {connection.vendor}; domain {MEASURED}: "
        f"{len(measured):,} topics with schemas, "
        f"{Consumer.objects.filter(topic__domain=MEASURED).count():,} consumers "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    user = get_user_model().objects.create_user("bench", password="x")
    client = Client()
    client.force_login(user)
    print(f"{'export':<44}{'seconds':>9}{'queries':>9}{'MiB':>8}")
    cold = True
    for fmt in exports.FORMATS:
        url = f"/api/v1/domains/{MEASURED}/exports/{fmt}"
        first, queries, size = timed(client, url)
        label = f"domain {MEASURED}, {fmt}" + (" (cold: 1,000 parses)" if cold else "")
        print(f"{label:<44}{first:>9.2f}{queries:>9}{size / 2**20:>8.1f}")
        cold = False
        warm = [timed(client, url)[0] for _ in range(3)]
        label = f"domain {MEASURED}, {fmt} (warm, median of 3)"
        print(f"{label:<44}{statistics.median(warm):>9.2f}{queries:>9}{size / 2**20:>8.1f}")
    topic_url = f"/api/v1/topics/{measured[0].name}/exports/odcs"
    timings = sorted(timed(client, topic_url)[0] * 1000 for _ in range(50))
    _, queries, _ = timed(client, topic_url)
    print(f"{'one topic, odcs (p50 ms)':<44}{statistics.median(timings):>9.2f}{queries:>9}")
    print(f"(target: a domain of 1,000 topics in <= {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
