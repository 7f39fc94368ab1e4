"""Test helpers that stand in for what lies outside the machine."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis


class WebhookSink:
    """A local HTTP server recording POSTed JSON; answers with the scripted statuses in turn
    (then 200)."""

    def __init__(self, statuses: list[int] | None = None, *, hang_first: bool = False) -> None:
        self.statuses = list(statuses or [])
        self.received: list[dict[str, Any]] = []
        # With hang_first, the first request blocks (nothing recorded) until `release` is set:
        # a delivery caught in flight.
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._hang = hang_first
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if sink._hang:
                    sink._hang = False
                    sink.hanging.set()
                    sink.release.wait(timeout=60)
                    return
                status = sink.statuses.pop(0) if sink.statuses else 200
                if status < 300:
                    sink.received.append(body)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[1]


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI (CI=1) that is a failure."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclass
class Worker:
    queue: str
    mail_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "catalog",
                "worker",
                "-Q",
                self.queue,
                "--pool",
                "solo",
                "--loglevel",
                "warning",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, as when a machine dies."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def emails(self) -> list[str]:
        """Messages the worker sent (Django's file email backend), as raw text."""
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]


@contextlib.contextmanager
def celery_worker(
    tmp_path: Path, *, route_this_process: bool = False, env: dict[str, str] | None = None
) -> Iterator[Worker]:
    """A real `celery worker` process on Redis, on a queue of its own, using the test database
    (PostgreSQL, so another process can see it). With ``route_this_process``, tasks this test
    process sends go to that worker instead of running in-process."""
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    require(redis_up(), f"needs Redis at {REDIS_URL}")
    db = connection.settings_dict
    queue = f"cc-test-{uuid.uuid4().hex[:10]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker_env = {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "catalog.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    worker = Worker(queue=queue, mail_dir=mail_dir, env=worker_env)
    worker.start()
    try:
        with route_tasks(REDIS_URL, queue) if route_this_process else contextlib.nullcontext():
            yield worker
    finally:
        worker.stop()


@contextlib.contextmanager
def route_tasks(broker_url: str, queue: str = "celery") -> Iterator[None]:
    """Send this process's tasks through ``broker_url`` instead of running them in-process."""
    from catalog import celery_app

    # The app reads Django settings through the CELERY_ namespace, so overrides use those names.
    keys = ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE")
    saved = {key: celery_app.conf.get(key) for key in keys}
    celery_app.conf.update(
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    _forget_connections(celery_app)
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _forget_connections(celery_app)


def _forget_connections(app: Any) -> None:
    # Producer pools and routing are built once from the configuration; after changing the
    # broker and default queue they must be rebuilt (what Celery itself does after a fork).
    app._after_fork()
    for cached in ("default_queue", "queues", "router"):
        app.amqp.__dict__.pop(cached, None)


def wait_for(predicate: Callable[[], bool], timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
