"""Domain error kinds; the HTTP layer maps each kind to one status code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command was refused by the domain; `code` is stable, `detail` is for humans."""

    code = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.extra = extra


class NotFound(DomainError):
    """The thing the command names does not exist (404)."""

    code = "not_found"


class Conflict(DomainError):
    """The command does not fit the current state (409)."""

    code = "conflict"


class NotAllowed(DomainError):
    """The actor may not do this, e.g. separation of duties (403)."""

    code = "not_allowed"


class Invalid(DomainError):
    """The command's content is wrong in a way the schema cannot see (422)."""

    code = "invalid"
