"""Run one signal collection from Kafka (what the beat task does), or keep collecting."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from catalog.monitoring.services import collection_run


class Command(BaseCommand):
    help = "Read consumer lag, throughput and DLQ depth from Kafka and evaluate the alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Collect every KAFKA_COLLECT_INTERVAL_SECONDS until interrupted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            run = collection_run()
            seconds = (run.finished_at - run.started_at).total_seconds()
            line = (
                f"{run.status}: {run.groups} groups, {run.partitions} partitions in "
                f"{seconds:.2f} s; alerts opened {run.alerts_opened}, "
                f"resolved {run.alerts_resolved}"
            )
            if run.error:
                line += f" ({run.error})"
            writer = self.stdout if run.status == run.Status.OK else self.stderr
            writer.write(line)
            if not options["loop"]:
                if run.status != run.Status.OK:
                    raise SystemExit(1)
                return
            time.sleep(settings.KAFKA_COLLECT_INTERVAL_SECONDS)
