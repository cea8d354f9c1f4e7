"""How many AWS calls a request made and how long they took, for its log line.

Without the X-Ray SDK there are no per-call subsegments in the traces; this puts the same
question's answer ("was it DynamoDB, Cognito or us?") in the request's one log line. botocore
emits `before-call`/`after-call` events on each client; the tally lives in a context variable,
so concurrent requests (the local gateway serves several at once) never mix, and
`conduit.storage.together` runs its calls in copies of the caller's context.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_STARTED = "conduit_started"  # our key in botocore's per-call context dict


@dataclass
class Tally:
    """Calls and milliseconds per AWS service (botocore's hyphenated service id)."""

    _counts: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, ms: float) -> None:
        with self._lock:
            entry = self._counts.setdefault(service, [0, 0.0])
            entry[0] += 1
            entry[1] += ms

    def summary(self) -> dict[str, dict[str, float]]:
        """{"dynamodb": {"calls": 3, "ms": 12.5}, ...}: `ms` sums calls, side-by-side ones too."""
        with self._lock:
            return {s: {"calls": int(c), "ms": round(ms, 2)} for s, (c, ms) in sorted(self._counts.items())}


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


def _after(model: Any, context: dict[str, Any], **_: Any) -> None:
    tally, started = _current.get(), context.get(_STARTED)
    if tally is not None and started is not None:
        tally.add(model.service_model.service_id.hyphenize(), (time.perf_counter() - started) * 1000)


def track(client: Any) -> Any:
    """Have `client`'s calls counted in the current tally; returns the client."""
    events = client.meta.events
    events.register("before-call", _before)
    events.register("after-call", _after)
    events.register("after-call-error", _after)  # no answer (timeouts, connection errors)
    return client
