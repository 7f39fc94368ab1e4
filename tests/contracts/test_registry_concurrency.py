"""Parallel clients registering at once keep ids and versions consistent (PostgreSQL)."""

from __future__ import annotations

import base64
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection

from catalog.models import Membership, Topic
from contracts.models import Schema, SchemaVersion
from tests.contracts.conftest import V1, with_fields
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8
SUBJECT = "orders.created-value"


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL (DATABASE_URL); this test needs it")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def base_url(live_server):
    orders = TeamFactory(slug="orders")
    MembershipFactory(user=UserFactory(username="olivia"), team=orders, role=Membership.Role.LEAD)
    Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy")
    return f"{live_server.url}/registry"


def _register_all(base_url: str, schemas: list[dict]) -> list[httpx.Response]:
    auth = "Basic " + base64.b64encode(f"olivia:{PASSWORD}".encode()).decode()
    barrier = threading.Barrier(len(schemas))

    def register(schema: dict) -> httpx.Response:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            return http.post(
                f"{base_url}/subjects/{SUBJECT}/versions",
                json={"schema": json.dumps(schema)},
                headers={"Authorization": auth},
            )

    with ThreadPoolExecutor(max_workers=len(schemas)) as pool:
        return list(pool.map(register, schemas))


def test_the_same_schema_registered_in_parallel_yields_one_id_and_one_version(base_url):
    responses = _register_all(base_url, [V1] * CLIENTS)
    assert [r.status_code for r in responses] == [200] * CLIENTS
    assert {(r.json()["id"], r.json()["version"]) for r in responses} == {
        (Schema.objects.get().pk, 1)
    }
    assert SchemaVersion.objects.count() == 1


def test_different_compatible_schemas_in_parallel_get_contiguous_versions(base_url):
    assert _register_all(base_url, [V1])[0].status_code == 200
    schemas = [
        with_fields(V1, {"name": f"extra_{i}", "type": ["null", "string"], "default": None})
        for i in range(CLIENTS)
    ]
    responses = _register_all(base_url, schemas)
    assert [r.status_code for r in responses] == [200] * CLIENTS
    versions = sorted(r.json()["version"] for r in responses)
    assert versions == list(range(2, CLIENTS + 2))
    assert len({r.json()["id"] for r in responses}) == CLIENTS
    stored = list(SchemaVersion.objects.order_by("version").values_list("version", flat=True))
    assert stored == list(range(1, CLIENTS + 2))
