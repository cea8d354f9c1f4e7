"""Per-account limits on writes: how many times an account may do one kind of thing in a while.

Each limited route names its limit in the route table (`Route.limit`). The request adapter arms
it around the view (`charging`), and the request is counted when it is about to change
something: just before its first write to DynamoDB or Cognito (a botocore hook on every client,
`watch`). So a request refused for its input, its rights or a missing resource changes
nothing, not even a count, and a repeat answered from its `Idempotency-Key` is not counted
again (writes of the idempotency record itself do not count). Over the limit, the answer is a
429 with `Retry-After` (the seconds until the window that is full ends), and nothing is written.

A limit has a short window and, optionally, a long one (9 per 30 s and 50 per day). Counting is
one conditional UpdateItem on one item per account, limit and long window (`RATE#<sub>#<limit>#
<window>` in the users table, deleted by its time to live once the window is over):
- `n` counts the long window, `w`/`nw` the current short window and its count;
- the update adds one to both when the short window is the one stored, or starts a new short
  window, and is refused when either count is at its limit: a refusal writes nothing;
- `last` holds the request id of the last counted request, and a write is refused when it is
  already there: botocore sending the update again after a lost reply counts once.
Which update to send first (the same short window, or a new one) is what this container last
saw for the account, so a request costs one write, and two when its guess was wrong (a failed
conditional write consumes a write unit too). Every key is one account's: no hot key.

The values are stage settings: `RATE_LIMIT_<NAME>` (infra: `-c rateLimit.<name>=9/30,50/86400`),
defaults as Forem publishes them (docs/api.md, "Limits per account").
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conduit.errors import ConfigurationError, TooManyRequests
from conduit.resources import IDEMPOTENCY, USERS

_KEY = "RATE#"
#: A long window's item outlives it by this much before DynamoDB may delete it.
_GRACE_SECONDS = 3600


@dataclass(frozen=True)
class Window:
    count: int
    seconds: int

    def index(self, now: float) -> int:
        return int(now // self.seconds)

    def left(self, now: float) -> int:
        """Whole seconds until the window `now` is in ends (at least 1)."""
        return max(1, math.ceil((self.index(now) + 1) * self.seconds - now))


@dataclass(frozen=True)
class Limit:
    """A kind of write an account may do `short.count` times per `short.seconds`, and, with a
    `long` window, `long.count` times per `long.seconds`."""

    name: str
    short: Window
    long: Window | None = None
    #: What it covers, for the documentation.
    covers: str = ""

    @property
    def env_var(self) -> str:
        return "RATE_LIMIT_" + self.name.upper()

    def describe(self) -> str:
        windows = [self.short] + ([self.long] if self.long else [])
        return ", ".join(f"{w.count} per {_duration(w.seconds)}" for w in windows)


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds} s"


DAY = 86400
#: The defaults, from Forem's published ones (docs/api.md); each is a stage setting.
LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("articles", Window(9, 30), Window(50, DAY), "publishing an article"),
        Limit("article_changes", Window(30, 30), covers="editing or deleting an article"),
        Limit("comments", Window(9, 30), covers="commenting"),
        Limit("comment_deletions", Window(30, 30), covers="deleting a comment"),
        Limit("favorites", Window(10, 30), covers="favoriting or unfavoriting"),
        Limit("follows", Window(10, 30), Window(500, DAY), "following or unfollowing"),
        Limit("profile_changes", Window(10, 30), Window(30, 3600), "changing one's user or profile"),
        Limit("password_resets", Window(5, 3600), covers="asking for a password reset code, per address"),
    )
}


class RateLimited(TooManyRequests):
    """Over a per-account limit: try again after `Retry-After`."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate", "limit reached; try again later", retry_after)


def _window(text: str, name: str) -> Window:
    count, _, seconds = text.strip().partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) >= 1 and int(seconds) >= 1):
        raise ConfigurationError(f"RATE_LIMIT_{name.upper()}: {text!r} is not <count>/<seconds>")
    return Window(int(count), int(seconds))


def parse(name: str, text: str) -> Limit:
    """A limit as a setting writes it: `9/30` or `9/30,50/86400` (count/seconds)."""
    declared = LIMITS[name]
    windows = [_window(part, name) for part in text.split(",")]
    if len(windows) > 2 or (len(windows) == 2 and windows[1].seconds <= windows[0].seconds):
        raise ConfigurationError(f"{declared.env_var}: one window, or a short one then a longer one")
    return Limit(name, windows[0], windows[1] if len(windows) == 2 else None, declared.covers)


@cache
def limit(name: str) -> Limit:
    """The limit as this stage sets it (`RATE_LIMIT_<NAME>`), or its default."""
    raw = os.environ.get(LIMITS[name].env_var, "").strip()
    return parse(name, raw) if raw else LIMITS[name]


#: What a load test sets every limit to: out of reach, while each request still pays its count.
UNLIMITED = "1000000/30"


def lifted() -> dict[str, str]:
    """The environment that lifts every limit (tests and the bench measure other things)."""
    return {declared.env_var: UNLIMITED for declared in LIMITS.values()}


def reset() -> None:
    limit.cache_clear()
    _seen.clear()


