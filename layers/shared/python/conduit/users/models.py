"""Request bodies for users and their limits (documented in docs/api.md).

Strict types: a number where a string belongs is a 422, not silently coerced. Usernames and
emails are trimmed; passwords are taken exactly as sent. Declared with `conduit.validation`,
which also turns them into the OpenAPI document's request schemas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from conduit.resources import USER_POOL
from conduit.text import invisible_positions
from conduit.validation import (
    DROP_INVISIBLE,
    EMPTY_IS_NULL,
    LOWER,
    MULTILINE,
    NFC,
    PLAIN,
    STRIP,
    VISIBLE,
    Invalid,
    Shape,
    Step,
    Text,
    change,
    check,
    length,
    matches,
    nullable,
    required,
    sent_fields,
)

USERNAME_MAX = 32
EMAIL_MAX = 254  # RFC 5321
BIO_MAX = 1000
IMAGE_URL_MAX = 2048
_PASSWORD = USER_POOL.password_policy


def _not_blank(value: str) -> str:
    if not value.strip():
        raise Invalid("can't be blank")
    return value


def _no_edge_spaces(value: str) -> str:
    if value != value.strip():  # Cognito refuses leading or trailing spaces
        raise Invalid("can't start or end with a space")
    return value


#: What an image URL may not contain, even where a browser would encode it: a frontend may put
#: the value into an attribute unescaped (RealWorld issue 525: `https://x/a.jpg"onerror="...`).
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`]")


#: `_web_url` for the JSON Schema ("" too: it clears the image); the port and the invisible
#: characters are checked by the code alone.
WEB_URL_PATTERN = "^(?:$|[Hh][Tt][Tt][Pp][Ss]?://[^\\s\"'<>\\\\`/?#]+[^\\s\"'<>\\\\`]*$)"


def _web_url(value: str) -> str:
    """An absolute http(s) URL with a host, and nothing a careless frontend could be tricked by."""
    if _URL_UNSAFE.search(value) or invisible_positions(value):
        raise Invalid("can't contain spaces, quotes, angle brackets, backslashes or invisible characters")
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise Invalid("must be an http(s) URL") from None
    if url.scheme.lower() not in ("http", "https") or not url.hostname:
        raise Invalid("must be an http(s) URL")
    return value


USERNAME = Text(
    STRIP,
    NFC,
    length(1, USERNAME_MAX),
    # its own message first; the pattern below already keeps them out of the schema, and one
    # pattern lets a schema-driven client (schemathesis) generate usernames at all
    Step(VISIBLE.run),
    matches(r"^[A-Za-z0-9_.-]+$", "can only contain letters, digits, '_', '-' and '.'"),
    description="Trimmed, NFC-normalised; unique, compared case-insensitively, shown as registered.",
)
EMAIL = Text(
    STRIP,
    NFC,
    length(1, EMAIL_MAX),
    PLAIN,
    matches(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "is invalid"),
    LOWER,
    description="Trimmed, NFC-normalised and lower-cased; unique.",
)
PASSWORD = Text(
    PLAIN,
    check(_not_blank),
    length(_PASSWORD.min_length, _PASSWORD.max_length),
    check(_no_edge_spaces),
    description="Never trimmed, never returned; no leading or trailing space.",
)
BIO = Text(
    DROP_INVISIBLE,
    length(maximum=BIO_MAX),
    MULTILINE,
    description="Line breaks and tabs allowed, invisible characters dropped; null clears it.",
)
IMAGE = Text(
    STRIP,
    length(maximum=IMAGE_URL_MAX),
    EMPTY_IS_NULL,
    PLAIN,
    Step(_web_url, {"pattern": WEB_URL_PATTERN}),
    description="An absolute http(s) URL with a host, without spaces, quotes, angle brackets, "
    'backslashes, control or invisible characters; null or "" clears it.',
)


@dataclass(frozen=True)
class NewUser:
    username: str = required(USERNAME)
    email: str = required(EMAIL)
    password: str = required(PASSWORD)


@dataclass(frozen=True)
class LoginUser:
    email: str = required(EMAIL)
    password: str = required(Text(length(1, _PASSWORD.max_length), PLAIN))


#: A settings form sends the password field empty when it is not being changed.
NEW_PASSWORD = Text(
    EMPTY_IS_NULL, *PASSWORD.steps, description='Never trimmed, never returned; "" leaves it as it is.'
)
CURRENT_PASSWORD = Text(
    length(1, _PASSWORD.max_length),
    PLAIN,
    description="The password now: needed to change `email` or `password`; a wrong one counts "
    "toward the account's lockout.",
)


@dataclass(frozen=True)
class UserChanges:
    """Every field optional, but at least one must be sent; `bio`/`image` may be null to clear.
    A field equal to its current value changes nothing; `email` and `password` changes need
    `currentPassword`."""

    username: str | None = change(USERNAME)
    email: str | None = change(EMAIL)
    password: str | None = change(NEW_PASSWORD)
    bio: str | None = nullable(BIO)
    image: str | None = nullable(IMAGE)
    currentPassword: str | None = change(CURRENT_PASSWORD)  # noqa: N815 - the field as sent
    sent: frozenset[str] = sent_fields()


@dataclass(frozen=True)
class RefreshRequest:
    refreshToken: str = required(Text(length(1, 8192), PLAIN))  # noqa: N815 - the field as sent


NEW_USER = Shape("user", NewUser)
LOGIN_USER = Shape("user", LoginUser)
USER_CHANGES = Shape("user", UserChanges)
REFRESH_REQUEST = Shape("user", RefreshRequest)


@dataclass(frozen=True)
class AccountDeletion:
    """`DELETE /api/user`: the password, as a sign-in takes it."""

    password: str = required(CURRENT_PASSWORD)


ACCOUNT_DELETION = Shape("user", AccountDeletion)


#: A code Cognito emails: six digits (a blank one reads "can't be blank"; any other is the
#: same "is invalid or expired" a wrong one gets).
CODE = Text(
    STRIP,
    length(1, 64),
    matches(r"^[0-9]{6}$", "is invalid or expired"),
    description="The 6-digit code from the email; valid 24 hours to confirm an email, 1 hour to "
    "reset a password, and void after 5 wrong tries.",
)


@dataclass(frozen=True)
class EmailConfirmation:
    """`POST /api/user/email/confirm`: the code sent to the email being confirmed."""

    code: str = required(CODE)


@dataclass(frozen=True)
class PasswordForgotten:
    """`POST /api/users/password/forgot`: the address to send a reset code to."""

    email: str = required(EMAIL)


@dataclass(frozen=True)
class PasswordReset:
    """`POST /api/users/password/reset`: the address, the code sent to it and the new password
    (the registration's rules)."""

    email: str = required(EMAIL)
    code: str = required(CODE)
    password: str = required(PASSWORD)


EMAIL_CONFIRMATION = Shape("user", EmailConfirmation)
PASSWORD_FORGOTTEN = Shape("user", PasswordForgotten)
PASSWORD_RESET = Shape("user", PasswordReset)
