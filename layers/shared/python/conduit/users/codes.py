"""What this API adds to Cognito's codes: how often one may be sent, and how many wrong tries
void it (Cognito only slows a guesser down for a while, and says nothing of how long).

One small item per code in the users table: `VERIFY#<sub>` for a user's email verification
code, `RESET#<sha256 of the address>` for a password reset code (the address is hashed: the
item is written for every address asked about, known or not, and keeps none of them). Each holds
when the last code was sent (`sentAt`), the wrong tries since (`tries`), and `expires`, after
which DynamoDB deletes it (a day: no code lives longer).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from conduit import clock, retries
from conduit.observability import logger
from conduit.resources import USERS
from conduit.storage import Record, table_meta

#: A new code is sent at most once in this many seconds, per user or per address.
RESEND_SECONDS = 60
#: Wrong tries after which a code is void (a new one must be asked for).
MAX_TRIES = 5
#: How long a record is kept: the longest a code lives (Cognito's verification codes).
KEEP_SECONDS = 24 * 60 * 60


class CodeRecord(Record):
    Meta = table_meta(USERS)

    pk = UnicodeAttribute(hash_key=True)
    sent_at = NumberAttribute(attr_name="sentAt", default=0)
    tries = NumberAttribute(default=0)
    expires = NumberAttribute(null=True)


def verification(user_id: str) -> str:
    """The key of a user's email verification code."""
    return "VERIFY#" + user_id


def reset(email: str) -> str:
    """The key of an address's password reset code."""
    return "RESET#" + hashlib.sha256(email.lower().encode()).hexdigest()


def start(key: str) -> int:
    """Record that a code is about to be sent, unless one was sent less than `RESEND_SECONDS`
    ago: 0 if it may be sent, else the seconds to wait (one conditional write)."""
    now = int(clock.epoch())
    record = CodeRecord(pk=key)
    try:
        record.update(
            actions=[CodeRecord.sent_at.set(now), CodeRecord.expires.set(now + KEEP_SECONDS)],
            condition=CodeRecord.pk.does_not_exist() | (CodeRecord.sent_at <= now - RESEND_SECONDS),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return wait(key)
    return 0


def wait(key: str) -> int:
    """Seconds until a new code may be sent (at least 1 when one was sent within the window)."""
    try:
        sent_at = int(CodeRecord.get(key, consistent_read=True).sent_at or 0)
    except CodeRecord.DoesNotExist:
        return 0
    left = sent_at + RESEND_SECONDS - clock.epoch()
    return max(1, math.ceil(left)) if left > 0 else 0


def unsent(key: str) -> None:
    """Undo `start` for a code that could not be sent, so asking again at once is not refused."""
    CodeRecord(pk=key).update(actions=[CodeRecord.sent_at.set(0)])


def sending(key: str, send: Callable[[], object]) -> int:
    """`send` a new code unless one went out less than `RESEND_SECONDS` ago: 0 once sent, else
    the seconds to wait. A send that fails gives its minute back (`unsent`), then raises."""
    wait = start(key)
    if wait:
        return wait
    try:
        send()
    except Exception:
        with retries.compensating():
            try:
                unsent(key)
            except Exception:  # the send's failure is what the client hears about
                logger.exception("could not give a code's minute back", extra={"code": key})
        raise
    sent(key)
    return 0


def sent(key: str) -> None:
    """A new code went out: it has had no wrong tries (the old one's are void with it)."""
    now = int(clock.epoch())
    CodeRecord(pk=key).update(
        actions=[
            CodeRecord.tries.set(0),
            CodeRecord.sent_at.set(now),
            CodeRecord.expires.set(now + KEEP_SECONDS),
        ]
    )


def void(key: str) -> bool:
    """Whether the code in force has had `MAX_TRIES` wrong tries."""
    try:
        return int(CodeRecord.get(key, consistent_read=True).tries or 0) >= MAX_TRIES
    except CodeRecord.DoesNotExist:
        return False


def wrong_try(key: str) -> None:
    """Count one wrong try of the code in force."""
    now = int(clock.epoch())
    CodeRecord(pk=key).update(actions=[CodeRecord.tries.add(1), CodeRecord.expires.set(now + KEEP_SECONDS)])


def used(key: str) -> None:
    """The code did its work: forget its record."""
    CodeRecord(pk=key).delete()
