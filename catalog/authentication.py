"""Authenticating API clients: HTTP Basic (as Confluent clients send it on every request) and
bearer tokens, without paying a password hash per request.

A successful Basic login is remembered for ``API_AUTH_CACHE_SECONDS`` under a key derived from
the credentials (an HMAC with the secret key, so the cache never holds them); tokens are looked
up by their SHA-256 digest and remembered the same way. Revoking a token or changing a password
therefore takes effect within that window.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import ApiToken
from catalog.tokens import TOKEN_PREFIX, auth_cache_key, token_digest

_MISS = "-"


@dataclass(frozen=True)
class ApiPrincipal:
    user: AbstractBaseUser
    # Basic auth with a password acts with the user's full rights; a token with its scope.
    can_write: bool
    token_id: int | None = None


class AuthenticationFailed(Exception):
    """Credentials were sent but are wrong (as opposed to no credentials at all)."""


def authenticate_api_request(request: HttpRequest) -> ApiPrincipal | None:
    """The principal behind the request's Authorization header; None when there is none.

    Raises AuthenticationFailed for credentials that do not check out."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer" and value:
        return _token_principal(value)
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationFailed("Malformed Basic credentials.") from exc
        username, sep, password = decoded.partition(":")
        if not sep:
            raise AuthenticationFailed("Malformed Basic credentials.")
        # Clients that only speak Basic (Confluent's) may send a token as the password.
        if password.startswith(TOKEN_PREFIX):
            return _token_principal(password)
        return _password_principal(username, password)
    raise AuthenticationFailed("Unsupported Authorization scheme; use Basic or Bearer.")


def _password_principal(username: str, password: str) -> ApiPrincipal:
    key = auth_cache_key("basic", f"{username}:{password}")
    cached = cache.get(key)
    if cached == _MISS:
        raise AuthenticationFailed("Invalid username or password.")
    if isinstance(cached, ApiPrincipal):
        return cached
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        # Remembering failures too keeps a misconfigured client from burning CPU on hashes.
        cache.set(key, _MISS, timeout=settings.API_AUTH_CACHE_SECONDS)
        raise AuthenticationFailed("Invalid username or password.")
    principal = ApiPrincipal(user=user, can_write=True)
    cache.set(key, principal, timeout=settings.API_AUTH_CACHE_SECONDS)
    return principal


def _token_principal(plaintext: str) -> ApiPrincipal:
    digest = token_digest(plaintext)
    key = auth_cache_key("token", digest)
    cached = cache.get(key)
    if isinstance(cached, ApiPrincipal):
        return cached
    now = timezone.now()
    token = ApiToken.objects.filter(digest=digest).select_related("user").first()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        raise AuthenticationFailed("Invalid, expired or revoked token.")
    # Record use at most once per cache window per process, and only when the stored time is
    # older than that window: several processes do not rewrite the row on every miss.
    window = datetime.timedelta(seconds=settings.API_AUTH_CACHE_SECONDS)
    if token.last_used_at is None or token.last_used_at <= now - window:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - window)
        ).update(last_used_at=now)
    principal = ApiPrincipal(
        user=token.user, can_write=token.scope == ApiToken.Scope.WRITE, token_id=token.pk
    )
    timeout = settings.API_AUTH_CACHE_SECONDS
    if token.expires_at is not None:
        timeout = max(1, min(timeout, int((token.expires_at - now).total_seconds())))
    cache.set(key, principal, timeout=timeout)
    return principal
