from __future__ import annotations

import subprocess
import sys

import pytest

from catalog.env import envbool, envint, envlist


def test_env_helpers_read_typed_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert envbool("X_BOOL", False) is True
    assert envint("X_INT", 0) == 42
    assert envlist("X_LIST", []) == ["a.example", "b.example"]
    assert envbool("X_MISSING", True) is True


def test_env_helpers_refuse_garbage_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "many")
    with pytest.raises(ValueError, match="X_BOOL"):
        envbool("X_BOOL", False)
    with pytest.raises(ValueError, match="X_INT"):
        envint("X_INT", 0)


def _settings_in_subprocess(env: dict[str, str], expr: str) -> str:
    code = f"import django, os; django.setup(); from django.conf import settings; print({expr})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "catalog.settings", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_without_redis_url_tasks_run_in_process():
    out = _settings_in_subprocess(
        {}, "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL"
    )
    assert out == "True memory://"


def test_with_redis_url_redis_is_the_broker():
    out = _settings_in_subprocess(
        {"REDIS_URL": "redis://127.0.0.1:6379/3"},
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL",
    )
    assert out == "False redis://127.0.0.1:6379/3"


def test_database_url_picks_the_database():
    default = _settings_in_subprocess({}, "settings.DATABASES['default']['ENGINE']")
    assert default == "django.db.backends.sqlite3"
    pg = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/cc"},
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']",
    )
    assert pg == "django.db.backends.postgresql cc"


def test_the_celery_app_reads_the_celery_namespace():
    out = _settings_in_subprocess(
        {"REDIS_URL": "redis://127.0.0.1:6379/5"},
        "__import__('catalog').celery_app.conf.broker_url",
    )
    assert out == "redis://127.0.0.1:6379/5"
