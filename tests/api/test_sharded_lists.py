"""Site-wide lists are several partitions read side by side: pages merge them exactly, even
when the newest articles all sit in one of them."""

from __future__ import annotations

import time
import uuid
from typing import Any

from conduit.resources import SHARDING, shard_of
from tests.api import seeding
from tests.api.conftest import Api
from tests.api.publishing import titles


def ids_in_shard(shard: int, count: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        candidate = str(uuid.uuid4())
        if shard_of(candidate, SHARDING.lists) == shard:
            ids.append(candidate)
    return ids


def listing(api: Api, query: str) -> dict[str, Any]:
    response = api.request("GET", f"/api/articles{query}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json
    return result


def seed(api: Api, lopsided: int, spread: int) -> list[str]:
    """`spread` older articles over every shard, then `lopsided` newer ones all in shard 0;
    returns the titles newest first."""
    author = seeding.author("jake")
    made = []
    for n in range(spread):
        made.append(seeding.article(author, f"Spread{n}", tags=("t",)).title)
        time.sleep(0.002)  # distinct creation times, so the order is the one written
    for n, article_id in enumerate(ids_in_shard(0, lopsided)):
        made.append(seeding.article(author, f"Lopsided{n}", tags=("t",), article_id=article_id).title)
        time.sleep(0.002)
    api.settle()
    return list(reversed(made))


def test_a_page_is_exact_when_one_shard_holds_all_the_newest(api: Api) -> None:
    expected = seed(api, lopsided=18, spread=6)

    for query in ("?limit=20", "?tag=t&limit=20"):
        result = listing(api, query)
        assert titles(result) == expected[:20], query
        assert result["articlesCount"] == len(expected), query
        # every shard side by side, then the rest of the one that held more than its share
        assert api.calls.dynamodb == ["Query"] * (SHARDING.lists + 1), query


def test_offset_and_cursor_pages_walk_every_shard_in_order(api: Api) -> None:
    expected = seed(api, lopsided=9, spread=9)

    by_offset = [titles(listing(api, f"?limit=5&offset={offset}")) for offset in range(0, 18, 5)]
    pages, cursor = [], None
    while True:
        result = listing(api, "?limit=5" + (f"&cursor={cursor}" if cursor else ""))
        pages.append(titles(result))
        cursor = result.get("nextCursor")
        if not cursor:
            break

    assert [t for page in by_offset for t in page] == expected
    assert [t for page in pages for t in page] == expected
