"""Revocation: which sessions of a user have ended, checked for every token (`conduit.auth`).

Tokens are verified offline, so Cognito's own sign-out never reaches them: a token stays valid
until it expires. What ends a session is recorded here, in one item per user in the users table
(`SESSIONS#<sub>`), and every function reads it before it trusts a token:
- `notBefore`: every session that started before it has ended (sign-out everywhere, a new
  password, a confirmed new email, a deleted account); a session is a sign-in, the token's
  `origin_jti`, and it started at its `auth_time`, which a refreshed token keeps;
- `revoked`: single sessions that ended (a logout), by `origin_jti`;
- `allowed`: sessions that started in the second a `notBefore` was set, after it (the fresh
  token of a password change, a login right after a sign-out everywhere): `auth_time` counts
  seconds, so those cannot be told from the ones ended by the time alone.
Entries are kept as long as a session can live (the refresh token's validity) and pruned on
every write.

A function keeps what it read per user for `CACHE_SECONDS` (the record's age is counted from
before the read), so a revocation reaches every function within that time, at the price of at
most one GetItem per caller per container per minute; the container that wrote it knows at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import PutError

from conduit.errors import ServiceUnavailable, Unauthorized
from conduit.resources import USER_POOL, USERS
from conduit.storage import Record, table_meta

_KEY = "SESSIONS#"
#: How long a read record is trusted: the most a revocation takes to reach every function.
CACHE_SECONDS = 60.0
#: Users whose record a container keeps (about 200 bytes each): a bound on its memory.
CACHE_ENTRIES = 10_000
#: A session outlives no refresh token: entries older than this are pruned.
SESSION_SECONDS = USER_POOL.refresh_token_validity_days * 24 * 60 * 60
#: Single logouts kept per user; past it, a logout ends every session (docs/api.md).
MAX_REVOKED = 500
#: `notBefore` of a deleted account: no session of it is ever valid again.
FOREVER = 2**40
_WRITE_ATTEMPTS = 5
REVOKED = "has been revoked"


class SessionsRecord(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    not_before = NumberAttribute(attr_name="notBefore", default=0)
    # raw maps of session id to when its entry may go; PynamoDB's MapAttribute is untyped
    revoked = MapAttribute[str, Any](default=dict)  # type: ignore[no-untyped-call]
    allowed = MapAttribute[str, Any](default=dict)  # type: ignore[no-untyped-call]
    version = VersionAttribute()


def session_of(claims: Mapping[str, Any]) -> tuple[str, int]:
    """A token's session: its sign-in's id (`origin_jti`, shared by refreshed tokens; `jti`
    without one) and when it started (`auth_time`, else `iat`)."""
    session = claims.get("origin_jti") or claims.get("jti") or ""
    started = claims.get("auth_time", claims.get("iat", 0))
    return str(session), int(started) if isinstance(started, int | float) else 0


@dataclass(frozen=True)
class Revocations:
    """What has ended, as read for one user."""

    not_before: int = 0
    revoked: Mapping[str, int] = field(default_factory=dict)
    allowed: Mapping[str, int] = field(default_factory=dict)
    version: int | None = None

    def ends(self, claims: Mapping[str, Any]) -> bool:
        session, started = session_of(claims)
        if session in self.revoked:
            return True
        return started < self.not_before and session not in self.allowed


def _numbers(raw: Any) -> dict[str, int]:
    values = raw.as_dict() if isinstance(raw, MapAttribute) else dict(raw or {})  # type: ignore[no-untyped-call]
    return {str(k): int(v) for k, v in values.items()}


def _read(user_id: str) -> Revocations:
    try:
        record = SessionsRecord.get(_KEY + user_id, consistent_read=True)
    except SessionsRecord.DoesNotExist:
        return Revocations()
    return Revocations(
        int(record.not_before or 0), _numbers(record.revoked), _numbers(record.allowed), record.version
    )


class _Cache:
    """Each user's record as last read or written here, and when (monotonic, before the read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Revocations]] = OrderedDict()

    def get(self, user_id: str) -> Revocations | None:
        with self._lock:
            found = self._entries.get(user_id)
            if found is None or time.monotonic() - found[0] >= CACHE_SECONDS:
                return None
            return found[1]

    def put(self, user_id: str, read_at: float, revocations: Revocations) -> None:
        with self._lock:
            self._entries.pop(user_id, None)
            self._entries[user_id] = (read_at, revocations)
            while len(self._entries) > CACHE_ENTRIES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _Cache()


