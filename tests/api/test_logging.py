"""Every request leaves one structured JSON log line with a correlation id; failures log their cause."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from conduit.observability import logger
from local.emulator import Emulator
from tests.api.conftest import PASSWORD, Api
from tests.api.publishing import publish


@pytest.fixture
def log_lines() -> Iterator[Any]:
    """What the functions log, parsed, read from the logger's own stream (stdout in Lambda)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous_stream, previous_level = handler.setStream(buffer), logger.log_level
    logger.setLevel("INFO")

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield read
    handler.setStream(previous_stream)
    logger.setLevel(previous_level)


def test_a_request_is_logged_once_as_json_with_its_route_status_and_correlation_id(
    api: Api, log_lines: Any
) -> None:
    api.request("GET", "/api/profiles/nobody")

    handled = [entry for entry in log_lines() if entry["message"] == "request handled"]
    assert len(handled) == 1
    assert handled[0]["route"] == "GET /api/profiles/{username}"
    assert handled[0]["status"] == 404
    assert handled[0]["correlation_id"]
    assert handled[0]["function_name"] == "conduit-local-GetProfile"


def test_a_refused_request_logs_the_errors_it_returned(api: Api, log_lines: Any) -> None:
    api.request("POST", "/api/users", {"user": {}})

    refused = [entry for entry in log_lines() if entry["message"] == "request refused"]
    assert refused[0]["status"] == 422
    assert set(refused[0]["errors"]) == {"username", "email", "password"}


def test_an_aws_fault_past_the_retries_is_logged_with_its_cause_and_the_client_sees_none_of_it(
    api: Api, emulator: Emulator, log_lines: Any
) -> None:
    emulator.fail("TransactWriteItems")

    response = api.request(
        "POST",
        "/api/users",
        {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}},
    )

    faults = [entry for entry in log_lines() if entry["message"] == "aws fault outlived the retry budget"]
    assert faults[0]["level"] == "WARNING"
    assert "TransactWriteError" in faults[0]["exception_name"]
    assert "InternalServerError" in faults[0]["exception"]
    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert "InternalServerError" not in response.text


def test_a_bug_is_logged_as_an_error_with_its_cause_and_the_client_sees_none_of_it(
    api: Api, log_lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conduit.profiles import service

    def broken(*_: Any) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(service, "get", broken)

    response = api.request("GET", "/api/profiles/jake")

    failed = [entry for entry in log_lines() if entry["message"] == "request failed"]
    assert failed[0]["level"] == "ERROR"
    assert failed[0]["exception_name"] == "KeyError"
    assert response.status_code == 500
    assert response.json == {"errors": {"server": ["internal error"]}}
    assert "a bug of ours" not in response.text


def _handled(log_lines: Any) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [e for e in log_lines() if e["message"] == "request handled"]
    return entries[-1]


def test_a_request_logs_its_aws_calls_and_their_time_per_service(api: Api, log_lines: Any) -> None:
    api.register("jake")

    aws = _handled(log_lines)["aws"]
    assert aws["dynamodb"]["calls"] == len(api.calls.dynamodb) > 0
    assert aws["cognito-identity-provider"]["calls"] == len(api.calls.cognito) > 0
    assert aws["dynamodb"]["ms"] > 0


def test_calls_made_side_by_side_count_for_the_request_that_made_them(api: Api, log_lines: Any) -> None:
    token = api.register("jake")["token"]
    publish(api, token)

    api.request("GET", "/api/articles", token=token)  # the page's articles, authors and flags side by side

    assert _handled(log_lines)["aws"]["dynamodb"]["calls"] == len(api.calls.dynamodb) >= 4


def test_a_request_without_aws_calls_logs_none(api: Api, log_lines: Any) -> None:
    api.request("GET", "/api/user")  # refused before any call: no token

    assert _handled(log_lines)["aws"] == {}


def test_a_response_carries_the_request_id_its_log_line_carries(api: Api, log_lines: Any) -> None:
    response = api.request("GET", "/api/tags")

    assert response.headers["X-Request-Id"] == _handled(log_lines)["correlation_id"]


def test_a_refusal_carries_the_request_id_of_its_log_line(api: Api, log_lines: Any) -> None:
    response = api.request("GET", "/api/profiles/nobody")

    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == _handled(log_lines)["correlation_id"]


def test_a_failure_carries_the_request_id_of_the_line_that_logs_its_cause(
    api: Api, emulator: Emulator, log_lines: Any
) -> None:
    emulator.fail("Query", code="ValidationException")  # a bug of ours, not a passing fault

    response = api.request("GET", "/api/tags")

    failed = [entry for entry in log_lines() if entry["message"] == "request failed"]
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == failed[0]["correlation_id"]
