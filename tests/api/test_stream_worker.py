"""The stream worker: clean-up after deletes, idempotent replays, failures reported per record."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.feeds import service as feeds
from conduit.listings import store as listings
from conduit.resources import COMMENTS, FAVORITES, FOLLOWS
from conduit.routes import WORKERS
from local.emulator import Emulator
from local.gateway import LambdaContext, load_handler
from local.streams import DeadLettered, StreamPump
from tests.api.conftest import Api
from tests.api.publishing import publish


def stored(table: Any) -> int:
    """Favorites or comments as stored, counted the slow way (a test may Scan; a request never
    does); an article's favorite count items are not favorites."""
    items = boto3.client("dynamodb").scan(TableName=settings.table_name(table))["Items"]
    return sum(1 for item in items if not item.get("userId", {}).get("S", "").startswith("COUNT#"))


def scenario(api: Api) -> dict[str, str]:
    tokens = {name: str(api.register(name)["token"]) for name in ("jake", "anne", "bob")}
    for follower in ("anne", "bob"):
        api.request("POST", "/api/profiles/jake/follow", token=tokens[follower])
    for title in ("One", "Two"):
        publish(api, tokens["jake"], title=title, tagList=["t"])
        for fan in ("anne", "bob"):
            api.request("POST", f"/api/articles/{title.lower()}/favorite", token=tokens[fan])
            api.request(
                "POST",
                f"/api/articles/{title.lower()}/comments",
                {"comment": {"body": "!"}},
                token=tokens[fan],
            )
    return tokens


def snapshot(api: Api, tokens: dict[str, str]) -> dict[str, Any]:
    return {
        "feeds": [api.request("GET", "/api/articles/feed", token=tokens[n]).json for n in ("anne", "bob")],
        "favorited": [api.request("GET", f"/api/articles?favorited={n}").json for n in ("anne", "bob")],
        "tagged": api.request("GET", "/api/articles?tag=t").json,
        "favorites": stored(FAVORITES),
        "comments": stored(COMMENTS),
    }


def test_deleting_an_article_drops_its_favorites_comments_and_feed_entries(api: Api) -> None:
    tokens = scenario(api)

    api.request("DELETE", "/api/articles/one", token=tokens["jake"])

    assert (stored(FAVORITES), stored(COMMENTS)) == (2, 2)  # only those of "Two" remain
    for name in ("anne", "bob"):
        feed = api.request("GET", "/api/articles/feed", token=tokens[name]).json
        assert ([a["slug"] for a in feed["articles"]], feed["articlesCount"]) == (["two"], 1)
        favorited = api.request("GET", f"/api/articles?favorited={name}").json
        assert favorited["articlesCount"] == 1


def test_replaying_every_stream_record_changes_nothing(api: Api) -> None:
    tokens = scenario(api)
    api.request("DELETE", "/api/articles/one", token=tokens["jake"])
    api.request("DELETE", "/api/profiles/jake/follow", token=tokens["bob"])
    before = snapshot(api, tokens)

    replayed = StreamPump().drain()  # a new pump reads every stream from its start again

    assert replayed > 0
    assert snapshot(api, tokens) == before


