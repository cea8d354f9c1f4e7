"""Use cases for users: registration, sign-in, reading and changing the current user.

A user lives in two stores, Cognito and DynamoDB, which share no transaction. Each use case
orders its steps so the store that enforces uniqueness decides first, and undoes what it has
already done if a later step fails, so a failed request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conduit.errors import Unauthorized, ValidationFailed
from conduit.observability import logger
from conduit.users import identity, store
from conduit.users.store import TAKEN, User

if TYPE_CHECKING:  # request models load pydantic: their functions import them at first use
    from conduit.users.models import LoginUser, NewUser, UserChanges


@dataclass(frozen=True)
class SignedInUser:
    user: User
    token: str


def _now() -> datetime:
    return datetime.now(UTC)


def _undo_on_failure(stack: ExitStack, undo: Callable[[], object], what: str) -> None:
    def callback(exc_type: type[BaseException] | None, *_: object) -> bool:
        if exc_type is not None:
            try:
                undo()
            except Exception:  # the original error matters more; the orphan is logged for repair
                logger.exception("compensation failed", extra={"undo": what})
        return False

    stack.push(callback)


def register(new: NewUser) -> SignedInUser:
    taken = store.taken_by_others(None, username=new.username, email=new.email)
    if taken:
        raise ValidationFailed({field: [TAKEN] for field in taken})
    with ExitStack() as stack:
        user_id = identity.create_user(new.email, new.password)
        _undo_on_failure(stack, lambda: identity.delete_user(user_id), "delete cognito user")
        now = _now()
        user = store.create(
            User(user_id, new.username, new.email, bio=None, image=None, created_at=now, updated_at=now)
        )
        _undo_on_failure(stack, lambda: store.delete(user), "delete profile")
        _, token = identity.sign_in(new.email, new.password)
        stack.pop_all()
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


def update(user_id: str, changes: UserChanges) -> User:
    sent = changes.sent()
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
    with ExitStack() as stack:
        if after != before:
            saved = store.replace_profile(before, after)
            _undo_on_failure(
                stack,
                lambda: store.replace_profile(saved, replace(before, version=saved.version)),
                "restore profile",
            )
            after = saved
        if after.email != before.email:
            identity.set_email(user_id, after.email)
            _undo_on_failure(stack, lambda: identity.set_email(user_id, before.email), "restore email")
        if changes.password is not None:
            identity.set_password(user_id, changes.password)
        stack.pop_all()
    return after
