"""POST, GET, PUT and DELETE /api/articles[/{slug}]."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.articles import service
from conduit.articles import store as articles
from conduit.articles.models import BODY_MAX
from conduit.resources import ARTICLES
from tests.api.conftest import Api, beyond_authentication
from tests.api.publishing import publish

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


def meanwhile(api: Api, write: Callable[[], None]) -> None:
    """Another request's write, in the middle of the one under test: its calls are not that
    request's (nor checked against its grants)."""
    before = len(api.calls.calls)
    write()
    del api.calls.calls[before:]


def stored_keys() -> list[str]:
    """Every key of the articles table, read the slow way (a test may Scan; a request never does)."""
    scanned = boto3.client("dynamodb").scan(TableName=settings.table_name(ARTICLES))
    items: list[dict[str, Any]] = scanned["Items"]
    return sorted(item["pk"]["S"] for item in items)


def test_creating_an_article_returns_201_with_the_whole_article(api: Api, jake: str) -> None:
    body = {
        "article": {
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            "tagList": ["reactjs", "angularjs", "dragons"],
        }
    }

    response = api.request("POST", "/api/articles", body, token=jake)

    assert response.status_code == 201
    article = response.json["article"]
    assert article == {
        "slug": "how-to-train-your-dragon",
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["angularjs", "dragons", "reactjs"],
        "createdAt": article["createdAt"],
        "updatedAt": article["createdAt"],
        "favorited": False,
        "favoritesCount": 0,
        "author": {"username": "jake", "bio": None, "image": None, "following": False},
    }
    assert ISO_MS.match(article["createdAt"])


def test_tags_are_trimmed_deduplicated_and_sorted(api: Api, jake: str) -> None:
    article = publish(api, jake, tagList=[" b ", "a", "b", "", "  "])

    assert article["tagList"] == ["a", "b"]


def test_an_article_is_read_back_by_its_slug_by_anyone(api: Api, jake: str) -> None:
    created = publish(api, jake)

    response = api.request("GET", f"/api/articles/{created['slug']}")

    assert response.status_code == 200
    assert response.json["article"] == created


def test_an_unknown_slug_is_a_404(api: Api) -> None:
    response = api.request("GET", "/api/articles/no-such-article")

    assert response.status_code == 404
    assert response.json == {"errors": {"article": ["not found"]}}


def test_slugs_are_url_safe(api: Api, jake: str) -> None:
    article = publish(api, jake, title="  Ça va? Ünïcode & <script> / 100% !! ")

    assert article["slug"] == "ca-va-unicode-script-100"
    assert api.request("GET", f"/api/articles/{article['slug']}").status_code == 200


def test_a_title_without_letters_still_gets_a_slug(api: Api, jake: str) -> None:
    assert publish(api, jake, title="!!!")["slug"] == "article"


def test_colliding_titles_get_numbered_slugs(api: Api, jake: str) -> None:
    slugs = [publish(api, jake, title="Dragons")["slug"] for _ in range(3)]

    assert slugs == ["dragons", "dragons-2", "dragons-3"]


def test_the_author_updates_title_description_and_body(api: Api, jake: str) -> None:
    created = publish(api, jake)

    response = api.request(
        "PUT",
        f"/api/articles/{created['slug']}",
        {"article": {"title": "Did you train your dragon?", "body": "Yes", "description": "Really"}},
        token=jake,
    )

    assert response.status_code == 200
    updated = response.json["article"]
    assert (updated["title"], updated["description"], updated["body"]) == (
        "Did you train your dragon?",
        "Really",
        "Yes",
    )
    assert updated["slug"] == "did-you-train-your-dragon"
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]


def test_a_new_title_moves_the_slug_and_the_old_one_is_gone(api: Api, jake: str) -> None:
    created = publish(api, jake, title="First")

    api.request("PUT", "/api/articles/first", {"article": {"title": "Second"}}, token=jake)

    assert api.request("GET", "/api/articles/first").status_code == 404
    assert api.request("GET", "/api/articles/second").json["article"]["body"] == created["body"]
    assert publish(api, jake, title="First")["slug"] == "first"  # the old slug is free again


def test_a_new_title_colliding_with_another_slug_gets_a_number(api: Api, jake: str) -> None:
    publish(api, jake, title="Taken")
    publish(api, jake, title="Mine")

    response = api.request("PUT", "/api/articles/mine", {"article": {"title": "Taken"}}, token=jake)

    assert response.json["article"]["slug"] == "taken-2"


