from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.management import call_command

from catalog.models import AuditEvent, Consumer, DeliverySLA, FieldSemantics, Team, Topic
from catalog.selectors import topic_field_paths


def _counts():
    return tuple(
        m.objects.count() for m in (Team, Topic, Consumer, FieldSemantics, DeliverySLA, AuditEvent)
    )


def test_it_loads_the_orders_created_story(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    topic = Topic.objects.get(name="orders.created")
    assert topic.owner.slug == "orders"
    assert topic.dlq_topic == "orders.created.dlq"
    assert topic.naming_exemption  # a legacy name, with the reason recorded
    assert DeliverySLA.objects.filter(topic=topic).exists()
    for field in ("order_id", "customer_id", "amount_cents", "currency", "discount_code"):
        assert field in topic_field_paths(topic)
    assert (
        FieldSemantics.objects.get(topic=topic, path="discount_code").null_meaning
        == "no discount applied"
    )
    readers = {c.team.slug: c.fields for c in topic.consumers.select_related("team")}
    assert set(readers) == {"analytics", "reporting", "billing"}
    assert all("customer_id" in fields for fields in readers.values())
    others = Topic.objects.exclude(pk=topic.pk)
    assert others.count() >= 12
    assert set(others.values_list("domain", flat=True)) == {
        "orders",
        "payments",
        "customers",
        "shipping",
    }


def test_it_is_idempotent(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first


def test_demo_users_log_in_with_the_documented_password(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username in ("olivia", "ana", "rita", "bill", "pat"):
        assert authenticate(username=username, password="contracts-demo") is not None
    assert authenticate(username="pat", password="contracts-demo").is_staff


def test_the_sprawl_report_lists_exactly_the_seeded_problems(db, client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="ana"))
    report = client.get("/api/v1/sprawl/").json()

    def names(key, field="topic"):
        return [item[field] for item in report[key]["items"]]

    assert names("unowned_topics") == ["shipping.parcel.sent"]
    assert names("topics_without_consumers") == [
        "customers.address.changed",
        "orders.return.requested",
        "payments.chargeback.opened",
    ]
    assert names("topics_without_schema") == ["customers.address.changed"]
    assert names("deprecated_past_retirement") == ["customers.newsletter.subscribed"]
    assert names("stalled_migrations", "from_topic") == ["payments.payment.failed"]
    assert names("unowned_subjects", "subject") == ["shipping.parcel.sent-value"]
    page = client.get("/sprawl/").content.decode()
    assert "shipping.parcel.sent" in page and "payments.payment.failed.v2" in page
