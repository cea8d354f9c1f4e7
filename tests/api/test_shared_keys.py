"""No site-wide hot key: two unrelated requests of a use case write no common item or partition.

From the calls each request made (the emulator records their parameters), `bench.sharedkeys`
derives the items and the table and index partitions it wrote, by the tables' declarations
in `conduit.resources`. Two unrelated requests of the same use case must write none in
common. What the stream worker then does for both, in one batch, must write each item once:
what many requests share (a list shard's counter, a tag's popularity, an article's count) is
written per batch, never per request. Two users favoriting one article may share no item
inside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bench.sharedkeys import Writes, written
from tests.api.conftest import PASSWORD, Api
from tests.api.publishing import publish

Request = tuple[str, str, Any, str | None]


def send(api: Api, request: Request) -> Writes:
    """One request, unsettled: what it wrote itself (the worker runs later, for both)."""
    method, path, body, token = request
    api.calls.clear()
    headers = {"Authorization": f"Token {token}"} if token else {}
    response = api.client.open(path, method=method, json=body, headers=headers)
    assert response.status_code < 300, response.get_data(as_text=True)
    return written(
        (call.operation, call.params) for call in api.calls.calls if call.service.startswith("DynamoDB")
    )


def worker_batch(api: Api) -> Writes:
    """What the stream worker writes for everything written since the last drain."""
    api.calls.clear()
    api.streams.drain()
    return written(
        (call.operation, call.params) for call in api.calls.calls if call.service.startswith("DynamoDB")
    )


def user(name: str) -> dict[str, Any]:
    return {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}


def article(title: str) -> dict[str, Any]:
    return {
        "article": {"title": title, "description": "d", "body": "b", "tagList": ["shared", title.lower()]}
    }


@dataclass(frozen=True)
class Case:
    """Two unrelated requests of one use case, after their set-up."""

    requests: Callable[[Api, dict[str, str]], tuple[Request, Request]]
    published: tuple[str, ...] = ()


def _tokens(api: Api, case: Case) -> dict[str, str]:
    tokens = {name: str(api.register(name)["token"]) for name in ("ann", "bob", "cat", "dan")}
    for owner, title in zip(("ann", "bob"), case.published, strict=False):
        publish(api, tokens[owner], title=title, tagList=["shared"])
    return tokens


CASES: dict[str, Case] = {
    "register": Case(
        lambda api, t: (("POST", "/api/users", user("eve"), None), ("POST", "/api/users", user("fay"), None))
    ),
    "create an article": Case(
        lambda api, t: (
            ("POST", "/api/articles", article("First"), t["ann"]),
            ("POST", "/api/articles", article("Second"), t["bob"]),
        )
    ),
    "update an article": Case(
        lambda api, t: (
            ("PUT", "/api/articles/one", {"article": {"body": "new"}}, t["ann"]),
            ("PUT", "/api/articles/two", {"article": {"title": "Renamed"}}, t["bob"]),
        ),
        published=("One", "Two"),
    ),
    "delete an article": Case(
        lambda api, t: (
            ("DELETE", "/api/articles/one", None, t["ann"]),
            ("DELETE", "/api/articles/two", None, t["bob"]),
        ),
        published=("One", "Two"),
    ),
    "follow": Case(
        lambda api, t: (
            ("POST", "/api/profiles/bob/follow", None, t["ann"]),
            ("POST", "/api/profiles/dan/follow", None, t["cat"]),
        )
    ),
    "favorite different articles": Case(
        lambda api, t: (
            ("POST", "/api/articles/one/favorite", None, t["cat"]),
            ("POST", "/api/articles/two/favorite", None, t["dan"]),
        ),
        published=("One", "Two"),
    ),
    "comment on different articles": Case(
        lambda api, t: (
            ("POST", "/api/articles/one/comments", {"comment": {"body": "hi"}}, t["cat"]),
            ("POST", "/api/articles/two/comments", {"comment": {"body": "hi"}}, t["dan"]),
        ),
        published=("One", "Two"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_two_unrelated_requests_write_no_common_item_or_partition(api: Api, case: str) -> None:
    tokens = _tokens(api, CASES[case])
    first_request, second_request = CASES[case].requests(api, tokens)

    first, second = send(api, first_request), send(api, second_request)

    assert first.writes
    assert second.writes
    assert first.items & second.items == set()
    assert first.partitions & second.partitions == set()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_worker_writes_what_both_share_once_per_batch(api: Api, case: str) -> None:
    tokens = _tokens(api, CASES[case])
    for request in CASES[case].requests(api, tokens):
        send(api, request)

    batch = worker_batch(api)

    assert {item: n for item, n in batch.times_written().items() if n > 1} == {}


def test_two_favorites_of_one_article_share_no_item_in_a_transaction(api: Api) -> None:
    tokens = _tokens(api, Case(lambda api, t: (("", "", None, None),) * 2, published=("One",)))

    cat = send(api, ("POST", "/api/articles/one/favorite", None, tokens["cat"]))
    dan = send(api, ("POST", "/api/articles/one/favorite", None, tokens["dan"]))
    batch = worker_batch(api)

    assert cat.transactional_items
    assert dan.transactional_items
    assert cat.items & dan.items == set()
    assert {item: n for item, n in batch.times_written().items() if n > 1} == {}
    assert api.request("GET", "/api/articles/one").json["article"]["favoritesCount"] == 2


def test_a_tag_shared_by_two_new_articles_is_recounted_once(api: Api) -> None:
    tokens = _tokens(api, Case(lambda api, t: (("", "", None, None),) * 2))
    send(api, ("POST", "/api/articles", article("First"), tokens["ann"]))
    send(api, ("POST", "/api/articles", article("Second"), tokens["bob"]))

    batch = worker_batch(api)

    popularity = [w for w in batch.writes if w.key[-1] == ("sk", "~popularity") and "shared" in w.item]
    assert len(popularity) == 1
    assert api.request("GET", "/api/tags").json["tags"][0] == "shared"
