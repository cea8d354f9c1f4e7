"""GET /api/tags, and the tag filter of GET /api/articles."""

from __future__ import annotations

from typing import Any

import pytest

from conduit.resources import SHARDING
from tests.api.conftest import Api
from tests.api.publishing import publish


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


def tags(api: Api, headers: dict[str, str] | None = None) -> list[str]:
    response = api.request("GET", "/api/tags", headers=headers)
    assert response.status_code == 200, response.text
    listed: list[str] = response.json["tags"]
    return listed


def test_no_articles_means_no_tags(api: Api) -> None:
    response = api.request("GET", "/api/tags")

    assert response.status_code == 200
    assert response.json == {"tags": []}


def test_tags_are_listed_most_used_first(api: Api, jake: str) -> None:
    publish(api, jake, title="A1", tagList=["c", "a"])
    publish(api, jake, title="A2", tagList=["a", "b"])
    publish(api, jake, title="A3", tagList=["b", "a"])

    assert tags(api) == ["a", "b", "c"]


def test_tags_used_equally_often_are_all_listed(api: Api, jake: str) -> None:
    publish(api, jake, title="A1", tagList=["dragons", "cats"])
    publish(api, jake, title="A2", tagList=["owls"])

    listed = tags(api)

    assert sorted(listed) == ["cats", "dragons", "owls"]


def test_tags_are_counted_across_authors(api: Api, jake: str) -> None:
    anne = str(api.register("anne")["token"])
    publish(api, jake, title="J1", tagList=["rare", "shared"])
    publish(api, anne, title="A1", tagList=["shared"])

    assert tags(api) == ["shared", "rare"]


def test_favorites_do_not_make_a_tag_more_used(api: Api, jake: str) -> None:
    publish(api, jake, title="Loved", tagList=["loved"])
    publish(api, jake, title="B1", tagList=["used"])
    publish(api, jake, title="B2", tagList=["used"])
    for name in ("anne", "bob"):
        api.request("POST", "/api/articles/loved/favorite", token=str(api.register(name)["token"]))

    assert tags(api) == ["used", "loved"]


def test_tags_with_url_special_characters_are_listed_as_written(api: Api, jake: str) -> None:
    publish(api, jake, title="Odd", tagList=["c#", "50%", "a/b", "ça va"])

    assert sorted(tags(api)) == sorted(["c#", "50%", "a/b", "ça va"])


def test_a_tag_whose_only_article_is_deleted_disappears(api: Api, jake: str) -> None:
    publish(api, jake, title="Keep", tagList=["kept"])
    publish(api, jake, title="Drop", tagList=["kept", "gone"])

    response = api.request("DELETE", "/api/articles/drop", token=jake)

    assert response.status_code == 204
    assert tags(api) == ["kept"]


def test_a_tag_comes_back_when_used_again_after_its_article_was_deleted(api: Api, jake: str) -> None:
    publish(api, jake, title="Drop", tagList=["phoenix"])
    api.request("DELETE", "/api/articles/drop", token=jake)

    publish(api, jake, title="Again", tagList=["phoenix"])

    assert tags(api) == ["phoenix"]


@pytest.mark.parametrize("authorization", ["Token garbage", "nonsense"])
def test_an_authorization_header_is_ignored(api: Api, jake: str, authorization: str) -> None:
    publish(api, jake, tagList=["dragons"])

    listed = tags(api, headers={"Authorization": authorization})

    assert listed == ["dragons"]


def test_a_valid_token_changes_nothing(api: Api, jake: str) -> None:
    publish(api, jake, tagList=["dragons"])

    response = api.request("GET", "/api/tags", token=jake)

    assert response.json == {"tags": ["dragons"]}


def test_listing_tags_is_one_round_of_queries_however_many_articles_and_tags(api: Api, jake: str) -> None:
    """One Query per `byPopularity` partition, side by side (docs/scaling.md)."""
    publish(api, jake, title="Only", tagList=["t0"])
    tags(api)
    with_one = list(api.calls.dynamodb)
    tag_lists = [[f"t{(n + k) % 15}" for k in range(n % 5 + 1)] for n in range(1, 12)]
    for n, tag_list in enumerate(tag_lists):
        publish(api, jake, title=f"A{n}", tagList=tag_list)

    listed = tags(api)

    assert with_one == ["Query"] * SHARDING.popularity
    assert api.calls.dynamodb == ["Query"] * SHARDING.popularity
    assert set(listed) == {"t0"} | {tag for tag_list in tag_lists for tag in tag_list}


def test_a_tag_used_ten_times_sorts_before_one_used_twice(api: Api, jake: str) -> None:
    for n in range(10):
        publish(api, jake, title=f"A{n}", tagList=["common"] + (["less"] if n < 2 else []))

    assert tags(api) == ["common", "less"]


def test_the_tag_filter_lists_only_articles_with_that_tag_and_counts_them(api: Api, jake: str) -> None:
    publish(api, jake, title="A1", tagList=["a", "b"])
    publish(api, jake, title="B1", tagList=["b"])
    publish(api, jake, title="A2", tagList=["a"])
    publish(api, jake, title="None")

    response = api.request("GET", "/api/articles?tag=a")

    assert response.status_code == 200
    result: dict[str, Any] = response.json
    assert [article["title"] for article in result["articles"]] == ["A2", "A1"]
    assert all("a" in article["tagList"] for article in result["articles"])
    assert result["articlesCount"] == 2


def test_the_tag_filter_matches_tags_with_url_special_characters(api: Api, jake: str) -> None:
    publish(api, jake, title="Sharp", tagList=["c#"])
    publish(api, jake, title="Plain", tagList=["c"])

    response = api.request("GET", "/api/articles?tag=c%23")

    assert [article["title"] for article in response.json["articles"]] == ["Sharp"]
    assert response.json["articlesCount"] == 1


def test_the_tag_filter_for_an_unused_tag_is_empty(api: Api, jake: str) -> None:
    publish(api, jake, tagList=["dragons"])

    response = api.request("GET", "/api/articles?tag=unicorns")

    assert response.status_code == 200
    assert response.json == {"articles": [], "articlesCount": 0}
