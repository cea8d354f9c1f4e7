"""The public Conduit API over HTTP, with the retries a client owes a busy server.

urllib, so the seed needs nothing beyond the standard library to talk to the API. 429 and 503
say the request was refused before anything happened: they are sent again after the server's
`Retry-After` (seconds or an HTTP date) or an exponential backoff with jitter. A lost
connection, a timeout, a 502 or a 504 may hide a request that was applied: only a request whose
repetition changes nothing (`repeatable`) is sent again; for the others the caller gets
`Ambiguous` and looks before it tries again.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

#: Refused before anything was done: always safe to send again.
REFUSED = frozenset({429, 503})
#: The gateway gave up on the function, which may have finished: safe only to repeat what is repeatable.
GAVE_UP = frozenset({502, 504})
USER_AGENT = "conduit-seed"


class SeedError(Exception):
    """Something the seed cannot go on from; the message says what and where."""


class Ambiguous(SeedError):
    """A request that is not safe to repeat may or may not have been applied."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


def path(*segments: str, **query: str) -> str:
    """`/articles/<slug>/comments?limit=...`, every segment and value escaped."""
    joined = "".join(f"/{quote(segment, safe='')}" for segment in segments)
    return joined + (f"?{urlencode(query)}" if query else "")


class Client:
    """Sends one request at a time to `base_url` (e.g. `http://localhost:3000/api`)."""

    def __init__(
        self,
        base_url: str,
        *,
        attempts: int = 8,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.timeout = timeout
        self.sleep = sleep
        # Jitter only: the world itself comes from seed.world's fixed seed.
        self._jitter = random.Random()

    def request(
        self,
        method: str,
        where: str,
        body: Any = None,
        *,
        token: str | None = None,
        repeatable: bool,
        attempts: int | None = None,
    ) -> Reply:
        """The reply to `method where`: any status the server meant (4xx included), after
        retrying what may be retried; SeedError when the retries run out."""
        tries = attempts or self.attempts
        problem = ""
        for attempt in range(tries):
            try:
                status, retry_after, payload = self._send(method, where, body, token)
            except (URLError, HTTPException, OSError) as error:
                # Refused connections never reached the server; anything later may have.
                refused = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
                if not (repeatable or refused):
                    raise Ambiguous(f"{method} {where}: {error}") from error
                problem = f"{method} {self.base_url}{where}: {getattr(error, 'reason', error)}"
                wait = self._backoff(attempt)
            else:
                if status in GAVE_UP and not repeatable:
                    raise Ambiguous(f"{method} {where}: {status}")
                if status not in REFUSED | GAVE_UP:
                    return Reply(status, payload)
                problem = f"{method} {where}: still {status} after {tries} attempts"
                wait = self._retry_after(retry_after, attempt)
            if attempt + 1 < tries:
                self.sleep(wait)
        raise SeedError(problem)

    def _send(self, method: str, where: str, body: Any, token: str | None) -> tuple[int, str | None, Any]:
        """Status, Retry-After and JSON body of one exchange."""
        request = Request(
            self.base_url + where,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers.get("Retry-After"), _json(response.read())
        except HTTPError as error:
            with error:
                return error.code, error.headers.get("Retry-After"), _json(error.read())

    def _backoff(self, attempt: int) -> float:
        """0.5 s, 1 s, 2 s... (up to max_wait), each cut by up to half at random so that many
        clients refused at once do not all come back at once."""
        ceiling = min(self.max_wait, self.backoff * 2.0**attempt)
        return ceiling * self._jitter.uniform(0.5, 1.0)

    def _retry_after(self, value: str | None, attempt: int) -> float:
        """The server's `Retry-After` when it sent one (RFC 9110: seconds or an HTTP date),
        else the backoff; never more than max_wait."""
        if value:
            value = value.strip()
            if value.isdigit():
                return min(self.max_wait, float(value))
            try:
                return min(self.max_wait, max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
            except (TypeError, ValueError):
                pass
        return self._backoff(attempt)


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        # API Gateway's own errors are JSON too; anything else is shown as it came.
        return raw.decode("utf-8", "replace")
