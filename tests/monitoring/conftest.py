from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from catalog.models import Consumer, DeliverySLA
from catalog.monitoring.models import Source
from catalog.monitoring.services import ConsumerReading, TopicReadingIn, samples_store
from tests.factories import ConsumerFactory, TopicFactory


@pytest.fixture
def now():
    """The frozen 'now' every reading and evaluation in a test is placed against."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def orders_created(orders):
    topic = TopicFactory(name="orders.created", owner=orders, dlq_topic="orders.created.dlq")
    DeliverySLA.objects.create(topic=topic, max_consumer_lag=100)
    return topic


@pytest.fixture
def analytics_consumer(orders_created, analytics):
    return ConsumerFactory(
        topic=orders_created, team=analytics, name="warehouse-loader", group_id="analytics"
    )


def minutes_ago(now: datetime.datetime, minutes: float) -> datetime.datetime:
    return now - datetime.timedelta(minutes=minutes)


def record(
    at: datetime.datetime,
    *,
    consumer: Consumer | None = None,
    lag: int = 0,
    rate: float | None = None,
    topic=None,
    dlq_depth: int | None = None,
    produce_rate: float | None = None,
) -> None:
    consumers = []
    if consumer is not None:
        consumers.append(
            ConsumerReading(
                consumer_id=consumer.pk, lag=lag, partition_lags=[lag], consume_rate=rate
            )
        )
    topics = []
    if topic is not None:
        topics.append(
            TopicReadingIn(topic_id=topic.pk, dlq_depth=dlq_depth, produce_rate=produce_rate)
        )
    samples_store(taken_at=at, consumers=consumers, topics=topics, source=Source.INGEST)
