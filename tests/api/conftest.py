"""A client for the API, speaking HTTP through the local gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import Client, TestResponse

from conduit.routes import WORKERS, Grant, TableGrant, UserPoolGrant
from local.emulator import CallLog, Emulator
from local.faults import Weather
from local.gateway import LocalGateway
from local.streams import POLLING_CALLS, StreamPump
from tests.api import conformance

PASSWORD = "correct-horse"


@dataclass(frozen=True)
class Reply:
    """An HTTP response as a test reads it."""

    status_code: int
    headers: Headers
    content_type: str | None
    text: str

    @classmethod
    def of(cls, response: TestResponse) -> Reply:
        return cls(
            response.status_code, response.headers, response.content_type, response.get_data(as_text=True)
        )

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def assert_within_grants(name: str, grants: Sequence[Grant], calls: CallLog) -> None:
    """A function may call only what its declaration grants: its IAM policy derives from it."""
    dynamodb = {a for g in grants if isinstance(g, TableGrant) for a in g.actions}
    cognito = {a for g in grants if isinstance(g, UserPoolGrant) for a in g.actions}
    assert set(calls.dynamodb) <= dynamodb, f"{name} calls DynamoDB {set(calls.dynamodb) - dynamodb}"
    assert set(calls.cognito) <= cognito, f"{name} calls Cognito {set(calls.cognito) - cognito}"


def beyond_authentication(calls: CallLog) -> list[str]:
    """The DynamoDB calls of a request but the read of its caller's sessions (conduit.auth)."""
    return [
        c.operation
        for c in calls.calls
        if c.service.startswith("DynamoDB_")
        and not str(c.params.get("Key", {}).get("pk", {}).get("S", "")).startswith("SESSIONS#")
    ]


@dataclass
class Api:
    client: Client
    calls: CallLog
    gateway: LocalGateway
    streams: StreamPump
    #: The worker runs only when a test calls `settle`: what a client sees before it catches up.
    lagging: bool = False

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
    ) -> Reply:
        """Send one request; afterwards `calls` holds the AWS calls it made, checked against grants,
        and the response has been checked against the OpenAPI document (tests/api/conformance.py)."""
        all_headers = dict(headers or {})
        if token:
            all_headers.setdefault("Authorization", f"Token {token}")
        self.calls.clear()
        if body is not None:
            response = self.client.open(path, method=method, json=body, headers=all_headers)
        elif raw is not None:
            all_headers.setdefault("Content-Type", "application/json")
            response = self.client.open(path, method=method, data=raw, headers=all_headers)
        else:
            response = self.client.open(path, method=method, headers=all_headers)
        matched = self.gateway.match(method, path.split("?")[0])
        if matched is not None:
            assert_within_grants(matched[0].name, matched[0].grants, self.calls)
        if not self.lagging:
            self.settle()
        reply = Reply.of(response)
        conformance.check(self.gateway, method, path, reply.status_code, reply.headers, reply.text)
        return reply

    def settle(self) -> None:
        """Let the stream worker process what the last requests wrote, as it would a moment
        later when deployed; the calls it makes are not the request's."""
        recorded = list(self.calls.calls)
        self.streams.drain()
        worker_calls = CallLog(
            [c for c in self.calls.calls[len(recorded) :] if c.operation not in POLLING_CALLS]
        )
        for worker in WORKERS:  # one worker today; with more, each would need its own log
            assert_within_grants(worker.name, worker.grants, worker_calls)
        self.calls.calls[:] = recorded

    def register(self, username: str, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        """Register a user and return its `user` document (with the token) as every later answer
        about them shows it: without the sign-in's refresh token."""
        email = email or f"{username.lower()}@example.com"
        response = self.request(
            "POST", "/api/users", {"user": {"username": username, "email": email, "password": password}}
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json["user"]
        assert user.pop("refreshToken")
        return user


@pytest.fixture(scope="session")
def gateway() -> LocalGateway:
    return LocalGateway()


@pytest.fixture
def api(aws: CallLog, gateway: LocalGateway) -> Api:
    return Api(Client(gateway), aws, gateway, StreamPump())


@pytest.fixture
def lagging(aws: CallLog, gateway: LocalGateway) -> Api:
    """The API with a stream worker that has not run since: it runs when the test calls `settle`."""
    return Api(Client(gateway), aws, gateway, StreamPump(), lagging=True)


#: The share of data-plane calls the `weather` fixture fails (docs/architecture.md, "Local stack").
WEATHER_RATE = 0.2


@pytest.fixture
def weather(api: Api, emulator: Emulator) -> Iterator[Weather]:
    """Production weather for one test: 20% of DynamoDB and Cognito calls fail, from a seed."""
    yield emulator.start_weather(WEATHER_RATE, seed=1)
    emulator.heal()
