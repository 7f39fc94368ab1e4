"""Benchmark: one signal collection over 200 topics x 6 partitions and 1,000 consumer groups
on librdkafka's mock cluster, and the ingest API's throughput for batches of 500 points.

    .venv/bin/python tests/benchmarks/bench_signals.py                   # SQLite
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_sig \\
        .venv/bin/python tests/benchmarks/bench_signals.py               # PostgreSQL
    .venv/bin/python tests/benchmarks/bench_signals.py --ingest-only      # skip Kafka

The mock cluster makes topics with four partitions on first use, so the benchmark creates
its six-partition topics through librdkafka's mock API (``rd_kafka_mock_topic_create``), called
with ctypes on the library confluent-kafka ships. Prints figures; asserts nothing.
"""

from __future__ import annotations

import ctypes
import datetime
import glob
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOPICS, PARTITIONS, GROUPS = 200, 6, 1_000
BATCH, BATCHES = 500, 40


from tests.benchmarks.database import fresh_database_url  # noqa: E402

os.environ["DATABASE_URL"] = fresh_database_url()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

import confluent_kafka  # noqa: E402
from confluent_kafka import ConsumerGroupTopicPartitions, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Consumer, DeliverySLA, Team, Topic  # noqa: E402
from catalog.monitoring.models import ConsumerSample  # noqa: E402
from catalog.monitoring.services import collection_run  # noqa: E402


class MockCluster:
    """A mock cluster owned by a bare librdkafka handle, so topics get exact partitions."""

    def __init__(self, brokers: int = 3) -> None:
        libs = Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs"
        lib = ctypes.CDLL(glob.glob(str(libs / "librdkafka*.so*"))[0])
        lib.rd_kafka_conf_new.restype = ctypes.c_void_p
        lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.rd_kafka_conf_set.argtypes += [ctypes.c_char_p, ctypes.c_size_t]
        lib.rd_kafka_new.restype = ctypes.c_void_p
        lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p]
        lib.rd_kafka_new.argtypes += [ctypes.c_size_t]
        lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
        lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
        lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.rd_kafka_mock_topic_create.argtypes += [ctypes.c_int, ctypes.c_int]
        errors = ctypes.create_string_buffer(512)
        conf = lib.rd_kafka_conf_new()
        lib.rd_kafka_conf_set(conf, b"log_level", b"0", errors, 512)
        self._lib = lib
        self._handle = lib.rd_kafka_new(0, conf, errors, 512)
        self._cluster = lib.rd_kafka_mock_cluster_new(self._handle, brokers)
        self.bootstrap_servers = lib.rd_kafka_mock_cluster_bootstraps(self._cluster).decode()

    def create_topic(self, name: str, partitions: int) -> None:
        assert (
            self._lib.rd_kafka_mock_topic_create(self._cluster, name.encode(), partitions, 1) == 0
        )


def populate_catalog() -> list[Topic]:
    call_command("migrate", verbosity=0)
    teams = [Team.objects.create(slug=f"team{i}", name=f"Team {i}") for i in range(50)]
    topics = Topic.objects.bulk_create(
        Topic(
            name=f"shop.entity{i}.happened",
            domain="shop",
            owner=teams[i % 50],
            dlq_topic=f"shop.entity{i}.happened.dlq",
        )
        for i in range(TOPICS)
    )
    DeliverySLA.objects.bulk_create(DeliverySLA(topic=t, max_consumer_lag=500) for t in topics)
    Consumer.objects.bulk_create(
        Consumer(
            team=teams[(g * 7) % 50],
            topic=topics[g % TOPICS],
            name=f"reader{g}",
            group_id=f"group-{g}",
        )
        for g in range(GROUPS)
    )
    return topics


def populate_kafka(cluster: MockCluster, topics: list[Topic]) -> None:
    started = time.perf_counter()
    for topic in topics:
        cluster.create_topic(topic.name, PARTITIONS)
    print(
        f"setup: {TOPICS} topics x {PARTITIONS} partitions created in "
        f"{time.perf_counter() - started:.1f} s"
    )
    producer = Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 50})
    for i, topic in enumerate(topics):
        for partition in range(PARTITIONS):
            for n in range(20):
                producer.produce(topic.name, value=b"e%d" % n, partition=partition)
        if i % 4 == 0:
            producer.produce(topic.dlq_topic, value=b"bad")
    assert producer.flush(30) == 0
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    futures = []
    for g in range(GROUPS):
        topic_name = topics[g % TOPICS].name
        offsets = [TopicPartition(topic_name, p, (g + p) % 20) for p in range(PARTITIONS)]
        futures += admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(f"group-{g}", offsets)]
        ).values()
    for future in futures:
        future.result(timeout=30)


