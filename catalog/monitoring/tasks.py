"""Celery tasks of the signals app: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from catalog.monitoring import services


@shared_task(ignore_result=True)
def collect_signals() -> int:
    """One collection (beat, every KAFKA_COLLECT_INTERVAL_SECONDS); returns the run id."""
    return services.collection_run().pk


@shared_task(ignore_result=True)
def evaluate_alerts(consumer_ids: list[int], topic_ids: list[int]) -> int:
    """Evaluate the rules for what an ingest batch touched; returns alerts opened."""
    return services.alerts_evaluate(consumer_ids=consumer_ids, topic_ids=topic_ids).opened


@shared_task(ignore_result=True)
def prune_signals() -> int:
    consumers, topics = services.signals_prune()
    return consumers + topics
