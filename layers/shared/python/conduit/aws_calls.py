"""How many AWS calls a request made and how long they took, for its log line.

Without the X-Ray SDK there are no per-call subsegments in the traces; this puts the same
question's answer ("was it DynamoDB, Cognito or us?") in the request's one log line. botocore
emits `before-call`/`after-call` events on each client; the tally lives in a context variable,
so concurrent requests (the local gateway serves several at once) never mix, and
`conduit.storage.together` runs its calls in copies of the caller's context. Calls that needed
retries say how many (`retries`), and attempts refused for throttling are counted apart
(`throttles`), so a throttled table or pool shows in the request's own line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from conduit.retries import THROTTLING_CODES

_STARTED = "conduit_started"  # our key in botocore's per-call context dict


@dataclass
class _Service:
    calls: int = 0
    ms: float = 0.0
    retries: int = 0
    throttles: int = 0


@dataclass
class Tally:
    """Calls, milliseconds, retries and throttled attempts per AWS service (botocore's
    hyphenated service id)."""

    _services: dict[str, _Service] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, ms: float, retries: int = 0) -> None:
        with self._lock:
            entry = self._services.setdefault(service, _Service())
            entry.calls += 1
            entry.ms += ms
            entry.retries += retries

    def throttled(self, service: str) -> None:
        with self._lock:
            self._services.setdefault(service, _Service()).throttles += 1

    def summary(self) -> dict[str, dict[str, float]]:
        """{"dynamodb": {"calls": 3, "ms": 12.5}, ...}: `ms` sums calls, side-by-side ones too;
        `retries` and `throttles` appear when there were any."""
        with self._lock:
            summary: dict[str, dict[str, float]] = {}
            for name, entry in sorted(self._services.items()):
                line: dict[str, float] = {"calls": entry.calls, "ms": round(entry.ms, 2)}
                line |= {k: v for k, v in (("retries", entry.retries), ("throttles", entry.throttles)) if v}
                summary[name] = line
            return summary


_current: ContextVar[Tally | None] = ContextVar("conduit_aws_calls", default=None)


@contextmanager
def tallying() -> Iterator[Tally]:
    """Count the AWS calls made inside the block (and in the threads it hands work to)."""
    tally = Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)


def _before(context: dict[str, Any], **_: Any) -> None:
    context[_STARTED] = time.perf_counter()


def _service(model: Any) -> str:
    return str(model.service_model.service_id.hyphenize())


def _after(model: Any, context: dict[str, Any], parsed: Any = None, **_: Any) -> None:
    tally, started = _current.get(), context.get(_STARTED)
    if tally is not None and started is not None:
        retries = int(((parsed or {}).get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
        tally.add(_service(model), (time.perf_counter() - started) * 1000, retries)


def _failed(context: dict[str, Any], event_name: str = "", **_: Any) -> None:
    """botocore's `after-call-error` event (no answer at all: a timeout, a dropped connection),
    which names no model: the service is in the event's name (`after-call-error.<id>.<op>`)."""
    tally, started = _current.get(), context.get(_STARTED)
    if tally is not None and started is not None:
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else "unknown"
        tally.add(service, (time.perf_counter() - started) * 1000)


def _attempted(operation: Any, response: Any = None, **_: Any) -> None:
    """botocore's `needs-retry` event, after every attempt: count the throttled ones."""
    tally = _current.get()
    code = str(response[1].get("Error", {}).get("Code", "")) if response is not None else ""
    if tally is not None and code in THROTTLING_CODES:
        tally.throttled(_service(operation))


def track(client: Any) -> Any:
    """Have `client`'s calls counted in the current tally; returns the client."""
    events = client.meta.events
    events.register("before-call", _before)
    events.register("after-call", _after)
    events.register("after-call-error", _failed)  # no answer (timeouts, connection errors)
    events.register("needs-retry", _attempted)
    return client