#: The short window this container last counted per (subject, limit): which update to try first.
_seen: dict[tuple[str, str], int] = {}
_seen_lock = threading.Lock()
_SEEN_MAX = 10_000


def _remember(key: tuple[str, str], window: int) -> None:
    with _seen_lock:
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen[key] = window


def _number(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else None


def _update(key: str, same_window: bool, short: int, counts: tuple[int, int], expires: int, rid: str) -> Any:
    """One conditional UpdateItem; the item as it was when the condition failed, or None."""
    from botocore.exceptions import ClientError

    from conduit import settings, storage

    short_limit, long_limit = counts
    values = {
        ":one": {"N": "1"},
        ":w": {"N": str(short)},
        ":short": {"N": str(short_limit)},
        ":long": {"N": str(long_limit)},
        ":rid": {"S": rid},
        ":expires": {"N": str(expires)},
    }
    fresh = "(attribute_not_exists(#last) OR #last <> :rid) AND (attribute_not_exists(n) OR n < :long)"
    if same_window:
        update = "ADD n :one, nw :one SET #last = :rid, expires = :expires"
        condition = f"w = :w AND nw < :short AND {fresh}"
    else:  # a new window's first request: under the short limit whatever it is
        del values[":short"]
        update = "ADD n :one SET w = :w, nw = :one, #last = :rid, expires = :expires"
        condition = f"(attribute_not_exists(w) OR w < :w) AND {fresh}"
    try:
        storage.connection().client.update_item(
            TableName=settings.table_name(USERS),
            Key={"pk": {"S": key}},
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#last": "last"},
            ExpressionAttributeValues=values,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return error.response.get("Item") or {}
    return None


def count(name: str, subject: str, request_id: str) -> None:
    """Count one request of `subject` (an account's id, or a hashed address) against the limit
    `name`, or raise `RateLimited`. Counting the same request id again counts nothing."""
    rules = limit(name)
    now = clock()
    long = rules.long or Window(2**31, rules.short.seconds)
    short_index, long_index = rules.short.index(now), long.index(now)
    key = f"{_KEY}{subject}#{name}#{long_index}"
    expires = (long_index + 1) * long.seconds + _GRACE_SECONDS
    seen = (subject, name)
    same = _seen.get(seen) == short_index
    for _ in range(3):  # a wrong guess, then the other update; a race may start a window meanwhile
        found = _update(key, same, short_index, (rules.short.count, long.count), expires, request_id)
        if found is None:
            _remember(seen, short_index)
            return
        if found.get("last", {}).get("S") == request_id:
            return  # this request was counted: an update sent again after a lost reply
        if (_number(found, "n") or 0) >= long.count:
            raise RateLimited(long.left(now))
        stored = _number(found, "w")
        if stored == short_index and (_number(found, "nw") or 0) >= rules.short.count:
            _remember(seen, short_index)
            raise RateLimited(rules.short.left(now))
        same = stored == short_index
    raise RateLimited(1)  # lost three races in a row: the account is sending as fast as it can


def clock() -> float:
    """Now, in epoch seconds (a function, so tests can move it)."""
    return time.time()


def address_subject(address: str) -> str:
    """The subject of a limit per email address, which the key must not spell out."""
    return "address:" + hashlib.sha256(address.lower().encode()).hexdigest()[:32]


@dataclass
class _Armed:
    """A request's limit, counted at its first write (by whichever thread makes it)."""

    name: str
    subject: str
    request_id: str
    counted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_armed: ContextVar[_Armed | None] = ContextVar("conduit_limit", default=None)

#: What changes something: DynamoDB's writes, and Cognito's admin calls but the two that read.
_DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
_COGNITO_READS = frozenset({"AdminGetUser", "AdminInitiateAuth"})


@contextmanager
def charging(name: str | None, subject: str | None, request_id: str) -> Iterator[None]:
    """Count the request against limit `name` for `subject` if, and when, it first writes."""
    if name is None or subject is None:
        yield
        return
    token = _armed.set(_Armed(name, subject, request_id))
    try:
        yield
    finally:
        _armed.reset(token)


def _writes(service: str, operation: str, params: dict[str, Any]) -> bool:
    if service == "dynamodb":
        if operation not in _DYNAMODB_WRITES:
            return False
        # the idempotency record is written before the view runs: not a change of the request's
        # (a function not given that table, a PUT's, has no such record to tell apart)
        table = params.get("TableName")  # a transaction names none: its items are the request's
        return table is None or table != os.environ.get(IDEMPOTENCY.env_var)
    return (
        service == "cognito-identity-provider"
        and operation.startswith("Admin")
        and operation not in _COGNITO_READS
    )


def _before_write(params: dict[str, Any], model: Any, **_: Any) -> None:
    armed = _armed.get()
    if armed is None or armed.counted:
        return
    if not _writes(str(model.service_model.service_id.hyphenize()), str(model.name), params):
        return
    with armed.lock:
        if armed.counted:
            return
        armed.counted = True  # first: the count is a write itself
        count(armed.name, armed.subject, armed.request_id)


def watch(client: Any) -> Any:
    """Have `client`'s writes count the request's limit first; returns the client."""
    client.meta.events.register("before-parameter-build", _before_write)
    return client
