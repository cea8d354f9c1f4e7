"""The list query (`limit`, `offset`, `cursor`, and the filters `tag`, `author`, `favorited`),
checked by hand: a query string, not a body shape."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from conduit.errors import ValidationFailed

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
#: How deep `offset` may page: deeper, every page reads everything it skips (about 1 RCU per
#: 13 entries), so an anonymous `?offset=999999999` would page whole shards in; `cursor` costs
#: the same at any depth (docs/api.md).
OFFSET_MAX = 10_000

_DIGITS = re.compile(r"^[0-9]{1,9}$")  # ASCII only: str.isdigit() admits '²'


def _non_negative_int(name: str, raw: str | None, default: int, minimum: int, maximum: int | None) -> int:
    if raw is None:
        return default
    if not _DIGITS.match(raw):
        raise ValidationFailed.on(name, "must be a non-negative integer")
    value = int(raw)
    if value < minimum:
        raise ValidationFailed.on(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ValidationFailed.on(name, f"must be at most {maximum}")
    return value


def _offset(raw: str | None) -> int:
    offset = _non_negative_int("offset", raw, 0, 0, None)
    if offset > OFFSET_MAX:
        raise ValidationFailed.on("offset", f"must be at most {OFFSET_MAX}; page deeper with `cursor`")
    return offset


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    cursor: str | None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Paging:
        return cls(
            limit=_non_negative_int("limit", query.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX),
            offset=_offset(query.get("offset")),
            cursor=query.get("cursor") or None,
        )


#: No tag is longer (`conduit.articles.models.TAG_MAX`) and no username
#: (`conduit.users.models.USERNAME_MAX`); not imported from there, which would load the request
#: shapes into every list function's init (tests/test_validation.py holds them equal).
TAG_FILTER_MAX = 40
USERNAME_FILTER_MAX = 32


@dataclass(frozen=True)
class Filters:
    """`tag`, `author` and `favorited`: absent, or what an article's tag or a username can be.

    A value longer than any tag or username matches nothing, but it is refused rather than
    looked up (DynamoDB refuses a key over 2 KB with a ValidationException), and NFC-normalised
    as stored tags and usernames are, so a decomposed `caf\u0065\u0301` finds `caf\u00e9`."""

    tag: str | None
    author: str | None
    favorited: str | None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        errors: dict[str, list[str]] = {}
        values: dict[str, str | None] = {}
        for name, maximum in (
            ("tag", TAG_FILTER_MAX),
            ("author", USERNAME_FILTER_MAX),
            ("favorited", USERNAME_FILTER_MAX),
        ):
            raw = query.get(name)
            value = None if raw is None else unicodedata.normalize("NFC", raw)
            if value is not None and len(value) > maximum:
                errors[name] = [f"is too long (maximum is {maximum} characters)"]
            values[name] = value
        if errors:
            raise ValidationFailed(errors)
        return cls(tag=values["tag"], author=values["author"], favorited=values["favorited"])
