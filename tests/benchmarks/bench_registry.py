"""Benchmark: the registry API under gunicorn (2 workers) on PostgreSQL, load from wrk.

Prints, side by side in one run:
  * GET /registry/schemas/ids/{id} throughput, authenticated as a Confluent client is (Basic);
  * the framework's floor: a bare Django view returning a fixed body, same gunicorn setup;
  * p50 of re-registering an existing schema, and of registering a new version under
    FULL_TRANSITIVE against 100 versions.

    .venv/bin/python tests/benchmarks/bench_registry.py
Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cc_bench_registry)
and wrk (apt-get install wrk). Not a test: it prints figures.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_registry"
)
USER, PASSWORD = "bench", "bench-password-123"
SUBJECT = "bench.orders.created-value"
VERSIONS = 100
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))


def schema(revision: int) -> dict[str, Any]:
    """Revision ``revision`` of a 50-field schema: the versions differ in a doc (a compatible
    change), so every one is a distinct schema of the same size."""
    fields: list[dict[str, Any]] = [{"name": f"f{i}", "type": "string"} for i in range(40)]
    fields += [{"name": f"opt{i}", "type": ["null", "long"], "default": None} for i in range(10)]
    fields[0]["doc"] = f"revision {revision}"
    return {"type": "record", "name": "Order", "namespace": "bench", "fields": fields}


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, auth: str) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{WRK_SECONDS}s", "-H", f"Authorization: {auth}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses for {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def p50(client: httpx.Client, url: str, bodies: list[dict]) -> tuple[float, list[int]]:
    timings, statuses = [], []
    for body in bodies:
        start = time.perf_counter()
        response = client.post(url, json=body)
        timings.append((time.perf_counter() - start) * 1000)
        statuses.append(response.status_code)
    return statistics.median(timings), statuses


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.bench_settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    run("migrate", "-v0", env=env)
    run(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({USER!r}, password={PASSWORD!r}, is_staff=True)",
        env=env,
    )
    port = free_port()
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
            # e.g. "--worker-class gthread --threads 4" for keep-alive connections
            *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    try:
        client = httpx.Client(base_url=base, headers={"Authorization": auth}, timeout=60)
        for _ in range(100):
            try:
                client.get("/registry/")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        client.put(f"/registry/config/{SUBJECT}", json={"compatibility": "FULL_TRANSITIVE"})
        started = time.perf_counter()
        versions_url = f"/registry/subjects/{SUBJECT}/versions"
        for n in range(VERSIONS):
            r = client.post(versions_url, json={"schema": json.dumps(schema(n))})
            assert r.status_code == 200, r.text
        setup = time.perf_counter() - started
        lookup = client.post(
            f"/registry/subjects/{SUBJECT}", json={"schema": json.dumps(schema(0))}
        )
        schema_id = lookup.json()["id"]
        print(f"setup: {VERSIONS} versions of a 50-field schema, FULL_TRANSITIVE, in {setup:.1f} s")

        ids_rps = wrk(f"{base}/registry/schemas/ids/{schema_id}", auth)
        floor_rps = wrk(f"{base}/bench/floor", auth)
        print(f"{'GET /registry/schemas/ids/{id} (Basic auth)':<52}{ids_rps:>10.0f} req/s")
        print(f"{'bare Django view, same gunicorn (the floor)':<52}{floor_rps:>10.0f} req/s")
        print(f"{'ratio (target >= 0.50)':<52}{ids_rps / floor_rps:>10.2f}")

        url = f"/registry/subjects/{SUBJECT}/versions"
        again, statuses = p50(client, url, [{"schema": json.dumps(schema(VERSIONS - 1))}] * 200)
        assert set(statuses) == {200}
        print(f"{'re-register an existing schema, p50 (target <= 10 ms)':<52}{again:>10.2f} ms")
        new_bodies = [{"schema": json.dumps(schema(VERSIONS + n))} for n in range(30)]
        new, statuses = p50(client, url, new_bodies)
        assert set(statuses) == {200}, statuses
        print(f"{'new version, FULL_TRANSITIVE vs 100+, p50 (<= 50 ms)':<52}{new:>10.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
