"""Data access for users: profiles and their uniqueness claims, the only code that touches them.

A profile (`USER#<sub>`) is written in one transaction with a claim item per unique value
(`USERNAME#<lower>`, `EMAIL#<lower>`), each put only if absent. Two registrations racing for
the same username cannot both commit; a username change moves the claim in the same
transaction, guarded by the profile's version, so concurrent updates cannot leak claims.

A registration holds its claims before it creates the Cognito user (`reserve`): they name the
registration (`pending#<id>`) until `pendingUntil`, and its profile then takes them over
(`create`). So DynamoDB decides which of two registrations gets an email before either touches
Cognito, and a claim left by a registration that died is free again once its lease ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from conduit.cards import Author
from conduit.errors import ValidationFailed
from conduit.resources import USERS
from conduit.storage import Record, Transaction, commit_once, conflicted, table_meta

_PROFILE = "USER#"
# Claim prefixes by the field whose uniqueness they hold (and the field named in a 422).
_CLAIMS = {"username": "USERNAME#", "email": "EMAIL#"}
TAKEN = "has already been taken"


class UserRecord(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(attr_name="userId")
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(attr_name="createdAt")
    updated_at = UTCDateTimeAttribute(attr_name="updatedAt")
    version = VersionAttribute()


class ClaimRecord(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(attr_name="userId")
    #: Epoch seconds until which a registration in progress holds the claim (absent once taken).
    pending_until = NumberAttribute(attr_name="pendingUntil", null=True)


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    email: str
    bio: str | None
    image: str | None
    created_at: datetime
    updated_at: datetime
    version: int | None = None


def card_of(user: User) -> Author:
    """The user as shown beside their articles and comments, as of this profile version."""
    return Author(user.user_id, user.username, user.bio, user.image, int(user.version or 0))


def author_of(image: Mapping[str, Any]) -> Author | None:
    """The card a stream image of a profile shows; None for a claim item."""
    if not str(image.get("pk", "")).startswith(_PROFILE):
        return None
    return Author(
        str(image["userId"]),
        str(image["username"]),
        image.get("bio"),
        image.get("image"),
        int(image["version"]),
    )


def _claim_key(field: str, value: str) -> str:
    return _CLAIMS[field] + value.lower()


def _to_user(record: UserRecord) -> User:
    return User(
        user_id=record.user_id,
        username=record.username,
        email=record.email,
        bio=record.bio,
        image=record.image,
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
    )


def _to_record(user: User) -> UserRecord:
    record = UserRecord(
        pk=_PROFILE + user.user_id,
        user_id=user.user_id,
        username=user.username,
        email=user.email,
        bio=user.bio,
        image=user.image,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )
    if user.version is not None:
        record.version = user.version
    return record


def get(user_id: str) -> User | None:
    try:
        return _to_user(UserRecord.get(_PROFILE + user_id, consistent_read=True))
    except UserRecord.DoesNotExist:
        return None


def get_many(user_ids: Iterable[str]) -> dict[str, User]:
    """Profiles by id in one BatchGetItem (PynamoDB retries unprocessed keys)."""
    keys = [_PROFILE + user_id for user_id in dict.fromkeys(user_ids)]
    return {r.user_id: _to_user(r) for r in UserRecord.batch_get(keys)} if keys else {}


def owner_of(field: str, value: str) -> str | None:
    """The user id holding a unique username or email, read consistently."""
    try:
        return ClaimRecord.get(_claim_key(field, value), consistent_read=True).user_id
    except ClaimRecord.DoesNotExist:
        return None


def owners_of_usernames(usernames: list[str]) -> dict[str, str]:
    """User ids by lower-cased username, for those that exist (one BatchGetItem)."""
    keys = list(dict.fromkeys(_claim_key("username", name) for name in usernames))
    if not keys:
        return {}
    return {claim.pk[len(_CLAIMS["username"]) :]: claim.user_id for claim in ClaimRecord.batch_get(keys)}


def find_by_username(username: str) -> User | None:
    user_id = owner_of("username", username)
    return get(user_id) if user_id else None


def _lapsed(claim: ClaimRecord, now: float) -> bool:
    """A registration's claim whose lease ended: that registration is over, the claim free."""
    return claim.pending_until is not None and claim.pending_until < now


def _claimable() -> Condition:
    """A claim that is free: absent, or left by a registration whose lease ended."""
    free: Condition = ClaimRecord.pk.does_not_exist() | (ClaimRecord.pending_until < int(time.time()))
    return free


def taken_by_others(user_id: str | None, **values: str) -> list[str]:
    """Which of the given unique fields another user (or a registration under way) holds (one
    BatchGetItem)."""
    keys = {_claim_key(field, value): field for field, value in values.items()}
    if not keys:
        return []
    now = time.time()
    held = ClaimRecord.batch_get(list(keys))
    return sorted(keys[c.pk] for c in held if c.user_id != user_id and not _lapsed(c, now))


