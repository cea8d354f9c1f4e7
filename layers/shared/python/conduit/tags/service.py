"""The tags in use, most used first."""

from __future__ import annotations

from conduit.listings import store as listings

#: Frontends show tags as a cloud; a hundred is plenty, and keeps the read one small Query.
MOST_USED = 100


def most_used() -> list[str]:
    return listings.popular_tags(MOST_USED)
