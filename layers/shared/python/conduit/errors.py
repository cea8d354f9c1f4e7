"""Domain errors. Logic raises these; `conduit.api.app` maps each to one HTTP response."""

from __future__ import annotations

from conduit.retries import BUDGET


class ConduitError(Exception):
    """Base of every error a client may see; `errors` is the spec's `{"field": ["message"]}`."""

    status_code = 500
    #: Seconds a client should wait before sending the request again (`Retry-After`), if any.
    retry_after_seconds: int | None = None

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def on(cls, field: str, message: str) -> ConduitError:
        return cls({field: [message]})


class ValidationFailed(ConduitError):
    status_code = 422


class Unauthorized(ConduitError):
    status_code = 401

    def __init__(self, message: str = "is missing", field: str = "token") -> None:
        super().__init__({field: [message]})

    @classmethod
    def invalid_credentials(cls) -> Unauthorized:
        return cls("is invalid", field="email or password")


class Forbidden(ConduitError):
    status_code = 403


class NotFound(ConduitError):
    status_code = 404

    def __init__(self, resource: str) -> None:
        super().__init__({resource: ["not found"]})


class Conflict(ConduitError):
    """The request collides with one still running (the same Idempotency-Key): retry soon."""

    status_code = 409
    retry_after_seconds = 1


class TooManyRequests(ConduitError):
    """Asked again sooner than a limit allows (a new code within the minute): retry after
    `retry_after_seconds`."""

    status_code = 429

    def __init__(self, field: str, message: str, retry_after_seconds: int) -> None:
        super().__init__({field: [message]})
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(ConduitError):
    """AWS kept failing (throttling, 5xx, conflicts, timeouts) past the retry budget: nothing
    is wrong with the request, which may be sent again after `Retry-After`."""

    status_code = 503
    retry_after_seconds = BUDGET.retry_after_seconds

    def __init__(self) -> None:
        super().__init__({"server": ["is busy; try again shortly"]})


class ConfigurationError(RuntimeError):
    """A deployment mistake (missing setting): a 500, never the client's fault."""
