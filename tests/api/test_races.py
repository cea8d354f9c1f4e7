"""Uniqueness under concurrency: requests racing through the HTTP path, exactly one wins.

Each thread is its own client, and the emulator applies each DynamoDB request atomically, as
DynamoDB does. The racers are held at a rendezvous right after the uniqueness pre-check, so
every one of them has seen the name free before any of them writes: only the conditional
writes stand between them, in every run, not only in unlucky ones.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from conduit.users import store
from tests.api.conftest import PASSWORD, Api, Reply

RACERS = 8


@pytest.fixture(autouse=True)
def rendezvous_after_precheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each racer after its first uniqueness pre-check until all have made theirs."""
    barrier = threading.Barrier(RACERS, timeout=20)
    checked = threading.local()
    precheck = store.taken_by_others

    def held(*args: Any, **kwargs: Any) -> list[str]:
        result = precheck(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not getattr(checked, "done", False):
            checked.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(store, "taken_by_others", held)
    return


def race(api: Api, request: Callable[[Client, int], TestResponse]) -> list[Reply]:
    """Start `RACERS` threads that each send one request at the same moment."""
    start = threading.Barrier(RACERS)
    responses: list[Any] = [None] * RACERS

    def run(i: int) -> None:
        client = Client(api.gateway)
        start.wait()
        responses[i] = Reply.of(request(client, i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def register(client: Client, username: str, email: str) -> TestResponse:
    body = {"user": {"username": username, "email": email, "password": PASSWORD}}
    return client.post("/api/users", json=body)


def cognito_users(api: Api) -> int:
    import boto3

    from conduit import settings

    pool_id = settings.user_pool().pool_id
    return len(boto3.client("cognito-idp").list_users(UserPoolId=pool_id)["Users"])


def test_racing_registrations_of_one_username_have_exactly_one_winner(api: Api) -> None:
    responses = race(api, lambda client, i: register(client, "jake", f"jake{i}@example.com"))

    assert Counter(r.status_code for r in responses) == {201: 1, 422: RACERS - 1}
    losers = [r.json for r in responses if r.status_code == 422]
    assert all(body == {"errors": {"username": ["has already been taken"]}} for body in losers)
    assert cognito_users(api) == 1  # every loser removed the Cognito user it had created


def test_racing_registrations_of_one_email_have_exactly_one_winner(api: Api) -> None:
    responses = race(api, lambda client, i: register(client, f"jake{i}", "jake@example.com"))

    assert Counter(r.status_code for r in responses) == {201: 1, 422: RACERS - 1}
    losers = [r.json for r in responses if r.status_code == 422]
    assert all(body == {"errors": {"email": ["has already been taken"]}} for body in losers)
    assert cognito_users(api) == 1


def test_racing_renames_to_one_username_have_exactly_one_winner(api: Api) -> None:
    tokens = [api.register(f"user{i}")["token"] for i in range(RACERS)]

    responses = race(
        api,
        lambda client, i: client.put(
            "/api/user", json={"user": {"username": "jake"}}, headers={"Authorization": f"Token {tokens[i]}"}
        ),
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 422: RACERS - 1}
    winner = next(r.json["user"]["username"] for r in responses if r.status_code == 200)
    assert winner == "jake"
    # Every loser still owns its old name, and nobody else got "jake".
    for i, response in enumerate(responses):
        if response.status_code == 422:
            assert api.request("GET", f"/api/profiles/user{i}").status_code == 200


def test_concurrent_renames_of_one_user_leave_exactly_one_username_claimed(api: Api) -> None:
    token = api.register("jake")["token"]

    responses = race(
        api,
        lambda client, i: client.put(
            "/api/user", json={"user": {"username": f"name{i}"}}, headers={"Authorization": f"Token {token}"}
        ),
    )

    assert sum(r.status_code == 200 for r in responses) >= 1
    current = api.request("GET", "/api/user", token=token).json["user"]["username"]
    claimed = [i for i in range(RACERS) if api.request("GET", f"/api/profiles/name{i}").status_code == 200]
    assert [f"name{i}" for i in claimed] == [current]
    # The names lost in the race are free again for anyone.
    for i in range(RACERS):
        if f"name{i}" != current:
            assert api.register(f"name{i}", f"n{i}@example.com")["username"] == f"name{i}"
            break
