"""Operational signals: consumer lag, throughput and DLQ depth, read from Kafka or pushed by
another collector, and the alerts they raise, each tied to the schema change that likely
caused it."""
