"""The price of revocation (issue 17): what checking that a token's session has not ended adds.

Every function that reads a token reads the caller's `SESSIONS#` item before trusting it, and
keeps it for `conduit.users.sessions.CACHE_SECONDS` (docs/api.md, "Sessions"). Measured here:
- the read: how many DynamoDB calls and read units a caller's first signed-in request in a
  container adds, and that the next ones within the minute add none;
- the warm overhead: the token check with the cached record against the signature and claims
  check alone, in the same process, median of many runs;
- what it adds to a signed-in request's read units, for callers who send one request per
  container per minute (the worst case) and for busier ones.
Section 2 measures each request with the record already cached (the steady state of a caller
who used the container within the minute), so its rows do not count this read.
"""

from __future__ import annotations

import base64
import json
import statistics
import time
from typing import Any

#: Token checks timed per variant, after warm-ups.
CHECKS = 5_000
_SESSIONS_KEY = "SESSIONS#"


def subject(token: str) -> str:
    """A token's `sub`, unverified (the bench forges and registers its own)."""
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def prime(token: str | None) -> None:
    """Read the caller's sessions now, as a container that served them within the minute has."""
    if token:
        from conduit.users import sessions

        sessions.current(subject(token))


def _reads_of_sessions(calls: list[Any]) -> list[Any]:
    return [
        c
        for c in calls
        if c.service == "dynamodb"
        and c.operation == "GetItem"
        and str(c.params.get("Key", {}).get("pk", {}).get("S", "")).startswith(_SESSIONS_KEY)
    ]


def _timed(run: Any, count: int) -> float:
    """Median microseconds of `run()` over `count` runs in batches of 100."""
    batches = []
    for _ in range(max(1, count // 100)):
        start = time.perf_counter()
        for _ in range(100):
            run()
        batches.append((time.perf_counter() - start) / 100 * 1e6)
    return statistics.median(batches)


def price(driver: Any, checks: int = CHECKS) -> dict[str, Any]:
    """The read a caller's first request adds, and the warm overhead of the check."""
    from conduit import auth
    from conduit.routes import Auth
    from conduit.users import sessions

    token = driver.token
    header = f"Token {token}"
    driver.recorder.measure_capacity = True
    sessions.reset()  # a container that has not seen the caller this minute
    first_and_next = []
    for _ in range(2):
        with driver.recorder.recording() as calls:
            status, body = driver.send(("GET", "/api/user", None, token))
        if status >= 400:
            raise RuntimeError(f"GET /api/user: HTTP {status} {body}")
        reads = _reads_of_sessions(calls)
        first_and_next.append({"calls": len(reads), "read_units": round(sum(c.read_units for c in reads), 2)})
    driver.recorder.measure_capacity = False

    auth.authenticate(Auth.REQUIRED, header)  # keys loaded, the caller's record cached
    for _ in range(200):
        auth.verify_token(token)
        auth.authenticate(Auth.REQUIRED, header)
    verify_only = _timed(lambda: auth.verify_token(token), checks)
    with_revocation = _timed(lambda: auth.authenticate(Auth.REQUIRED, header), checks)
    first = first_and_next[0]["read_units"]
    return {
        "first_request": first_and_next[0],
        "next_request_within_the_minute": first_and_next[1],
        "cache_seconds": sessions.CACHE_SECONDS,
        "token_check_us": round(verify_only, 1),
        "token_check_with_revocation_us": round(with_revocation, 1),
        "added_warm_overhead_us": round(with_revocation - verify_only, 1),
        "added_read_units_per_signed_in_request": {
            f"{n} per minute": round(first / n, 3) for n in (1, 10, 60)
        },
    }
