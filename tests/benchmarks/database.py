"""The database a benchmark runs on: a new SQLite file, or the PostgreSQL database named by
BENCH_DATABASE_URL, dropped and created afresh. Imported before Django is set up."""

from __future__ import annotations

import os
import tempfile


def fresh_database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='cc-bench-')}/bench.sqlite3"
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return url
