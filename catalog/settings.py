"""Settings for Contract Catalog. Everything that differs between machines comes from
the environment; the README lists every variable."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from catalog.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", False)
# The fallback key only exists so the embedded default runs out of the box; production sets
# DJANGO_SECRET_KEY (the README says so, and `manage.py check --deploy` complains otherwise).
SECRET_KEY = envstr(
    "DJANGO_SECRET_KEY", "insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog",
    "catalog.monitoring",
    "contracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "catalog.middleware.RejectNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "catalog.urls"
WSGI_APPLICATION = "catalog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server's readers run beside a writer; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog:topic-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("DJANGO_STATIC_ROOT", str(BASE_DIR / ".staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production sets whitenoise.storage.CompressedManifestStaticFilesStorage and runs
        # collectstatic; the default works without that step.
        "BACKEND": envstr(
            "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from static/ when collectstatic has not run (embedded default, tests).
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", True)

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "contract-catalog@localhost")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(BASE_DIR / ".mail"))
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

# Celery: with REDIS_URL unset every task runs in-process, so the embedded default needs no
# server. With it set, Redis is the broker and workers run the tasks.
REDIS_URL = envstr("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-notifications": {
        "task": "catalog.tasks.sweep_pending_notifications",
        "schedule": 300.0,
    },
    "sweep-unanalysed-proposals": {
        "task": "contracts.tasks.sweep_unanalysed_proposals",
        "schedule": 120.0,
    },
    "remind-pending-approvals": {
        "task": "contracts.tasks.remind_pending_approvals",
        "schedule": 3600.0,
    },
    "escalate-overdue-proposals": {
        "task": "contracts.tasks.escalate_overdue_proposals",
        "schedule": 900.0,
    },
    "migrations-daily": {
        "task": "contracts.tasks.migrations_tick",
        "schedule": 3600.0,
    },
    "expire-stale-proposals": {
        "task": "contracts.tasks.expire_stale_proposals",
        "schedule": 3600.0,
    },
}
# Operational signals (catalog.monitoring). With KAFKA_BOOTSTRAP_SERVERS set, beat runs the
# collector every KAFKA_COLLECT_INTERVAL_SECONDS; KAFKA_CLIENT_* variables become client
# properties (KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL -> security.protocol).
KAFKA_BOOTSTRAP_SERVERS = envstr("KAFKA_BOOTSTRAP_SERVERS", "")
KAFKA_COLLECT_INTERVAL_SECONDS = envint("KAFKA_COLLECT_INTERVAL_SECONDS", 60)
# Every Kafka call of one collection shares this deadline: a slow broker is an error, not a hang.
KAFKA_TIMEOUT_SECONDS = envint("KAFKA_TIMEOUT_SECONDS", 15)
SIGNALS_RETENTION_DAYS = envint("SIGNALS_RETENTION_DAYS", 7)
SIGNALS_INGEST_MAX_POINTS = envint("SIGNALS_INGEST_MAX_POINTS", 5000)
# Ingested points may be this far ahead of our clock (skew), no further.
SIGNALS_MAX_FUTURE_SECONDS = envint("SIGNALS_MAX_FUTURE_SECONDS", 300)
# A reading older than this no longer describes the present.
SIGNALS_STALE_AFTER_SECONDS = envint("SIGNALS_STALE_AFTER_SECONDS", 900)
# Lag and throughput must hold this long before an alert opens.
ALERT_SUSTAIN_SECONDS = envint("ALERT_SUSTAIN_SECONDS", 300)
ALERT_THROUGHPUT_DROP_PERCENT = envint("ALERT_THROUGHPUT_DROP_PERCENT", 20)
ALERT_THROUGHPUT_BASELINE_SECONDS = envint("ALERT_THROUGHPUT_BASELINE_SECONDS", 3600)
# Prometheus scrapes /metrics with this bearer token; unset, API credentials are required.
METRICS_TOKEN = envstr("METRICS_TOKEN", "")
if KAFKA_BOOTSTRAP_SERVERS:
    CELERY_BEAT_SCHEDULE["collect-signals"] = {
        "task": "catalog.monitoring.tasks.collect_signals",
        "schedule": float(KAFKA_COLLECT_INTERVAL_SECONDS),
        # A run that could not start in time is skipped, not queued behind the next one.
        "options": {"expires": float(KAFKA_COLLECT_INTERVAL_SECONDS)},
    }
CELERY_BEAT_SCHEDULE["prune-signals"] = {
    "task": "catalog.monitoring.tasks.prune_signals",
    "schedule": 3600.0,
}

PROPOSAL_DEFAULT_DEADLINE_DAYS = envint("PROPOSAL_DEFAULT_DEADLINE_DAYS", 7)
PROPOSAL_REMINDER_HOURS = envint("PROPOSAL_REMINDER_HOURS", 24)
PROPOSAL_EXPIRY_GRACE_DAYS = envint("PROPOSAL_EXPIRY_GRACE_DAYS", 7)
# Past a migration window, laggards are reminded daily, then escalated after this many days.
MIGRATION_ESCALATE_AFTER_DAYS = envint("MIGRATION_ESCALATE_AFTER_DAYS", 3)
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", 5)
# A worker that dies mid-delivery leaves its claim; after this long another may take over.
NOTIFICATION_CLAIM_LEASE_SECONDS = envint("NOTIFICATION_CLAIM_LEASE_SECONDS", 300)
# With acks_late, a task whose worker died is redelivered after this long (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.api_auth.CatalogApiAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "catalog.api_permissions.WriteNeedsWriteScope",
    ],
    "EXCEPTION_HANDLER": "catalog.api.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The API speaks JSON only (no form or multipart bodies).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "catalog.api_schema.CatalogAutoSchema",
}
# /api/v1/ lists: cursor pagination; ?page_size= up to API_MAX_PAGE_SIZE.
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)

# OpenAPI 3 at /api/schema/, Swagger UI at /api/docs/ (served from static files, no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "Contract Catalog API",
    "DESCRIPTION": (
        "The platform-lead REST API: teams, topics, consumers, proposals, migrations, "
        "notifications, the audit log, the ownership report, operational signals and alerts, "
        "and contract exports and imports. Authenticate with HTTP Basic, "
        "an API token (`Authorization: Bearer cc_…`) or the browser session. Errors are "
        '`{"error": {"code": "…", "message": "…", "field": …}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the online validator: the docs reach no host but this one.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "TopicStatusEnum": "catalog.models.Topic.Status",
        "ConsumerStatusEnum": "catalog.models.Consumer.Status",
        "ProposalStatusEnum": "contracts.models.ChangeProposal.Status",
        "MigrationStatusEnum": "contracts.models.Migration.Status",
        "NotificationStatusEnum": "catalog.models.Notification.Status",
        "ApprovalStateEnum": "contracts.models.Approval.State",
        "AlertKindEnum": "catalog.monitoring.models.Alert.Kind",
        "AlertResolutionEnum": "catalog.monitoring.models.Alert.Resolution",
        "AlertCauseKindEnum": ["schema_version", "proposal_applied"],
        "ProposalKindEnum": "contracts.models.ChangeProposal.Kind",
    },
}

CATALOG_TOPICS_PER_PAGE = envint("CATALOG_TOPICS_PER_PAGE", 25)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a verified Basic login or API token is trusted before it is checked again.
API_AUTH_CACHE_SECONDS = envint("API_AUTH_CACHE_SECONDS", 60)

# Schema registry (Confluent-compatible API under /registry/).
REGISTRY_REQUIRE_CATALOGED_TOPICS = envbool("REGISTRY_REQUIRE_CATALOGED_TOPICS", False)
REGISTRY_ALLOW_ANONYMOUS_READS = envbool("REGISTRY_ALLOW_ANONYMOUS_READS", False)
REGISTRY_MAX_SCHEMA_BYTES = envint("REGISTRY_MAX_SCHEMA_BYTES", 1_048_576)
# A request body may carry the schema JSON-escaped inside another JSON document.
REGISTRY_MAX_BODY_BYTES = envint("REGISTRY_MAX_BODY_BYTES", 2 * 1_048_576 + 65_536)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, REGISTRY_MAX_BODY_BYTES)
# Contract imports (.avsc or ODCS YAML): the largest upload or pasted text accepted.
CONTRACT_IMPORT_MAX_BYTES = envint("CONTRACT_IMPORT_MAX_BYTES", 1_048_576)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