def bench_collection(cluster: MockCluster) -> None:
    settings.KAFKA_BOOTSTRAP_SERVERS = cluster.bootstrap_servers
    settings.KAFKA_TIMEOUT_SECONDS = 30
    for label in ("first (no earlier readings)", "second", "third"):
        tracemalloc.start()
        started = time.perf_counter()
        run = collection_run()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert run.status == "ok", run.error
        print(
            f"collection, {label}: {seconds:.2f} s wall, {run.groups} groups, "
            f"{run.partitions} partitions, alerts opened {run.alerts_opened}; "
            f"Python peak {peak / 2**20:.1f} MiB"
        )
        time.sleep(1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (everything, librdkafka included): {rss:.0f} MiB")
    print(f"consumer samples stored: {ConsumerSample.objects.count()}")


def bench_ingest(label: str, *, evaluate: bool) -> None:
    """Batches of 500 consumer points through the API with a collector's write token, as a
    collector would send them; ``evaluate`` runs the alert rules in-process after each batch
    (the embedded default) instead of leaving them to a worker (with Redis)."""
    from catalog.monitoring import api
    from catalog.tokens import api_token_create

    user, _ = get_user_model().objects.get_or_create(username="collector", is_staff=True)
    _, token = api_token_create(user=user, name=label[:50], scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    consumers = list(Consumer.objects.select_related("topic")[:BATCH])
    base = timezone.now() - datetime.timedelta(hours=3 if evaluate else 5)
    bodies = []
    for batch in range(BATCHES):
        at = (base + datetime.timedelta(seconds=30 * batch)).isoformat()
        points = [
            {
                "topic": c.topic.name,
                "consumer_group": c.group_id,
                "timestamp": at,
                "partition_lag": {str(p): (batch + p) % 50 for p in range(PARTITIONS)},
                "throughput": 12.5,
            }
            for c in consumers
        ]
        bodies.append(json.dumps({"points": points}))
    original = api.enqueue
    if not evaluate:
        api.enqueue = lambda *args: None
    walls, cpus = [], []
    try:
        for body in bodies:
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.post("/api/v1/signals/", body, content_type="application/json")
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            assert response.status_code == 200, response.content[:300]
    finally:
        api.enqueue = original
    print(
        f"{label}: p50 {statistics.median(walls) * 1000:.0f} ms wall "
        f"({statistics.median(cpus) * 1000:.0f} ms CPU) per batch of {BATCH}; "
        f"{BATCH * BATCHES / sum(walls):,.0f} points/s wall, "
        f"{BATCH * BATCHES / sum(cpus):,.0f} points/s per CPU-second"
    )


def bench_ingest_http(threads: int = 4, batches: int = 120) -> None:
    """The API's throughput as a server: gunicorn with 2 workers on this PostgreSQL database,
    ``threads`` collectors posting batches of 500 at once over real HTTP, the rule evaluation
    queued to Redis for a worker (as in production)."""
    import http.client
    import socket
    import subprocess
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from catalog.tokens import api_token_create

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        print("ingest over HTTP: skipped on SQLite (one writer at a time); set BENCH_DATABASE_URL")
        return
    user, _ = get_user_model().objects.get_or_create(username="collector", is_staff=True)
    _, token = api_token_create(user=user, name="http", scope="write")
    consumers = list(Consumer.objects.select_related("topic")[:BATCH])
    base = timezone.now() - datetime.timedelta(hours=6)
    bodies = [
        json.dumps(
            {
                "points": [
                    {
                        "topic": c.topic.name,
                        "consumer_group": c.group_id,
                        "timestamp": (base + datetime.timedelta(seconds=10 * b)).isoformat(),
                        "partition_lag": {str(p): (b + p) % 50 for p in range(PARTITIONS)},
                        "throughput": 12.5,
                    }
                    for c in consumers
                ]
            }
        ).encode()
        for b in range(batches)
    ]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "catalog.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(body: bytes) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", "/api/v1/signals/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    try:
        for _ in range(100):
            try:
                post(b'{"points": []}')
                break
            except OSError:
                time.sleep(0.1)
        for body in bodies[:4]:  # warm both workers (token check, imports)
            assert post(body) == 200
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            statuses = list(pool.map(post, bodies[4:]))
        seconds = time.perf_counter() - started
        assert set(statuses) == {200}, statuses
        points = BATCH * (len(bodies) - 4)
        print(
            f"ingest over HTTP, gunicorn 2 workers, {threads} collectors at once: "
            f"{points / seconds:,.0f} points/s ({len(bodies) - 4} batches of {BATCH} "
            f"in {seconds:.1f} s)"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).delete(queue)


def main() -> None:
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}")
    topics = populate_catalog()
    if "--ingest-only" not in sys.argv:
        cluster = MockCluster()
        populate_kafka(cluster, topics)
        bench_collection(cluster)
    bench_ingest("ingest, rules evaluated in-process after each batch", evaluate=True)
    bench_ingest("ingest, rules left to a worker (REDIS_URL set)", evaluate=False)
    bench_ingest_http()


if __name__ == "__main__":
    main()
