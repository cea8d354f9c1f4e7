"""Deleting an account (`DELETE /api/user`): at once what a person sees, then, through the stream
worker in bounded steps, everything else, until no item in any table names them.

A full account (articles with tags, comments on their own and others' articles, favorites,
follows both ways, a feed, a bio and an image, answers kept for Idempotency-Keys) is deleted,
the worker settles, and every table is scanned for their id, username, email, bio and image;
the invariant checker then reads the remaining world back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.resources import DELETION_PAGE_ENV_VAR, TABLES
from conduit.users import deletion
from local import invariants
from local.emulator import Emulator
from local.retrying import send_with_retries
from tests.api.conftest import PASSWORD, Api
from tests.api.publishing import publish
from tests.conftest import TEST_STAGE

BIO = "Collects rare xylophones in Zanzibar"
IMAGE = "https://images.example.com/zyx-portrait.png"


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    token: str
    user_id: str

    @property
    def traces(self) -> tuple[str, ...]:
        """What no item may hold once their account is gone."""
        return (self.user_id, self.username, self.email)


def person(api: Api, username: str) -> Person:
    user = api.register(username)
    reply = api.request("GET", "/api/user", token=user["token"])
    assert reply.status_code == 200, reply.text
    return Person(username, user["email"], user["token"], _subject(user["token"]))


def _subject(token: str) -> str:
    import base64
    import json

    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def send(api: Api, method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
    reply = api.request(method, path, body, token=token, headers=headers)
    assert reply.status_code in (200, 201, 204), f"{method} {path}: {reply.status_code} {reply.text}"
    return reply.json if reply.text else None


def delete_account(api: Api, who: Person, password: str = PASSWORD) -> Any:
    return api.request("DELETE", "/api/user", {"user": {"password": password}}, token=who.token)


def scan_everything() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every item of every table, as stored."""
    dynamodb = boto3.client("dynamodb")
    for table in TABLES:
        name = table.physical_name(TEST_STAGE)
        start: dict[str, Any] = {}
        while True:
            page = dynamodb.scan(TableName=name, **start)
            for item in page["Items"]:
                yield table.key, item
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield value


def remains_of(who: Person, extra: tuple[str, ...] = ()) -> list[tuple[str, dict[str, Any]]]:
    """Items holding anything of theirs, but for the revocation of their tokens, which DynamoDB
    deletes (time to live) once the last token issued before the deletion has expired, and
    their rate limits' current windows (counts, gone within the day by their time to live)."""
    traces = [t.lower() for t in (*who.traces, *extra)]
    found = []
    for table, item in scan_everything():
        text = " ".join(_strings(item)).lower()
        if not any(trace in text for trace in traces):
            continue
        pk = item.get("pk", {}).get("S", "")
        if pk.startswith(f"RATE#{who.user_id}#") and int(item["expires"]["N"]) <= time.time() + 86_400:
            continue  # a rate limit's window: a count, gone by its time to live (conduit.limits)
        revocation = pk == f"SESSIONS#{who.user_id}"
        if revocation and set(item) <= {"pk", "notBefore", "revoked", "allowed", "version", "expires"}:
            assert int(item["expires"]["N"]) <= time.time() + deletion.REVOCATION_SECONDS
            continue
        found.append((table, item))
    return found


def assert_nothing_remains(who: Person) -> None:
    remains = remains_of(who, (BIO, IMAGE))
    assert not remains, "\n".join(f"{table}: {item}" for table, item in remains)


