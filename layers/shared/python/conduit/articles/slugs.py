"""URL-safe slugs from titles, in any script."""

from __future__ import annotations

SLUG_MAX = 80
#: A title with nothing that transliterates to a letter or digit (`!!!`, an emoji).
FALLBACK = "article"


def slugify(title: str) -> str:
    """`How to Train Your Dragon!` -> `how-to-train-your-dragon`; any script transliterated
    (`Ærø` -> `aero`, `Привет, мир` -> `privet-mir`, `北京` -> `bei-jing`); never empty."""
    # Imported here, not at module level: only creating or retitling an article makes a slug,
    # and no function's init may pay for it (tests/test_cold_start_imports.py). python-slugify
    # imports its transliteration table only for a title that is not plain ASCII.
    from slugify import slugify as transliterate

    # The legacy algorithm is frozen upstream, and the backend is named rather than `auto`
    # (which prefers Unidecode if anything installed it): the same title, the same slug,
    # whatever else is installed and whatever the library's next release changes.
    slug = transliterate(title, algorithm="legacy", backend="text-unidecode")
    return slug[:SLUG_MAX].strip("-") or FALLBACK


def candidates(base: str, count: int) -> list[str]:
    """The slugs tried in order when `base` is taken: base, base-2, base-3, ..."""
    return [base] + [f"{base}-{n}" for n in range(2, count + 1)]
