"""Data access for users: profiles and their uniqueness claims, the only code that touches them.

A profile (`USER#<sub>`) is written in one transaction with a claim item per unique value
(`USERNAME#<lower>`, `EMAIL#<lower>`), each put only if absent. Two registrations racing for
the same username cannot both commit; a username change moves the claim in the same
transaction, guarded by the profile's version, so concurrent updates cannot leak claims.

A registration holds its claims before it creates the Cognito user (`reserve`): they name the
registration (`pending#<id>`) until `pendingUntil`, and its profile then takes them over
(`create`). So DynamoDB decides which of two registrations gets an email before either touches
Cognito, and a claim left by a registration that died is free again once its lease ends.

An email nobody has confirmed is held only for a while: its claim carries `unverifiedUntil`
(epoch seconds), after which a registration or an email change may take it (docs/api.md,
"No squatting"). A new email set by an email change waits on the profile (`pendingEmail`), with
its own claim held the same way, until its code is confirmed (`confirm_email`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from conduit import clock
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
    #: Absent on profiles written before emails were verified: those were verified by fiat.
    email_verified = BooleanAttribute(attr_name="emailVerified", null=True)
    #: A new email waiting for its code (the email stays the sign-in until then).
    pending_email = UnicodeAttribute(attr_name="pendingEmail", null=True)


class ClaimRecord(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(attr_name="userId")
    #: Epoch seconds until which a registration in progress holds the claim (absent once taken).
    pending_until = NumberAttribute(attr_name="pendingUntil", null=True)
    #: Epoch seconds until which an email nobody has confirmed is held (absent once confirmed).
    unverified_until = NumberAttribute(attr_name="unverifiedUntil", null=True)


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
    email_verified: bool = True
    pending_email: str | None = None


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
        email_verified=record.email_verified is not False,
        pending_email=record.pending_email,
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
        email_verified=user.email_verified,
        pending_email=user.pending_email,
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
    """A registration's claim whose lease ended (that registration is over), or an email whose
    holder did not confirm it in time: the claim is free."""
    if claim.pending_until is not None and claim.pending_until < now:
        return True
    return claim.unverified_until is not None and claim.unverified_until < now


def _claimable() -> Condition:
    """A claim that is free: absent, left by a registration whose lease ended, or an email its
    holder did not confirm in time."""
    now = int(clock.epoch())
    free: Condition = (
        ClaimRecord.pk.does_not_exist()
        | (ClaimRecord.pending_until < now)
        | (ClaimRecord.unverified_until < now)
    )
    return free


def taken_by_others(user_id: str | None, **values: str) -> list[str]:
    """Which of the given unique fields another user (or a registration under way) holds (one
    BatchGetItem)."""
    keys = {_claim_key(field, value): field for field, value in values.items()}
    if not keys:
        return []
    now = clock.epoch()
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


def create(user: User, holder: str | None = None, unverified_until: int | None = None) -> User:
    """Write a new profile with its claims, all or nothing: claims `holder` reserved, or free ones;
    the email's held until `unverified_until` unless it is confirmed by then."""
    record = _to_record(user)
    claims = {field: getattr(user, field) for field in _CLAIMS}
    with _claiming(user.user_id, claims), Transaction() as transaction:
        transaction.save(record, condition=UserRecord.pk.does_not_exist())
        for field, value in claims.items():
            claim = ClaimRecord(pk=_claim_key(field, value), user_id=user.user_id)
            if field == "email":
                claim.unverified_until = unverified_until
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


def _pending_claim_kept(user: User, keep: str | None) -> Callable[[TransactWrite], None]:
    """Delete the claim of the user's pending email, unless it is `keep` or someone else's now
    (it lapsed and another account took it: read first, as a transaction cannot skip a write)."""
    pending = user.pending_email
    if pending is None or (keep is not None and pending.lower() == keep.lower()):
        return lambda transaction: None
    if owner_of("email", pending) != user.user_id:
        return lambda transaction: None
    stale = ClaimRecord(pk=_claim_key("email", pending), user_id=user.user_id)
    return lambda transaction: transaction.delete(stale, condition=ClaimRecord.user_id == user.user_id)


def pending_email_writes(before: User, email: str, until: int) -> Callable[[TransactWrite], None]:
    """The claim writes of making `email` the user's pending email, for the transaction that
    saves the profile with it (`replace_profile`'s `also`): the email's claim, held until `until`
    (epoch seconds) unless confirmed, taken if free or already the user's; and the previous
    pending email's claim let go."""
    let_go = _pending_claim_kept(before, keep=email)
    claim = ClaimRecord(pk=_claim_key("email", email), user_id=before.user_id, unverified_until=until)

    def write(transaction: TransactWrite) -> None:
        transaction.save(claim, condition=_claimable() | (ClaimRecord.user_id == before.user_id))
        let_go(transaction)

    return write


def lose_email(before: User, placeholder: str) -> User:
    """An account that never confirmed its email, which another account has taken since: its
    email becomes `placeholder` (claimed for it), and its pending email goes (claim let go)."""
    if before.email == placeholder and before.pending_email is None:
        return before
    after = replace(before, email=placeholder, email_verified=False, pending_email=None)
    record = _to_record(after)
    let_go = _pending_claim_kept(before, keep=None)
    claim = ClaimRecord(pk=_claim_key("email", placeholder), user_id=before.user_id)
    with _claiming(before.user_id, {"email": placeholder}), Transaction() as transaction:
        transaction.save(record)
        transaction.save(
            claim, condition=ClaimRecord.pk.does_not_exist() | (ClaimRecord.user_id == before.user_id)
        )
        let_go(transaction)
    return replace(after, version=record.version)


def drop_pending_email(before: User) -> User:
    """Forget the user's pending email, and its claim if still theirs."""
    after = replace(before, pending_email=None)
    record = _to_record(after)
    let_go = _pending_claim_kept(before, keep=None)
    with Transaction() as transaction:
        transaction.save(record)
        let_go(transaction)
    return replace(after, version=record.version)


def confirm_email(before: User) -> User:
    """The user confirmed the code sent to their pending email (which becomes their email) or,
    with none pending, to their email: in one transaction the profile, guarded by its version,
    the confirmed email's claim, held for good (422 if it lapsed and another account took it),
    and the old email's claim, let go."""
    confirmed = before.pending_email or before.email
    after = replace(before, email=confirmed, email_verified=True, pending_email=None)
    record = _to_record(after)
    held = ClaimRecord(pk=_claim_key("email", confirmed), user_id=before.user_id)
    with _claiming(before.user_id, {"email": confirmed}), Transaction() as transaction:
        transaction.save(record)
        transaction.save(held, condition=ClaimRecord.user_id == before.user_id)
        if confirmed.lower() != before.email.lower():
            stale = ClaimRecord(pk=_claim_key("email", before.email), user_id=before.user_id)
            transaction.delete(stale, condition=ClaimRecord.user_id == before.user_id)
    return replace(after, version=record.version)


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


def release_email_claim(user_id: str, email: str) -> None:
    """Let go of `email`'s claim if the user holds it and neither has it nor waits for it any
    more (an email change undone after its profile write)."""
    user = get(user_id)
    if user is not None and email.lower() in (user.email.lower(), (user.pending_email or "").lower()):
        return
    try:
        ClaimRecord(pk=_claim_key("email", email)).delete(condition=ClaimRecord.user_id == user_id)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
