"""Settings for the registry benchmark: the app as deployed, plus a bare view as the floor."""

from __future__ import annotations

from catalog.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.bench_urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
