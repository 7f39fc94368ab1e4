from __future__ import annotations

from django.urls import reverse

from tests.factories import PASSWORD


def test_a_user_logs_in_and_out(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:topic-list")
    assert client.get(reverse("catalog:topic-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("catalog:topic-list")).status_code == 302


def test_a_wrong_password_is_shown_on_the_form(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_forms_are_csrf_protected(alice, orders):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(
        reverse("catalog:topic-create"), {"name": "orders.order.x", "owner": orders.pk}
    )
    assert response.status_code == 403
