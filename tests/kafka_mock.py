"""librdkafka's built-in mock cluster as the Kafka protocol peer of the tests.

A producer configured with ``test.mock.num.brokers`` starts the cluster inside this process;
its brokers listen on loopback ports, and every other confluent-kafka client (the
collector's AdminClient included) connects to them like to any cluster. Topics are created on
first use with the mock's four partitions.
"""

from __future__ import annotations

import logging

from confluent_kafka import Consumer, Producer, TopicPartition

_quiet = logging.getLogger("tests.kafka_mock")
_quiet.setLevel(logging.CRITICAL)


class MockKafkaCluster:
    def __init__(self, brokers: int = 3, *, round_trip_ms: int = 0) -> None:
        config: dict[str, object] = {"test.mock.num.brokers": brokers, "logger": _quiet}
        if round_trip_ms:
            # Every broker answers this late: a slow cluster.
            config["test.mock.broker.rtt"] = round_trip_ms
        self._owner = Producer(config)
        metadata = self._owner.list_topics(timeout=30)
        self.bootstrap_servers = ",".join(
            f"{b.host}:{b.port}" for b in sorted(metadata.brokers.values(), key=lambda b: b.id)
        )
        self._producer = Producer({"bootstrap.servers": self.bootstrap_servers, "logger": _quiet})

    def produce(self, topic: str, partition: int, count: int) -> None:
        for i in range(count):
            self._producer.produce(topic, value=f"event-{i}".encode(), partition=partition)
        assert self._producer.flush(10) == 0, "the mock cluster did not take every message"

    def consume_and_commit(self, group: str, topic: str, partition: int, count: int) -> None:
        """Read ``count`` messages of one partition from the start as ``group``, then commit
        after the last one, as a consumer that processed them would."""
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap_servers,
                "group.id": group,
                "enable.auto.commit": False,
                "logger": _quiet,
            }
        )
        try:
            consumer.assign([TopicPartition(topic, partition, 0)])
            read = 0
            while read < count:
                message = consumer.poll(5)
                assert message is not None, f"only {read} of {count} messages arrived"
                assert message.error() is None, message.error()
                read += 1
            consumer.commit(offsets=[TopicPartition(topic, partition, count)], asynchronous=False)
        finally:
            consumer.close()

    def close(self) -> None:
        self._producer.flush(5)
