"""Use cases for users: registration, sign-in, reading and changing the current user.

A user lives in two stores, Cognito and DynamoDB, which share no transaction. Each use case
orders its steps so the store that enforces uniqueness (DynamoDB's claims) decides first, makes
every step safe to repeat (botocore repeats a call whose reply was lost), and undoes what it
has done if a later step fails (`_Undo`), so a failed request leaves nothing behind, or, if an
undo fails too, something the next request adopts (docs/architecture.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from conduit import clock, retries
from conduit.errors import ServiceUnavailable, Unauthorized, ValidationFailed
from conduit.listings import pending as mine
from conduit.observability import logger, metrics
from conduit.resources import COMPENSATION_FAILED_METRIC
from conduit.routes import ROUTES_BY_NAME
from conduit.users import identity, sessions, store, verification
from conduit.users.store import TAKEN, User
from conduit.validation import BLANK

if TYPE_CHECKING:  # only types: the views parse the bodies
    from pynamodb.transactions import TransactWrite

    from conduit.users.models import LoginUser, NewUser, UserChanges

#: How long a registration holds its username and email before they are free again: longer
#: than any registration can run, so a live one is never overtaken.
REGISTRATION_LEASE_SECONDS = 2 * ROUTES_BY_NAME["RegisterUser"].timeout_seconds


@dataclass(frozen=True)
class SignedInUser:
    user: User
    session: identity.Session

    @property
    def token(self) -> str:
        return self.session.access_token


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


def _identity_for(email: str, claimant: str) -> str:
    """A Cognito user for a registration holding `email`'s claim (as `claimant`): a new one, or
    the one Cognito already has for it when that one has no profile. Holding the claim, no other
    registration or email change can be making it: it is this registration's own, created by a
    call whose reply was lost, or one a failed registration could not delete, which this one
    adopts. An account that never confirmed the email in time loses it (no squatting)."""
    created = identity.create_user(email)
    if created is not None:
        return created
    holder = identity.holder_of(email)
    if holder is None:  # deleted in between: another request is repairing it
        raise ServiceUnavailable()
    account = store.get(holder)
    if account is not None:
        if not verification.evict_unconfirmed(account, email, claimant):
            # an account whose new email Cognito has not taken yet
            raise ValidationFailed({"email": [TAKEN]})
        created = identity.create_user(email)
        if created is None:
            raise ServiceUnavailable()
        return created
    if store.deleting(holder):  # a deleted account's, never adopted: its deletion would follow
        identity.delete_user(holder)
        created = identity.create_user(email)
        if created is None:
            raise ServiceUnavailable()
        return created
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
        store.reserve(new.username, new.email, holder, int(clock.epoch()) + REGISTRATION_LEASE_SECONDS)
        undo.add(
            "release the claims",
            lambda: store.discard(new.username, new.email, holder, None),
            username=new.username,
            email=new.email,
        )
        user_id = _identity_for(new.email, holder)
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
            User(
                user_id,
                new.username,
                new.email,
                bio=None,
                image=None,
                created_at=now,
                updated_at=now,
                email_verified=False,
            ),
            holder=holder,
            unverified_until=verification.hold_until(),
        )
        session = identity.sign_in(new.email, new.password)
    logger.info("user registered", extra={"user_id": user_id})
    _send_first_code(user_id, session)
    return SignedInUser(user, session)


def _send_first_code(user_id: str, session: identity.Session) -> None:
    """Have Cognito email the new account a code for its address. The account exists whatever
    happens here: a code that could not be sent is asked for again (`POST /api/user/email/resend`)."""
    try:
        identity.send_email_code(session.access_token)
        verification.code_sent(user_id)
    except Exception:
        logger.warning("no verification code sent at registration", extra={"user_id": user_id}, exc_info=True)


def session_for(new: NewUser) -> identity.Session:
    """Fresh tokens for a registration answered again (an Idempotency-Key repeat)."""
    return identity.sign_in(new.email, new.password)


def login(credentials: LoginUser) -> SignedInUser:
    session = identity.sign_in(credentials.email, credentials.password)
    user = store.get(session.user_id)
    if user is None:
        raise Unauthorized.invalid_credentials()
    sessions.admit(user.user_id, session.claims)
    return SignedInUser(user, session)


def refresh(refresh_token: str) -> SignedInUser:
    """A fresh access token for a refresh token, unless its session has ended (a logout, a
    sign-out everywhere, a new password, a deleted account: read now, not as cached)."""
    session = identity.refresh(refresh_token)
    try:
        sessions.check(session.user_id, session.claims, fresh=True)
    except Unauthorized:
        raise Unauthorized("is invalid or expired", field="refreshToken") from None
    user = store.get(session.user_id)
    if user is None:
        raise Unauthorized("is invalid or expired", field="refreshToken")
    return SignedInUser(user, session)


def logout(user_id: str, claims: Mapping[str, Any]) -> None:
    """End the caller's session: the token it carried and every token refreshed from it."""
    sessions.end_session(user_id, claims)


