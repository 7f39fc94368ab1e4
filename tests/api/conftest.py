from __future__ import annotations

import pytest

from catalog.models import Topic
from tests.api.client import ApiClient, token_for


@pytest.fixture
def api_alice(alice) -> ApiClient:
    return ApiClient(token_for(alice, "write"))


@pytest.fixture
def api_alice_read(alice) -> ApiClient:
    return ApiClient(token_for(alice, "read"))


@pytest.fixture
def api_bob(bob) -> ApiClient:
    return ApiClient(token_for(bob, "write"))


@pytest.fixture
def api_charlie(charlie) -> ApiClient:
    return ApiClient(token_for(charlie, "write"))


@pytest.fixture
def api_pat(pat) -> ApiClient:
    return ApiClient(token_for(pat, "write"))


@pytest.fixture
def orders_created(orders):
    return Topic.objects.create(name="orders.created", owner=orders, naming_exemption="legacy name")
