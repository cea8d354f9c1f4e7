"""GET /api/articles/feed: articles by followed authors, newest first, at any scale."""

from __future__ import annotations

from typing import Any

import jwt

from tests.api import seeding
from tests.api.conftest import Api, beyond_authentication
from tests.api.publishing import publish, titles


def user_id(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def feed(api: Api, token: str, query: str = "") -> dict[str, Any]:
    response = api.request("GET", f"/api/articles/feed{query}", token=token)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json
    return result


def test_the_feed_needs_a_token(api: Api) -> None:
    assert api.request("GET", "/api/articles/feed").status_code == 401


def test_a_new_user_has_an_empty_feed(api: Api) -> None:
    token = api.register("anne")["token"]

    assert feed(api, token) == {"articles": [], "articlesCount": 0}


def test_new_articles_of_followed_authors_reach_the_feed_newest_first(api: Api) -> None:
    jake, jacob, anne = (api.register(n)["token"] for n in ("jake", "jacob", "anne"))
    api.request("POST", "/api/profiles/jake/follow", token=anne)
    api.request("POST", "/api/profiles/jacob/follow", token=anne)

    publish(api, jake, title="J1")
    publish(api, jacob, title="C1")
    publish(api, jake, title="J2")

    result = feed(api, anne)
    assert titles(result) == ["J2", "C1", "J1"]
    assert result["articlesCount"] == 3
    assert all(a["author"]["following"] for a in result["articles"])
    assert all("body" not in a for a in result["articles"])


def test_articles_of_authors_not_followed_stay_out(api: Api) -> None:
    jake, anne = (api.register(n)["token"] for n in ("jake", "anne"))
    publish(api, jake, title="J1")

    assert feed(api, anne)["articlesCount"] == 0
    assert feed(api, jake)["articlesCount"] == 0  # your own articles are not in your feed


def test_following_back_fills_the_authors_earlier_articles(api: Api) -> None:
    jake, anne = (api.register(n)["token"] for n in ("jake", "anne"))
    publish(api, jake, title="Old1")
    publish(api, jake, title="Old2")

    api.request("POST", "/api/profiles/jake/follow", token=anne)

    assert titles(feed(api, anne)) == ["Old2", "Old1"]


def test_unfollowing_withdraws_the_authors_articles(api: Api) -> None:
    jake, jacob, anne = (api.register(n)["token"] for n in ("jake", "jacob", "anne"))
    api.request("POST", "/api/profiles/jake/follow", token=anne)
    api.request("POST", "/api/profiles/jacob/follow", token=anne)
    publish(api, jake, title="J1")
    publish(api, jacob, title="C1")

    api.request("DELETE", "/api/profiles/jake/follow", token=anne)

    result = feed(api, anne)
    assert titles(result) == ["C1"]
    assert result["articlesCount"] == 1


def test_following_again_after_unfollowing_counts_each_article_once(api: Api) -> None:
    jake, anne = (api.register(n)["token"] for n in ("jake", "anne"))
    publish(api, jake, title="J1")
    for method in ("POST", "DELETE", "POST", "POST"):
        api.request(method, "/api/profiles/jake/follow", token=anne)

    assert feed(api, anne)["articlesCount"] == 1


def test_feed_pages_by_offset_and_by_cursor(api: Api) -> None:
    jake, anne = (api.register(n)["token"] for n in ("jake", "anne"))
    api.request("POST", "/api/profiles/jake/follow", token=anne)
    for n in range(5):
        publish(api, jake, title=f"J{n}")

    by_offset = feed(api, anne, "?limit=2&offset=2")
    first = feed(api, anne, "?limit=2")
    by_cursor = feed(api, anne, f"?limit=2&cursor={first['nextCursor']}")

    assert titles(by_offset) == titles(by_cursor) == ["J2", "J1"]
    assert by_offset["articlesCount"] == by_cursor["articlesCount"] == 5


def test_a_feed_page_costs_the_same_at_1_10_100_and_1000_followed_authors(api: Api) -> None:
    reader = api.register("reader")["token"]
    reader_id = user_id(reader)
    costs: dict[int, list[str]] = {}
    followed = 0
    for target in (1, 10, 100, 1000):
        for n in range(followed, target):
            author_id = seeding.author(f"author{n}")
            seeding.article(author_id, f"A{n}")
            seeding.follow(reader_id, author_id)
        followed = target
        api.settle()

        result = feed(api, reader)

        assert result["articlesCount"] == target
        assert len(result["articles"]) == min(target, 20)
        costs[target] = beyond_authentication(api.calls)  # the sessions read is once a minute
    assert costs[1] == costs[10] == costs[100] == costs[1000], costs
