from __future__ import annotations

import json

import factory
from django.contrib.auth import get_user_model

from catalog.models import Consumer, FieldSemantics, Membership, Team, Topic
from contracts.services import schema_version_append

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda t: t.slug.title())
    contact_email = factory.LazyAttribute(lambda t: f"{t.slug}@example.com")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.MEMBER


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"domain{n % 7}.entity{n}.happened")
    owner = factory.SubFactory(TeamFactory)
    status = Topic.Status.ACTIVE


class ConsumerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consumer

    team = factory.SubFactory(TeamFactory)
    topic = factory.SubFactory(TopicFactory)
    name = factory.Sequence(lambda n: f"consumer-{n}")
    group_id = factory.Sequence(lambda n: f"group-{n}")
    fields = factory.LazyFunction(list)


class FieldSemanticsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldSemantics

    topic = factory.SubFactory(TopicFactory)
    path = "customer_id"
    meaning = "Who placed the order."


ORDER_SCHEMA = {
    "type": "record",
    "name": "OrderCreated",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "customer_id", "type": "string"},
        {"name": "amount_cents", "type": "long"},
        {"name": "discount_code", "type": ["null", "string"], "default": None},
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [{"name": "city", "type": "string"}],
            },
        },
    ],
}


def register_schema(topic: Topic, schema: dict | None = None) -> None:
    schema_version_append(actor=None, topic=topic, schema_text=json.dumps(schema or ORDER_SCHEMA))
