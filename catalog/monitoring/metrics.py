"""GET /metrics: the latest readings in Prometheus' text exposition format (version 0.0.4).

Prometheus scrapes with ``Authorization: Bearer $METRICS_TOKEN`` when METRICS_TOKEN is set;
without it the endpoint takes the API's credentials (a user token or Basic auth) or a
signed-in session, so topic names never leak to anonymous callers."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from catalog.authentication import AuthenticationFailed, authenticate_api_request
from catalog.monitoring.selectors import metrics_snapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float | int) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def _family(name: str, kind: str, help_text: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header[7:].strip().encode(), token.encode())
    ):
        return True
    if request.user.is_authenticated:
        return True
    try:
        return authenticate_api_request(request) is not None
    except AuthenticationFailed:
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        response = HttpResponse("authentication required\n", status=401, content_type=CONTENT_TYPE)
        response["WWW-Authenticate"] = 'Bearer realm="contract-catalog-metrics"'
        return response
    snap = metrics_snapshot()
    lines: list[str] = []
    lag, rate = [], []
    for c in snap.consumers:
        labels = _labels(topic=c.topic.name, consumer_group=c.group_id, team=c.team.slug)
        lag.append(f"contract_catalog_consumer_lag_messages{labels} {c.latest_lag}")  # type: ignore[attr-defined]
        if c.latest_rate is not None:  # type: ignore[attr-defined]
            rate.append(
                f"contract_catalog_consumer_throughput_messages_per_second{labels} "
                f"{_number(c.latest_rate)}"  # type: ignore[attr-defined]
            )
    dlq, produced = [], []
    for t in snap.topics:
        if t.dlq_depth is not None:  # type: ignore[attr-defined]
            labels = _labels(topic=t.name, dlq_topic=t.dlq_topic)
            dlq.append(f"contract_catalog_topic_dlq_depth_messages{labels} {t.dlq_depth}")  # type: ignore[attr-defined]
        if t.produce_rate is not None:  # type: ignore[attr-defined]
            produced.append(
                f"contract_catalog_topic_throughput_messages_per_second{_labels(topic=t.name)} "
                f"{_number(t.produce_rate)}"  # type: ignore[attr-defined]
            )
    lines += _family(
        "contract_catalog_consumer_lag_messages",
        "gauge",
        "Messages a consumer group is behind on its topic, summed over partitions.",
        lag,
    )
    lines += _family(
        "contract_catalog_consumer_throughput_messages_per_second",
        "gauge",
        "Messages per second a consumer group consumes.",
        rate,
    )
    lines += _family(
        "contract_catalog_topic_dlq_depth_messages",
        "gauge",
        "Messages in a topic's dead-letter queue.",
        dlq,
    )
    lines += _family(
        "contract_catalog_topic_throughput_messages_per_second",
        "gauge",
        "Messages per second a topic receives.",
        produced,
    )
    lines += _family(
        "contract_catalog_alerts_open",
        "gauge",
        "Open alerts by kind.",
        (
            f"contract_catalog_alerts_open{_labels(kind=kind)} {count}"
            for kind, count in sorted(snap.open_alerts.items())
        ),
    )
    lines += _family(
        "contract_catalog_notifications_failed",
        "gauge",
        "Notifications whose delivery failed for good (our own DLQ).",
        [f"contract_catalog_notifications_failed {snap.failed_notifications}"],
    )
    lines += _family(
        "contract_catalog_collection_failures",
        "gauge",
        "Collection runs that could not read Kafka, within the retention.",
        [f"contract_catalog_collection_failures {snap.failed_runs}"],
    )
    if snap.last_success is not None:
        lines += _family(
            "contract_catalog_collection_last_success_timestamp_seconds",
            "gauge",
            "When the collector last read Kafka.",
            [
                "contract_catalog_collection_last_success_timestamp_seconds "
                f"{snap.last_success.finished_at.timestamp():.3f}"
            ],
        )
    return HttpResponse("\n".join(lines) + "\n", content_type=CONTENT_TYPE)
