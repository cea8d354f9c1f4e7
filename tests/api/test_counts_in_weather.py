"""Counts are exact after any weather, with the stream worker running beside the requests.

As on `make dev` (and in AWS), the worker is fed in the background while clients write: several
clients favorite and unfavorite the same articles at once, each retrying as a careful client
does, while the emulator fails 20% of the DynamoDB and Cognito calls the ways AWS fails them,
the worker's own calls included (lost replies, retried batches, transaction conflicts). Then
the faults stop and the worker catches up, and every count must equal its members. The run
happens once; each test checks one count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from random import Random
from typing import Any

import pytest
from werkzeug.test import Client

from local.emulator import Emulator
from local.gateway import LocalGateway
from local.retrying import send_with_retries
from local.streams import StreamPump
from tests.api.conftest import PASSWORD, Api
from tests.api.test_weather import _fresh_clients
from tests.conftest import fresh_resources

RATE = 0.2
SEED = 16
USERS = 5
ARTICLES = 6
TAGS = ("dragons", "training")
CHANGES = 24  # favorites and unfavorites per client


@dataclass
class World:
    api: Api
    tokens: dict[str, str] = field(default_factory=dict)
    slugs: list[str] = field(default_factory=list)
    failed: list[tuple[str, int | None]] = field(default_factory=list)
    injected: int = 0


def send(client: Client, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
        if token:
            headers["Authorization"] = f"Token {token}"
        reply = client.open(path, method=method, json=body, headers=headers)
        text = reply.get_data(as_text=True)
        return reply.status_code, reply.headers, reply.json if text else None

    return send_with_retries(once, method, tries=8)


def churn(world: World, gateway: LocalGateway, name: str) -> None:
    """One client's favorites and unfavorites, in an order of its own."""
    client, token, random = Client(gateway), world.tokens[name], Random(name)
    for _ in range(CHANGES):
        slug = random.choice(world.slugs)
        method = random.choice(("POST", "DELETE"))
        outcome = send(client, method, f"/api/articles/{slug}/favorite", token=token)
        if not outcome.succeeded:
            world.failed.append((f"{method} {slug}", outcome.status))


@pytest.fixture(scope="module")
def world(emulator: Emulator, gateway: LocalGateway) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = fresh_resources(emulator, monkeypatch)
        _fresh_clients()
        api = Api(Client(gateway), calls, gateway, StreamPump(), lagging=True)
        result = World(api)
        client = Client(gateway)
        for n in range(USERS):
            name = f"user{n}"
            body = {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}
            result.tokens[name] = send(client, "POST", "/api/users", body).body["user"]["token"]
        for n in range(ARTICLES):
            article = {"title": f"Article {n}", "description": "d", "body": "b", "tagList": [TAGS[n % 2]]}
            token = result.tokens[f"user{n % USERS}"]
            result.slugs.append(
                send(client, "POST", "/api/articles", {"article": article}, token).body["article"]["slug"]
            )
        weather = emulator.start_weather(RATE, SEED)
        stop = threading.Event()
        pump = threading.Thread(target=api.streams.pump, args=(stop, 0.05), daemon=True)
        pump.start()
        try:
            clients = [threading.Thread(target=churn, args=(result, gateway, name)) for name in result.tokens]
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join()
        finally:
            result.injected = sum(weather.injected.values())
            emulator.heal()
            stop.set()
            pump.join()
        api.settle()  # the worker catches up, faults off
        yield result
        _fresh_clients()


def article_as(world: World, slug: str, name: str | None) -> dict[str, Any]:
    token = world.tokens[name] if name else None
    reply = world.api.request("GET", f"/api/articles/{slug}", token=token)
    assert reply.status_code == 200, reply.text
    article: dict[str, Any] = reply.json["article"]
    return article


def test_the_weather_hit_the_writes_and_the_worker(world: World) -> None:
    assert world.injected > 50
    assert world.failed == []


def test_every_favorites_count_equals_the_users_who_see_it_favorited(world: World) -> None:
    counts = {slug: article_as(world, slug, None)["favoritesCount"] for slug in world.slugs}
    favorited = {
        slug: sum(article_as(world, slug, name)["favorited"] for name in world.tokens) for slug in world.slugs
    }

    assert counts == favorited


def test_every_list_shows_the_same_count_as_its_article(world: World) -> None:
    listed = world.api.request("GET", f"/api/articles?limit={ARTICLES}").json["articles"]

    assert {a["slug"]: a["favoritesCount"] for a in listed} == {
        slug: article_as(world, slug, None)["favoritesCount"] for slug in world.slugs
    }


def test_every_filtered_favorites_list_counts_exactly_its_members(world: World) -> None:
    for name in world.tokens:
        mine = world.api.request("GET", f"/api/articles?favorited={name}&limit=20").json
        for tag in TAGS:
            narrowed = world.api.request("GET", f"/api/articles?favorited={name}&tag={tag}&limit=20").json
            expected = sorted(a["slug"] for a in mine["articles"] if tag in a["tagList"])

            assert (sorted(a["slug"] for a in narrowed["articles"]), narrowed["articlesCount"]) == (
                expected,
                len(expected),
            )


def test_nothing_was_dead_lettered(world: World) -> None:
    assert world.api.streams.dead_letters == []
