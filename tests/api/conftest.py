"""A client for the API, speaking HTTP through the local gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from local.emulator import CallLog
from local.gateway import LocalGateway

PASSWORD = "correct-horse"


@dataclass
class Api:
    client: Client
    calls: CallLog

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
    ) -> TestResponse:
        all_headers = dict(headers or {})
        if token:
            all_headers.setdefault("Authorization", f"Token {token}")
        if body is not None:
            return self.client.open(path, method=method, json=body, headers=all_headers)
        if raw is not None:
            all_headers.setdefault("Content-Type", "application/json")
            return self.client.open(path, method=method, data=raw, headers=all_headers)
        return self.client.open(path, method=method, headers=all_headers)

    def register(self, username: str, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        """Register a user and return its `user` document (with the token)."""
        email = email or f"{username.lower()}@example.com"
        response = self.request(
            "POST", "/api/users", {"user": {"username": username, "email": email, "password": password}}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        user: dict[str, Any] = response.json["user"]
        return user


@pytest.fixture(scope="session")
def gateway() -> LocalGateway:
    return LocalGateway()


@pytest.fixture
def api(aws: CallLog, gateway: LocalGateway) -> Api:
    return Api(Client(gateway), aws)
