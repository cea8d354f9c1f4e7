"""HTTP caching: ETag and If-None-Match, Cache-Control for anonymous and signed-in reads."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.publishing import publish

PUBLIC = "public, max-age=5, s-maxage=10"
ANONYMOUS_READS = [
    "/api/articles",
    "/api/articles?tag=dragons",
    "/api/articles/mine",
    "/api/articles/mine/comments",
    "/api/profiles/jake",
    "/api/tags",
]


@pytest.fixture
def jake(api: Api) -> str:
    token = str(api.register("jake")["token"])
    publish(api, token, title="Mine", tagList=["dragons"])
    return token


@pytest.mark.parametrize("path", ANONYMOUS_READS)
def test_anonymous_reads_are_public_for_a_few_seconds_with_an_etag(api: Api, jake: str, path: str) -> None:
    response = api.request("GET", path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PUBLIC
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Vary"] == "Authorization"


@pytest.mark.parametrize("path", ANONYMOUS_READS)
def test_a_read_with_a_matching_if_none_match_is_a_304_without_a_body(api: Api, jake: str, path: str) -> None:
    tag = api.request("GET", path).headers["ETag"]

    response = api.request("GET", path, headers={"If-None-Match": tag})

    assert response.status_code == 304
    assert response.text == ""
    assert response.headers["ETag"] == tag
    assert response.headers["Cache-Control"] == PUBLIC


def test_a_changed_answer_has_a_new_etag_and_a_stale_one_gets_the_body(api: Api, jake: str) -> None:
    stale = api.request("GET", "/api/articles").headers["ETag"]
    publish(api, jake, title="Newer")

    response = api.request("GET", "/api/articles", headers={"If-None-Match": stale})

    assert response.status_code == 200
    assert response.headers["ETag"] != stale
    assert response.json["articlesCount"] == 2


@pytest.mark.parametrize("path", [*ANONYMOUS_READS, "/api/articles/feed", "/api/user"])
def test_anything_asked_with_a_token_is_private_and_not_stored(api: Api, jake: str, path: str) -> None:
    response = api.request("GET", path, token=jake)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_token_makes_an_answer_private_even_where_it_is_ignored(api: Api, jake: str) -> None:
    response = api.request("GET", "/api/tags", token=jake)

    assert response.headers["Cache-Control"] == "private, no-store"


def test_errors_and_writes_are_not_stored(api: Api, jake: str) -> None:
    missing = api.request("GET", "/api/articles/nope")
    refused = api.request("GET", "/api/articles/feed")
    written = api.request("POST", "/api/articles/mine/favorite", token=jake)

    assert (missing.status_code, refused.status_code, written.status_code) == (404, 401, 200)
    assert missing.headers["Cache-Control"] == refused.headers["Cache-Control"] == "no-store"
    assert written.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in missing.headers