def test_changing_only_the_body_keeps_the_slug(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    response = api.request("PUT", "/api/articles/mine", {"article": {"body": "New body"}}, token=jake)

    assert response.json["article"]["slug"] == "mine"
    assert api.request("GET", "/api/articles/mine").json["article"]["body"] == "New body"


def test_changing_only_the_title_keeps_the_body(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine", body="Kept as it was")

    response = api.request("PUT", "/api/articles/mine", {"article": {"title": "Yours"}}, token=jake)

    assert response.json["article"]["body"] == "Kept as it was"
    assert api.request("GET", "/api/articles/yours").json["article"]["body"] == "Kept as it was"


def test_changing_only_the_description_keeps_the_body(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine", body="Kept as it was")

    response = api.request("PUT", "/api/articles/mine", {"article": {"description": "New"}}, token=jake)

    assert response.json["article"]["body"] == "Kept as it was"
    assert api.request("GET", "/api/articles/mine").json["article"]["body"] == "Kept as it was"


def test_a_body_of_the_longest_allowed_length_reads_back_whole(api: Api, jake: str) -> None:
    longest = "x" * BODY_MAX

    created = publish(api, jake, title="Long", body=longest)
    read = api.request("GET", "/api/articles/long").json["article"]
    listed = api.request("GET", "/api/articles").json["articles"]

    assert created["body"] == read["body"] == longest
    assert "body" not in listed[0]


def test_only_the_author_may_update_or_delete(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")
    other = api.register("jacob")["token"]

    update = api.request("PUT", "/api/articles/mine", {"article": {"body": "hijacked"}}, token=other)
    delete = api.request("DELETE", "/api/articles/mine", token=other)

    assert (update.status_code, delete.status_code) == (403, 403)
    assert update.json == {"errors": {"article": ["can only be changed by its author"]}}
    assert api.request("GET", "/api/articles/mine").json["article"]["body"] == "It takes a Jacobian"


def test_writes_need_a_token(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    assert api.request("POST", "/api/articles", {"article": {}}).status_code == 401
    assert api.request("PUT", "/api/articles/mine", {"article": {"body": "x"}}).status_code == 401
    assert api.request("DELETE", "/api/articles/mine").status_code == 401


def test_deleting_an_article_answers_204_and_it_is_gone(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    response = api.request("DELETE", "/api/articles/mine", token=jake)

    assert response.status_code == 204
    assert response.text == ""
    assert api.request("GET", "/api/articles/mine").status_code == 404
    assert api.request("DELETE", "/api/articles/mine", token=jake).status_code == 404


def test_an_article_is_stored_as_its_item_its_body_and_its_slug_claim(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    keys = stored_keys()

    assert [key.split("#", 1)[0] for key in keys] == ["ARTICLE", "BODY", "SLUG"]
    assert keys[0].split("#", 1)[1] == keys[1].split("#", 1)[1]  # both keyed by the article id


def test_deleting_an_article_leaves_no_body_behind(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")
    publish(api, jake, title="Other")

    api.request("DELETE", "/api/articles/mine", token=jake)

    assert [key.split("#", 1)[0] for key in stored_keys()] == ["ARTICLE", "BODY", "SLUG"]
    assert api.request("GET", "/api/articles/other").json["article"]["body"] == "It takes a Jacobian"


@pytest.mark.parametrize("changes", [{"body": "Too late"}, {"title": "Renamed", "body": "Too late"}])
def test_an_update_racing_a_delete_leaves_nothing_behind(
    api: Api, jake: str, monkeypatch: pytest.MonkeyPatch, changes: dict[str, str]
) -> None:
    """The article is deleted between the update's read and its write: the body written in
    the update's transaction must fall with the article's condition."""
    publish(api, jake, title="Mine")
    read = service._own

    def read_then_lose_the_race(slug: str, caller: str) -> articles.Article:
        article = read(slug, caller)
        meanwhile(api, lambda: articles.delete(article))
        return article

    monkeypatch.setattr(service, "_own", read_then_lose_the_race)

    response = api.request("PUT", "/api/articles/mine", {"article": changes}, token=jake)

    assert response.status_code == 422
    assert response.json == {"errors": {"article": ["was changed by another request; try again"]}}
    assert stored_keys() == []


def test_the_author_shows_as_followed_by_their_followers(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")
    jacob = api.register("jacob")["token"]
    api.request("POST", "/api/profiles/jake/follow", token=jacob)

    assert (
        api.request("GET", "/api/articles/mine", token=jacob).json["article"]["author"]["following"] is True
    )
    assert api.request("GET", "/api/articles/mine").json["article"]["author"]["following"] is False


def test_a_renamed_author_shows_on_their_articles(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    api.request("PUT", "/api/user", {"user": {"username": "jake2", "bio": "new"}}, token=jake)

    author = api.request("GET", "/api/articles/mine").json["article"]["author"]
    assert (author["username"], author["bio"]) == ("jake2", "new")


@pytest.mark.parametrize(
    ("article", "field", "message"),
    [
        ({"description": "d", "body": "b"}, "title", "can't be blank"),
        ({"title": "t", "body": "b"}, "description", "can't be blank"),
        ({"title": "t", "description": "d"}, "body", "can't be blank"),
        ({"title": "  ", "description": "d", "body": "b"}, "title", "can't be blank"),
        ({"title": 5, "description": "d", "body": "b"}, "title", "must be a string"),
        (
            {"title": "t" * 201, "description": "d", "body": "b"},
            "title",
            "is too long (maximum is 200 characters)",
        ),
        (
            {"title": "t", "description": "d", "body": "b" * 50_001},
            "body",
            "is too long (maximum is 50000 characters)",
        ),
        ({"title": "t", "description": "d", "body": "b", "tagList": "dragons"}, "tagList", "must be a list"),
        ({"title": "t", "description": "d", "body": "b", "tagList": [1]}, "tagList", "must be a string"),
        ({"title": "t", "description": "d", "body": "b", "tagList": None}, "tagList", "must be a list"),
        (
            {"title": "t", "description": "d", "body": "b", "tagList": [f"t{i}" for i in range(11)]},
            "tagList",
            "has too many tags (maximum is 10)",
        ),
        (
            {"title": "t", "description": "d", "body": "b", "tagList": ["x" * 41]},
            "tagList",
            "has a tag that is too long (maximum is 40 characters)",
        ),
        ({"title": "a\u0000b", "description": "d", "body": "b"}, "title", "can't contain control characters"),
        ({"title": "\ud83d", "description": "d", "body": "b"}, "title", "is not valid text"),
        (
            {"title": "t", "description": "d", "body": "b", "tagList": ["\udc00"]},
            "tagList",
            "is not valid text",
        ),
    ],
)
def test_invalid_articles_are_a_422_and_nothing_is_written(
    api: Api, jake: str, article: dict[str, object], field: str, message: str
) -> None:
    response = api.request("POST", "/api/articles", {"article": article}, token=jake)

    assert response.status_code == 422
    assert response.json["errors"][field] == [message]
    assert beyond_authentication(api.calls) == []


def test_an_update_without_fields_or_with_blanks_is_a_422(api: Api, jake: str) -> None:
    publish(api, jake, title="Mine")

    empty = api.request("PUT", "/api/articles/mine", {"article": {}}, token=jake)
    blank = api.request("PUT", "/api/articles/mine", {"article": {"title": None, "body": " "}}, token=jake)

    assert empty.json == {"errors": {"article": ["must change at least one field"]}}
    assert blank.status_code == 422
    assert set(blank.json["errors"]) == {"title", "body"}


def test_updating_or_deleting_an_unknown_slug_is_a_404(api: Api, jake: str) -> None:
    assert api.request("PUT", "/api/articles/nope", {"article": {"body": "x"}}, token=jake).status_code == 404
    assert api.request("DELETE", "/api/articles/nope", token=jake).status_code == 404


def test_a_read_racing_a_delete_is_a_404(api: Api, jake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The article is deleted between the read of its item and the read of its body."""
    publish(api, jake, title="Mine")
    read = articles.get_by_slug

    def read_then_lose_the_race(slug: str) -> articles.Article | None:
        article = read(slug)
        if article is not None:
            meanwhile(api, lambda: articles.delete(article))
        return article

    monkeypatch.setattr(articles, "get_by_slug", read_then_lose_the_race)

    response = api.request("GET", "/api/articles/mine")

    assert response.status_code == 404
    assert response.json == {"errors": {"article": ["not found"]}}
