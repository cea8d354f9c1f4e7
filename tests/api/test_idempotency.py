"""`Idempotency-Key` on every POST: a repeat gets the first answer and writes nothing (docs/api.md)."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.resources import ARTICLES, IDEMPOTENCY
from local.emulator import CallLog
from tests.api.conftest import PASSWORD, Api, Reply

ARTICLE = {"article": {"title": "Dragons", "description": "How to train them", "body": "Patiently"}}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def key(value: str = "8e03978e-40d5-43e8-bc93-6894a57f9324") -> dict[str, str]:
    return {"Idempotency-Key": value}


def writes_beyond_the_idempotency_table(calls: CallLog) -> list[str]:
    table = settings.table_name(IDEMPOTENCY)
    return [
        c.operation
        for c in calls.calls
        if c.operation in WRITES and c.params.get("TableName") != table and c.service.startswith("DynamoDB")
    ]


def article_count() -> int:
    items = boto3.client("dynamodb").scan(TableName=settings.table_name(ARTICLES))["Items"]
    return sum(1 for item in items if item["pk"]["S"].startswith("ARTICLE#"))


@pytest.fixture
def jake(api: Api) -> str:
    return str(api.register("jake")["token"])


def test_a_repeat_gets_the_first_status_and_body_and_writes_nothing(api: Api, jake: str) -> None:
    first = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    repeat = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    assert first.status_code == repeat.status_code == 201
    assert repeat.json == first.json
    assert writes_beyond_the_idempotency_table(api.calls) == []
    assert article_count() == 1


def test_a_repeat_with_the_body_spelled_differently_is_the_same_request(api: Api, jake: str) -> None:
    first = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())
    reordered = '{"article": {"body": "Patiently", "description": "How to train them", "title": "Dragons"}}'

    repeat = api.request("POST", "/api/articles", token=jake, headers=key(), raw=reordered)

    assert repeat.json == first.json
    assert article_count() == 1


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(api: Api, jake: str) -> None:
    api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())
    other = {"article": {**ARTICLE["article"], "title": "Wyverns"}}

    response = api.request("POST", "/api/articles", other, token=jake, headers=key())

    assert response.status_code == 422
    assert response.json == {"errors": {"Idempotency-Key": ["was already used with another request"]}}
    assert writes_beyond_the_idempotency_table(api.calls) == []
    assert article_count() == 1


def test_a_repeat_while_the_first_still_runs_is_a_409_with_retry_after(
    api: Api, jake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conduit.articles import service

    inside, release = threading.Event(), threading.Event()
    create = service.create

    def slow(*args: Any) -> Any:
        inside.set()
        assert release.wait(10)
        return create(*args)

    monkeypatch.setattr(service, "create", slow)
    first: list[Reply] = []
    running = threading.Thread(
        target=lambda: first.append(api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key()))
    )
    running.start()
    assert inside.wait(10)

    concurrent = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    release.set()
    running.join()
    assert concurrent.status_code == 409
    assert concurrent.headers["Retry-After"] == "1"
    assert concurrent.json == {"errors": {"Idempotency-Key": ["is in use by a request still running"]}}
    assert first[0].status_code == 201
    assert article_count() == 1


def test_the_same_key_from_different_callers_names_different_requests(api: Api, jake: str) -> None:
    jane = api.register("jane")["token"]

    mine = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())
    hers = api.request("POST", "/api/articles", ARTICLE, token=jane, headers=key())

    assert mine.status_code == hers.status_code == 201
    assert mine.json["article"]["author"]["username"] == "jake"
    assert hers.json["article"]["author"]["username"] == "jane"
    assert article_count() == 2


def test_without_the_header_every_post_is_a_new_request(api: Api, jake: str) -> None:
    first = api.request("POST", "/api/articles", ARTICLE, token=jake)
    second = api.request("POST", "/api/articles", ARTICLE, token=jake)

    assert first.json["article"]["slug"] != second.json["article"]["slug"]
    assert article_count() == 2


def test_a_refused_request_is_not_kept_and_its_key_can_be_used_again(api: Api, jake: str) -> None:
    refused = api.request("POST", "/api/articles", {"article": {"title": ""}}, token=jake, headers=key())

    accepted = api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    assert refused.status_code == 422
    assert accepted.status_code == 201


def test_the_answer_is_kept_for_24_hours(api: Api, jake: str) -> None:
    api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    items = boto3.client("dynamodb").scan(TableName=settings.table_name(IDEMPOTENCY))["Items"]

    assert len(items) == 1
    assert items[0]["status"]["S"] == "COMPLETED"
    assert abs(int(items[0]["expiration"]["N"]) - (time.time() + 24 * 3600)) < 60


def test_a_repeated_comment_is_one_comment(api: Api, jake: str) -> None:
    slug = api.request("POST", "/api/articles", ARTICLE, token=jake).json["article"]["slug"]
    comment = {"comment": {"body": "First!"}}

    first = api.request("POST", f"/api/articles/{slug}/comments", comment, token=jake, headers=key())
    repeat = api.request("POST", f"/api/articles/{slug}/comments", comment, token=jake, headers=key())

    assert repeat.json == first.json
    assert len(api.request("GET", f"/api/articles/{slug}/comments").json["comments"]) == 1


def test_a_repeated_registration_answers_the_same_user_with_a_working_token(api: Api) -> None:
    body = {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}}
    first = api.request("POST", "/api/users", body, headers=key())

    repeat = api.request("POST", "/api/users", body, headers=key())

    assert first.status_code == repeat.status_code == 201
    fresh = ("token", "refreshToken")  # a repeat signs in again: new tokens, never kept ones
    assert {k: v for k, v in repeat.json["user"].items() if k not in fresh} == {
        k: v for k, v in first.json["user"].items() if k not in fresh
    }
    assert api.request("GET", "/api/user", token=repeat.json["user"]["token"]).status_code == 200
    pool = settings.user_pool().pool_id
    assert len(boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"]) == 1


def test_no_token_is_kept_for_a_repeated_registration(api: Api) -> None:
    body = {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}}
    token = api.request("POST", "/api/users", body, headers=key()).json["user"]["token"]

    items = boto3.client("dynamodb").scan(TableName=settings.table_name(IDEMPOTENCY))["Items"]

    assert token not in str(items)


def test_a_login_ignores_the_header(api: Api) -> None:
    api.register("jake")
    credentials = {"user": {"email": "jake@example.com", "password": PASSWORD}}

    first = api.request("POST", "/api/users/login", credentials, headers=key())
    second = api.request("POST", "/api/users/login", credentials, headers=key())

    assert first.status_code == second.status_code == 200
    assert settings.table_name(IDEMPOTENCY) not in str([c.params for c in api.calls.calls])


@pytest.mark.parametrize("value", ["", "has space", "x" * 256, "é"])
def test_a_malformed_key_is_a_422(api: Api, jake: str, value: str) -> None:
    response = api.request("POST", "/api/articles", ARTICLE, token=jake, headers={"Idempotency-Key": value})

    assert response.status_code == 422
    assert response.json == {"errors": {"Idempotency-Key": ["must be 1 to 255 visible ASCII characters"]}}
    assert article_count() == 0


def test_a_key_may_be_sent_as_a_quoted_string(api: Api, jake: str) -> None:
    quoted = api.request("POST", "/api/articles", ARTICLE, token=jake, headers={"Idempotency-Key": '"k-1"'})
    bare = api.request("POST", "/api/articles", ARTICLE, token=jake, headers={"Idempotency-Key": "k-1"})

    assert bare.json == quoted.json


def test_the_idempotency_utility_writes_through_the_one_shared_client(api: Api, jake: str) -> None:
    from conduit.api import idempotency
    from conduit.storage import connection

    api.request("POST", "/api/articles", ARTICLE, token=jake, headers=key())

    # through `_Owned`, which adds the record's owner to what Powertools writes
    assert idempotency._layers["CreateArticle"].client._client is connection().client


def test_a_kept_answer_names_its_caller_and_the_user_it_shows(api: Api, jake: str) -> None:
    """So deleting either account finds it (conduit.users.deletion), without a Scan."""
    import boto3

    from conduit import settings
    from conduit.resources import IDEMPOTENCY

    api.register("alice")
    followed = api.request("POST", "/api/profiles/alice/follow", token=jake, headers=key())
    body = {"user": {"username": "bob", "email": "bob@example.com", "password": "correct-horse"}}
    registered = api.request("POST", "/api/users", body, headers=key())

    records = boto3.client("dynamodb").scan(TableName=settings.table_name(IDEMPOTENCY))["Items"]
    kept = {
        r["id"]["S"].split("#")[0]: (r.get("owner", {}).get("S"), r.get("about", {}).get("S"))
        for r in records
    }
    assert (followed.status_code, registered.status_code) == (200, 201)
    assert set(kept) == {"FollowUser", "RegisterUser"}
    assert all(owner for owner, _ in kept.values())
    assert kept["FollowUser"][1] is not None
    assert kept["RegisterUser"][1] is None
