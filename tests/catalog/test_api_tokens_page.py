"""The API tokens page: users create and revoke their own tokens; the plaintext is shown once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import ApiToken, AuditEvent
from catalog.tokens import api_token_create, token_digest
from tests.api.client import ApiClient
from tests.contracts.conftest import RegistryClient

URL = "/account/tokens/"


def created_plaintext(response) -> str:
    match = re.search(r'value="(cc_[A-Za-z0-9_-]+)"', response.content.decode())
    assert match, "the new token is shown"
    return match.group(1)


def test_it_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_lists_only_my_tokens(as_alice, alice, bob):
    api_token_create(user=alice, name="alice ci")
    api_token_create(user=bob, name="bob script")
    response = as_alice.get(URL)
    assert response.status_code == 200
    assert "alice ci" in response.content.decode()
    assert "bob script" not in response.content.decode()


def test_creating_shows_the_token_once_and_stores_only_its_digest(as_alice, alice):
    response = as_alice.post(URL, {"name": "CI pipeline", "scope": "write"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = created_plaintext(response)
    token = ApiToken.objects.get(user=alice)
    assert (token.name, token.scope, token.expires_at) == ("CI pipeline", "write", None)
    assert token.digest == token_digest(plaintext)
    assert plaintext not in str(list(ApiToken.objects.values()))
    # The next visit lists it by prefix, never in full.
    again = as_alice.get(URL).content.decode()
    assert plaintext not in again
    assert f"{token.prefix}…" in again


def test_the_new_token_works_on_the_api_and_the_registry(as_alice):
    plaintext = created_plaintext(as_alice.post(URL, {"name": "ci", "scope": "read"}))
    assert ApiClient(plaintext).get("/api/v1/topics/").status_code == 200
    assert RegistryClient(token=plaintext).get("subjects").status_code == 200
    assert RegistryClient("alice", password=plaintext).get("subjects").status_code == 200


def test_an_expiry_date_ends_the_token_at_the_end_of_that_day(as_alice, alice):
    day = timezone.now().date() + datetime.timedelta(days=30)
    as_alice.post(URL, {"name": "temp", "scope": "read", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(user=alice)
    assert token.expires_at == datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "scope": "read"}, "This field is required."),
        ({"name": "x", "scope": "admin"}, "Select a valid choice."),
        ({"name": "x", "scope": "read", "expires_on": "2001-01-01"}, "must be in the future"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_creates_nothing(as_alice, data, message):
    response = as_alice.post(URL, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_double_submit_does_not_mint_a_second_token(as_alice, alice):
    as_alice.post(URL, {"name": "ci", "scope": "read"})
    response = as_alice.post(URL, {"name": "ci", "scope": "read"})
    assert response.status_code == 422
    assert "already have a live token named" in response.content.decode()
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_creating_and_revoking_are_audited(as_alice, alice):
    as_alice.post(URL, {"name": "ci", "scope": "write"})
    token = ApiToken.objects.get(user=alice)
    as_alice.post(f"{URL}{token.pk}/revoke/")
    events = list(AuditEvent.objects.filter(object_type="apitoken").order_by("id"))
    assert [(e.verb, e.actor_label) for e in events] == [
        ("api_token.created", "alice"),
        ("api_token.revoked", "alice"),
    ]
    assert events[0].after["scope"] == "write"
    assert token.digest not in str(events[0].after)


def test_a_revoked_token_is_refused_at_once(as_alice, alice):
    plaintext = created_plaintext(as_alice.post(URL, {"name": "ci", "scope": "write"}))
    api = ApiClient(plaintext)
    assert api.get("/api/v1/topics/").status_code == 200
    token = ApiToken.objects.get(user=alice)
    response = as_alice.post(f"{URL}{token.pk}/revoke/")
    assert response.status_code == 302
    assert api.get("/api/v1/topics/").status_code == 401
    assert RegistryClient(token=plaintext).get("subjects").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in as_alice.get(URL).content.decode()


def test_revoking_twice_records_one_event(as_alice, alice):
    token, _ = api_token_create(user=alice, name="ci")
    as_alice.post(f"{URL}{token.pk}/revoke/")
    as_alice.post(f"{URL}{token.pk}/revoke/")
    assert AuditEvent.objects.filter(verb="api_token.revoked").count() == 1


def test_nobody_revokes_someone_elses_token(as_bob, alice):
    token, plaintext = api_token_create(user=alice, name="ci")
    response = as_bob.post(f"{URL}{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(plaintext).get("/api/v1/topics/").status_code == 200


def test_revoking_needs_a_post_with_a_csrf_token(alice):
    token, _ = api_token_create(user=alice, name="ci")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(f"{URL}{token.pk}/revoke/").status_code == 405
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_creating_needs_a_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(URL, {"name": "ci", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_expired_tokens_show_as_expired_and_are_refused(as_alice, alice):
    token, plaintext = api_token_create(
        user=alice, name="old", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "expired" in as_alice.get(URL).content.decode()
    assert ApiClient(plaintext).get("/api/v1/topics/").status_code == 401


class TestLastUsed:
    def test_first_use_records_the_time(self, alice):
        token, plaintext = api_token_create(user=alice, name="ci")
        assert token.last_used_at is None
        ApiClient(plaintext).get("/api/v1/teams/")
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_use_within_the_window_writes_nothing(self, alice, django_assert_num_queries, settings):
        from django.core.cache import cache

        token, plaintext = api_token_create(user=alice, name="ci")
        ApiClient(plaintext).get("/api/v1/teams/")
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        # Another process (an empty cache) sees the token used within the window: it looks the
        # token up but does not rewrite the row.
        cache.clear()
        from catalog.authentication import _token_principal

        with django_assert_num_queries(1):
            _token_principal(plaintext)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    def test_use_after_the_window_moves_it(self, alice):
        from django.core.cache import cache

        token, plaintext = api_token_create(user=alice, name="ci")
        long_ago = timezone.now() - datetime.timedelta(hours=2)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
        cache.clear()
        ApiClient(plaintext).get("/api/v1/teams/")
        assert ApiToken.objects.get(pk=token.pk).last_used_at > long_ago

    def test_the_page_shows_it(self, as_alice, alice):
        token, plaintext = api_token_create(user=alice, name="ci")
        assert "never" in as_alice.get(URL).content.decode()
        ApiClient(plaintext).get("/api/v1/teams/")
        token.refresh_from_db()
        assert f"{token.last_used_at:%Y-%m-%d %H:%M}" in as_alice.get(URL).content.decode()
