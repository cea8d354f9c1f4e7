"""Rules every piece of text a client sends must follow, whatever the field."""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = frozenset("\n\r\t")


def plain_text(value: str, *, multiline: bool = False) -> str:
    """Refuse text that cannot be stored or shown safely: lone surrogates (not valid UTF-8)
    and control characters (NUL and friends; line breaks and tabs only where `multiline`)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("is not valid text")
    allowed = _LINE_BREAKS if multiline else frozenset()
    if any(c not in allowed and unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("can't contain control characters")
    return value


def multiline_text(value: str) -> str:
    return plain_text(value, multiline=True)


def not_null(value: object) -> object:
    """For optional fields of an update that, when sent, must have a value."""
    if value is None:
        raise ValueError("can't be blank")
    return value
