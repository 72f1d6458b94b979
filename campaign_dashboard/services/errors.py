"""Every error the domain raises. Adapters (API, UI, CLI) map `code` to their own form."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request, with a stable machine `code` and a message a person can act on."""

    code = "error"

    def __init__(self, message: str, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DomainError):
    code = "not_found"


class ValidationFailed(DomainError):
    """Bad input; `details` lists `{"field", "message"}` for each problem."""

    code = "validation_failed"


class IllegalTransition(DomainError):
    """The campaign's current status does not allow the requested action."""

    code = "illegal_transition"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate name, frozen content, ...)."""

    code = "conflict"


class PermissionDenied(DomainError):
    code = "forbidden"


class AuthenticationFailed(DomainError):
    code = "unauthorized"
