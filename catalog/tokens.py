"""Personal API tokens: created once in plaintext, stored as a SHA-256 digest."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog.audit import audit_record
from catalog.errors import ApplicationError
from catalog.models import ApiToken

TOKEN_PREFIX = "cc_"


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def auth_cache_key(kind: str, secret: str) -> str:
    """Cache key for a verified credential: an HMAC, so the cache never holds the secret."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{secret}".encode(), hashlib.sha256)
    return "apiauth:" + mac.hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the plaintext, which is never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError("Name the token.", code="missing_name", field="name")
    if scope not in ApiToken.Scope.values:
        raise ApplicationError("Choose read or write.", code="invalid_scope", field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(
            "The expiry must be in the future.", code="invalid_expiry", field="expires_at"
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=user.pk,
        name=name,
        prefix=plaintext[:10],
        digest=token_digest(plaintext),
        scope=scope,
        expires_at=expires_at,
    )
    audit_record(actor=user, verb="api_token.created", obj=token, after={"scope": scope})
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise ApplicationError("Not your token.", code="not_your_token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, verb="api_token.revoked", obj=token)
        # This process forgets it now and again after commit (a request racing the revoke may
        # re-cache it); other processes when their entry expires (API_AUTH_CACHE_SECONDS).
        key = auth_cache_key("token", token.digest)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))
