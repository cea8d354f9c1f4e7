"""GET /api/articles: filters alone and combined, counts, offset and cursor paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.publishing import publish, titles


@pytest.fixture
def authors(api: Api) -> dict[str, str]:
    return {name: str(api.register(name)["token"]) for name in ("jake", "anne")}


def listing(api: Api, query: str = "", token: str | None = None) -> dict[str, Any]:
    response = api.request("GET", f"/api/articles{query}", token=token)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json
    return result


def test_no_articles_is_an_empty_list(api: Api) -> None:
    assert listing(api) == {"articles": [], "articlesCount": 0}


def test_articles_are_listed_newest_first_without_bodies(api: Api, authors: dict[str, str]) -> None:
    for n in range(3):
        publish(api, authors["jake"], title=f"A{n}")

    result = listing(api)

    assert titles(result) == ["A2", "A1", "A0"]
    assert result["articlesCount"] == 3
    assert all("body" not in article for article in result["articles"])
    listed_fields = {"slug", "title", "description", "tagList", "createdAt", "updatedAt", "favorited"}
    assert set(result["articles"][0]) == listed_fields | {"favoritesCount", "author"}


def test_filters_alone_and_combined_match_exactly_and_count_exactly(
    api: Api, authors: dict[str, str]
) -> None:
    jake, anne = authors["jake"], authors["anne"]
    publish(api, jake, title="J-dragons", tagList=["dragons"])
    publish(api, jake, title="J-cats", tagList=["cats"])
    publish(api, anne, title="A-dragons", tagList=["dragons", "cats"])
    api.request("POST", "/api/articles/j-cats/favorite", token=anne)
    api.request("POST", "/api/articles/a-dragons/favorite", token=anne)

    expectations = {
        "?tag=dragons": ["A-dragons", "J-dragons"],
        "?author=jake": ["J-cats", "J-dragons"],
        "?favorited=anne": ["A-dragons", "J-cats"],
        "?tag=cats&author=jake": ["J-cats"],
        "?tag=cats&favorited=anne": ["A-dragons", "J-cats"],
        "?author=jake&favorited=anne": ["J-cats"],
        "?tag=dragons&author=anne&favorited=anne": ["A-dragons"],
        "?tag=dragons&author=jake&favorited=anne": [],
    }
    for query, expected in expectations.items():
        result = listing(api, query)
        assert titles(result) == expected, query
        assert result["articlesCount"] == len(expected), query


def test_an_unknown_author_or_favoriter_matches_nothing(api: Api, authors: dict[str, str]) -> None:
    publish(api, authors["jake"])

    assert listing(api, "?author=nobody") == {"articles": [], "articlesCount": 0}
    assert listing(api, "?favorited=nobody") == {"articles": [], "articlesCount": 0}


def test_usernames_in_filters_are_case_insensitive(api: Api, authors: dict[str, str]) -> None:
    publish(api, authors["jake"])

    assert listing(api, "?author=JAKE")["articlesCount"] == 1


def test_limit_and_offset_page_through_and_the_count_is_the_total(api: Api, authors: dict[str, str]) -> None:
    for n in range(7):
        publish(api, authors["jake"], title=f"A{n}")

    first = listing(api, "?limit=3")
    second = listing(api, "?limit=3&offset=3")
    last = listing(api, "?limit=3&offset=6")
    beyond = listing(api, "?limit=3&offset=50")

    assert (titles(first), titles(second), titles(last)) == (["A6", "A5", "A4"], ["A3", "A2", "A1"], ["A0"])
    assert {r["articlesCount"] for r in (first, second, last, beyond)} == {7}
    assert titles(beyond) == []


def test_the_default_page_is_twenty(api: Api, authors: dict[str, str]) -> None:
    for n in range(21):
        publish(api, authors["jake"], title=f"A{n}")

    assert len(listing(api)["articles"]) == 20


def test_a_cursor_continues_where_the_page_ended(api: Api, authors: dict[str, str]) -> None:
    for n in range(5):
        publish(api, authors["jake"], title=f"A{n}")

    first = listing(api, "?limit=2")
    second = listing(api, f"?limit=2&cursor={first['nextCursor']}")
    third = listing(api, f"?limit=2&cursor={second['nextCursor']}")

    assert (titles(first), titles(second), titles(third)) == (["A4", "A3"], ["A2", "A1"], ["A0"])
    assert "nextCursor" not in third
    assert second["articlesCount"] == 5


def test_a_cursor_is_stable_when_newer_articles_arrive(api: Api, authors: dict[str, str]) -> None:
    for n in range(4):
        publish(api, authors["jake"], title=f"A{n}")
    first = listing(api, "?limit=2")

    publish(api, authors["jake"], title="Newer")

    assert titles(listing(api, f"?limit=2&cursor={first['nextCursor']}")) == ["A1", "A0"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=-1", "limit"),
        ("?limit=abc", "limit"),
        ("?limit=101", "limit"),
        ("?limit=1.5", "limit"),
        ("?offset=-1", "offset"),
        ("?offset=x", "offset"),
        ("?offset=99999999999", "offset"),
        ("?limit=%C2%B2", "limit"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?cursor=eyJhZnRlciI6IDF9", "cursor"),
    ],
)
def test_bad_paging_parameters_are_a_422(api: Api, query: str, field: str) -> None:
    response = api.request("GET", f"/api/articles{query}")

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_an_offset_beyond_10000_is_a_422_that_points_to_the_cursor(api: Api) -> None:
    deepest = api.request("GET", "/api/articles?offset=10000")
    beyond = api.request("GET", "/api/articles?offset=10001")

    assert deepest.status_code == 200
    assert beyond.status_code == 422
    assert beyond.json == {"errors": {"offset": ["must be at most 10000; page deeper with `cursor`"]}}


def test_the_feed_rejects_bad_paging_parameters_too(api: Api, authors: dict[str, str]) -> None:
    response = api.request("GET", "/api/articles/feed?limit=0", token=authors["jake"])

    assert response.status_code == 422


def test_favorited_and_following_reflect_the_caller_and_are_false_anonymously(
    api: Api, authors: dict[str, str]
) -> None:
    publish(api, authors["jake"], title="Mine")
    api.request("POST", "/api/articles/mine/favorite", token=authors["anne"])
    api.request("POST", "/api/profiles/jake/follow", token=authors["anne"])

    seen_by_anne = listing(api, token=authors["anne"])["articles"][0]
    seen_anonymously = listing(api)["articles"][0]

    assert (seen_by_anne["favorited"], seen_by_anne["author"]["following"]) == (True, True)
    assert (seen_anonymously["favorited"], seen_anonymously["author"]["following"]) == (False, False)
    assert seen_anonymously["favoritesCount"] == 1


def test_a_deleted_article_leaves_every_list_at_once(api: Api, authors: dict[str, str]) -> None:
    jake, anne = authors["jake"], authors["anne"]
    publish(api, jake, title="Doomed", tagList=["t"])
    publish(api, jake, title="Kept", tagList=["t"])
    api.request("POST", "/api/articles/doomed/favorite", token=anne)
    api.request("POST", "/api/profiles/jake/follow", token=anne)

    api.request("DELETE", "/api/articles/doomed", token=jake)

    for query in ("", "?tag=t", "?author=jake", "?favorited=anne", "?tag=t&author=jake"):
        result = listing(api, query)
        assert "Doomed" not in titles(result), query
        assert result["articlesCount"] == len(result["articles"]), query
    feed = api.request("GET", "/api/articles/feed", token=anne).json
    assert titles(feed) == ["Kept"]
    assert feed["articlesCount"] == 1
