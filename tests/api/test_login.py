"""POST /api/users/login."""

from __future__ import annotations

import pytest

from tests.api.conftest import PASSWORD, Api


def credentials(email: object = "jake@example.com", password: object = PASSWORD) -> dict[str, object]:
    return {"user": {"email": email, "password": password}}


def test_login_returns_the_user_with_a_fresh_token(api: Api) -> None:
    api.register("jake")

    response = api.request("POST", "/api/users/login", credentials())

    assert response.status_code == 200
    user = response.json["user"]
    assert {k: user[k] for k in ("email", "username", "bio", "image")} == {
        "email": "jake@example.com",
        "username": "jake",
        "bio": None,
        "image": None,
    }
    assert api.request("GET", "/api/user", token=user["token"]).status_code == 200


def test_login_email_is_case_insensitive(api: Api) -> None:
    api.register("jake")

    response = api.request("POST", "/api/users/login", credentials(email=" JAKE@Example.com"))

    assert response.status_code == 200


def test_a_wrong_password_is_a_401(api: Api) -> None:
    api.register("jake")

    response = api.request("POST", "/api/users/login", credentials(password="wrong-password"))

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}


def test_an_unknown_email_is_the_same_401_as_a_wrong_password(api: Api) -> None:
    response = api.request("POST", "/api/users/login", credentials(email="nobody@example.com"))

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": {"password": PASSWORD}}, "email"),
        ({"user": {"email": "jake@example.com"}}, "password"),
        (credentials(email=""), "email"),
        (credentials(password=""), "password"),
        (credentials(email=["jake@example.com"]), "email"),
        (credentials(email="jake"), "email"),
    ],
)
def test_missing_or_invalid_credentials_are_a_422(api: Api, body: object, field: str) -> None:
    response = api.request("POST", "/api/users/login", body)

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert api.calls.cognito == []
