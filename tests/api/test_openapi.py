"""The OpenAPI 3 schema at /api/schema/ describes the API as it behaves: Schemathesis generates
requests from it (valid and invalid) and, as an authenticated user with a write token, checks
that nothing answers 5xx and every response matches the documented status, type and shape.
Swagger UI at /api/docs/ is served from our own static files."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.models import DeliverySLA, Domain, Membership
from tests.api.client import token_for
from tests.contracts.conftest import V1
from tests.factories import (
    ConsumerFactory,
    FieldSemanticsFactory,
    MembershipFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
    register_schema,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def in_process_requests():
    """Schemathesis calls the WSGI application directly, not through Django's test client, so
    do what the client does: keep the test's database connection (and its transaction) open
    across requests instead of closing it when each request finishes."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def lead_token(db, in_process_requests):
    """A catalog to hit, and a write token of a lead of its owning team."""
    orders = TeamFactory(slug="orders")
    analytics = TeamFactory(slug="analytics")
    Domain.objects.create(name="orders").owners.add(orders)
    olivia = UserFactory(username="olivia")
    MembershipFactory(user=olivia, team=orders, role=Membership.Role.LEAD)
    topic = TopicFactory(name="orders.created", owner=orders)
    register_schema(topic, V1)
    DeliverySLA.objects.create(topic=topic, max_latency_seconds=60)
    FieldSemanticsFactory(topic=topic, path="customer_id")
    ConsumerFactory(topic=topic, team=analytics, fields=["customer_id"])
    TopicFactory(name="orders.refunded", owner=None, status="proposed")
    return token_for(olivia, "write")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_behaves_as_its_schema_says(case, lead_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {lead_token}"}, checks=CHECKS)


def test_the_schema_is_openapi_3_and_documents_every_endpoint(db):
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/api/v1/teams/",
        "/api/v1/topics/",
        "/api/v1/topics/{name}/",
        "/api/v1/topics/{name}/check",
        "/api/v1/consumers/",
        "/api/v1/proposals/",
        "/api/v1/migrations/",
        "/api/v1/notifications/",
        "/api/v1/notifications/failed-count",
        "/api/v1/audit-events/",
        "/api/v1/tokens/",
        "/api/v1/tokens/{id}/revoke/",
        "/api/v1/sprawl/",
        "/api/v1/reports/ownership/",
        "/api/v1/reports/ownership.csv",
    ):
        assert path in paths, path
    # Errors are documented in the one shape.
    refused = paths["/api/v1/topics/{name}/sla/"]["put"]["responses"]
    assert set(refused) >= {"200", "400", "401", "403", "404", "422"}
    assert refused["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["basicAuth"]["scheme"] == "basic"
    topic_filters = {p["name"] for p in paths["/api/v1/topics/"]["get"]["parameters"]}
    assert topic_filters >= {
        "owner",
        "domain",
        "status",
        "has_owner",
        "has_consumers",
        "has_sla",
        "changed_since",
        "ordering",
        "cursor",
        "page_size",
    }


def test_swagger_ui_is_served_from_our_static_files(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "/api/schema/" in html
    bundle = Client().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200
