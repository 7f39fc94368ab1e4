"""Reading consumer-group offsets, end offsets and DLQ depths from Kafka.

Only this module talks to Kafka. It answers one question per run -- where is every group,
where does every partition end, how deep is every DLQ -- in a handful of batched requests,
with every call bounded by a deadline so a slow or dead broker costs one error, not a hung
worker.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

logger = logging.getLogger(__name__)

# librdkafka's "no committed offset" marker (OFFSET_INVALID).
_NO_OFFSET = -1001
# Client properties taken from KAFKA_CLIENT_<PROPERTY> environment variables, e.g.
# KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL -> security.protocol.
CLIENT_ENV_PREFIX = "KAFKA_CLIENT_"


class KafkaUnavailable(Exception):
    """Kafka could not be read at all in this run (broker down, slow, refused credentials)."""


@dataclass(frozen=True)
class GroupReading:
    group_id: str
    topic: str
    partition_lags: list[int]
    uncommitted: int
    # Sum of the group's positions: the committed offset, or the log start where none is.
    position_total: int

    @property
    def lag(self) -> int:
        return sum(self.partition_lags)


@dataclass(frozen=True)
class TopicReading:
    topic: str
    end_total: int
    dlq_depth: int | None


@dataclass
class KafkaSnapshot:
    taken_at: float
    groups: dict[tuple[str, str], GroupReading] = field(default_factory=dict)
    topics: dict[str, TopicReading] = field(default_factory=dict)
    partitions: int = 0
    # Problems that spoiled part of the run (a topic missing from the cluster, one group's
    # offsets refused); the rest of the readings stand.
    problems: list[str] = field(default_factory=list)


def client_config_from_env(
    bootstrap_servers: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The AdminClient configuration: the bootstrap servers plus every ``KAFKA_CLIENT_*``
    variable (SASL, SSL, client id...) passed through as a librdkafka property."""
    environ = os.environ if environ is None else environ
    config = {"bootstrap.servers": bootstrap_servers}
    for name, value in environ.items():
        if name.startswith(CLIENT_ENV_PREFIX) and value:
            prop = name[len(CLIENT_ENV_PREFIX) :].lower().replace("_", ".")
            config[prop] = value
    return config


def kafka_read(
    *,
    config: Mapping[str, Any],
    groups: Iterable[tuple[str, str]],
    topics: Iterable[str],
    dlq_topics: Mapping[str, str],
    timeout: float,
) -> KafkaSnapshot:
    """Read ``groups`` ((group id, topic) pairs), the end offsets of ``topics`` and the depth
    of each DLQ in ``dlq_topics`` (topic -> its DLQ topic), within ``timeout`` seconds.

    Raises :class:`KafkaUnavailable` when the cluster cannot be reached; a topic missing from
    the cluster or one refused group is a problem in the snapshot, not an exception."""
    deadline = time.monotonic() + timeout
    admin = AdminClient(
        {
            **config,
            "socket.timeout.ms": max(1000, int(timeout * 1000)),
            "socket.connection.setup.timeout.ms": max(1000, int(timeout * 1000)),
            "logger": logger,
        }
    )
    snapshot = KafkaSnapshot(taken_at=time.time())
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise KafkaUnavailable(f"cannot read cluster metadata: {_reason(exc)}") from exc

    group_pairs = sorted(set(groups))
    wanted = sorted({*topics, *(t for _, t in group_pairs)})
    partitions: dict[str, list[int]] = {}
    for name in sorted({*wanted, *dlq_topics.values()}):
        topic_md = metadata.topics.get(name)
        if topic_md is None or topic_md.error is not None:
            snapshot.problems.append(f"topic {name} does not exist in the Kafka cluster")
            continue
        partitions[name] = sorted(topic_md.partitions)
    snapshot.partitions = sum(len(p) for p in partitions.values())

    all_partitions = [TopicPartition(t, p) for t, parts in partitions.items() for p in parts]
    ends = _list_offsets(admin, all_partitions, OffsetSpec.latest(), deadline, snapshot)
    starts = _list_offsets(admin, all_partitions, OffsetSpec.earliest(), deadline, snapshot)

    by_group: dict[str, list[str]] = defaultdict(list)
    for group_id, topic in group_pairs:
        if topic in partitions:
            by_group[group_id].append(topic)
    committed = _group_offsets(admin, by_group, partitions, deadline, snapshot)

    for topic in wanted:
        if topic not in partitions:
            continue
        end_total = sum(ends.get((topic, p), 0) for p in partitions[topic])
        dlq = dlq_topics.get(topic)
        depth = None
        if dlq and dlq in partitions:
            depth = sum(
                max(0, ends.get((dlq, p), 0) - starts.get((dlq, p), 0)) for p in partitions[dlq]
            )
        snapshot.topics[topic] = TopicReading(topic=topic, end_total=end_total, dlq_depth=depth)

    for group_id, topic in group_pairs:
        offsets = committed.get(group_id)
        if topic not in partitions or offsets is None:
            continue
        lags: list[int] = []
        uncommitted = 0
        position_total = 0
        for p in partitions[topic]:
            end = ends.get((topic, p), 0)
            start = starts.get((topic, p), 0)
            position = offsets.get((topic, p), _NO_OFFSET)
            if position < 0:
                # Never committed here: everything still retained is unread.
                uncommitted += 1
                position = start
            lags.append(max(0, end - position))
            position_total += position
        snapshot.groups[(group_id, topic)] = GroupReading(
            group_id=group_id,
            topic=topic,
            partition_lags=lags,
            uncommitted=uncommitted,
            position_total=position_total,
        )
    return snapshot


