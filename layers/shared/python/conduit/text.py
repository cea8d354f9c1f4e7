"""Rules every piece of text a client sends must follow, whatever the field."""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = frozenset("\n\r\t")


def valid_text(value: str) -> str:
    """Refuse lone surrogates (JSON can escape them, `"\\ud83d"`): not valid UTF-8, so they
    can be neither stored nor shown."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("is not valid text")
    return value


def plain_text(value: str, *, multiline: bool = False) -> str:
    """Refuse text that cannot be stored or shown safely: lone surrogates and control
    characters (NUL and friends; line breaks and tabs only where `multiline`)."""
    valid_text(value)
    allowed = _LINE_BREAKS if multiline else frozenset()
    if any(c not in allowed and unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("can't contain control characters")
    return value


def multiline_text(value: str) -> str:
    return plain_text(value, multiline=True)
