"""Request models for users and their limits (documented in docs/api.md).

Strict types: a number where a string belongs is a 422, not silently coerced. Usernames and
emails are trimmed; passwords are taken exactly as sent.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, field_validator

from conduit.models import StrictModel
from conduit.resources import USER_POOL
from conduit.text import multiline_text, not_null, plain_text

USERNAME_MAX = 32
EMAIL_MAX = 254  # RFC 5321
BIO_MAX = 1000
IMAGE_URL_MAX = 2048

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _username(value: str) -> str:
    if not _USERNAME.match(value):
        raise ValueError("can only contain letters, digits, '_', '-' and '.'")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is invalid")
    return value.lower()


def _password(value: str) -> str:
    policy = USER_POOL.password_policy
    if not value.strip():
        raise ValueError("can't be blank")
    if len(value) < policy.min_length:
        raise ValueError(f"is too short (minimum is {policy.min_length} characters)")
    if len(value) > policy.max_length:
        raise ValueError(f"is too long (maximum is {policy.max_length} characters)")
    if value != value.strip():  # Cognito refuses leading or trailing spaces
        raise ValueError("can't start or end with a space")
    return value


def _image(value: str | None) -> str | None:
    if value is None or value == "":
        return None  # frontends send "" for "no image"
    plain_text(value)
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=USERNAME_MAX),
    AfterValidator(_username),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=EMAIL_MAX),
    AfterValidator(plain_text),
    AfterValidator(_email),
]
Password = Annotated[str, AfterValidator(plain_text), AfterValidator(_password)]
Bio = Annotated[str, StringConstraints(max_length=BIO_MAX), AfterValidator(multiline_text)]
Image = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=IMAGE_URL_MAX),
    AfterValidator(_image),
]


class NewUser(StrictModel):
    username: Username
    email: Email
    password: Password


class LoginUser(StrictModel):
    email: Email
    password: Annotated[
        str,
        StringConstraints(min_length=1, max_length=USER_POOL.password_policy.max_length),
        AfterValidator(plain_text),
    ]


class UserChanges(StrictModel):
    """Every field optional, but at least one must be sent; `bio`/`image` may be null to clear."""

    username: Username | None = None
    email: Email | None = None
    password: Password | None = None
    bio: Bio | None = None
    image: Image = None

    _sent_values_are_not_null = field_validator("username", "email", "password", mode="before")(not_null)

    def sent(self) -> set[str]:
        return set(self.model_fields_set)
