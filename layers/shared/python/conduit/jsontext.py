"""JSON a client sends (a request body, a cursor), parsed with a bound on its nesting.

The standard library's decoder recurses once per array or object level, so 50,000 `[` (well
under the 64 KiB body limit) raise RecursionError from deep inside it, and a document a few
hundred levels deep parses but may exhaust the stack of whatever walks it next (hashing it for
an `Idempotency-Key`, for one). No request needs more than a few levels, so the text is measured
before it is parsed: one pass of a regular expression over the brackets outside strings, which
stops at the first level too many and costs microseconds on any body the API accepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: The deepest document accepted: a body needs 3 levels (`{"article": {"tagList": [...]}}`),
#: and clients that send extra fields (ignored) rarely nest them much.
MAX_DEPTH = 32

# A JSON string (escapes included, written so that no match backtracks), a quote that opens no
# terminated string, or a bracket. Brackets inside strings are text, not nesting.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    """The document nests arrays and objects more than `MAX_DEPTH` levels deep."""

    def __init__(self, maximum: int) -> None:
        super().__init__(f"is nested too deeply (maximum is {maximum} levels)")
        self.maximum = maximum


def depth_exceeds(text: str, maximum: int = MAX_DEPTH) -> bool:
    """Whether `text`, read as JSON, opens more than `maximum` arrays or objects at once.

    Text is measured up to an unterminated string, where a decoder stops too (so the scan stays
    linear: looking for the end of one string after another would not be)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        opened = text[token.start()]
        if opened == '"':
            if token.end() - token.start() == 1:  # a string that never ends: invalid JSON
                return False
        elif opened in "[{":
            depth += 1
            if depth > maximum:
                return True
        elif opened in "]}":
            depth = max(depth - 1, 0)
    return False


def loads(text: str | bytes, maximum: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing a document nested deeper than `maximum` levels with `TooDeep`.

    Raises ValueError (TooDeep, JSONDecodeError, UnicodeDecodeError) for anything that is not a
    JSON document of at most that depth; bytes must be UTF-8."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if depth_exceeds(text, maximum):
        raise TooDeep(maximum)
    return json.loads(text)
