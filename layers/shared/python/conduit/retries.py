"""How every AWS call retries: one budget, one botocore configuration, one verdict on what is transient.

botocore's `standard` retry mode retries throttling, 5xx, timeouts and dropped connections with
jittered exponential backoff; every client (the shared DynamoDB client of `conduit.storage`,
which PynamoDB uses too, and Cognito's in `conduit.users.identity`) is built with `config()`.
Per-call limits cannot bound a request that makes several calls, so each invocation also sets
a deadline (`budget`): once the next retry could not finish before it, botocore is told not to
retry, and the fault becomes `conduit.errors.ServiceUnavailable` (a 503 with Retry-After) while
`BUDGET.reserve_seconds` are still left to undo what the request did (`compensating`) and to answer.
botocore never retries a transaction cancelled for a TransactionConflict: `pause` paces the
loop `conduit.storage.Transaction` runs for that, under the same deadline.

Cold start: nothing here imports botocore at module level; it is loaded by then anyway
(PynamoDB imports it), but `config()` is only built at the first client.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class RetryBudget:
    """The retry settings of every function, declared once (docs/architecture.md)."""

    #: Attempts per call, the first included; the deadline usually stops a call earlier.
    max_attempts: int = 6
    connect_timeout_seconds: float = 1.0
    read_timeout_seconds: float = 2.0
    #: Kept at the end of the function's time for compensation and the answer.
    reserve_seconds: float = 3.0
    #: Left of the reserve when compensation stops retrying, to log and answer.
    last_seconds: float = 0.5
    #: What a 503 tells the client to wait (`Retry-After`).
    retry_after_seconds: int = 1
    #: The first pause of our TransactionConflict loop; it doubles, with full jitter.
    conflict_backoff_seconds: float = 0.05
    conflict_backoff_cap_seconds: float = 1.0


BUDGET = RetryBudget()

#: Throttling codes (botocore retries them with a 1 s backoff base, as it does a 429).
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "LimitExceededException",
        "TransactionInProgressException",
    }
)
#: Errors DynamoDB or Cognito answer when the fault is theirs, whatever the status says.
_TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "InternalErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionConflictException",
    }
)
#: Cancellation reasons of a transaction that may commit if sent again.
_TRANSIENT_CANCELLATIONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
_NO_REASON = "None"

_deadline: ContextVar[float | None] = ContextVar("conduit_retry_deadline", default=None)


@cache
def config() -> Any:
    """The botocore `Config` of every client (PynamoDB's settings are the same values)."""
    from botocore.config import Config

    return Config(
        connect_timeout=BUDGET.connect_timeout_seconds,
        read_timeout=BUDGET.read_timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": BUDGET.max_attempts},
    )


@contextmanager
def budget(seconds_left: float) -> Iterator[None]:
    """Retry inside the block only while `reserve_seconds` of `seconds_left` would remain."""
    token = _deadline.set(time.monotonic() + seconds_left - BUDGET.reserve_seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def compensating() -> Iterator[None]:
    """Undoing a failed request may retry into the reserve, all but its last half second."""
    deadline = _deadline.get()
    extended = None if deadline is None else deadline + BUDGET.reserve_seconds - BUDGET.last_seconds
    token = _deadline.set(extended)
    try:
        yield
    finally:
        _deadline.reset(token)


def _room_for(delay: float) -> bool:
    """Whether a retry after `delay` could finish (one read timeout) before the deadline."""
    deadline = _deadline.get()
    return deadline is None or time.monotonic() + delay + BUDGET.read_timeout_seconds <= deadline


def pause(attempt: int) -> bool:
    """Sleep before retry `attempt` (0-based) of our own loop; False when the budget is spent."""
    if attempt + 1 >= BUDGET.max_attempts:
        return False
    ceiling = min(BUDGET.conflict_backoff_seconds * 2**attempt, BUDGET.conflict_backoff_cap_seconds)
    delay = random.random() * ceiling  # jitter, not a secret
    if not _room_for(delay):
        return False
    time.sleep(delay)
    return True


def _error_code(response: Any) -> str:
    return str((response or {}).get("Error", {}).get("Code", ""))


def _longest_backoff(attempts: int, response: Any) -> float:
    """botocore's largest possible pause before the next attempt: `rand(0, 1) * min(base * 2^i,
    20 s)`, base 1 s for throttling and at most 50 ms otherwise (the standard retry mode)."""
    throttled = response is not None and _error_code(response[1]) in THROTTLING_CODES
    base = 1.0 if throttled else 0.05
    return min(base * 2.0 ** (int(attempts) - 1), 20.0)


def _within_deadline(attempts: int, response: Any = None, **_: Any) -> bool | None:
    """botocore's `needs-retry` hook, registered before its own: False vetoes a retry that
    could not finish before the deadline; None leaves the decision to the retry mode."""
    return None if _room_for(_longest_backoff(attempts, response)) else False


def watch(client: Any) -> Any:
    """Hold `client`'s retries to the invocation's deadline; returns the client."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"needs-retry.{service}", _within_deadline)
    return client


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and what caused it: PynamoDB and Powertools wrap botocore's errors."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "cause", None)
        pending += [current.__cause__, current.__context__]
        if isinstance(wrapped, BaseException):
            pending.append(wrapped)


def cancellation_reasons(error: BaseException) -> list[str]:
    """The reason codes of a cancelled transaction ("None" for an item that was fine)."""
    for cause in causes(error):
        reasons = (getattr(cause, "response", None) or {}).get("CancellationReasons")
        if reasons:
            return [str(reason.get("Code", _NO_REASON)) for reason in reasons]
    return []


def only_conflicts(error: BaseException) -> bool:
    """A transaction cancelled only because other writes were in its way: sending it again
    (with the same ClientRequestToken) may commit it. botocore does not retry these."""
    reasons = [r for r in cancellation_reasons(error) if r != _NO_REASON]
    return bool(reasons) and all(r in _TRANSIENT_CANCELLATIONS for r in reasons)


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a fault of AWS that may pass (a 503 for the client), not a bug of ours:
    throttling, a 5xx, a transaction conflict, a timeout or a lost connection, also when
    PynamoDB or Powertools wrapped it."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if only_conflicts(error):
        return True
    for cause in causes(error):
        if isinstance(cause, (ConnectionError, HTTPClientError)):
            return True
        if isinstance(cause, ClientError):
            code = _error_code(cause.response)
            status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in THROTTLING_CODES or code in _TRANSIENT_CODES or status >= 500 or status == 429:
                return True
    return False


def throttled(error: BaseException) -> bool:
    """Whether a transient fault was throttling (for the log and the metric)."""
    from botocore.exceptions import ClientError

    if any(r in ("ThrottlingError", "ProvisionedThroughputExceeded") for r in cancellation_reasons(error)):
        return True
    return any(
        isinstance(cause, ClientError) and _error_code(cause.response) in THROTTLING_CODES
        for cause in causes(error)
    )
