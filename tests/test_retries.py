"""`conduit.retries`: what is transient, and a retry budget that fits the function's timeout."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import GetError, TransactWriteError

from conduit import retries
from conduit.routes import ROUTES, WORKERS


def client_error(code: str, status: int = 400, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "Operation")


def wrapped(cause: Exception, wrapper: type[Exception] = GetError) -> Exception:
    """As PynamoDB raises it: its own error, caused by botocore's."""
    try:
        try:
            raise cause
        except Exception as error:
            raise wrapper("failed", error) from error
    except Exception as outer:
        return outer


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "LimitExceededException",
    ],
)
def test_throttling_is_transient_and_throttled(code: str) -> None:
    assert retries.is_transient(client_error(code))
    assert retries.throttled(client_error(code))


@pytest.mark.parametrize(
    ("code", "status"), [("InternalServerError", 500), ("ServiceUnavailableException", 503)]
)
def test_a_5xx_is_transient_but_not_throttled(code: str, status: int) -> None:
    assert retries.is_transient(client_error(code, status))
    assert not retries.throttled(client_error(code, status))


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="http://x"),
        ConnectTimeoutError(endpoint_url="http://x"),
        EndpointConnectionError(endpoint_url="http://x"),
    ],
)
def test_timeouts_and_lost_connections_are_transient(error: Exception) -> None:
    assert retries.is_transient(error)


def test_a_transaction_cancelled_for_a_conflict_is_transient() -> None:
    cancelled = client_error("TransactionCanceledException", reasons=["None", "TransactionConflict"])

    assert retries.is_transient(wrapped(cancelled, TransactWriteError))
    assert retries.only_conflicts(wrapped(cancelled, TransactWriteError))


def test_a_transaction_cancelled_by_its_own_condition_is_not() -> None:
    cancelled = client_error(
        "TransactionCanceledException", reasons=["ConditionalCheckFailed", "TransactionConflict"]
    )

    assert not retries.only_conflicts(cancelled)
    assert not retries.is_transient(cancelled)


def test_a_fault_wrapped_by_pynamodb_is_seen_through() -> None:
    assert retries.is_transient(wrapped(client_error("ThrottlingException")))


@pytest.mark.parametrize(
    "error",
    [
        client_error("ValidationException"),
        client_error("ConditionalCheckFailedException"),
        client_error("AccessDeniedException"),
        KeyError("a bug of ours"),
    ],
)
def test_client_errors_and_bugs_are_not_transient(error: Exception) -> None:
    assert not retries.is_transient(error)


@pytest.mark.parametrize("declared", [*ROUTES, *WORKERS], ids=lambda d: d.name)
def test_the_budget_leaves_its_reserve_inside_every_function_timeout(declared: Any) -> None:
    budget = retries.BUDGET
    assert budget.reserve_seconds >= budget.read_timeout_seconds + budget.last_seconds
    assert (
        declared.timeout_seconds
        > budget.reserve_seconds + budget.connect_timeout_seconds + budget.read_timeout_seconds
    )


def test_no_retry_is_allowed_that_could_end_past_the_deadline() -> None:
    throttled = (None, {"Error": {"Code": "ThrottlingException"}})
    with retries.budget(retries.BUDGET.reserve_seconds + retries.BUDGET.read_timeout_seconds + 1.5):
        assert retries._within_deadline(attempts=1, response=throttled) is None  # 1 s backoff fits
        assert retries._within_deadline(attempts=2, response=throttled) is False  # 2 s does not


def test_compensation_may_retry_into_the_reserve() -> None:
    with retries.budget(retries.BUDGET.reserve_seconds), retries.compensating():
        assert retries._within_deadline(attempts=1) is None


def test_our_own_loop_stops_when_the_budget_is_spent() -> None:
    with retries.budget(retries.BUDGET.reserve_seconds):
        started = time.monotonic()
        assert retries.pause(0) is False
        assert time.monotonic() - started < 0.1


def test_our_own_loop_stops_after_the_declared_attempts() -> None:
    assert retries.pause(retries.BUDGET.max_attempts - 1) is False