def test_a_record_that_fails_is_reported_alone_for_retry(api: Api) -> None:
    """A follow record without its followee cannot be applied: only it goes back for retry."""
    worker = load_handler("streams.worker.handler")
    follows_stream = f"arn:aws:dynamodb:us-east-1:123456789012:table/{settings.table_name(FOLLOWS)}/stream/x"
    change: dict[str, Any] = {"Keys": {}, "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"}
    good: dict[str, Any] = {
        "eventID": "ok",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": follows_stream,
        "dynamodb": change,
    }
    bad = {
        **good,
        "eventID": "bad",
        "eventName": "INSERT",
        "dynamodb": {**change, "SequenceNumber": "2", "NewImage": {"followerId": {"S": "x"}}},
    }
    context = LambdaContext("conduit-local-StreamWorker", 512, "request", deadline_ms=1e15)

    result = worker({"Records": [good, bad]}, context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def failing_for(monkeypatch: pytest.MonkeyPatch, followers: set[str]) -> list[str]:
    """Make the worker fail every new follow of these followers; returns who was handled."""
    handled: list[str] = []
    followed = feeds.followed

    def poisoned(follower_id: str, author_id: str) -> None:
        handled.append(follower_id)
        if follower_id in followers:
            raise RuntimeError("poison record")
        followed(follower_id, author_id)

    monkeypatch.setattr(feeds, "followed", poisoned)
    return handled


def user_id(api: Api, token: str) -> str:
    from conduit.auth import authenticate
    from conduit.routes import Auth

    caller = authenticate(Auth.REQUIRED, f"Token {token}")
    assert caller is not None
    return caller.user_id


def test_the_local_pump_retries_a_failing_batch_then_dead_letters_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.register("jake")
    token = api.register("anne")["token"]
    handled = failing_for(monkeypatch, {user_id(api, token)})
    pump = StreamPump()
    pump.drain()  # nothing streamed yet but the users: no worker calls fail on them
    api.client.post("/api/profiles/jake/follow", headers={"Authorization": f"Token {token}"})
    retries = max(worker.max_retries for worker in WORKERS)

    with pytest.raises(DeadLettered):
        pump.drain()

    assert len(handled) == 1 + retries  # delivered once, then retried `max_retries` times
    assert [letter.batch_size for letter in pump.dead_letters] == [1]
    assert pump.drain() == 0  # the shard moved on


def test_a_poison_record_goes_to_the_dead_letter_queue_and_the_records_behind_it_are_applied(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    jake = api.register("jake")["token"]
    publish(api, jake, title="One")
    tokens = {name: str(api.register(name)["token"]) for name in ("anne", "bob", "carl")}
    bob = user_id(api, tokens["bob"])
    failing_for(monkeypatch, {bob})
    pump = api.streams  # the one that drains after each request
    for name in ("anne", "bob", "carl"):
        api.client.post("/api/profiles/jake/follow", headers={"Authorization": f"Token {tokens[name]}"})

    pump.drain(strict=False)

    # what the worker put in each feed (bob's own reads still show his follow: docs/api.md)
    filled = {n: listings.read_counter(listings.feed_key(user_id(api, t))) for n, t in tokens.items()}
    assert filled == {"anne": 1, "bob": 0, "carl": 1}
    (letter,) = pump.dead_letters
    assert letter.records[0]["dynamodb"]["NewImage"]["followerId"]["S"] == bob
    assert letter.start_sequence_number == letter.records[0]["dynamodb"]["SequenceNumber"]


def test_a_batch_whose_every_record_fails_is_bisected_until_each_goes_alone_to_the_queue(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.register("jake")
    tokens = [str(api.register(name)["token"]) for name in ("anne", "bob")]
    failing_for(monkeypatch, {user_id(api, token) for token in tokens})
    pump = StreamPump()
    pump.drain()
    for token in tokens:
        api.client.post("/api/profiles/jake/follow", headers={"Authorization": f"Token {token}"})

    pump.drain(strict=False)

    assert [letter.batch_size for letter in pump.dead_letters] == [1, 1]


def test_a_pump_whose_stream_discovery_failed_part_way_finds_every_stream_next_time(
    api: Api, emulator: Emulator
) -> None:
    jake = api.register("jake")["token"]
    publish(api, jake, title="Tagged", tagList=["news"])
    pump = StreamPump()  # a new one: it has found no stream yet, and must find them all
    emulator.fail("DescribeTable", after=1)  # the first source table is found, the next is not
    with pytest.raises(Exception, match="DescribeTable"):
        pump.drain()
    emulator.heal()

    pump.drain()

    assert {(s.worker.name, s.stream_arn.split("/")[1]) for s in pump._shards.values()} == {
        (worker.name, settings.table_name(table)) for worker in WORKERS for table in worker.sources
    }
