"""A careful client's retries, for the fault tests and the bench's weather runs.

It sends one logical operation up to `tries` times: again after a 409, 429 or 5xx answer or a
dropped connection, after the `Retry-After` the answer asks for (capped, so runs stay short),
and every POST with one `Idempotency-Key` for all its tries, as docs/api.md asks clients to.
Every attempt is kept, so a run can check that no answer was a 500 and every 503 said when
to come back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Answers a careful client sends the same request again after.
RETRIED = frozenset({409, 429, 500, 502, 503, 504})

#: `send(headers)` -> (status, response headers, parsed body); raises OSError when the
#: connection fails.
Send = Callable[[dict[str, str]], tuple[int, Mapping[str, str], Any]]


@dataclass(frozen=True)
class Attempt:
    status: int | None  # None: no answer (the connection failed)
    retry_after: str | None = None


@dataclass
class Outcome:
    """The last answer of a logical operation, and every attempt it took."""

    status: int | None
    body: Any
    attempts: list[Attempt] = field(default_factory=list)
    method: str = "GET"

    @property
    def succeeded(self) -> bool:
        """A success, or a DELETE whose retry found the thing gone after an earlier try that
        may have deleted it (docs/api.md)."""
        if self.status is None:
            return False
        retried_delete = self.method == "DELETE" and self.status == 404 and len(self.attempts) > 1
        return self.status < 400 or retried_delete


def send_with_retries(send: Send, method: str, tries: int = 5, max_wait_seconds: float = 0.05) -> Outcome:
    """Send until an answer is final or `tries` are spent; a POST carries an Idempotency-Key."""
    headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
    outcome = Outcome(None, None, method=method)
    for attempt in range(tries):
        try:
            status, response_headers, body = send(dict(headers))
        except OSError:
            outcome.attempts.append(Attempt(None))
            outcome.status, outcome.body = None, None
        else:
            retry_after = response_headers.get("Retry-After")
            outcome.attempts.append(Attempt(status, retry_after))
            outcome.status, outcome.body = status, body
            if status not in RETRIED:
                return outcome
        if attempt + 1 < tries:
            asked = float(outcome.attempts[-1].retry_after or 0)
            time.sleep(min(asked, max_wait_seconds) or 0.01)
    return outcome
