"""The feed hybrid: authors below the celebrity threshold are pushed to their followers' feeds,
celebrities are pulled into them at read time; either way the feed reads the same.

The tests run with a threshold of 3 followers (tests/conftest.py), and look at what is stored
(a test may Scan; a request never does) to tell pushed from pulled.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3

from conduit import settings
from conduit.resources import LISTINGS, PULLED_CELEBRITIES_MAX
from local.streams import StreamPump
from tests.api.conftest import Api
from tests.api.publishing import publish, titles
from tests.conftest import CELEBRITY_FOLLOWERS


def feed(api: Api, token: str, query: str = "") -> dict[str, Any]:
    response = api.request("GET", f"/api/articles/feed{query}", token=token)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json
    return result


def stored_feed_entries() -> Counter[str]:
    """Feed entries as stored, per feed owner's feed key."""
    items = boto3.client("dynamodb").scan(TableName=settings.table_name(LISTINGS))["Items"]
    return Counter(
        item["list"]["S"]
        for item in items
        if item["list"]["S"].startswith("feed#") and item["sk"]["S"][0].isdigit()
    )


def follow(api: Api, token: str, username: str) -> None:
    assert api.request("POST", f"/api/profiles/{username}/follow", token=token).status_code == 200


def fans(api: Api, count: int) -> list[str]:
    return [str(api.register(f"fan{n}")["token"]) for n in range(count)]


def celebrities_with_fans(api: Api) -> tuple[list[str], list[str]]:
    """One celebrity more than a reader pulls, each followed by the same fans (their tokens) and
    with one article."""
    celebrities = [f"celeb{n}" for n in range(PULLED_CELEBRITIES_MAX + 1)]
    tokens = {name: str(api.register(name)["token"]) for name in celebrities}
    readers = fans(api, CELEBRITY_FOLLOWERS)
    for name in celebrities:
        for reader in readers:
            follow(api, reader, name)
        publish(api, tokens[name], title=f"By {name}")
    return celebrities, readers


def test_an_author_below_the_threshold_is_pushed_to_every_followers_feed(api: Api) -> None:
    jake = api.register("jake")["token"]
    readers = fans(api, CELEBRITY_FOLLOWERS - 1)
    for reader in readers:
        follow(api, reader, "jake")

    publish(api, jake, title="Pushed")

    assert sum(stored_feed_entries().values()) == len(readers)
    for reader in readers:
        assert (titles(feed(api, reader)), feed(api, reader)["articlesCount"]) == (["Pushed"], 1)


def test_reaching_the_threshold_makes_a_celebrity_whose_articles_are_pulled(api: Api) -> None:
    jake = api.register("jake")["token"]
    publish(api, jake, title="Before")
    readers = fans(api, CELEBRITY_FOLLOWERS)
    for reader in readers:
        follow(api, reader, "jake")

    publish(api, jake, title="After")

    assert sum(stored_feed_entries().values()) == 0  # converted: nothing pushed any more
    for reader in readers:
        result = feed(api, reader)
        assert (titles(result), result["articlesCount"]) == (["After", "Before"], 2)
        assert all(a["author"]["following"] for a in result["articles"])


def test_following_a_celebrity_pulls_their_articles_without_copying_them(api: Api) -> None:
    jake = api.register("jake")["token"]
    for reader in fans(api, CELEBRITY_FOLLOWERS):
        follow(api, reader, "jake")
    for n in range(3):
        publish(api, jake, title=f"J{n}")
    late = api.register("late")["token"]

    follow(api, late, "jake")

    assert stored_feed_entries()[f"feed#{user_id(api, late)}"] == 0
    result = feed(api, late)
    assert (titles(result), result["articlesCount"]) == (["J2", "J1", "J0"], 3)


def test_unfollowing_a_celebrity_takes_their_articles_out_of_the_feed(api: Api) -> None:
    jake, anne = api.register("jake")["token"], api.register("anne")["token"]
    publish(api, jake, title="Celebrity")
    publish(api, anne, title="Ordinary")
    readers = fans(api, CELEBRITY_FOLLOWERS)
    for reader in readers:
        follow(api, reader, "jake")
    follow(api, readers[0], "anne")

    api.request("DELETE", "/api/profiles/jake/follow", token=readers[0])

    result = feed(api, readers[0])
    assert (titles(result), result["articlesCount"]) == (["Ordinary"], 1)
    assert titles(feed(api, readers[1])) == ["Celebrity"]


def test_pushed_and_pulled_articles_merge_newest_first_by_offset_and_by_cursor(api: Api) -> None:
    jake, anne = api.register("jake")["token"], api.register("anne")["token"]
    readers = fans(api, CELEBRITY_FOLLOWERS)
    for reader in readers:
        follow(api, reader, "jake")  # jake: a celebrity, pulled
    follow(api, readers[0], "anne")  # anne: pushed
    for n in range(3):
        publish(api, jake, title=f"J{n}")
        publish(api, anne, title=f"A{n}")
    expected = ["A2", "J2", "A1", "J1", "A0", "J0"]

    first = feed(api, readers[0], "?limit=2")
    by_offset = [titles(feed(api, readers[0], f"?limit=2&offset={offset}")) for offset in (0, 2, 4)]
    cursor_pages = [titles(first)]
    cursor = first["nextCursor"]
    while cursor:
        page = feed(api, readers[0], f"?limit=2&cursor={cursor}")
        cursor_pages.append(titles(page))
        cursor = page.get("nextCursor")

    flat = [[title for page in pages for title in page] for pages in (by_offset, cursor_pages)]
    assert flat == [expected, expected]
    assert first["articlesCount"] == 6


def test_a_reader_pulls_a_few_celebrities_and_is_pushed_the_rest(api: Api) -> None:
    celebrities, readers = celebrities_with_fans(api)

    for reader in readers:
        result = feed(api, reader)
        assert sorted(titles(result)) == sorted(f"By {name}" for name in celebrities)
        assert result["articlesCount"] == len(celebrities)
    # each reader pulls PULLED_CELEBRITIES_MAX of them; the one more is pushed: one entry each
    assert sorted(stored_feed_entries().values()) == [1] * len(readers)


def test_a_feed_page_costs_the_same_beyond_the_celebrities_it_pulls(api: Api) -> None:
    celebrities, _ = celebrities_with_fans(api)
    costs = []
    for followed in (PULLED_CELEBRITIES_MAX, PULLED_CELEBRITIES_MAX + 1):
        reader = str(api.register(f"reader{followed}")["token"])
        for name in celebrities[:followed]:
            follow(api, reader, name)
        feed(api, reader)
        costs.append(Counter(api.calls.dynamodb))

    assert costs[0] == costs[1]
    assert sum(costs[0].values()) <= 3 + PULLED_CELEBRITIES_MAX  # feed, pending, celebrities, flags


def user_id(api: Api, token: str) -> str:
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def test_a_follow_record_delivered_again_counts_its_follower_once(api: Api) -> None:
    """A retried batch or a dead-letter replay delivers follow records again: counted twice, an
    author below the threshold would turn celebrity and their followers would be converted."""
    jake = api.register("jake")["token"]
    publish(api, jake, title="Pushed")
    readers = fans(api, CELEBRITY_FOLLOWERS - 1)
    for reader in readers:
        follow(api, reader, "jake")

    StreamPump().drain()  # a new pump delivers every record again, from the start

    assert sum(stored_feed_entries().values()) == len(readers)  # still pushed, not pulled
    for reader in readers:
        assert titles(feed(api, reader)) == ["Pushed"]
