"""Token scopes for /api/v1/: a write needs a write-scope token.

Who may change *what* is decided by the services (``catalog.permissions``); this only checks that
the credential itself may write. Session users and HTTP Basic with a password act with the
user's full rights; a read-only token may only read, as on the registry (40301 there).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from catalog.authentication import ApiPrincipal


class WriteNeedsWriteScope(BasePermission):
    """Refuses unsafe methods to a read-only token. A view whose POST writes nothing (a
    dry-run) says so with ``writes_nothing = True``."""

    message = "This token is read-only; create a read-and-write token to change the catalog."
    code = "read_only_token"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "writes_nothing", False):
            return True
        principal = request.auth
        if isinstance(principal, ApiPrincipal):
            return principal.can_write
        return True
