"""A request that fails halfway leaves nothing behind: no orphan identity, no half profile.

Faults are injected at the wire: the emulator answers every call of one AWS operation with a
server error, as an outage would, so the retries run out and the request answers 503.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.resources import USERS
from local.emulator import Emulator
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


def register(api: Api, username: str = "jake", email: str = "jake@example.com") -> Any:
    return api.request(
        "POST", "/api/users", {"user": {"username": username, "email": email, "password": PASSWORD}}
    )


def test_registration_failing_in_dynamodb_removes_the_cognito_user(api: Api, faults: Emulator) -> None:
    faults.fail("TransactWriteItems")

    response = register(api)

    assert response.status_code == 503
    assert response.json == BUSY
    assert response.headers["Retry-After"] == "1"
    assert "AdminCreateUser" in api.calls.cognito  # the failure really came after the identity
    assert cognito_users() == []
    assert users_table_items() == []


def test_registration_failing_at_sign_in_removes_the_profile_and_the_user(api: Api, faults: Emulator) -> None:
    faults.fail("InitiateAuth")

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
        "PUT", "/api/user", {"user": {"email": "new@example.com", "username": "jacob"}}, token=jake["token"]
    )

    assert response.status_code == 503
    faults.heal()
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"] == jake
    assert sorted(str(item["pk"]) for item in users_table_items()) == before
    assert api.register("jacob", "new@example.com")["username"] == "jacob"


def test_a_password_change_failing_restores_the_email_everywhere(api: Api, faults: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    faults.fail("AdminSetUserPassword")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"email": "new@example.com", "password": "new-password"}},
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
