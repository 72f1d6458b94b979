"""Every error the domain raises. Adapters (API, UI, CLI) map `code` to their own form."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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


class Problems:
    """Collects the ValidationFailed of several independent checks, so a form learns every
    field's problem in one answer: `with problems.check(): ...` per field, then `raise_any()`."""

    def __init__(self) -> None:
        self.found: list[ValidationFailed] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except ValidationFailed as exc:
            self.found.append(exc)

    def raise_any(self) -> None:
        """One problem is raised as it is; several as one error listing each."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise ValidationFailed(
                f"{len(self.found)} fields need attention: " + " ".join(_period(e.message) for e in self.found),
                details=[detail for e in self.found for detail in e.details],
            )


def _period(message: str) -> str:
    return message if message.endswith((".", "?", "!")) else message + "."