def reset() -> None:
    """Forget what was read, for tests that re-provision the emulator between cases."""
    _cache.clear()


def current(user_id: str, fresh: bool = False) -> Revocations:
    """The user's revocations: as cached (at most `CACHE_SECONDS` old), or read now."""
    if not fresh:
        cached = _cache.get(user_id)
        if cached is not None:
            return cached
    read_at = time.monotonic()
    revocations = _read(user_id)
    _cache.put(user_id, read_at, revocations)
    return revocations


def check(user_id: str, claims: Mapping[str, Any], fresh: bool = False) -> None:
    """Refuse a verified token whose session has ended (401 `token has been revoked`)."""
    if current(user_id, fresh).ends(claims):
        raise Unauthorized(REVOKED)


def _live(entries: Mapping[str, int], now: int) -> dict[str, int]:
    return {k: v for k, v in entries.items() if v > now}


def _write(user_id: str, change: Callable[[Revocations, int], Revocations]) -> Revocations:
    """Read, change and put the record, guarded by its version (a concurrent write is read
    again and the change made on it: every change here is a function of what is there)."""
    for _ in range(_WRITE_ATTEMPTS):
        now = int(time.time())
        before = _read(user_id)
        after = change(before, now)
        after = Revocations(after.not_before, _live(after.revoked, now), _live(after.allowed, now))
        record = SessionsRecord(
            pk=_KEY + user_id, not_before=after.not_before, revoked=after.revoked, allowed=after.allowed
        )
        if before.version is not None:
            record.version = before.version
        read_at = time.monotonic()
        try:
            record.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                continue
            raise
        written = Revocations(after.not_before, after.revoked, after.allowed, record.version)
        _cache.put(user_id, read_at, written)
        return written
    raise ServiceUnavailable()


def _expiry(claims: Mapping[str, Any]) -> int:
    return session_of(claims)[1] + SESSION_SECONDS


def end_session(user_id: str, claims: Mapping[str, Any]) -> None:
    """A logout: the token's session, and every token refreshed from it, ends now."""
    session, _ = session_of(claims)

    def change(before: Revocations, now: int) -> Revocations:
        revoked = {**_live(before.revoked, now), session: _expiry(claims)}
        allowed = {k: v for k, v in before.allowed.items() if k != session}
        if len(revoked) > MAX_REVOKED:  # too many to list: every session so far ends
            return Revocations(now + 1, {}, {})
        return Revocations(before.not_before, revoked, allowed)

    _write(user_id, change)


def end_all(user_id: str, keep: Mapping[str, Any] | None = None) -> None:
    """Every session that started until now ends; `keep` (the claims of a token just issued,
    for the change that ended the others) goes on."""

    def change(before: Revocations, now: int) -> Revocations:
        allowed = {session_of(keep)[0]: _expiry(keep)} if keep is not None else {}
        return Revocations(max(before.not_before, now + 1), {}, allowed)

    _write(user_id, change)


def end_forever(user_id: str) -> None:
    """A deleted account: none of its sessions, past or future, is valid."""
    _write(user_id, lambda before, now: Revocations(FOREVER, {}, {}))


def admit(user_id: str, claims: Mapping[str, Any]) -> None:
    """Let a token just issued by a sign-in through, when it started in the second a
    sign-out everywhere was recorded (one consistent read; a write only then)."""
    found = current(user_id, fresh=True)
    if not found.ends(claims) or found.not_before >= FOREVER:  # fine, or deleted: never rewritten
        return
    session, started = session_of(claims)

    def change(before: Revocations, now: int) -> Revocations:
        if started < before.not_before - 1:
            return before  # not a sign-in of this second: nothing to let in
        return Revocations(before.not_before, before.revoked, {**before.allowed, session: _expiry(claims)})

    _write(user_id, change)
