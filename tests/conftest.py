"""Personas, as in every write test: alice owns, bob is her teammate, charlie is an outsider
(a member of another team), pat is the platform lead."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import AuditEvent, Membership
from tests.factories import MembershipFactory, TeamFactory, TopicFactory, UserFactory


@pytest.fixture
def orders(db):
    return TeamFactory(slug="orders", name="Orders")


@pytest.fixture
def analytics(db):
    return TeamFactory(slug="analytics", name="Analytics")


@pytest.fixture
def alice(orders):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, team=orders, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def bob(orders):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, team=orders)
    return user


@pytest.fixture
def charlie(analytics):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, team=analytics)
    return user


@pytest.fixture
def pat(db):
    return UserFactory(username="pat", is_staff=True)


@pytest.fixture
def topic(orders):
    return TopicFactory(name="orders.order.created", owner=orders)


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(client, alice) -> Client:
    return login(client, alice)


@pytest.fixture
def as_bob(client, bob) -> Client:
    return login(client, bob)


@pytest.fixture
def as_charlie(client, charlie) -> Client:
    return login(client, charlie)


@pytest.fixture
def as_pat(client, pat) -> Client:
    return login(client, pat)


@pytest.fixture
def audit_count():
    """Call it to read how many audit events exist now."""
    return lambda: AuditEvent.objects.count()


HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests are not about the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Verified credentials and rendered schemas are cached per process; ids are reused across
    # tests because each test's database is rolled back.
    from django.core.cache import cache

    from contracts.registry_api import _schema_by_id_body

    cache.clear()
    _schema_by_id_body.cache_clear()
    yield
