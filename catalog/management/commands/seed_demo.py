"""Load the demo catalog: the ``orders.created`` story and a dozen more topics.

Idempotent: running it twice leaves the same catalog (it skips what already exists)."""

from __future__ import annotations

import datetime
import json
import math
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from catalog import services
from catalog.authentication import ApiPrincipal
from catalog.models import Consumer, DeliverySLA, Domain, FieldSemantics, Membership, Team, Topic
from catalog.monitoring.models import ConsumerSample, Source
from catalog.monitoring.services import (
    ConsumerReading,
    TopicReadingIn,
    alerts_evaluate,
    samples_store,
)
from contracts import registry, topic_versions
from contracts.models import Compatibility, Migration, SchemaVersion, Subject
from contracts.selectors import topic_latest_schema_fields
from contracts.services import schema_version_append

DEMO_PASSWORD = "contracts-demo"
# The demo's operational incident: a breaking change registered under NONE, a growing DLQ.
INCIDENT_TOPIC = "orders.order.shipped"

# username → (team slug or None, role, is platform lead)
USERS: dict[str, tuple[str | None, str, bool]] = {
    "olivia": ("orders", Membership.Role.LEAD, False),
    "oscar": ("orders", Membership.Role.MEMBER, False),
    "ana": ("analytics", Membership.Role.LEAD, False),
    "rita": ("reporting", Membership.Role.LEAD, False),
    "bill": ("billing", Membership.Role.LEAD, False),
    "paula": ("payments", Membership.Role.LEAD, False),
    "carl": ("customers", Membership.Role.LEAD, False),
    "pat": (None, Membership.Role.LEAD, True),
}

TEAMS = [
    ("orders", "Orders", "Checkout and order lifecycle."),
    ("analytics", "Analytics", "Product analytics and the data warehouse."),
    ("reporting", "Reporting", "Finance and management reporting."),
    ("billing", "Billing", "Invoices, refunds and revenue recognition."),
    ("payments", "Payments", "Card and wallet payments."),
    ("customers", "Customers", "Customer accounts and profiles."),
]