class ConcurrentUpdate(ValidationFailed):
    """The profile changed between our read and our write."""

    def __init__(self) -> None:
        super().__init__({"user": ["was changed by another request; try again"]})


@contextmanager
def _claiming(user_id: str, claims: dict[str, str]) -> Iterator[None]:
    """Turn a failed condition into a 422 naming the unique fields another user holds."""
    try:
        yield
    except TransactWriteError as error:
        if not conflicted(error):
            raise
        lost = taken_by_others(user_id, **claims)
        if lost:
            raise ValidationFailed({field: [TAKEN] for field in lost}) from error
        raise ConcurrentUpdate() from error


def reserve(username: str, email: str, holder: str, until: int) -> None:
    """Hold a registration's username and email claims until `until` (epoch seconds), or 422."""
    claims = {"username": username, "email": email}
    with _claiming(holder, claims), Transaction() as transaction:
        for field, value in claims.items():
            claim = ClaimRecord(pk=_claim_key(field, value), user_id=holder, pending_until=until)
            transaction.save(claim, condition=_claimable())


def create(user: User, holder: str | None = None) -> User:
    """Write a new profile with its claims, all or nothing: claims `holder` reserved, or free ones."""
    record = _to_record(user)
    claims = {field: getattr(user, field) for field in _CLAIMS}
    with _claiming(user.user_id, claims), Transaction() as transaction:
        transaction.save(record, condition=UserRecord.pk.does_not_exist())
        for field, value in claims.items():
            claim = ClaimRecord(pk=_claim_key(field, value), user_id=user.user_id)
            held = ClaimRecord.user_id == holder if holder else _claimable()
            transaction.save(claim, condition=held)
    return replace(user, version=record.version)


def discard(username: str, email: str, holder: str, user_id: str | None) -> None:
    """Undo a registration in one transaction: its profile, if any, and its claims, whether
    still reserved for `holder` or taken by the profile. Doing it twice is doing it once."""
    owners = [holder] + ([user_id] if user_id else [])

    def write(transaction: TransactWrite) -> None:
        if user_id:
            transaction.delete(UserRecord(pk=_PROFILE + user_id), add_version_condition=False)
        for field, value in (("username", username), ("email", email)):
            condition = ClaimRecord.pk.does_not_exist() | ClaimRecord.user_id.is_in(*owners)
            transaction.delete(ClaimRecord(pk=_claim_key(field, value)), condition=condition)

    if not commit_once(write):  # a claim another user holds: not ours to delete
        raise RuntimeError(f"claims of {username!r} / {email!r} are held by another user")


def replace_profile(
    before: User, after: User, also: Callable[[TransactWrite, User], None] | None = None
) -> User:
    """Move `before` to `after` in one transaction: the profile, guarded by its version, and
    every unique value that changed (new claim put if absent, old claim deleted if ours), with
    `also(transaction, the profile as saved)` (the user's record of a new card)."""
    record = _to_record(replace(after, version=before.version))
    moved = {
        field: (getattr(before, field), getattr(after, field))
        for field in _CLAIMS
        if getattr(before, field).lower() != getattr(after, field).lower()
    }
    claims = {field: new for field, (_, new) in moved.items()}
    with _claiming(after.user_id, claims), Transaction() as transaction:
        transaction.save(record)  # PynamoDB adds the version condition and bumps the version
        if also is not None:
            # PynamoDB bumps `record.version` only once committed: this is what it saves
            also(transaction, replace(after, version=(before.version or 0) + 1))
        for field, (old, new) in moved.items():
            claim = ClaimRecord(pk=_claim_key(field, new), user_id=after.user_id)
            transaction.save(claim, condition=_claimable())
            stale = ClaimRecord(pk=_claim_key(field, old), user_id=after.user_id)
            transaction.delete(stale, condition=ClaimRecord.user_id == after.user_id)
    return replace(after, version=record.version)


def erase(user: User, also: Callable[[TransactWrite], None]) -> bool:
    """Delete a profile and release its username and email, with `also` (the record of the
    account's deletion), in one transaction; False if the profile is gone already (a repeat)."""

    def write(transaction: TransactWrite) -> None:
        profile = UserRecord(pk=_PROFILE + user.user_id)
        transaction.delete(profile, condition=UserRecord.pk.exists(), add_version_condition=False)
        for field in _CLAIMS:
            claim = ClaimRecord(pk=_claim_key(field, getattr(user, field)))
            transaction.delete(claim, condition=ClaimRecord.user_id == user.user_id)
        also(transaction)

    return commit_once(write)


#: The key prefix of an account's deletion under way (conduit.users.deletion).
DELETION = "DELETION#"


class _Deletion(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)


def deleting(user_id: str) -> bool:
    """Whether the account is being deleted (its profile is gone; its Cognito user may not be)."""
    try:
        _Deletion.get(DELETION + user_id, consistent_read=True, attributes_to_get=["pk"])
    except _Deletion.DoesNotExist:
        return False
    return True