def _list_offsets(
    admin: AdminClient,
    partitions: list[TopicPartition],
    spec: OffsetSpec,
    deadline: float,
    snapshot: KafkaSnapshot,
) -> dict[tuple[str, int], int]:
    if not partitions:
        return {}
    remaining = max(0.1, deadline - time.monotonic())
    try:
        futures = admin.list_offsets(dict.fromkeys(partitions, spec), request_timeout=remaining)
    except KafkaException as exc:
        raise KafkaUnavailable(f"cannot list offsets: {_reason(exc)}") from exc
    done = _wait(futures.values(), deadline)
    result: dict[tuple[str, int], int] = {}
    failures: list[str] = []
    for tp, future in futures.items():
        if future not in done:
            raise KafkaUnavailable("timed out listing partition offsets")
        error = future.exception()
        if error is not None:
            failures.append(f"{tp.topic}[{tp.partition}]: {_reason(error)}")
            continue
        result[(tp.topic, tp.partition)] = future.result().offset
    if failures and not result:
        raise KafkaUnavailable(f"cannot list offsets: {failures[0]}")
    snapshot.problems.extend(f"offsets of {f}" for f in failures[:10])
    return result


def _group_offsets(
    admin: AdminClient,
    by_group: Mapping[str, list[str]],
    partitions: Mapping[str, list[int]],
    deadline: float,
    snapshot: KafkaSnapshot,
) -> dict[str, dict[tuple[str, int], int]]:
    # The client takes one group per request; all requests are in flight at once.
    pending: dict[concurrent.futures.Future[Any], str] = {}
    for group_id, topics in by_group.items():
        request = ConsumerGroupTopicPartitions(
            group_id, [TopicPartition(t, p) for t in topics for p in partitions[t]]
        )
        remaining = max(0.1, deadline - time.monotonic())
        try:
            futures = admin.list_consumer_group_offsets([request], request_timeout=remaining)
        except KafkaException as exc:
            snapshot.problems.append(f"group {group_id}: {_reason(exc)}")
            continue
        for future in futures.values():
            pending[future] = group_id
    done = _wait(pending, deadline)
    result: dict[str, dict[tuple[str, int], int]] = {}
    timed_out = 0
    for future, group_id in pending.items():
        if future not in done:
            timed_out += 1
            continue
        error = future.exception()
        if error is not None:
            snapshot.problems.append(f"group {group_id}: {_reason(error)}")
            continue
        result[group_id] = {
            (tp.topic, tp.partition): tp.offset
            for tp in future.result().topic_partitions
            if tp.error is None
        }
    if pending and not result and timed_out:
        raise KafkaUnavailable("timed out reading consumer group offsets")
    if timed_out:
        snapshot.problems.append(f"{timed_out} consumer groups timed out")
    return result


def _wait(
    futures: Iterable[concurrent.futures.Future[Any]], deadline: float
) -> set[concurrent.futures.Future[Any]]:
    done, _ = concurrent.futures.wait(list(futures), timeout=max(0.0, deadline - time.monotonic()))
    return done


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KafkaException) and exc.args:
        error = exc.args[0]
        text = getattr(error, "str", None)
        if callable(text):
            return str(text())
    return str(exc) or type(exc).__name__
