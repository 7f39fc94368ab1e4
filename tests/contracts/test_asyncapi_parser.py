"""Every exported AsyncAPI document parses with the official AsyncAPI parser (JavaScript, with
its Avro schema parser) without errors or warnings. .ci/run installs it under .ci/asyncapi;
locally: npm ci --prefix .ci/asyncapi."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import pytest
import yaml
from django.core.management import call_command

from catalog.models import Topic
from contracts import exports

CHECKER = pathlib.Path(__file__).resolve().parents[2] / ".ci" / "asyncapi"


@pytest.fixture(scope="module")
def asyncapi_parser():
    node = shutil.which("node")
    if node is None or not (CHECKER / "node_modules" / "@asyncapi" / "parser").is_dir():
        if os.environ.get("CI"):
            pytest.fail("The AsyncAPI parser is not installed; .ci/run installs it")
        pytest.skip("AsyncAPI parser not installed: npm ci --prefix .ci/asyncapi")

    def parse(paths: list[pathlib.Path]) -> tuple[int, dict[str, dict]]:
        result = subprocess.run(
            [node, str(CHECKER / "validate.mjs"), *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return result.returncode, {pathlib.Path(line["path"]).name: line for line in lines}

    return parse


def _problems(report: dict) -> list[dict]:
    return [d for d in report["diagnostics"] if d["severity"] <= 1]


def test_every_demo_asyncapi_document_parses_with_the_official_parser(
    db, tmp_path, asyncapi_parser
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    paths = []
    for item in exports.topics_for_export(Topic.objects.all()):
        path = tmp_path / f"{item.topic.name}.asyncapi.yaml"
        path.write_text(exports.export_document(item, "asyncapi"))
        paths.append(path)
    code, reports = asyncapi_parser(paths)
    assert len(reports) == len(paths) >= 15
    failures = {
        name: _problems(report)
        for name, report in reports.items()
        if not report["parsed"] or _problems(report)
    }
    assert failures == {}
    assert code == 0


def test_the_parser_reports_a_broken_document(db, tmp_path, asyncapi_parser, orders):
    from tests.factories import TopicFactory, register_schema

    topic = TopicFactory(name="orders.order.created", owner=orders)
    register_schema(topic)
    document = exports.asyncapi_document(exports.topic_for_export(topic.name))
    # A message the channel does not have: the JSON Schema allows it, the parser does not.
    document["operations"]["publish.orders.order.created"]["messages"] = [
        {"$ref": "#/channels/orders.order.created/messages/Nope"}
    ]
    path = tmp_path / "broken.asyncapi.yaml"
    path.write_text(yaml.safe_dump(document))
    code, reports = asyncapi_parser([path])
    assert code == 1
    errors = [d for d in reports["broken.asyncapi.yaml"]["diagnostics"] if d["severity"] == 0]
    assert [e["code"] for e in errors] == ["invalid-ref"]
