"""The one error type raised for schemas the engine cannot accept."""

from __future__ import annotations


class SchemaError(Exception):
    """An invalid schema, with a JSON pointer to the offending place.

    ``path`` is a JSON pointer into the submitted schema ("" for the root),
    so a UI can highlight the exact spot and an API can return it as is.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path:
            return f"{self.message} (at {self.path})"
        return self.message

    def as_dict(self) -> dict[str, str]:
        """Return the error as a JSON-serializable dict."""
        return {"message": self.message, "path": self.path}