def cognito_emails() -> set[str]:
    cognito = boto3.client("cognito-idp")
    users = cognito.list_users(UserPoolId=settings.user_pool().pool_id)["Users"]
    return {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"}


def invariants_hold(api: Api, accounts: list[Person]) -> list[str]:
    def call(method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        reply = api.request(method, path, body, token=token)
        return reply.status_code, reply.json if reply.text else None

    checked = [invariants.Account(p.username, p.email, PASSWORD, p.token) for p in accounts]
    return invariants.check(TEST_STAGE, checked, call).problems


# --- the refusals ---------------------------------------------------------------------------


def test_deleting_without_the_password_is_refused_and_deletes_nothing(api: Api) -> None:
    jake = person(api, "jake")

    missing = api.request("DELETE", "/api/user", {"user": {}}, token=jake.token)
    wrong = delete_account(api, jake, "not-the-password")

    assert (missing.status_code, missing.json) == (422, {"errors": {"password": ["can't be blank"]}})
    assert (wrong.status_code, wrong.json) == (422, {"errors": {"password": ["is invalid"]}})
    assert api.request("GET", "/api/user", token=jake.token).status_code == 200


# --- at once ------------------------------------------------------------------------------


def test_at_once_the_tokens_sign_in_profile_and_names_are_gone(lagging: Api) -> None:
    jake = person(lagging, "jake")
    publish(lagging, jake.token)

    deleted = delete_account(lagging, jake)
    me = lagging.request("GET", "/api/user", token=jake.token)
    login = lagging.request("POST", "/api/users/login", {"user": {"email": jake.email, "password": PASSWORD}})
    profile = lagging.request("GET", "/api/profiles/jake")
    again = lagging.request(
        "POST", "/api/users", {"user": {"username": "jake", "email": jake.email, "password": PASSWORD}}
    )

    assert deleted.status_code == 204, deleted.text
    assert (me.status_code, me.json) == (401, {"errors": {"token": ["has been revoked"]}})
    assert login.status_code == 401
    assert profile.status_code == 404
    assert again.status_code == 201, again.text
    assert _subject(again.json["user"]["token"]) != jake.user_id


def test_a_new_account_with_the_old_email_outlives_the_old_ones_deletion(lagging: Api) -> None:
    jake = person(lagging, "jake")
    delete_account(lagging, jake)
    again = lagging.register("jake", jake.email)

    lagging.settle()

    assert lagging.request("GET", "/api/user", token=again["token"]).status_code == 200
    assert lagging.request("GET", "/api/profiles/jake").status_code == 200


# --- nothing remains ---------------------------------------------------------------------------


@dataclass
class World:
    jake: Person
    others: list[Person]
    slugs: dict[str, list[str]]


def key() -> dict[str, str]:
    """A fresh Idempotency-Key: the answer is kept, naming its caller."""
    return {"Idempotency-Key": str(uuid.uuid4())}


def full_world(api: Api) -> World:
    """Jake, with everything an account can hold, among two others who read and write."""
    jake, alice, bob = (person(api, name) for name in ("jakexyz", "alice", "bob"))
    send(api, "PUT", "/api/user", jake.token, {"user": {"bio": BIO, "image": IMAGE}})
    article = {
        "article": {"title": "Jake on dragons", "description": "d", "body": "b", "tagList": ["dragons"]}
    }
    jakes = [send(api, "POST", "/api/articles", jake.token, article, **key())["article"]["slug"]]
    jakes.append(publish(api, jake.token, "Jake on training", tagList=["training", "dragons"])["slug"])
    alices = [publish(api, alice.token, "Alice on knots", tagList=["dragons"])["slug"]]
    bobs = [publish(api, bob.token, "Bob on ropes")["slug"]]
    for follower, followee in ((jake, alice), (alice, jake), (bob, jake), (jake, bob)):
        send(api, "POST", f"/api/profiles/{followee.username}/follow", follower.token, **key())
    for reader, slug in (
        (jake, alices[0]),
        (jake, bobs[0]),
        (jake, jakes[0]),
        (alice, jakes[0]),
        (bob, jakes[1]),
    ):
        send(api, "POST", f"/api/articles/{slug}/favorite", reader.token)
    send(api, "DELETE", f"/api/articles/{bobs[0]}/favorite", jake.token)  # a list that was, once
    for writer, slug, body in (
        (jake, alices[0], "Jake says hi"),
        (jake, jakes[0], "Jake answers"),
        (alice, jakes[0], "Alice says hi"),
    ):
        send(
            api, "POST", f"/api/articles/{slug}/comments", writer.token, {"comment": {"body": body}}, **key()
        )
    publish(api, alice.token, "Alice again", tagList=["knots"])  # in jake's feed
    return World(jake, [alice, bob], {"jake": jakes, "alice": alices, "bob": bobs})


def test_after_the_worker_ran_no_item_in_any_table_holds_anything_of_theirs(api: Api) -> None:
    world = full_world(api)
    jake = world.jake
    assert remains_of(jake, (BIO, IMAGE))  # the check finds them while they exist

    assert delete_account(api, jake).status_code == 204

    assert_nothing_remains(jake)
    assert jake.email not in cognito_emails()
    assert deletion.state(jake.user_id) is None


def test_after_the_deletion_counts_feeds_and_lists_agree(api: Api) -> None:
    world = full_world(api)

    delete_account(api, world.jake)

    assert invariants_hold(api, world.others) == []
    alice = world.others[0]
    article = send(api, "GET", f"/api/articles/{world.slugs['alice'][0]}", alice.token)["article"]
    assert article["favoritesCount"] == 0
    assert send(api, "GET", "/api/articles/feed", alice.token)["articlesCount"] == 0
    comments = send(api, "GET", f"/api/articles/{world.slugs['alice'][0]}/comments", alice.token)
    assert comments["comments"] == []
    for slug in world.slugs["jake"]:
        assert api.request("GET", f"/api/articles/{slug}").status_code == 404


# --- at scale, in many steps ----------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three items a step: a modest account takes dozens of steps."""
    monkeypatch.setenv(DELETION_PAGE_ENV_VAR, "3")
    settings.reset()


def prolific_world(api: Api, articles: int, comments: int, followers: int) -> tuple[Person, list[Person]]:
    """An author of `articles` articles, `comments` comments on a neighbour's articles and their
    own, followed by `followers` people who favorite their first article."""
    jake, alice = person(api, "prolific"), person(api, "neighbour")
    send(api, "PUT", "/api/user", jake.token, {"user": {"bio": BIO, "image": IMAGE}})
    slugs = [
        publish(api, jake.token, f"Prolific {n}", tagList=[f"t{n % 3}"])["slug"] for n in range(articles)
    ]
    hers = publish(api, alice.token, "Neighbourly")["slug"]
    for n in range(comments):
        slug = hers if n % 2 else slugs[n % len(slugs)]
        send(api, "POST", f"/api/articles/{slug}/comments", jake.token, {"comment": {"body": f"c{n}"}})
    fans = [person(api, f"fan{n}") for n in range(followers)]
    for fan in fans:
        send(api, "POST", "/api/profiles/prolific/follow", fan.token)
        send(api, "POST", f"/api/articles/{slugs[0]}/favorite", fan.token)
    send(api, "POST", "/api/profiles/neighbour/follow", jake.token)
    send(api, "POST", f"/api/articles/{hers}/favorite", jake.token)
    return jake, [alice, *fans]


def test_a_prolific_account_is_deleted_in_many_bounded_steps(lagging: Api, small_pages: None) -> None:
    jake, others = prolific_world(lagging, articles=30, comments=120, followers=20)
    lagging.settle()
    steps: list[str] = []
    original = deletion.step

    def counted(current: deletion.State) -> deletion.Outcome:
        steps.append(current.phase.value)
        return original(current)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deletion, "step", counted)
        assert delete_account(lagging, jake).status_code == 204
        lagging.settle()

    assert_nothing_remains(jake)
    assert len(steps) > 60  # 30 articles, 120 comments, 20 followers, 3 a step
    assert {"articles", "comments", "favorites", "followers", "sweep"} <= set(steps)
    assert invariants_hold(lagging, others[:3]) == []


# --- interrupted, and in bad weather ----------------------------------------------------------


def interrupted(before: bool) -> Callable[[deletion.State], deletion.Outcome]:
    """`deletion.step` failing once at every step: before its work, or after it (the work done,
    where it got to not written)."""
    original = deletion.step
    failed: set[tuple[int, str]] = set()

    def step(current: deletion.State) -> deletion.Outcome:
        key = (current.steps, current.phase.value)
        if key not in failed:
            failed.add(key)
            if before:
                raise RuntimeError(f"interrupted before step {key}")
            original(current)
            raise RuntimeError(f"interrupted after step {key}")
        return original(current)

    return step


@pytest.mark.parametrize("before", [True, False], ids=["before-its-work", "after-its-work"])
def test_a_deletion_interrupted_at_every_step_resumes_and_completes(
    api: Api, small_pages: None, before: bool
) -> None:
    world = full_world(api)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deletion, "step", interrupted(before))
        assert delete_account(api, world.jake).status_code == 204

    assert_nothing_remains(world.jake)
    assert invariants_hold(api, world.others) == []


def test_a_deletion_in_bad_weather_completes(api: Api, emulator: Emulator, small_pages: None) -> None:
    world = full_world(api)
    jake = world.jake

    weather = emulator.start_weather(0.2, seed=17)
    try:

        def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
            reply = api.request("DELETE", "/api/user", {"user": {"password": PASSWORD}}, jake.token, headers)
            return reply.status_code, reply.headers, reply.json if reply.text else None

        outcome = send_with_retries(once, "DELETE", tries=8)
    finally:
        injected = sum(weather.injected.values())
        emulator.heal()
    api.settle()

    # A retry after a 503 whose deletion went through to the revocation is refused as revoked.
    assert outcome.status in (204, 401), outcome.attempts
    assert [a.status for a in outcome.attempts if a.status == 500] == []
    assert injected > 20
    assert_nothing_remains(jake)
    assert invariants_hold(api, world.others) == []
    assert api.streams.dead_letters == []
