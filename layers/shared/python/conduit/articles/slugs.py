"""URL-safe slugs from titles."""

from __future__ import annotations

import re
import unicodedata

SLUG_MAX = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """`How to Train Your Dragon!` -> `how-to-train-your-dragon`; accents folded, never empty."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = _NOT_SLUG.sub("-", folded).strip("-")[:SLUG_MAX].strip("-")
    return slug or "article"


def candidates(base: str, count: int) -> list[str]:
    """The slugs tried in order when `base` is taken: base, base-2, base-3, ..."""
    return [base] + [f"{base}-{n}" for n in range(2, count + 1)]
