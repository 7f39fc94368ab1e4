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
from django.db.models import Q
from django.utils import timezone

from catalog.audit import audit_record
from catalog.errors import ApplicationError
from catalog.models import ApiToken

TOKEN_PREFIX = "cc_"
NAME_MAX_LENGTH = 100


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
    if len(name) > NAME_MAX_LENGTH:
        raise ApplicationError(
            f"At most {NAME_MAX_LENGTH} characters.", code="name_too_long", field="name"
        )
    now = timezone.now()
    # A name says where a token is used; two live ones with one name cannot be told apart (and
    # a form submitted twice would otherwise mint a second token).
    if (
        ApiToken.objects.select_for_update()
        .filter(user_id=user.pk, name=name, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exists()
    ):
        raise ApplicationError(
            f"You already have a live token named “{name}”: revoke it or choose another name.",
            code="duplicate_token_name",
            field="name",
        )
    if scope not in ApiToken.Scope.values:
        raise ApplicationError("Choose read or write.", code="invalid_scope", field="scope")
    if expires_at is not None and expires_at <= now:
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
    audit_record(
        actor=user,
        verb="api_token.created",
        obj=token,
        after={
            "name": name,
            "prefix": token.prefix,
            "scope": scope,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser, token: ApiToken) -> None:
    """Revoke one of the user's own tokens. Revoking twice (a double click) changes nothing."""
    if token.user_id != user.pk:
        raise ApplicationError("Not your token.", code="not_your_token")
    now = timezone.now()
    # A conditional update: two concurrent revokes record one event.
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not revoked:
        return
    token.revoked_at = now
    audit_record(
        actor=user,
        verb="api_token.revoked",
        obj=token,
        after={"name": token.name, "prefix": token.prefix},
    )
    # This process forgets it now and again after commit (a request racing the revoke may
    # re-cache it); other processes when their entry expires (API_AUTH_CACHE_SECONDS).
    key = auth_cache_key("token", token.digest)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