def sign_out_everywhere(user_id: str) -> None:
    """End every session of the caller: Cognito's refresh tokens, then every token issued."""
    identity.sign_out_everywhere(user_id)
    sessions.end_all(user_id)


def current(user_id: str) -> User:
    user = store.get(user_id)
    if user is None:  # a valid token for a user that no longer exists
        raise Unauthorized("belongs to no user")
    return user


def _new_email(before: User, email: str | None) -> str | None:
    """The email a change asks for, if it is news: not the email (a settings form sends it
    unchanged), nor the one already waiting for its code (a repeat)."""
    if email is None or email.lower() in (before.email.lower(), (before.pending_email or "").lower()):
        return None
    return email


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


@dataclass(frozen=True)
class Changed:
    """A changed user, and the new session that replaced every other one when the password
    changed (its token is the answer's; the caller's is no longer valid)."""

    user: User
    session: identity.Session | None = None


def _reauthenticate(user: User, changes: UserChanges) -> identity.Session | None:
    """Check `currentPassword` before an email or password change: a stolen token alone must
    not take the account over. A wrong one counts toward Cognito's lockout. Returns a session
    signed in with the new password when that is what the account has already: a repeat of
    this request whose first answer was lost (its `currentPassword` is the old one)."""
    if changes.currentPassword is None:
        raise ValidationFailed.on("currentPassword", BLANK)
    try:
        identity.sign_in(user.email, changes.currentPassword)
        return None
    except Unauthorized:
        pass
    if changes.password is not None:
        try:
            return identity.sign_in(user.email, changes.password)
        except Unauthorized:
            pass
    raise ValidationFailed.on("currentPassword", "is invalid")


def _new_password(user: User, changes: UserChanges, signed_in: identity.Session | None) -> identity.Session:
    """Set the new password and end every session but a fresh one, whose token is the answer."""
    assert changes.password is not None
    if signed_in is None:  # not already done by a first attempt
        identity.set_password(user.user_id, changes.password)
    identity.sign_out_everywhere(user.user_id)  # Cognito's refresh tokens
    session = identity.sign_in(user.email, changes.password)
    sessions.end_all(user.user_id, keep=session.claims)
    logger.info("password changed", extra={"user_id": user.user_id})
    return session


def update(user_id: str, changes: UserChanges) -> Changed:
    sent = changes.sent - {"currentPassword"}
    if not sent:
        raise ValidationFailed.on("user", "must change at least one field")
    before = current(user_id)
    new_email = _new_email(before, changes.email)
    after = replace(
        before,
        username=changes.username or before.username,
        # a new email waits for its code; the email stays the sign-in and the contact until then
        pending_email=new_email or before.pending_email,
        bio=changes.bio if "bio" in sent else before.bio,
        image=changes.image if "image" in sent else before.image,
    )
    signed_in = None
    if new_email is not None or changes.password is not None:
        signed_in = _reauthenticate(before, changes)
    unique = {"username": after.username} if after.username.lower() != before.username.lower() else {}
    if new_email is not None:
        unique["email"] = new_email
    taken = store.taken_by_others(user_id, **unique)
    if taken:
        raise ValidationFailed({field: [TAKEN] for field in taken})

    if after != before:
        after = replace(after, updated_at=_now())
    session = None
    with _Undo() as undo:
        if after != before:
            wanted = after
            if new_email is not None:  # undone last: once the profile no longer waits for it
                undo.add(
                    "release the new email's claim",
                    lambda: store.release_email_claim(user_id, new_email),
                    user_id=user_id,
                    email=new_email,
                )
            undo.add("restore the profile", lambda: _restore_profile(before, wanted), user_id=user_id)
            card_changed = store.card_of(after) != store.card_of(before)
            hold = (
                store.pending_email_writes(before, new_email, verification.hold_until())
                if new_email is not None
                else None
            )

            def also(transaction: TransactWrite, saved: User) -> None:
                if card_changed:  # their reads show the new card until the worker has copied it
                    mine.stage_profile(transaction, store.card_of(saved))
                if hold is not None:  # the new email's claim, held until it is confirmed
                    hold(transaction)

            after = store.replace_profile(before, after, also=also)
        if new_email is not None:
            undo.add(
                "restore the email in cognito",
                lambda: identity.set_email(user_id, before.email, verified=before.email_verified),
                user_id=user_id,
                email=before.email,
            )
            verification.request_in_cognito(user_id, new_email)
            verification.code_sent(user_id)
        if changes.password is not None:
            session = _new_password(after, changes, signed_in)
    return Changed(after, session)
