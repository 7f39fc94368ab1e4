"""The one error type for business rules. Views turn it into a message beside the field that
caused it; APIs turn it into their documented error shape."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the rules refuse. ``code`` is stable (clients may match on it); ``field`` names
    the input that caused it, when there is one."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message
