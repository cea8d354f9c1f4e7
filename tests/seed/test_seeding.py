"""`make seed` against the local stack over real HTTP: a server on a loopback port in front of
the local gateway and the emulator, as `make dev` runs it, and the seed's own client."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.error import URLError

import boto3
import pytest
from werkzeug.serving import make_server

from conduit import settings
from conduit.resources import TABLES
from local.emulator import CallLog
from local.gateway import LocalGateway
from local.streams import StreamPump
from seed import world as worlds
from seed.__main__ import main
from seed.client import Client, path
from seed.planting import plant

SMALL = {"users": 4, "articles": 8}


@pytest.fixture
def api(aws: CallLog) -> Iterator[str]:
    """The API of a fresh, empty local stack at http://127.0.0.1:<port>/api."""
    server = make_server("127.0.0.1", 0, LocalGateway(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()
    server.server_close()


def stored() -> dict[str, int]:
    """Items per table, after the stream worker has caught up (feeds are its writes)."""
    StreamPump().drain()
    dynamodb = boto3.client("dynamodb")
    counts = {}
    for table in TABLES:
        pages = dynamodb.get_paginator("scan").paginate(TableName=settings.table_name(table), Select="COUNT")
        counts[table.key] = sum(page["Count"] for page in pages)
    return counts


def seed(api: str, capsys: pytest.CaptureFixture[str]) -> str:
    args = ["--api", api, "--users", str(SMALL["users"]), "--articles", str(SMALL["articles"])]
    assert main([*args, "--no-progress"]) == 0
    return capsys.readouterr().out


def seen_through_the_api(api: str) -> dict[str, int]:
    """What a frontend shows: articles, comments, favorites and follows of the seeded world,
    once the stream worker has caught up (the site-wide list and the counts are its writes, as
    `make dev`'s pump makes them a moment later)."""
    StreamPump().drain()
    client = Client(api)
    articles = client.request("GET", path("articles", limit="100"), repeatable=True).body
    world = worlds.generate(**SMALL)
    token = client.request(
        "POST",
        "/users/login",
        {"user": {"email": world.people[0].email, "password": worlds.PASSWORD}},
        repeatable=True,
    ).body["user"]["token"]
    following = [
        client.request("GET", path("profiles", p.username), token=token, repeatable=True).body["profile"][
            "following"
        ]
        for p in world.people[1:]
    ]
    return {
        "articles": articles["articlesCount"],
        "favorites": sum(a["favoritesCount"] for a in articles["articles"]),
        "comments": sum(
            len(
                client.request("GET", path("articles", a["slug"], "comments"), repeatable=True).body[
                    "comments"
                ]
            )
            for a in articles["articles"]
        ),
        "followed by the first person": sum(following),
    }


def expected(world: worlds.World) -> dict[str, int]:
    first = world.people[0].username
    return {
        "articles": len(world.articles),
        "favorites": len(world.favorites),
        "comments": len(world.comments),
        "followed by the first person": sum(1 for follower, _ in world.follows if follower == first),
    }


def test_seeding_twice_creates_nothing_the_second_time(api: str, capsys: pytest.CaptureFixture[str]):
    first = seed(api, capsys)
    after_first = stored()
    second = seed(api, capsys)

    assert stored() == after_first
    world = worlds.generate(**SMALL)
    assert f"{len(world.articles)} articles ({len(world.articles)} new)" in first
    assert f"{len(world.articles)} articles (0 new)" in second
    assert second.count("(0 new)") == 5
    assert seen_through_the_api(api) == expected(world)


def test_the_seeded_people_sign_in_with_the_documented_password(api: str, capsys: pytest.CaptureFixture[str]):
    output = seed(api, capsys)
    world = worlds.generate(**SMALL)

    for person in world.people:
        reply = Client(api).request(
            "POST",
            "/users/login",
            {"user": {"email": person.email, "password": "conduit-demo"}},
            repeatable=True,
        )
        assert reply.status == 200
        assert reply.body["user"]["bio"] == person.bio
    assert f"with the password {worlds.PASSWORD}" in output


class LostReplies(Client):
    """Every create is applied, but the first reply to each is lost (a timeout after the
    commit): the seed must look before it creates again."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, sleep=lambda _: None)
        self.lost: set[tuple[str, str]] = set()

    def _send(self, method: str, where: str, body: Any, token: str | None) -> tuple[int, str | None, Any]:
        answer = super()._send(method, where, body, token)
        creates = method == "POST" and (where == "/articles" or where.endswith("/comments"))
        if creates and (where, repr(body)) not in self.lost:
            self.lost.add((where, repr(body)))
            raise URLError(TimeoutError("timed out"))
        return answer


def test_a_lost_reply_to_a_create_does_not_create_it_twice(api: str):
    world = worlds.generate(**SMALL)
    client = LostReplies(api)

    tally = plant(client, world, progress=False)

    assert len(client.lost) == len(world.articles) + len(world.comments)
    assert tally.created["articles"] == len(world.articles)
    assert seen_through_the_api(api) == expected(world)


class Busy(Client):
    """Every other request is refused with 503 and `Retry-After: 1` before it reaches the API."""

    def __init__(self, base_url: str) -> None:
        self.waits: list[float] = []
        super().__init__(base_url, sleep=self.waits.append)
        self.sent = 0

    def _send(self, method: str, where: str, body: Any, token: str | None) -> tuple[int, str | None, Any]:
        self.sent += 1
        if self.sent % 2:
            return 503, "1", {"errors": {"server": ["busy"]}}
        return super()._send(method, where, body, token)


def test_a_busy_api_is_waited_for_as_retry_after_says(api: str):
    world = worlds.generate(**SMALL)
    client = Busy(api)

    plant(client, world, progress=False)

    assert client.waits
    assert set(client.waits) == {1.0}
    assert seen_through_the_api(api) == expected(world)


def test_a_stopped_api_is_reported_at_once(capsys: pytest.CaptureFixture[str]):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        stopped = f"http://127.0.0.1:{s.getsockname()[1]}/api"  # nothing listens once it is closed

    assert main(["--api", stopped, "--no-progress"]) == 1
    assert "is `make dev` running?" in capsys.readouterr().err
