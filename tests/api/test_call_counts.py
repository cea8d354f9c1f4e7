"""Each request's DynamoDB calls are the same however much data there is.

Every test makes the same request against a small and a large amount of data and compares
the calls the request made (the page size is fixed, so the response is the same size too).
No request path ever scans: no route is granted `Scan` (see test_route_table), and the API
client fails any request that calls what its route was not granted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from conduit.articles.models import BODY_MAX
from conduit.resources import SHARDING
from tests.api.conftest import Api
from tests.api.publishing import publish

SMALL, LARGE = 1, 6


def calls_of(api: Api, method: str, path: str, token: str | None = None, body: object = None) -> Counter[str]:
    response = api.request(method, path, body, token=token)
    assert response.status_code < 400, response.text
    return Counter(api.calls.dynamodb)


@pytest.fixture
def tokens(api: Api) -> dict[str, str]:
    return {name: str(api.register(name)["token"]) for name in ("small", "large", "reader")}


def grow(api: Api, tokens: dict[str, str], author: str, count: int, prefix: str) -> None:
    """`count` articles by `author`, each tagged, favorited by the reader and commented on."""
    for n in range(count):
        slug = publish(api, tokens[author], title=f"{prefix}{n}", tagList=[prefix, "common"])["slug"]
        api.request("POST", f"/api/articles/{slug}/favorite", token=tokens["reader"])
        api.request(
            "POST", f"/api/articles/{slug}/comments", {"comment": {"body": "hi"}}, token=tokens["reader"]
        )


@pytest.fixture
def world(api: Api, tokens: dict[str, str]) -> dict[str, str]:
    grow(api, tokens, "small", SMALL, "s")
    grow(api, tokens, "large", LARGE, "l")
    api.request("POST", "/api/profiles/small/follow", token=tokens["reader"])
    api.request("POST", "/api/profiles/large/follow", token=tokens["reader"])
    return tokens


PAIRS: dict[str, Callable[[str, str], tuple[str, str]]] = {
    "by author": lambda s, large: (
        f"/api/articles?author={s}&limit=5",
        f"/api/articles?author={large}&limit=5",
    ),
    "by tag": lambda s, large: ("/api/articles?tag=s&limit=5", "/api/articles?tag=l&limit=5"),
    "by tag and author": lambda s, large: (
        f"/api/articles?tag=s&author={s}&limit=5",
        f"/api/articles?tag=l&author={large}&limit=5",
    ),
    "deep offset": lambda s, large: (
        "/api/articles?limit=1&offset=0",
        f"/api/articles?limit=1&offset={LARGE}",
    ),
    "comments": lambda s, large: ("/api/articles/s0/comments", "/api/articles/l0/comments"),
    "one article": lambda s, large: ("/api/articles/s0", f"/api/articles/l{LARGE - 1}"),
    "profile": lambda s, large: (f"/api/profiles/{s}", f"/api/profiles/{large}"),
}


@pytest.mark.parametrize("case", PAIRS, ids=str)
def test_a_read_costs_the_same_on_little_and_much_data(api: Api, world: dict[str, str], case: str) -> None:
    small_path, large_path = PAIRS[case]("small", "large")

    small = calls_of(api, "GET", small_path, token=world["reader"])
    large = calls_of(api, "GET", large_path, token=world["reader"])

    assert small == large


def test_a_page_is_one_query_and_one_round_of_batch_reads(api: Api, world: dict[str, str]) -> None:
    calls = calls_of(api, "GET", "/api/articles?favorited=reader&tag=common&limit=20", token=world["reader"])

    # the usernames; the favorites list (count and entries) beside the reader's follow edges
    # and their pending changes (none); the listed articles' cards (a favorites list holds
    # references). The reader's own favorites are all favorited: no flags to read.
    assert calls == Counter({"BatchGetItem": 2, "Query": 3})


def test_a_cursor_page_costs_the_same_deep_in_the_list(api: Api, world: dict[str, str]) -> None:
    first = api.request("GET", "/api/articles?limit=1").json
    early = calls_of(api, "GET", f"/api/articles?limit=1&cursor={first['nextCursor']}")
    cursor = first["nextCursor"]
    for _ in range(LARGE - 2):
        cursor = api.request("GET", f"/api/articles?limit=1&cursor={cursor}").json["nextCursor"]

    late = calls_of(api, "GET", f"/api/articles?limit=1&cursor={cursor}")

    assert early == late


def test_tags_cost_one_query_per_popularity_partition(api: Api, world: dict[str, str]) -> None:
    assert calls_of(api, "GET", "/api/tags") == Counter({"Query": SHARDING.popularity})


def test_a_site_wide_page_is_one_round_of_shard_queries_and_one_of_flags(
    api: Api, world: dict[str, str]
) -> None:
    anonymous = calls_of(api, "GET", "/api/articles?limit=5")
    signed_in = calls_of(api, "GET", "/api/articles?limit=5", token=world["reader"])

    assert anonymous == Counter({"Query": SHARDING.lists})
    # the shards, the reader's follow edges and pending changes, then the reader's favorites
    # between the page's ends
    assert signed_in == Counter({"Query": SHARDING.lists + 3})


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/articles/{slug}/favorite", None),
        ("DELETE", "/api/articles/{slug}/favorite", None),
        ("POST", "/api/articles/{slug}/comments", {"comment": {"body": "more"}}),
        ("PUT", "/api/articles/{slug}", {"article": {"body": "edited"}}),
        ("DELETE", "/api/articles/{slug}", None),
    ],
    ids=["favorite", "unfavorite", "comment", "edit", "delete"],
)
def test_a_write_costs_the_same_on_little_and_much_data(
    api: Api, world: dict[str, str], method: str, path: str, body: object
) -> None:
    small_token = large_token = world["reader"]
    if path == "/api/articles/{slug}":
        small_token, large_token = world["small"], world["large"]
    if method == "POST" and path.endswith("favorite"):
        api.request("DELETE", "/api/articles/s0/favorite", token=world["reader"])
        api.request("DELETE", "/api/articles/l0/favorite", token=world["reader"])

    small = calls_of(api, method, path.format(slug="s0"), token=small_token, body=body)
    large = calls_of(api, method, path.format(slug="l0"), token=large_token, body=body)

    assert small == large


def test_creating_an_article_costs_the_same_however_many_exist(api: Api, world: dict[str, str]) -> None:
    article = {"title": "Fresh", "description": "d", "body": "b", "tagList": ["s"]}

    first = calls_of(api, "POST", "/api/articles", token=world["small"], body={"article": article})
    publish(api, world["large"], title="Filler", tagList=["s"])
    second = calls_of(
        api, "POST", "/api/articles", token=world["large"], body={"article": {**article, "title": "New"}}
    )

    assert first == second


def keys_read(api: Api) -> list[str]:
    """The partition keys of the articles-table items the last request read."""
    keys = []
    for call in api.calls.calls:
        wanted = call.params.get("RequestItems", {}) if call.operation == "BatchGetItem" else {}
        for table, request in wanted.items():
            if table.endswith("-articles"):
                keys += [key["pk"]["S"] for key in request["Keys"]]
        if call.operation == "GetItem" and call.params["TableName"].endswith("-articles"):
            keys.append(call.params["Key"]["pk"]["S"])
    return keys


def bytes_read(api: Api) -> int:
    """What the last request's DynamoDB calls answered, in bytes: reads cost by item size."""
    return sum(call.response_size for call in api.calls.calls if call.service.startswith("DynamoDB_"))


@pytest.mark.parametrize(
    "page", ["/api/articles?author={author}&limit=3", "/api/articles/feed?limit=3"], ids=["list", "feed"]
)
def test_a_page_reads_the_same_whatever_the_length_of_its_bodies(api: Api, page: str) -> None:
    tokens = {name: str(api.register(name)["token"]) for name in ("terse", "wordy", "reader")}
    for author, body in (("terse", "b"), ("wordy", "w" * BODY_MAX)):
        for n in range(3):
            publish(api, tokens[author], title=f"{author}{n}", body=body)
    measured = []
    for author in ("terse", "wordy"):
        api.request("POST", f"/api/profiles/{author}/follow", token=tokens["reader"])
        response = api.request("GET", page.format(author=author), token=tokens["reader"])
        assert len(response.json["articles"]) == 3
        kinds = [key.split("#")[0] for key in keys_read(api)]
        measured.append((Counter(api.calls.dynamodb), bytes_read(api), kinds))
        api.request("DELETE", f"/api/profiles/{author}/follow", token=tokens["reader"])

    short, long = measured

    assert short[1] > 0
    assert short == long
    assert short[2] == []  # cards only: no article item, no body is read
