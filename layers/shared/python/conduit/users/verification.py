"""Use cases: confirming an email with the code Cognito sent to it, and asking for a new code.

Cognito sends a code when an account is registered (to its email) and when an email change is
asked for (to the new email, which waits on the profile as `pendingEmail` while the old one
stays the sign-in and the contact). Confirming it marks the profile's email verified, or makes
the pending email the email: the email's uniqueness claim is then held for good, the old
email's let go, and every other session of the account ends.

Cognito checks the code; `conduit.users.codes` voids it after `codes.MAX_TRIES` wrong tries and
sends at most one new code a minute. A refused code is looked at once more before it counts:
when Cognito already has the email verified, an earlier try (whose answer was lost) used it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conduit import clock
from conduit.errors import TooManyRequests, Unauthorized, ValidationFailed
from conduit.observability import logger
from conduit.users import codes, identity, sessions, store
from conduit.users.store import TAKEN, User

#: How long an email nobody has confirmed blocks everyone else from it (docs/api.md).
UNCONFIRMED_HOLD_SECONDS = 24 * 60 * 60
INVALID_CODE = "is invalid or expired"


def hold_until() -> int:
    """Until when an email set now, and not confirmed, is held (epoch seconds)."""
    return int(clock.epoch()) + UNCONFIRMED_HOLD_SECONDS


def _current(user_id: str) -> User:
    user = store.get(user_id)
    if user is None:  # a valid token for a user that no longer exists
        raise Unauthorized("belongs to no user")
    return user


def _awaited(user: User) -> str | None:
    """The email a code is waiting for: the pending one, else the email if unconfirmed."""
    if user.pending_email is not None:
        return user.pending_email
    return None if user.email_verified else user.email


def _cognito_confirmed(user_id: str, email: str) -> bool:
    """Whether Cognito has `email` as the user's email, verified: a code was used for it."""
    found = identity.email_of(user_id)
    return found is not None and found[0].lower() == email.lower() and found[1]


def confirm_email(user_id: str, token: str, claims: Mapping[str, Any], code: str) -> User:
    """Confirm the email a code was sent to with that code; 422 `code` if it is wrong, expired
    or void. A new email ends every session but the caller's."""
    user = _current(user_id)
    awaited = _awaited(user)
    if awaited is None:  # nothing waits for a code: confirmed already (a repeat, say)
        return user
    if store.owner_of("email", awaited) != user_id:
        # not confirmed in time, and another account has registered it since
        if user.pending_email is not None:
            store.drop_pending_email(user)
        raise ValidationFailed({"email": [TAKEN]})
    key = codes.verification(user_id)
    if codes.void(key):
        raise ValidationFailed.on("code", INVALID_CODE)
    try:
        identity.confirm_email_code(token, code)
    except identity.CodeRefused:
        if not _cognito_confirmed(user_id, awaited):
            codes.wrong_try(key)
            raise ValidationFailed.on("code", INVALID_CODE) from None
    except identity.EmailInUse:
        raise ValidationFailed({"email": [TAKEN]}) from None
    confirmed = store.confirm_email(user)
    codes.used(key)
    if confirmed.email != user.email:
        # the sign-in changed: a session started with the old one must sign in again
        sessions.end_all(user_id, keep=claims)
        logger.info("email changed", extra={"user_id": user_id})
    else:
        logger.info("email confirmed", extra={"user_id": user_id})
    return confirmed


def send_code(user_id: str, token: str) -> None:
    """Have Cognito send a new code to the email waiting for one (at most once a minute: 429)."""
    user = _current(user_id)
    if _awaited(user) is None:
        raise ValidationFailed.on("email", "has already been confirmed")
    wait = codes.sending(codes.verification(user_id), lambda: identity.send_email_code(token))
    if wait:
        raise TooManyRequests("code", "was sent less than a minute ago", wait)


def code_sent(user_id: str) -> None:
    """Cognito sent a code just now (a registration, an email change): the minute starts, and
    the code has had no wrong tries."""
    codes.sent(codes.verification(user_id))


# --- no squatting ---------------------------------------------------------------------------

#: Where an account that lost its unconfirmed email to another is left: an address nobody can
#: receive mail at (RFC 2606), one per account.
PLACEHOLDER_DOMAIN = "unconfirmed.invalid"


def placeholder_email(user_id: str) -> str:
    return f"{user_id}@{PLACEHOLDER_DOMAIN}"


def evict_unconfirmed(holder: User, email: str, claimant: str) -> bool:
    """Take `email` from the account `holder` if it never confirmed it and its hold lapsed, so
    that `claimant` (a registration, or an account changing its email) holds its claim now.
    The holder's email becomes a placeholder in the profile and in Cognito, and its sessions
    end (docs/api.md, "No squatting"). False if `holder` keeps it."""
    placeholder = placeholder_email(holder.user_id)
    # a placeholder already: an earlier try got this far before it failed
    losing = holder.email.lower() == email.lower() or holder.email == placeholder
    if not losing or holder.email_verified or store.owner_of("email", email) != claimant:
        return False
    store.lose_email(holder, placeholder)
    identity.set_email(holder.user_id, placeholder)  # at once: the address is free in Cognito
    sessions.end_all(holder.user_id)
    logger.info("an unconfirmed account lost its email", extra={"user_id": holder.user_id})
    return True


def request_in_cognito(user_id: str, email: str) -> None:
    """Ask Cognito for the user's new email (it keeps the old until the code it sends to the
    new one is confirmed). The caller holds the email's claim, so a Cognito user found holding
    it is a failed registration's (no profile: deleted), an account that lost it by not
    confirming it (`evict_unconfirmed`), or this user (a repeat); any other keeps it: 422."""
    try:
        identity.request_email(user_id, email)
        return
    except identity.EmailInUse:
        holder = identity.holder_of(email)
    if holder == user_id:
        return
    account = store.get(holder) if holder is not None else None
    if holder is not None and account is None:
        logger.info("deleting a cognito user without a profile", extra={"user_id": holder})
        identity.delete_user(holder)
    elif account is not None and not evict_unconfirmed(account, email, claimant=user_id):
        raise ValidationFailed({"email": [TAKEN]})
    identity.request_email(user_id, email)