ORDERS_CREATED_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "OrderCreated",
    "namespace": "com.example.orders",
    "doc": "An order was placed and accepted for fulfilment.",
    "fields": [
        {"name": "order_id", "type": "string", "doc": "Order identifier (UUID)."},
        {"name": "customer_id", "type": "string", "doc": "Who placed the order."},
        {"name": "amount_cents", "type": "long", "doc": "Order total in minor units."},
        {"name": "currency", "type": "string", "doc": "ISO 4217 code."},
        {"name": "discount_code", "type": ["null", "string"], "default": None},
        {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}

ORDERS_SEMANTICS = [
    (
        "order_id",
        "Unique id of the order, stable across its lifecycle.",
        "",
        "",
        "none",
        "3f2b8c1e-8a4e-4c55-9a51-2f0f9d1c7b10",
    ),
    (
        "customer_id",
        "The customer account that placed the order.",
        "",
        "",
        "pseudonymous",
        "cus_91822",
    ),
    (
        "amount_cents",
        "Order total including tax, after discounts.",
        "",
        "cents (minor units)",
        "none",
        "4599",
    ),
    ("currency", "Currency of amount_cents.", "", "ISO 4217", "none", "EUR"),
    (
        "discount_code",
        "Promotion code the customer applied.",
        "no discount applied",
        "",
        "none",
        "SPRING24",
    ),
    (
        "created_at",
        "When the customer placed the order.",
        "",
        "ms since epoch (UTC)",
        "none",
        "1718000000000",
    ),
]

ORDERS_CONSUMERS = [
    (
        "analytics",
        "orders-funnel",
        "analytics.orders-funnel",
        "Conversion funnel and cohort dashboards.",
        ["order_id", "customer_id", "created_at"],
    ),
    (
        "reporting",
        "daily-revenue",
        "reporting.daily-revenue",
        "Daily revenue report for finance.",
        ["amount_cents", "currency", "customer_id"],
    ),
    (
        "billing",
        "invoice-writer",
        "billing.invoice-writer",
        "Creates the invoice for each order.",
        ["order_id", "customer_id", "amount_cents", "currency", "discount_code"],
    ),
]

# (name, owner, description, consumers as (team, name, fields))
OTHER_TOPICS: list[tuple[str, str, str, list[tuple[str, str, list[str]]]]] = [
    (
        "orders.order.cancelled",
        "orders",
        "An order was cancelled before shipping.",
        [("billing", "refund-trigger", [])],
    ),
    (
        "orders.order.shipped",
        "orders",
        "An order left the warehouse.",
        [("analytics", "delivery-times", [])],
    ),
    (
        "orders.cart.abandoned",
        "orders",
        "A cart was idle for 24 hours.",
        [("analytics", "cart-recovery", [])],
    ),
    ("orders.return.requested", "orders", "A customer asked to return items.", []),
    (
        "payments.payment.authorized",
        "payments",
        "A card payment was authorized.",
        [("orders", "order-confirmation", []), ("billing", "payment-matcher", [])],
    ),
    (
        "payments.payment.captured",
        "payments",
        "Authorized funds were captured.",
        [("billing", "ledger-writer", []), ("reporting", "cash-report", [])],
    ),
    (
        "payments.payment.failed",
        "payments",
        "A payment attempt failed.",
        [("analytics", "payment-failures", [])],
    ),
    (
        "payments.refund.issued",
        "payments",
        "Money went back to a customer.",
        [("billing", "refund-ledger", [])],
    ),
    ("payments.chargeback.opened", "payments", "A cardholder disputed a payment.", []),
    (
        "customers.customer.registered",
        "customers",
        "A new customer account was created.",
        [("analytics", "signups", []), ("orders", "customer-cache", [])],
    ),
    (
        "customers.customer.updated",
        "customers",
        "Profile details changed.",
        [("orders", "customer-cache-updates", [])],
    ),
    ("customers.address.changed", "customers", "A customer's shipping address changed.", []),
    (
        "customers.customer.deleted",
        "customers",
        "An account was closed (GDPR erasure).",
        [("billing", "erasure-handler", []), ("analytics", "erasure-handler", [])],
    ),
    (
        "customers.newsletter.subscribed",
        "customers",
        "Replaced by the consent service's events.",
        [("analytics", "newsletter-stats", [])],
    ),
]

DOMAINS = {"orders": ["orders"], "payments": ["payments"], "customers": ["customers"]}
# Seeded sprawl, so the sprawl report has something to show: this topic never gets a schema,
# an unknown subject is registered (an orphan topic), one topic is deprecated past its
# retirement date, and one migration has outlived its window with a consumer still on v1.
WITHOUT_SCHEMA = "customers.address.changed"
ORPHAN_SUBJECT = "shipping.parcel.sent-value"
KEY_SCHEMAS: dict[str, Any] = {
    "orders.created-key": "string",
    "customers.customer.registered-key": {
        "type": "record",
        "name": "CustomerKey",
        "namespace": "com.example.customers",
        "fields": [{"name": "customer_id", "type": "string", "doc": "The customer's id."}],
    },
}
DEPRECATED = "customers.newsletter.subscribed"
STALLED = "payments.payment.failed"


class Command(BaseCommand):
    help = "Load the demo catalog (the orders.created story). Safe to run more than once."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        teams = {slug: self._team(slug, name, about) for slug, name, about in TEAMS}
        users = {username: self._user(username, spec, teams) for username, spec in USERS.items()}
        platform = users["pat"]
        for domain_name, owners in DOMAINS.items():
            domain, _ = Domain.objects.get_or_create(name=domain_name)
            domain.owners.add(*(teams[o] for o in owners))
        orders_created = self._orders_created(teams, platform)
        for name, owner, description, consumers in OTHER_TOPICS:
            topic = self._topic(name, teams[owner], description, platform)
            if name != WITHOUT_SCHEMA and topic_latest_schema_fields(topic) is None:
                schema_version_append(
                    actor=platform, topic=topic, schema_text=json.dumps(_event_schema(name))
                )
            for team_slug, consumer_name, fields in consumers:
                self._consumer(
                    topic,
                    teams[team_slug],
                    consumer_name,
                    f"{team_slug}.{consumer_name}",
                    "",
                    fields,
                    platform,
                )
        self._keys(platform)
        self._sprawl(platform)
        self._signals(users["oscar"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {Topic.objects.count()} topics, {Team.objects.count()} "
                f"teams, {Consumer.objects.count()} consumers; {orders_created.name} has "
                f"{orders_created.consumers.count()} consumers. Log in as olivia, ana, rita, "
                f"bill or pat with password {DEMO_PASSWORD!r}."
            )
        )

    def _team(self, slug: str, name: str, about: str) -> Team:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            team = services.team_create(
                actor=None,
                slug=slug,
                name=name,
                description=about,
                contact_email=f"{slug}@example.com",
            )
        return team

    def _user(
        self, username: str, spec: tuple[str | None, str, bool], teams: dict[str, Team]
    ) -> AbstractUser:
        team_slug, role, platform = spec
        model = get_user_model()
        user = model.objects.filter(username=username).first()
        if user is None:
            user = model.objects.create_user(
                username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
            )
            if platform:
                user.is_staff = True
                user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        if team_slug:
            services.membership_set(actor=None, team=teams[team_slug], user=user, role=role)
        assert isinstance(user, AbstractUser)
        return user

    def _topic(self, name: str, owner: Team, description: str, actor: Any, **extra: Any) -> Topic:
        topic = Topic.objects.filter(name=name).first()
        if topic is None:
            topic = services.topic_create(
                actor=actor, name=name, owner=owner, description=description, **extra
            )
            topic = services.topic_activate(actor=actor, topic=topic)
        return topic

    def _keys(self, platform: Any) -> None:
        """Key schemas of two topics: a plain string and a record."""
        for subject_name, schema in KEY_SCHEMAS.items():
            if not Subject.objects.filter(name=subject_name).exists():
                registry.register(
                    principal=ApiPrincipal(user=platform, can_write=True),
                    subject_name=subject_name,
                    schema_text=json.dumps(schema),
                )

    def _sprawl(self, platform: Any) -> None:
        if not Subject.objects.filter(name=ORPHAN_SUBJECT).exists():
            registry.register(
                principal=ApiPrincipal(user=platform, can_write=True),
                subject_name=ORPHAN_SUBJECT,
                schema_text=json.dumps(_event_schema("shipping.parcel.sent")),
            )
        deprecated = Topic.objects.get(name=DEPRECATED)
        if deprecated.status == Topic.Status.ACTIVE:
            today = timezone.now().date()
            services.topic_deprecate(
                actor=platform,
                topic=deprecated,
                deprecation_date=today - datetime.timedelta(days=60),
                retirement_date=today - datetime.timedelta(days=30),
                reason="Consent events replace it.",
            )
        stalled = Topic.objects.get(name=STALLED)
        if not Migration.objects.filter(from_topic=stalled).exists():
            schema = _event_schema(STALLED)
            schema["fields"].append({"name": "failure_code", "type": "string"})
            topic_versions.migration_start(
                actor=platform,
                topic=stalled,
                schema_text=json.dumps(schema),
                window_days=30,
                now=timezone.now() - datetime.timedelta(days=40),
            )

    def _consumer(
        self,
        topic: Topic,
        team: Team,
        name: str,
        group_id: str,
        purpose: str,
        fields: list[str],
        actor: Any,
    ) -> None:
        exists = Consumer.objects.filter(topic=topic, group_id=group_id).exists()
        if not exists:
            services.consumer_subscribe(
                actor=actor,
                topic=topic,
                team=team,
                name=name,
                group_id=group_id,
                purpose=purpose,
                fields=fields,
            )

    def _orders_created(self, teams: dict[str, Team], platform: Any) -> Topic:
        topic = self._topic(
            "orders.created",
            teams["orders"],
            "Emitted once per order when checkout succeeds. The most-read topic in the company.",
            platform,
            dlq_topic="orders.created.dlq",
            partitions=12,
            retention_hours=24 * 7,
            naming_exemption=(
                "Legacy name from before the naming convention (would be "
                "orders.order.created); renaming it would break every consumer."
            ),
        )
        if topic_latest_schema_fields(topic) is None:
            schema_version_append(
                actor=platform, topic=topic, schema_text=json.dumps(ORDERS_CREATED_SCHEMA)
            )
        if not DeliverySLA.objects.filter(topic=topic).exists():
            services.topic_sla_update(
                actor=platform,
                topic=topic,
                max_latency_seconds=60,
                availability_percent=Decimal("99.900"),
                retention_days=7,
                max_consumer_lag=10_000,
                support_channel="#orders-oncall",
                support_hours="24/7",
            )
        for path, meaning, null_meaning, unit, pii, example in ORDERS_SEMANTICS:
            if not FieldSemantics.objects.filter(topic=topic, path=path).exists():
                services.field_semantics_update(
                    actor=platform,
                    topic=topic,
                    path=path,
                    meaning=meaning,
                    null_meaning=null_meaning,
                    unit=unit,
                    pii=pii,
                    example=example,
                )
        for team_slug, name, group_id, purpose, fields in ORDERS_CONSUMERS:
            self._consumer(topic, teams[team_slug], name, group_id, purpose, fields, platform)
        return topic

    def _signals(self, producer: Any) -> None:
        """A day of consumer lag and throughput readings, and an incident on
        orders.order.shipped: oscar registered a breaking version under NONE compatibility
        40 minutes ago, the analytics consumer fails on it, and its DLQ has grown since."""
        if ConsumerSample.objects.exists():
            return
        now = timezone.now().replace(second=0, microsecond=0)
        shipped = Topic.objects.get(name=INCIDENT_TOPIC)
        if not shipped.dlq_topic:
            shipped.dlq_topic = f"{INCIDENT_TOPIC}.dlq"
            shipped.save(update_fields=["dlq_topic"])
        watched = list(
            Topic.objects.filter(name__in=["orders.created", INCIDENT_TOPIC]).prefetch_related(
                "consumers"
            )
        )
        incident_at = now - datetime.timedelta(minutes=35)
        for step in range(24 * 6, -1, -1):
            at = now - datetime.timedelta(minutes=10 * step)
            wave = 1 + 0.3 * math.sin(step / 12)
            consumers, topics = [], []
            for topic in watched:
                failing = topic.name == INCIDENT_TOPIC and at >= incident_at
                rate = round(40 * wave, 1)
                topics.append(
                    TopicReadingIn(
                        topic_id=topic.pk,
                        produce_rate=rate,
                        dlq_depth=(
                            int((at - incident_at).total_seconds() // 60) * 7 if failing else 0
                        )
                        if topic.dlq_topic
                        else None,
                    )
                )
                for consumer in topic.consumers.all():
                    lag = int(120 * wave) + consumer.pk % 50
                    consumers.append(
                        ConsumerReading(
                            consumer_id=consumer.pk,
                            lag=lag,
                            partition_lags=[lag],
                            consume_rate=rate,
                        )
                    )
            samples_store(taken_at=at, consumers=consumers, topics=topics, source=Source.DEMO)
        subject = Subject.objects.get(name=f"{INCIDENT_TOPIC}-value")
        subject.compatibility = Compatibility.NONE
        subject.save(update_fields=["compatibility"])
        breaking = _event_schema(INCIDENT_TOPIC)
        breaking["fields"][1]["name"] = "shipmentId"
        version = schema_version_append(actor=None, topic=shipped, schema_text=json.dumps(breaking))
        SchemaVersion.objects.filter(pk=version.pk).update(
            created_at=now - datetime.timedelta(minutes=40), created_by=producer
        )
        alerts_evaluate(now=now)


def _event_schema(topic_name: str) -> dict[str, Any]:
    """A small schema for the demo's other topics: id, time and the entity's id."""
    _, entity, event = topic_name.split(".")[:3]
    record = "".join(part.title() for part in f"{entity}_{event}".split("_"))
    return {
        "type": "record",
        "name": record,
        "namespace": f"com.example.{topic_name.split('.')[0]}",
        "fields": [
            {"name": "event_id", "type": "string"},
            {"name": f"{entity}_id", "type": "string"},
            {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        ],
    }
