"""POST /api/users: register."""

from __future__ import annotations

import pytest

from tests.api.conftest import PASSWORD, Api


def new_user(**fields: object) -> dict[str, object]:
    user: dict[str, object] = {"username": "jake", "email": "jake@jake.jake", "password": "jakejake"}
    user.update(fields)
    return {"user": {k: v for k, v in user.items() if v is not ...}}


def test_registration_returns_201_with_the_user_and_a_token(api: Api) -> None:
    response = api.request("POST", "/api/users", new_user())

    assert response.status_code == 201
    assert response.content_type == "application/json; charset=utf-8"
    user = response.json["user"]
    assert user == {
        "email": "jake@jake.jake",
        "token": user["token"],
        "username": "jake",
        "bio": None,
        "image": None,
        "emailVerified": False,
        "refreshToken": user["refreshToken"],
    }
    assert user["token"].count(".") == 2
    assert user["refreshToken"]


def test_the_registration_token_authenticates_the_new_user(api: Api) -> None:
    token = api.request("POST", "/api/users", new_user()).json["user"]["token"]

    response = api.request("GET", "/api/user", token=token)

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_email_is_trimmed_and_lowercased(api: Api) -> None:
    response = api.request("POST", "/api/users", new_user(email="  Jake@Jake.JAKE "))

    assert response.json["user"]["email"] == "jake@jake.jake"


def test_a_taken_username_is_a_422_whatever_its_case(api: Api) -> None:
    api.register("jake")

    response = api.request("POST", "/api/users", new_user(username="JAKE", email="other@example.com"))

    assert response.status_code == 422
    assert response.json == {"errors": {"username": ["has already been taken"]}}


def test_a_taken_email_is_a_422_whatever_its_case(api: Api) -> None:
    api.register("jake", "jake@jake.jake")

    response = api.request("POST", "/api/users", new_user(username="other", email="JAKE@jake.jake"))

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["has already been taken"]}}


def test_both_taken_fields_are_reported_at_once(api: Api) -> None:
    api.register("jake", "jake@jake.jake")

    response = api.request("POST", "/api/users", new_user())

    assert response.json == {
        "errors": {"email": ["has already been taken"], "username": ["has already been taken"]}
    }


def test_a_refused_registration_writes_nothing(api: Api) -> None:
    api.register("jake", "jake@jake.jake")

    api.request("POST", "/api/users", new_user(email="new@example.com"))

    assert api.calls.cognito == []
    assert [op for op in api.calls.dynamodb if op != "BatchGetItem"] == []


@pytest.mark.parametrize(
    ("user", "field", "message"),
    [
        (new_user(username=...), "username", "can't be blank"),
        (new_user(email=...), "email", "can't be blank"),
        (new_user(password=...), "password", "can't be blank"),
        (new_user(username=""), "username", "can't be blank"),
        (new_user(username="   "), "username", "can't be blank"),
        (new_user(username=42), "username", "must be a string"),
        (new_user(username=None), "username", "must be a string"),
        (new_user(username="x" * 33), "username", "is too long (maximum is 32 characters)"),
        (new_user(username="jake smith"), "username", "can only contain letters, digits, '_', '-' and '.'"),
        (new_user(username="jake/../x"), "username", "can only contain letters, digits, '_', '-' and '.'"),
        (new_user(email="not-an-email"), "email", "is invalid"),
        (new_user(email="a@b"), "email", "is invalid"),
        (new_user(email="x" * 250 + "@example.com"), "email", "is too long (maximum is 254 characters)"),
        (new_user(password="short"), "password", "is too short (minimum is 8 characters)"),
        (new_user(password="        "), "password", "can't be blank"),
        (new_user(password=" jakejake"), "password", "can't start or end with a space"),
        (new_user(password="p" * 65), "password", "is too long (maximum is 64 characters)"),
        (new_user(password=12345678), "password", "must be a string"),
        (new_user(username="\ud83d"), "username", "is not valid text"),
        (new_user(email="\udc00@example.com"), "email", "is not valid text"),
    ],
)
def test_invalid_fields_are_a_422_naming_the_field(api: Api, user: object, field: str, message: str) -> None:
    response = api.request("POST", "/api/users", user)

    assert response.status_code == 422
    assert response.json["errors"][field] == [message]
    assert api.calls.cognito == []
    assert api.calls.dynamodb == []


def test_every_invalid_field_is_reported_at_once(api: Api) -> None:
    response = api.request("POST", "/api/users", {"user": {"username": "", "email": "nope"}})

    assert set(response.json["errors"]) == {"username", "email", "password"}


def test_a_password_of_exactly_the_minimum_length_is_accepted(api: Api) -> None:
    response = api.request("POST", "/api/users", new_user(password="a" * 8))

    assert response.status_code == 201


def test_registered_users_can_log_in_with_the_password_they_chose(api: Api) -> None:
    api.register("jake", "jake@jake.jake", PASSWORD)

    response = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@jake.jake", "password": PASSWORD}}
    )

    assert response.status_code == 200
