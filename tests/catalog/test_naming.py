from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog.naming import topic_domain, topic_version, validate_topic_name


@pytest.mark.parametrize(
    "name",
    ["orders.order.created", "orders.order.created.v2", "b2b.invoice_line.added.v12", "a.b.c"],
)
def test_it_accepts_names_that_follow_the_convention(name):
    validate_topic_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "orders.created",  # two segments
        "Orders.order.created",  # upper case
        "orders.order.created.v1",  # the first version has no suffix
        "orders.order.created.v02",
        "orders.order-line.created",  # dash
        "orders..created",
        "orders.order.created.",
        "1orders.order.created",  # segment starts with a digit
        "orders.order.created.extra",
        "",
        "a." * 130 + "b.c",  # longer than Kafka allows
    ],
)
def test_it_rejects_names_that_break_it_showing_the_rule_and_an_example(name):
    with pytest.raises(ValidationError) as info:
        validate_topic_name(name)
    message = " ".join(info.value.messages)
    assert "domain.entity.event_type" in message
    assert "orders.order.created" in message
    assert info.value.code == "invalid_topic_name"


def test_domain_and_version_are_read_from_the_name():
    assert topic_domain("payments.refund.issued.v3") == "payments"
    assert topic_version("payments.refund.issued.v3") == 3
    assert topic_version("payments.refund.issued") == 1
