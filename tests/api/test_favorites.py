"""POST and DELETE /api/articles/{slug}/favorite, alone and racing."""

from __future__ import annotations

import random
import threading
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from conduit import settings
from conduit.resources import FAVORITES
from tests.api.conftest import Api
from tests.api.publishing import publish


@pytest.fixture
def article(api: Api) -> dict[str, Any]:
    token = api.register("jake")["token"]
    return publish(api, token, title="Mine")


def test_favoriting_marks_the_article_and_counts_it(api: Api, article: dict[str, Any]) -> None:
    anne = api.register("anne")["token"]

    response = api.request("POST", "/api/articles/mine/favorite", token=anne)

    assert response.status_code == 200
    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (True, 1)
    assert api.request("GET", "/api/articles/mine", token=anne).json["article"]["favorited"] is True
    assert api.request("GET", "/api/articles/mine").json["article"]["favoritesCount"] == 1


def test_favoriting_twice_counts_once(api: Api, article: dict[str, Any]) -> None:
    anne = api.register("anne")["token"]
    api.request("POST", "/api/articles/mine/favorite", token=anne)

    response = api.request("POST", "/api/articles/mine/favorite", token=anne)

    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (True, 1)


def test_unfavoriting_uncounts(api: Api, article: dict[str, Any]) -> None:
    anne = api.register("anne")["token"]
    api.request("POST", "/api/articles/mine/favorite", token=anne)

    response = api.request("DELETE", "/api/articles/mine/favorite", token=anne)

    assert response.status_code == 200
    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (False, 0)


def test_unfavoriting_an_article_not_favorited_is_not_an_error(api: Api, article: dict[str, Any]) -> None:
    anne = api.register("anne")["token"]

    response = api.request("DELETE", "/api/articles/mine/favorite", token=anne)

    assert response.status_code == 200
    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (False, 0)


def test_authors_may_favorite_their_own_articles(api: Api, article: dict[str, Any]) -> None:
    jake = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": "correct-horse"}}
    )

    response = api.request("POST", "/api/articles/mine/favorite", token=jake.json["user"]["token"])

    assert response.json["article"]["favoritesCount"] == 1


def test_favoriting_an_unknown_article_is_a_404_and_needs_a_token(api: Api) -> None:
    anne = api.register("anne")["token"]

    assert api.request("POST", "/api/articles/nope/favorite", token=anne).status_code == 404
    assert api.request("DELETE", "/api/articles/nope/favorite", token=anne).status_code == 404
    assert api.request("POST", "/api/articles/nope/favorite").status_code == 401


def favorite_records() -> int:
    """Favorites as stored, counted the slow way (a test may Scan; a request never does)."""
    table = settings.table_name(FAVORITES)
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return sum(1 for item in items if not item["userId"]["S"].startswith("COUNT#"))  # not count items


def test_racing_favorites_and_unfavorites_keep_the_count_exact(api: Api, article: dict[str, Any]) -> None:
    users = [api.register(f"fan{i}")["token"] for i in range(8)]
    start = threading.Barrier(len(users))

    def toggle(token: str, seed: int) -> None:
        client, rng = Client(api.gateway), random.Random(seed)
        start.wait()
        for _ in range(6):
            method = rng.choice(["POST", "DELETE"])
            response = client.open(
                "/api/articles/mine/favorite", method=method, headers={"Authorization": f"Token {token}"}
            )
            assert response.status_code == 200, response.get_data(as_text=True)

    threads = [threading.Thread(target=toggle, args=(token, i)) for i, token in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    api.settle()

    count = api.request("GET", "/api/articles/mine").json["article"]["favoritesCount"]
    assert count == favorite_records()
    favorited_lists = sum(
        api.request("GET", f"/api/articles?favorited=fan{i}").json["articlesCount"] for i in range(len(users))
    )
    assert favorited_lists == count
