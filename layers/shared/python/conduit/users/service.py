"""Use cases for users: registration, sign-in, reading and changing the current user.

A user lives in two stores, Cognito and DynamoDB, which share no transaction. Each use case
orders its steps so the store that enforces uniqueness (DynamoDB's claims) decides first, makes
every step safe to repeat (botocore repeats a call whose reply was lost), and undoes what it
has done if a later step fails (`_Undo`), so a failed request leaves nothing behind, or, if an
undo fails too, something the next request adopts (docs/architecture.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from conduit import retries
from conduit.errors import ServiceUnavailable, Unauthorized, ValidationFailed
from conduit.listings import pending as mine
from conduit.observability import logger, metrics
from conduit.resources import COMPENSATION_FAILED_METRIC
from conduit.routes import ROUTES_BY_NAME
from conduit.users import identity, store
from conduit.users.store import TAKEN, User

if TYPE_CHECKING:  # only types: the views parse the bodies
    from conduit.users.models import LoginUser, NewUser, UserChanges

#: How long a registration holds its username and email before they are free again: longer
#: than any registration can run, so a live one is never overtaken.
REGISTRATION_LEASE_SECONDS = 2 * ROUTES_BY_NAME["RegisterUser"].timeout_seconds


@dataclass(frozen=True)
class SignedInUser:
    user: User
    token: str


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Undo:
    """What a use case did so far, undone in reverse order if it fails, with the retry budget's
    reserve. An undo that still fails is logged as `compensation failed` with what repair needs;
    the others still run."""

    _steps: list[tuple[str, Callable[[], object], dict[str, Any]]] = field(default_factory=list)

    def add(self, what: str, undo: Callable[[], object], **repair: Any) -> None:
        self._steps.append((what, undo, repair))

    def __enter__(self) -> _Undo:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            return
        with retries.compensating():
            for what, undo, repair in reversed(self._steps):
                try:
                    undo()
                except Exception:  # the original error is what the client hears about
                    logger.exception("compensation failed", extra={"undo": what, "repair": repair})
                    metrics.add_metric(name=COMPENSATION_FAILED_METRIC, unit="Count", value=1)


def _identity_for(email: str) -> str:
    """A Cognito user for a registration holding `email`'s claim: a new one, or the one Cognito
    already has for it when that one has no profile. Holding the claim, no other registration or
    email change can be making it: it is this registration's own, created by a call whose reply
    was lost, or one a failed registration could not delete, which this one adopts."""
    created = identity.create_user(email)
    if created is not None:
        return created
    holder = identity.holder_of(email)
    if holder is None:  # deleted in between: another request is repairing it
        raise ServiceUnavailable()
    if store.get(holder) is not None:  # an account whose new email Cognito has not taken yet
        raise ValidationFailed({"email": [TAKEN]})
    logger.info("adopting a cognito user without a profile", extra={"user_id": holder})
    return holder


def _delete_identity(user_id: str) -> None:
    """Undo a registration's Cognito user, unless its profile could not be undone: a profile
    never outlives its identity (a whole account is kept; a Cognito user without a profile is
    adopted by the next registration of its email)."""
    if store.get(user_id) is None:
        identity.delete_user(user_id)


def register(new: NewUser) -> SignedInUser:
    taken = store.taken_by_others(None, username=new.username, email=new.email)
    if taken:
        raise ValidationFailed({field: [TAKEN] for field in taken})
    holder = f"pending#{uuid.uuid4()}"
    with _Undo() as undo:
        store.reserve(new.username, new.email, holder, int(time.time()) + REGISTRATION_LEASE_SECONDS)
        undo.add(
            "release the claims",
            lambda: store.discard(new.username, new.email, holder, None),
            username=new.username,
            email=new.email,
        )
        user_id = _identity_for(new.email)
        undo.add("delete the cognito user", lambda: _delete_identity(user_id), cognito_user=user_id)
        identity.set_password(user_id, new.password)
        # Added before the write, whose reply may be lost after it was applied.
        undo.add(
            "delete the profile and its claims",
            lambda: store.discard(new.username, new.email, holder, user_id),
            user_id=user_id,
            username=new.username,
            email=new.email,
        )
        now = _now()
        user = store.create(
            User(user_id, new.username, new.email, bio=None, image=None, created_at=now, updated_at=now),
            holder=holder,
        )
        _, token = identity.sign_in(new.email, new.password)
    logger.info("user registered", extra={"user_id": user_id})
    return SignedInUser(user, token)


def token_for(new: NewUser) -> str:
    """A fresh token for a registration answered again (an Idempotency-Key repeat)."""
    return identity.sign_in(new.email, new.password)[1]


def login(credentials: LoginUser) -> SignedInUser:
    user_id, token = identity.sign_in(credentials.email, credentials.password)
    user = store.get(user_id)
    if user is None:
        raise Unauthorized.invalid_credentials()
    return SignedInUser(user, token)


def current(user_id: str) -> User:
    user = store.get(user_id)
    if user is None:  # a valid token for a user that no longer exists
        raise Unauthorized("belongs to no user")
    return user


def _move_email(user_id: str, email: str, claimed: bool = True) -> None:
    """Give the user `email` in Cognito. A Cognito user already known by it may be this user (a
    call whose reply was lost: done). When the caller holds the email's claim in DynamoDB
    (`claimed`), another one without a profile is what a failed registration left, and goes;
    any other is changing its email away and still has it: taken."""
    try:
        identity.set_email(user_id, email)
    except identity.EmailInUse:
        holder = identity.holder_of(email)
        if holder == user_id:
            return
        if not claimed or (holder is not None and store.get(holder) is not None):
            raise ValidationFailed({"email": [TAKEN]}) from None
        if holder is not None:
            logger.info("deleting a cognito user without a profile", extra={"user_id": holder})
            identity.delete_user(holder)
        identity.set_email(user_id, email)


def _restore_profile(before: User, wanted: User) -> None:
    """Put the profile back as `before` if this request changed it (to `wanted`)."""
    current = store.get(before.user_id)
    ours = (
        current is not None
        and current.version == (before.version or 0) + 1
        and (current.username, current.email) == (wanted.username, wanted.email)
    )
    if current is not None and ours:
        store.replace_profile(current, replace(before, version=current.version))


def update(user_id: str, changes: UserChanges) -> User:
    sent = changes.sent
    if not sent:
        raise ValidationFailed.on("user", "must change at least one field")
    before = current(user_id)
    after = replace(
        before,
        username=changes.username or before.username,
        email=changes.email or before.email,
        bio=changes.bio if "bio" in sent else before.bio,
        image=changes.image if "image" in sent else before.image,
    )
    unique = {
        f: getattr(after, f)
        for f in ("username", "email")
        if getattr(after, f).lower() != getattr(before, f).lower()
    }
    taken = store.taken_by_others(user_id, **unique)
    if taken:
        raise ValidationFailed({field: [TAKEN] for field in taken})

    if after != before:
        after = replace(after, updated_at=_now())
    with _Undo() as undo:
        if after != before:
            wanted = after
            undo.add("restore the profile", lambda: _restore_profile(before, wanted), user_id=user_id)
            card_changed = store.card_of(after) != store.card_of(before)
            after = store.replace_profile(
                before,
                after,
                # their reads show the new card until the worker has copied it everywhere
                also=lambda transaction, saved: (
                    mine.stage_profile(transaction, store.card_of(saved)) if card_changed else None
                ),
            )
        if after.email != before.email:
            undo.add(
                "restore the email in cognito",
                # the old email's claim is not held now: never remove a Cognito user for it
                lambda: _move_email(user_id, before.email, claimed=False),
                user_id=user_id,
                email=before.email,
            )
            _move_email(user_id, after.email)
        if changes.password is not None:
            identity.set_password(user_id, changes.password)
    return after
