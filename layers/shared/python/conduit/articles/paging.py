"""The list query (`limit`, `offset`, `cursor`), checked by hand: a query string, not a body shape."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conduit.errors import ValidationFailed

LIMIT_DEFAULT = 20
LIMIT_MAX = 100

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


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    cursor: str | None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Paging:
        return cls(
            limit=_non_negative_int("limit", query.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX),
            offset=_non_negative_int("offset", query.get("offset"), 0, 0, None),
            cursor=query.get("cursor") or None,
        )
