"""Use cases: a forgotten password, reset with a code Cognito emails.

Asking for a code answers the same whatever the address (known and confirmed, known and not,
unknown): the same two calls are made for each, a DynamoDB write and Cognito's ForgotPassword,
which the app client keeps from telling users apart, and which mails a code to a confirmed
address only. At most one code a minute goes to an address; asking again within the minute is
answered alike and sends nothing. The code is Cognito's (valid an hour); `conduit.users.codes`
voids it after `codes.MAX_TRIES` wrong tries.

A reset sets the password, ends every session of the account (Cognito's refresh tokens, and every
token issued: `conduit.users.sessions`) and answers with a fresh sign-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from conduit import limits
from conduit.errors import Unauthorized, ValidationFailed
from conduit.observability import logger
from conduit.users import codes, identity, sessions, store
from conduit.users.store import User
from conduit.users.verification import INVALID_CODE


@dataclass(frozen=True)
class Reset:
    """The account whose password was reset, and the one session it has now."""

    user: User
    session: identity.Session


def forgot(email: str) -> None:
    """Have a reset code emailed to `email` if it is an account's confirmed email: at most
    `password_resets` asks per address (a 429 whatever the address, so it tells nothing)."""
    limits.count("password_resets", limits.address_subject(email), str(uuid.uuid4()))
    # a code went out less than a minute ago: nothing is sent, and nothing said differently
    codes.sending(codes.reset(email), lambda: identity.forgot_password(email))


def _set_by_earlier_try(email: str, password: str) -> bool:
    """Whether the account already has `password`: botocore sent the reset twice and the first,
    whose answer was lost, used the code up."""
    try:
        identity.sign_in(email, password)
    except Unauthorized:
        return False
    return True


def reset(email: str, code: str, password: str) -> Reset:
    """Set a new password with the code sent to `email`; 422 `code` if it is wrong, expired or
    void. Every earlier session ends; the answer's is the only one."""
    key = codes.reset(email)
    if codes.void(key):
        raise ValidationFailed.on("code", INVALID_CODE)
    try:
        identity.reset_password(email, code, password)
    except identity.CodeRefused as refused:
        if not (refused.retried and _set_by_earlier_try(email, password)):
            codes.wrong_try(key)
            raise ValidationFailed.on("code", INVALID_CODE) from None
    user_id = identity.holder_of(email)
    user = store.get(user_id) if user_id is not None else None
    if user_id is None or user is None:  # a Cognito user without an account: nothing to reset
        raise ValidationFailed.on("code", INVALID_CODE)
    identity.sign_out_everywhere(user_id)  # Cognito's refresh tokens
    session = identity.sign_in(email, password)
    sessions.end_all(user_id, keep=session.claims)
    codes.used(key)
    logger.info("password reset", extra={"user_id": user_id})
    return Reset(user, session)
