"""Domain errors. Logic raises these; `conduit.api.app` maps each to one HTTP response."""

from __future__ import annotations


class ConduitError(Exception):
    """Base of every error a client may see; `errors` is the spec's `{"field": ["message"]}`."""

    status_code = 500

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


class ConfigurationError(RuntimeError):
    """A deployment mistake (missing setting): a 500, never the client's fault."""
