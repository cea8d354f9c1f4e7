"""POST, GET and DELETE /api/articles/{slug}/comments[/{id}]."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.publishing import publish

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


@pytest.fixture
def slug(api: Api, jake: str) -> str:
    return str(publish(api, jake, title="Mine")["slug"])


def comment_on(api: Api, token: str, slug: str, body: str = "Thank you!") -> dict[str, Any]:
    response = api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": body}}, token=token)
    assert response.status_code == 200, response.text
    comment: dict[str, Any] = response.json["comment"]
    return comment


def comments_of(api: Api, slug: str, token: str | None = None) -> list[dict[str, Any]]:
    response = api.request("GET", f"/api/articles/{slug}/comments", token=token)
    assert response.status_code == 200, response.text
    comments: list[dict[str, Any]] = response.json["comments"]
    return comments


def test_commenting_answers_200_with_the_comment_and_its_author(api: Api, jake: str, slug: str) -> None:
    body = {"comment": {"body": "His name was my name too."}}

    response = api.request("POST", f"/api/articles/{slug}/comments", body, token=jake)

    assert response.status_code == 200
    comment = response.json["comment"]
    assert comment == {
        "id": 1,
        "createdAt": comment["createdAt"],
        "updatedAt": comment["createdAt"],
        "body": "His name was my name too.",
        "author": {"username": "jake", "bio": None, "image": None, "following": False},
    }


def test_comment_ids_are_integers_counted_from_one_per_article(api: Api, jake: str, slug: str) -> None:
    other = publish(api, jake, title="Other")["slug"]

    first, second = comment_on(api, jake, slug), comment_on(api, jake, slug)
    elsewhere = comment_on(api, jake, other)

    assert (first["id"], second["id"], elsewhere["id"]) == (1, 2, 1)
    assert all(type(c["id"]) is int for c in (first, second, elsewhere))


def test_a_deleted_comments_id_is_not_reused(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug)
    comment_on(api, jake, slug)
    api.request("DELETE", f"/api/articles/{slug}/comments/2", token=jake)

    third = comment_on(api, jake, slug)

    assert third["id"] == 3


def test_comment_timestamps_are_iso_8601_utc_with_milliseconds(api: Api, jake: str, slug: str) -> None:
    created = comment_on(api, jake, slug)

    listed = comments_of(api, slug)[0]

    for comment in (created, listed):
        assert ISO_MS.match(comment["createdAt"]), comment["createdAt"]
        assert ISO_MS.match(comment["updatedAt"]), comment["updatedAt"]
    assert listed == created


def test_comments_are_listed_newest_first_to_anyone(api: Api, jake: str, slug: str) -> None:
    for n in range(11):
        comment_on(api, jake, slug, body=f"C{n}")

    listed = comments_of(api, slug)

    assert [c["body"] for c in listed] == [f"C{n}" for n in reversed(range(11))]
    assert [c["id"] for c in listed] == list(reversed(range(1, 12)))
    assert all(c["author"]["following"] is False for c in listed)


def test_an_article_without_comments_lists_none(api: Api, slug: str) -> None:
    response = api.request("GET", f"/api/articles/{slug}/comments")

    assert response.status_code == 200
    assert response.json == {"comments": []}


def test_the_commenter_shows_as_followed_by_their_followers(api: Api, jake: str, slug: str) -> None:
    anne = str(api.register("anne")["token"])
    comment_on(api, anne, slug, body="by anne")
    comment_on(api, jake, slug, body="by jake")
    api.request("POST", "/api/profiles/anne/follow", token=jake)

    as_jake = comments_of(api, slug, token=jake)
    anonymous = comments_of(api, slug)

    assert [(c["author"]["username"], c["author"]["following"]) for c in as_jake] == [
        ("jake", False),
        ("anne", True),
    ]
    assert [c["author"]["following"] for c in anonymous] == [False, False]


def test_a_renamed_commenter_shows_on_their_old_comments(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug)

    api.request("PUT", "/api/user", {"user": {"username": "jake2", "bio": "new"}}, token=jake)

    author = comments_of(api, slug)[0]["author"]
    assert (author["username"], author["bio"]) == ("jake2", "new")


def test_commenting_and_deleting_need_a_token(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug)

    post = api.request("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "anonymous"}})
    delete = api.request("DELETE", f"/api/articles/{slug}/comments/1")

    assert (post.status_code, delete.status_code) == (401, 401)
    assert post.json == {"errors": {"token": ["is missing"]}}
    assert [c["body"] for c in comments_of(api, slug)] == ["Thank you!"]


def test_an_unknown_slug_is_a_404_on_every_comment_route(api: Api, jake: str) -> None:
    not_found = {"errors": {"article": ["not found"]}}

    listed = api.request("GET", "/api/articles/nope/comments")
    added = api.request("POST", "/api/articles/nope/comments", {"comment": {"body": "x"}}, token=jake)
    deleted = api.request("DELETE", "/api/articles/nope/comments/1", token=jake)

    assert (listed.status_code, added.status_code, deleted.status_code) == (404, 404, 404)
    assert listed.json == added.json == deleted.json == not_found


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ({}, "can't be blank"),
        ({"body": ""}, "can't be blank"),
        ({"body": " \n\t "}, "can't be blank"),
        ({"body": None}, "must be a string"),
        ({"body": 5}, "must be a string"),
        ({"body": "x" * 5001}, "is too long (maximum is 5000 characters)"),
        ({"body": "a\u0000b"}, "can't contain control characters"),
    ],
    ids=["missing", "empty", "blank", "null", "number", "too-long", "control-character"],
)
def test_an_invalid_comment_is_a_422_and_nothing_is_written(
    api: Api, jake: str, slug: str, comment: dict[str, object], message: str
) -> None:
    response = api.request("POST", f"/api/articles/{slug}/comments", {"comment": comment}, token=jake)

    assert response.status_code == 422
    assert response.json == {"errors": {"body": [message]}}
    assert not WRITES & set(api.calls.dynamodb), api.calls.dynamodb
    assert comments_of(api, slug) == []
    assert comment_on(api, jake, slug)["id"] == 1  # no id was taken either


def test_the_longest_comment_allowed_is_accepted(api: Api, jake: str, slug: str) -> None:
    assert len(comment_on(api, jake, slug, body="x" * 5000)["body"]) == 5000


def test_a_comment_without_its_wrapper_is_a_422(api: Api, jake: str, slug: str) -> None:
    response = api.request("POST", f"/api/articles/{slug}/comments", {"body": "unwrapped"}, token=jake)

    assert response.status_code == 422
    assert response.json == {"errors": {"comment": ["can't be blank"]}}
    assert comments_of(api, slug) == []


def test_malformed_json_is_a_422(api: Api, jake: str, slug: str) -> None:
    response = api.request("POST", f"/api/articles/{slug}/comments", raw='{"comment": {', token=jake)

    assert response.status_code == 422
    assert response.json == {"errors": {"body": ["is not valid JSON"]}}
    assert not WRITES & set(api.calls.dynamodb), api.calls.dynamodb


def test_deleting_a_comment_answers_204_and_it_is_gone(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug, body="first")
    comment_on(api, jake, slug, body="second")

    response = api.request("DELETE", f"/api/articles/{slug}/comments/1", token=jake)

    assert response.status_code == 204
    assert response.text == ""
    assert [c["body"] for c in comments_of(api, slug)] == ["second"]
    assert api.request("DELETE", f"/api/articles/{slug}/comments/1", token=jake).status_code == 404


def test_only_the_commenter_may_delete_a_comment(api: Api, jake: str, slug: str) -> None:
    anne = str(api.register("anne")["token"])
    comment_on(api, anne, slug, body="by anne")

    response = api.request("DELETE", f"/api/articles/{slug}/comments/1", token=jake)

    assert response.status_code == 403
    assert response.json == {"errors": {"comment": ["can only be deleted by its author"]}}
    assert [c["body"] for c in comments_of(api, slug)] == ["by anne"]


def test_deleting_an_unknown_comment_id_is_a_404(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug)

    response = api.request("DELETE", f"/api/articles/{slug}/comments/2", token=jake)

    assert response.status_code == 404
    assert response.json == {"errors": {"comment": ["not found"]}}


@pytest.mark.parametrize(
    "raw_id", ["abc", "-1", "1.5", "%C2%B2"], ids=["letters", "negative", "decimal", "superscript-two"]
)
def test_a_comment_id_that_is_not_a_positive_integer_is_a_422(
    api: Api, jake: str, slug: str, raw_id: str
) -> None:
    comment_on(api, jake, slug)

    response = api.request("DELETE", f"/api/articles/{slug}/comments/{raw_id}", token=jake)

    assert response.status_code == 422, response.text
    assert response.json == {"errors": {"id": ["must be a positive integer"]}}
    assert len(comments_of(api, slug)) == 1


def test_a_comment_id_of_another_article_is_a_404_and_that_comment_stays(
    api: Api, jake: str, slug: str
) -> None:
    other = publish(api, jake, title="Other")["slug"]
    comment_on(api, jake, slug, body="on mine 1")
    comment_on(api, jake, slug, body="on mine 2")
    comment_on(api, jake, other, body="on other 1")

    response = api.request("DELETE", f"/api/articles/{other}/comments/2", token=jake)

    assert response.status_code == 404
    assert response.json == {"errors": {"comment": ["not found"]}}
    assert [c["body"] for c in comments_of(api, slug)] == ["on mine 2", "on mine 1"]
    assert [c["body"] for c in comments_of(api, other)] == ["on other 1"]


def test_the_comments_of_a_deleted_article_are_a_404(api: Api, jake: str, slug: str) -> None:
    comment_on(api, jake, slug)

    api.request("DELETE", f"/api/articles/{slug}", token=jake)

    response = api.request("GET", f"/api/articles/{slug}/comments")
    assert response.status_code == 404
    assert response.json == {"errors": {"article": ["not found"]}}


def test_listing_comments_costs_the_same_dynamodb_calls_however_many_there_are(
    api: Api, jake: str, slug: str
) -> None:
    crowded = publish(api, jake, title="Crowded")["slug"]
    tokens = [jake] + [str(api.register(name)["token"]) for name in ("anne", "bob", "carl")]
    comment_on(api, jake, slug)
    for n in range(25):
        comment_on(api, tokens[n % len(tokens)], crowded, body=f"C{n}")
    api.request("POST", "/api/profiles/anne/follow", token=jake)

    comments_of(api, slug, token=jake)
    one = list(api.calls.dynamodb)
    listed = comments_of(api, crowded, token=jake)
    many = list(api.calls.dynamodb)

    assert len(listed) == 25
    assert len(one) == len(many), (one, many)
