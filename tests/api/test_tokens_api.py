"""/api/v1/tokens/: a caller lists and revokes their own tokens, never anyone else's, and never
sees a digest or a plaintext."""

from __future__ import annotations

import datetime

from django.utils import timezone

from catalog.models import ApiToken, AuditEvent
from catalog.tokens import api_token_create
from tests.api.client import ApiClient, token_for


def test_a_caller_lists_their_own_tokens_without_secrets(alice, bob):
    plaintext = token_for(alice, "write", name="ci")
    api_token_create(user=alice, name="laptop", scope="read")
    api_token_create(user=bob, name="bobs", scope="write")
    response = ApiClient(plaintext).get("/api/v1/tokens/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(t["name"] for t in results) == ["ci", "laptop"]
    assert plaintext.startswith(next(t["prefix"] for t in results if t["name"] == "ci"))
    text = response.content.decode()
    assert plaintext not in text
    for token in ApiToken.objects.all():
        assert token.digest not in text


def test_the_active_filter_leaves_out_revoked_and_expired_tokens(alice):
    api = ApiClient(token_for(alice, "write", name="ci"))
    old, _ = api_token_create(user=alice, name="old", scope="read")
    ApiToken.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    short, _ = api_token_create(
        user=alice, name="short", scope="read", expires_at=timezone.now() + datetime.timedelta(1)
    )
    ApiToken.objects.filter(pk=short.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    def names(**params):
        return sorted(t["name"] for t in api.get("/api/v1/tokens/", **params).json()["results"])

    assert names() == ["ci", "old", "short"]
    assert names(active="true") == ["ci"]
    assert names(active="false") == ["old", "short"]
    assert api.get("/api/v1/tokens/", active="perhaps").status_code == 400


def test_revoking_works_at_once_is_audited_and_only_once(alice):
    api = ApiClient(token_for(alice, "write", name="ci"))
    leaked, leaked_plaintext = api_token_create(user=alice, name="leaked", scope="write")
    assert ApiClient(leaked_plaintext).get("/api/v1/topics/").status_code == 200
    response = api.post(f"/api/v1/tokens/{leaked.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert ApiClient(leaked_plaintext).get("/api/v1/topics/").status_code == 401
    again = api.post(f"/api/v1/tokens/{leaked.pk}/revoke/")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    assert AuditEvent.objects.filter(verb="api_token.revoked").count() == 1


def test_a_token_can_revoke_itself(alice):
    token, plaintext = api_token_create(user=alice, name="self", scope="write")
    assert ApiClient(plaintext).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    assert ApiClient(plaintext).get("/api/v1/tokens/").status_code == 401


def test_nobody_sees_or_revokes_anyone_elses_token(alice, pat):
    alices, _ = api_token_create(user=alice, name="alices", scope="write")
    platform = ApiClient(token_for(pat, "write"))
    assert platform.get(f"/api/v1/tokens/{alices.pk}/").status_code == 404
    assert platform.post(f"/api/v1/tokens/{alices.pk}/revoke/").status_code == 404
    assert platform.post("/api/v1/tokens/424242/revoke/").status_code == 404
    alices.refresh_from_db()
    assert alices.revoked_at is None


def test_a_read_only_token_cannot_revoke(alice):
    token, _ = api_token_create(user=alice, name="target", scope="write")
    reader = ApiClient(token_for(alice, "read"))
    response = reader.post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"
    token.refresh_from_db()
    assert token.revoked_at is None
