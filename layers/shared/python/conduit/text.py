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


#: Characters that show nothing and are never needed in a name or a title: the bidirectional
#: embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069; "Trojan Source"), the
#: direction marks (U+200E, U+200F, U+061C), the zero-width space, word joiner and invisible
#: operators (U+200B, U+2060-U+2064), the byte order mark (U+FEFF) and the Mongolian vowel
#: separator (U+180E, a format character since Unicode 6.3).
HIDDEN = frozenset(
    "\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: HIDDEN as a regular expression's character class (JSON Schema reads it too).
HIDDEN_CLASS = "\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff"
_ZWNJ, _ZWJ = "\u200c", "\u200d"
_VIRAMA = 9  # the canonical combining class of a virama
_VARIATION_SELECTOR_16 = "\ufe0f"
#: Scripts whose letters join cursively, where a zero-width non-joiner or joiner chooses a
#: letter's form (Persian writes "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" with one).
_JOINING_SCRIPTS = (
    "ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "MANDAIC", "PHAGS-PA", "MANICHAEAN", "PSALTER PAHLAVI",
    "HANIFI ROHINGYA", "SOGDIAN", "OLD UYGHUR", "CHORASMIAN", "ADLAM",
)  # fmt: skip


def _joining(character: str) -> bool:
    return unicodedata.name(character, "").startswith(_JOINING_SCRIPTS)


def _joins(before: str, joiner: str, after: str) -> bool:
    """Whether a zero-width (non-)joiner between `before` and `after` changes what is shown: it
    follows a virama (Indic conjuncts and half forms), sits between two letters of a cursively
    joining script, or (a joiner) links two emoji into one (\U0001f469\u200d\U0001f4bb is one
    picture). These are the contexts IDNA allows them in (RFC 5892, appendix A.1 and A.2),
    approximated by script name, plus emoji ZWJ sequences (UTS #51)."""
    if unicodedata.combining(before) == _VIRAMA:
        return True
    if _joining(before) and _joining(after):
        return True
    emoji_before = unicodedata.category(before) in ("So", "Sk") or before == _VARIATION_SELECTOR_16
    return joiner == _ZWJ and emoji_before and unicodedata.category(after) == "So"


def invisible_positions(value: str) -> list[int]:
    """Where `value` has a character that shows nothing and changes nothing: one of HIDDEN, or
    a zero-width non-joiner or joiner that joins nothing (at an edge, beside a space or another
    invisible character, or between two Latin letters, where it only makes `ad\u200cmin` a
    second `admin`)."""
    found = []
    for index, character in enumerate(value):
        if character in HIDDEN:
            found.append(index)
        elif character in (_ZWNJ, _ZWJ):
            before = value[index - 1] if index else ""
            after = value[index + 1] if index + 1 < len(value) else ""
            if not before or not after or not _joins(before, character, after):
                found.append(index)
    return found


def visible_text(value: str) -> str:
    """Refuse text with an invisible character (`invisible_positions`): a name or a title that
    shows the same as another, or reads in another order than it is stored."""
    if invisible_positions(value):
        raise ValueError(
            "can't contain invisible characters (bidirectional controls or zero-width characters)"
        )
    return value


def without_invisible(value: str) -> str:
    """`value` without its invisible characters (`invisible_positions`): what bodies keep."""
    positions = invisible_positions(value)
    if not positions:
        return value
    dropped = set(positions)
    return "".join(c for i, c in enumerate(value) if i not in dropped)


def nfc(value: str) -> str:
    """Unicode's canonical composition: `e` + U+0301 and `\u00e9` become one and the same."""
    return unicodedata.normalize("NFC", value)
