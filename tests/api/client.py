"""A JSON client for /api/v1/ and a way to mint tokens in tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from catalog.tokens import api_token_create


class ApiClient:
    """Django's test client speaking JSON to /api/v1/ with a bearer token."""

    def __init__(self, token: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self.headers)

    def _send(self, method: str, path: str, body):
        return getattr(self.client, method)(
            path,
            data=body if body is not None else {},
            content_type="application/json",
            **self.headers,
        )

    def post(self, path: str, body=None):
        return self._send("post", path, body)

    def put(self, path: str, body=None):
        return self._send("put", path, body)


def token_for(user, scope: str = "write", **kwargs) -> str:
    name = kwargs.pop("name", f"{scope}-{user.username}")
    _, plaintext = api_token_create(user=user, name=name, scope=scope, **kwargs)
    return plaintext
