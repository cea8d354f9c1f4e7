"""A request that fails halfway leaves nothing behind: no orphan identity, no half profile.

Faults are injected at the wire: the emulator answers every call of one AWS operation with a
server error, as an outage would, so the retries run out and the request answers 503.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import boto3
import pytest

from conduit import clock, settings
from conduit.resources import USERS
from conduit.users import identity, service
from local.emulator import Emulator
from local.faults import Kind
from tests.api.conftest import PASSWORD, Api
from tests.api.publishing import publish

BUSY = {"errors": {"server": ["is busy; try again shortly"]}}


def cognito_users() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = boto3.client("cognito-idp").list_users(
        UserPoolId=settings.user_pool().pool_id
    )["Users"]
    return users


def users_table_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=settings.table_name(USERS))["Items"]
    return items


@pytest.fixture
def faults(emulator: Emulator) -> Emulator:
    return emulator


def confirm(api: Api, emulator: Emulator, token: str) -> Any:
    """Confirm an email change with the last code Cognito sent."""
    code = emulator.outbox()[-1].code
    return api.request("POST", "/api/user/email/confirm", {"user": {"code": code}}, token=token)


def register(api: Api, username: str = "jake", email: str = "jake@example.com") -> Any:
    return api.request(
        "POST", "/api/users", {"user": {"username": username, "email": email, "password": PASSWORD}}
    )


def test_registration_failing_in_dynamodb_removes_the_cognito_user(api: Api, faults: Emulator) -> None:
    faults.fail("TransactWriteItems", after=1)  # the claims are reserved; the profile is not written

    response = register(api)

    assert response.status_code == 503
    assert response.json == BUSY
    assert response.headers["Retry-After"] == "1"
    assert "AdminCreateUser" in api.calls.cognito  # the failure really came after the identity
    assert cognito_users() == []
    assert not [item for item in users_table_items() if item["pk"]["S"].startswith("USER#")]


def test_claims_a_failed_registration_could_not_release_are_free_once_its_lease_ends(
    api: Api, faults: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults.fail("TransactWriteItems", after=1)  # neither the profile nor the release is written
    register(api)
    faults.heal()
    assert register(api).status_code == 422  # held while that registration could still be running

    later = time.time() + service.REGISTRATION_LEASE_SECONDS + 1
    monkeypatch.setattr(clock, "epoch", lambda: later)

    assert register(api).status_code == 201


def test_registration_failing_at_sign_in_removes_the_profile_and_the_user(api: Api, faults: Emulator) -> None:
    faults.fail("AdminInitiateAuth")

    response = register(api)

    assert response.status_code == 503
    assert cognito_users() == []
    assert users_table_items() == []
    faults.heal()
    assert register(api).status_code == 201  # the username and email are free again


def test_registration_failing_at_the_password_removes_the_cognito_user(api: Api, faults: Emulator) -> None:
    faults.fail("AdminSetUserPassword")

    response = register(api)

    assert response.status_code == 503
    assert cognito_users() == []
    assert users_table_items() == []


def test_an_email_change_failing_in_cognito_restores_the_profile(api: Api, faults: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    before = sorted(str(item["pk"]) for item in users_table_items())
    faults.fail("AdminUpdateUserAttributes")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"email": "new@example.com", "username": "jacob", "currentPassword": PASSWORD}},
        token=jake["token"],
    )

    assert response.status_code == 503
    faults.heal()
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"] == jake
    # the profile and its claims as they were (the request's count against its limit, and its
    # code's pacing record, stay: it did start to change something)
    after = [
        pk
        for pk in (str(item["pk"]) for item in users_table_items())
        if "RATE#" not in pk and "VERIFY#" not in pk
    ]
    assert sorted(after) == [pk for pk in before if "VERIFY#" not in pk]
    assert api.register("jacob", "new@example.com")["username"] == "jacob"


def test_a_password_change_failing_restores_the_email_everywhere(api: Api, faults: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    faults.fail("AdminSetUserPassword")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"email": "new@example.com", "password": "new-password", "currentPassword": PASSWORD}},
        token=jake["token"],
    )

    assert response.status_code == 503
    faults.heal()
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"]["email"] == "jake@example.com"
    login = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200


@pytest.mark.parametrize("changes", [{"body": "New"}, {"title": "Renamed", "body": "New"}])
def test_an_article_update_failing_keeps_the_article_and_its_body(
    api: Api, faults: Emulator, changes: dict[str, str]
) -> None:
    token = api.register("jake")["token"]
    created = publish(api, token, title="Mine")
    faults.fail("TransactWriteItems")

    response = api.request("PUT", "/api/articles/mine", {"article": changes}, token=token)

    faults.heal()
    assert response.status_code == 503
    assert api.request("GET", "/api/articles/mine").json["article"] == created


def log_records(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == message]


def test_a_registration_that_cannot_be_undone_leaves_a_whole_account_and_logs_the_repair(
    api: Api, faults: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    faults.fail("AdminInitiateAuth")
    faults.fail("TransactWriteItems", after=2)  # claims and profile written; their removal fails

    with caplog.at_level(logging.ERROR, logger="conduit"):
        assert register(api).status_code == 503

    failed = log_records(caplog, "compensation failed")
    assert [r.undo for r in failed] == ["delete the profile and its claims", "release the claims"]  # type: ignore[attr-defined]
    assert failed[0].repair["email"] == "jake@example.com"  # type: ignore[attr-defined]
    faults.heal()
    assert len(cognito_users()) == 1  # kept: its profile is still there
    login = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200
    assert register(api).status_code == 422  # taken: that account exists, and its credentials log in


def test_a_registration_whose_cognito_reply_was_lost_succeeds_with_one_user(
    api: Api, faults: Emulator
) -> None:
    faults.script("AdminCreateUser", Kind.LOST_REPLY)

    response = register(api)

    assert response.status_code == 201
    assert api.calls.cognito.count("AdminCreateUser") == 2  # the retry met the user it had created
    assert len(cognito_users()) == 1
    assert api.request("GET", "/api/user", token=response.json["user"]["token"]).status_code == 200


def test_a_cognito_user_without_a_profile_is_adopted_by_the_next_registration(api: Api) -> None:
    identity.create_user("jake@example.com")  # what a registration that could not be undone leaves

    response = register(api)

    assert response.status_code == 201
    assert len(cognito_users()) == 1
    login = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200


def test_an_email_cognito_still_gives_another_account_is_taken(api: Api) -> None:
    api.register("jane", "jane@example.com")
    jane_id = identity.holder_of("jane@example.com")
    assert jane_id is not None
    identity.set_email(jane_id, "jake@example.com")  # Cognito ahead of her profile, as mid-change

    response = register(api, "jake", "jake@example.com")

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["has already been taken"]}}
    assert identity.holder_of("jake@example.com") == jane_id  # hers, untouched


def test_an_email_change_whose_cognito_reply_was_lost_succeeds(api: Api, faults: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    faults.script("AdminUpdateUserAttributes", Kind.LOST_REPLY)

    change = {"user": {"email": "new@example.com", "currentPassword": PASSWORD}}
    response = api.request("PUT", "/api/user", change, token=jake["token"])

    assert response.status_code == 200
    confirmed = confirm(api, faults, jake["token"])
    assert confirmed.json["user"]["email"] == "new@example.com"
    login = api.request(
        "POST", "/api/users/login", {"user": {"email": "new@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200


def test_an_email_change_to_an_email_a_failed_registration_left_in_cognito_succeeds(
    api: Api, faults: Emulator
) -> None:
    jake = api.register("jake", "jake@example.com")
    orphan = identity.create_user("new@example.com")

    change = {"user": {"email": "new@example.com", "currentPassword": PASSWORD}}
    response = api.request("PUT", "/api/user", change, token=jake["token"])

    assert response.status_code == 200
    assert confirm(api, faults, jake["token"]).status_code == 200
    assert identity.holder_of("new@example.com") not in (None, orphan)
    assert len(cognito_users()) == 1
