"""Benchmark: a proposal on a topic with 1,000 consumers in 300 teams.

Prints the time to analyse the proposal (diff, seven verdicts, impact, 300 approvals and their
outbox rows), then the time one real Celery worker (Redis) takes to deliver every notification
to a local webhook sink. Needs PostgreSQL and Redis.

    .venv/bin/python tests/benchmarks/bench_proposals.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_proposals"
)
TEAMS, CONSUMERS = 300, 1_000


def _fresh_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


_fresh_database()
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from catalog.models import Consumer, Membership, Notification, Team, Topic  # noqa: E402
from contracts import proposals  # noqa: E402
from contracts.services import schema_version_append  # noqa: E402
from tests.support import WebhookSink, celery_worker, wait_for  # noqa: E402

SCHEMA = {
    "type": "record",
    "name": "OrderCreated",
    "fields": [{"name": f"f{i}", "type": "string"} for i in range(40)]
    + [{"name": "customer_id", "type": "string"}],
}


def main() -> None:
    call_command("migrate", verbosity=0)
    with WebhookSink() as sink, tempfile.TemporaryDirectory() as tmp:
        owner = Team.objects.create(slug="orders", name="Orders")
        author = get_user_model().objects.create_user("olivia", password="x")
        Membership.objects.create(user=author, team=owner, role=Membership.Role.LEAD)
        topic = Topic.objects.create(name="orders.order.created", owner=owner)
        schema_version_append(actor=None, topic=topic, schema_text=json.dumps(SCHEMA))
        teams = Team.objects.bulk_create(
            Team(slug=f"team-{i:03d}", name=f"Team {i}", webhook_url=sink.url) for i in range(TEAMS)
        )
        Consumer.objects.bulk_create(
            Consumer(
                team=teams[i % TEAMS],
                topic=topic,
                name=f"c{i}",
                group_id=f"g{i}",
                fields=["customer_id", f"f{i % 40}"],
            )
            for i in range(CONSUMERS)
        )
        renamed = json.loads(json.dumps(SCHEMA))
        renamed["fields"][-1]["name"] = "customerId"
        text = json.dumps(renamed)

        parsed = proposals.parse_proposed(text)
        started = time.perf_counter()
        analysis = proposals.analyse(topic, parsed)
        pure = time.perf_counter() - started

        with celery_worker(Path(tmp), route_this_process=True):
            with transaction.atomic():
                proposal = proposals.ChangeProposal.objects.create(
                    topic=topic,
                    author=author,
                    schema_text=text,
                    fingerprint=parsed.fingerprint,
                    rationale="bench",
                    deadline=proposals.timezone.now() + proposals.datetime.timedelta(days=7),
                    submit_token="bench",
                )
            started = time.perf_counter()
            assert proposals.proposal_analyse(proposal.pk)
            full = time.perf_counter() - started
            total = Notification.objects.count()
            started = time.perf_counter()
            delivered = wait_for(
                lambda: Notification.objects.filter(status="sent").count() == total, timeout=300
            )
            delivery = time.perf_counter() - started
        affected = len(analysis.affected)
        print(f"topic with {CONSUMERS:,} consumers in {TEAMS} teams; {affected:,} affected")
        rows = [
            ("analyse (diff, 7 verdicts, impact), in memory", f"{pure * 1000:.1f} ms", ""),
            (
                "analyse + approvals + outbox rows, committed",
                f"{full * 1000:.1f} ms",
                "target <= 1000 ms",
            ),
            (
                f"one worker delivers {total} webhooks to a local sink",
                f"{delivery:.2f} s",
                f"target <= 30 s; all sent: {delivered}; sink got {len(sink.received)}",
            ),
        ]
        for label, figure, note in rows:
            print(f"{label:<56}{figure:>11}  {note}")


if __name__ == "__main__":
    main()
