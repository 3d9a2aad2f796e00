"""Errors raised by the SDK: the API's coded errors as one class per code."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


class PedigreeError(Exception):
    """An error from Pedigree or on the way to it.

    `code` is the API's `extensions.code` (BAD_USER_INPUT, NOT_FOUND, CONFLICT,
    UNAUTHENTICATED, FORBIDDEN, LIMIT_EXCEEDED, SERVICE_UNAVAILABLE), or one of the SDK's
    own: UNREACHABLE (no answer from the API), OFFLINE (a read in offline mode), SPOOL (a
    spool that cannot be replayed), TIMEOUT (no change event in the time given). `field`
    is the argument at fault where the API names one (`input.name`, `metadata.accuracy`);
    `errors` holds every GraphQL error of the answer, `extensions` the first one's
    extensions (a metadata refusal lists `problems`).
    """

    code: str = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.errors: list[dict[str, Any]] = [dict(e) for e in errors]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class BadUserInputError(PedigreeError, ValueError):
    code = "BAD_USER_INPUT"


class NotFoundError(PedigreeError, LookupError):
    code = "NOT_FOUND"


class ConflictError(PedigreeError):
    code = "CONFLICT"


class UnauthenticatedError(PedigreeError):
    code = "UNAUTHENTICATED"


class ForbiddenError(PedigreeError, PermissionError):
    code = "FORBIDDEN"


class LimitExceededError(PedigreeError):
    code = "LIMIT_EXCEEDED"


class ServiceUnavailableError(PedigreeError):
    """The API refused the request before running it (HTTP 503); `retry_after` is its hint in seconds."""

    code = "SERVICE_UNAVAILABLE"
    retry_after: float | None = None


class UnreachableError(PedigreeError, ConnectionError):
    """The API did not answer: not running, wrong PEDIGREE_URL, or the network is down.

    `sent` tells whether the request had left: when it had (the answer was lost), a write
    may or may not have been applied.
    """

    code = "UNREACHABLE"

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class EventTimeoutError(PedigreeError, TimeoutError):
    """No change event came within the time a subscription was given; it stays open, so
    waiting again may still hear one."""

    code = "TIMEOUT"


class OfflineError(PedigreeError):
    """A read asked of a client in offline mode: only writes can be spooled."""

    code = "OFFLINE"


class SpoolError(PedigreeError):
    """A spool that cannot be replayed as it is (an unknown client id, a damaged line)."""

    code = "SPOOL"


_BY_CODE: dict[str, type[PedigreeError]] = {
    cls.code: cls
    for cls in (
        BadUserInputError,
        NotFoundError,
        ConflictError,
        UnauthenticatedError,
        ForbiddenError,
        LimitExceededError,
        ServiceUnavailableError,
    )
}


def error_from_graphql(errors: Sequence[Mapping[str, Any]]) -> PedigreeError:
    """The exception for an answer's `errors`: the class of the first one's code, every message."""
    first = errors[0]
    extensions: Mapping[str, Any] = first.get("extensions") or {}
    code = str(extensions.get("code", "ERROR"))
    message = "; ".join(str(e.get("message", "")) for e in errors)
    field = extensions.get("field")
    cls = _BY_CODE.get(code, PedigreeError)
    return cls(
        message,
        code=code,
        field=field if isinstance(field, str) else None,
        extensions=extensions,
        errors=errors,
    )
