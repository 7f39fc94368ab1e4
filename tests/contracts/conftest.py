from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from catalog.models import Topic
from tests.factories import PASSWORD

CT = "application/vnd.schemaregistry.v1+json"


class RegistryClient:
    """Django's test client speaking to /registry/ as a Confluent client does."""

    def __init__(
        self, username: str | None = None, password: str = PASSWORD, token: str | None = None
    ):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        elif username:
            raw = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers["HTTP_AUTHORIZATION"] = f"Basic {raw}"

    def _call(self, method: str, path: str, body=None, raw: bytes | None = None, **params):
        url = "/registry/" + path.lstrip("/")
        if params:
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = getattr(self.client, method)(url, data=data, content_type=CT, **self.headers)
        try:
            response.json_body = json.loads(response.content)
        except ValueError:
            response.json_body = None
        return response

    def get(self, path, **params):
        return (
            self._call("get", path, **params) if not params else self._call("get", path, **params)
        )

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call("put", path, body, **kw)

    def delete(self, path, **params):
        return self._call("delete", path, **params)

    def register(self, subject: str, schema: dict | str, **extra):
        text = schema if isinstance(schema, str) else json.dumps(schema)
        return self.post(f"subjects/{subject}/versions", {"schema": text, **extra})


@pytest.fixture
def orders_created(orders):
    return Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy name")


@pytest.fixture
def reg_alice(alice):
    return RegistryClient("alice")


@pytest.fixture
def reg_bob(bob):
    return RegistryClient("bob")


@pytest.fixture
def reg_charlie(charlie):
    return RegistryClient("charlie")


@pytest.fixture
def reg_pat(pat):
    return RegistryClient("pat")


V1 = {
    "type": "record",
    "name": "OrderCreated",
    "namespace": "com.example.orders",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "customer_id", "type": "string"},
        {"name": "amount_cents", "type": "long"},
        {"name": "currency", "type": "string"},
        {"name": "discount_code", "type": ["null", "string"], "default": None},
    ],
}


def with_fields(base: dict, *fields: dict, drop: tuple[str, ...] = ()) -> dict:
    schema = json.loads(json.dumps(base))
    schema["fields"] = [f for f in schema["fields"] if f["name"] not in drop] + list(fields)
    return schema


def renamed(base: dict, old: str, new: str) -> dict:
    schema = json.loads(json.dumps(base))
    for f in schema["fields"]:
        if f["name"] == old:
            f["name"] = new
    return schema
