"""Registration's `Idempotency-Key` record holds nothing derived from the password, and repeats
still work: the same username and email sign in again with the password the repeat carries
(docs/api.md, "Retrying safely")."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.resources import IDEMPOTENCY
from tests.api.conftest import Api

KEY = {"Idempotency-Key": "0b5c1f0e-registration"}
REUSED = {"errors": {"Idempotency-Key": ["was already used with another request"]}}
PASSWORD = "tr0ub4dor&3"
BODY = {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}}


def _strings(value: Any) -> Iterator[str]:
    """Every string in a DynamoDB item, its names and binary values (base64) included."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield str(name)
            yield from _strings(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, bytes):
        yield base64.b64encode(value).decode()
        yield value.decode("latin-1")
    else:
        yield str(value)


def _derivatives(secret: str) -> set[str]:
    """The password, and the usual digests of it, in hex and base64."""
    found = {secret}
    for name in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(name, secret.encode()).digest()
        found |= {digest.hex(), base64.b64encode(digest).decode(), base64.urlsafe_b64encode(digest).decode()}
    return found


def _bodies(body: dict[str, Any]) -> list[str]:
    """The body as it went over the wire and as a hash function would have serialised it."""
    return [
        json.dumps(body),
        json.dumps(body, sort_keys=True),  # what Powertools hashes (its payload validation)
        json.dumps(body, separators=(",", ":")),
        json.dumps(body, sort_keys=True, separators=(",", ":")),
        json.dumps(body["user"], sort_keys=True),
    ]


def _records() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=settings.table_name(IDEMPOTENCY))[
        "Items"
    ]
    return items


def test_the_kept_record_holds_no_password_nor_any_hash_of_it_or_of_the_body(api: Api) -> None:
    first = api.request("POST", "/api/users", BODY, headers=KEY)
    assert first.status_code == 201

    records = _records()
    assert len(records) == 1
    assert records[0]["status"]["S"] == "COMPLETED"
    stored = " ".join(_strings(records))
    forbidden = _derivatives(PASSWORD)
    for serialised in _bodies(BODY):
        forbidden |= _derivatives(serialised)
    assert not [d for d in forbidden if d in stored]


def test_a_repeat_with_the_same_body_answers_the_user_with_fresh_tokens(api: Api) -> None:
    first = api.request("POST", "/api/users", BODY, headers=KEY)

    repeat = api.request("POST", "/api/users", BODY, headers=KEY)

    assert repeat.status_code == 201
    assert repeat.json["user"]["username"] == first.json["user"]["username"]
    assert api.request("GET", "/api/user", token=repeat.json["user"]["token"]).status_code == 200
    assert len(_records()) == 1


@pytest.mark.parametrize(
    "changed", [{"username": "other"}, {"email": "other@example.com"}], ids=["username", "email"]
)
def test_a_repeat_with_another_username_or_email_is_a_422(api: Api, changed: dict[str, str]) -> None:
    api.request("POST", "/api/users", BODY, headers=KEY)

    repeat = api.request("POST", "/api/users", {"user": {**BODY["user"], **changed}}, headers=KEY)

    assert repeat.status_code == 422
    assert repeat.json == REUSED


def test_a_repeat_with_another_password_gets_no_token_and_is_a_422(api: Api) -> None:
    api.request("POST", "/api/users", BODY, headers=KEY)

    repeat = api.request(
        "POST", "/api/users", {"user": {**BODY["user"], "password": "not-the-one"}}, headers=KEY
    )

    assert repeat.status_code == 422
    assert repeat.json == REUSED
    login = {"user": {"email": "jake@example.com", "password": PASSWORD}}
    assert api.request("POST", "/api/users/login", login).status_code == 200  # the account is as it was
