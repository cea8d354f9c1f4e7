"""GET /api/user and PUT /api/user."""

from __future__ import annotations

import pytest

from local.emulator import Emulator
from tests.api.conftest import PASSWORD, Api


def test_current_user_is_returned_with_the_token_it_was_called_with(api: Api) -> None:
    user = api.register("jake")

    response = api.request("GET", "/api/user", token=user["token"])

    assert response.status_code == 200
    assert response.json == {"user": user}


def test_current_user_without_a_token_is_a_401(api: Api) -> None:
    response = api.request("GET", "/api/user")

    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is missing"]}}


def test_bio_and_image_are_updated(api: Api) -> None:
    user = api.register("jake")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"bio": "I like to skateboard", "image": "https://i.stack.imgur.com/xHWG8.jpg"}},
        token=user["token"],
    )

    assert response.status_code == 200
    assert response.json["user"] == {
        **user,
        "bio": "I like to skateboard",
        "image": "https://i.stack.imgur.com/xHWG8.jpg",
    }
    assert api.request("GET", "/api/user", token=user["token"]).json["user"]["bio"] == "I like to skateboard"


def test_bio_and_image_can_be_cleared_with_null_and_an_empty_image(api: Api) -> None:
    user = api.register("jake")
    api.request(
        "PUT", "/api/user", {"user": {"bio": "x", "image": "https://e.com/a.png"}}, token=user["token"]
    )

    response = api.request("PUT", "/api/user", {"user": {"bio": None, "image": ""}}, token=user["token"])

    assert (response.json["user"]["bio"], response.json["user"]["image"]) == (None, None)


def test_a_changed_username_shows_on_the_profile_and_frees_the_old_one(api: Api) -> None:
    jake = api.register("jake")

    response = api.request("PUT", "/api/user", {"user": {"username": "jacob"}}, token=jake["token"])

    assert response.json["user"]["username"] == "jacob"
    assert api.request("GET", "/api/profiles/jacob").json["profile"]["username"] == "jacob"
    assert api.request("GET", "/api/profiles/jake").status_code == 404
    assert api.register("jake", "another@example.com")["username"] == "jake"


def test_changing_only_the_case_of_the_username_keeps_it(api: Api) -> None:
    jake = api.register("jake")

    response = api.request("PUT", "/api/user", {"user": {"username": "Jake"}}, token=jake["token"])

    assert response.json["user"]["username"] == "Jake"
    assert api.request("GET", "/api/profiles/jake").json["profile"]["username"] == "Jake"


def test_a_changed_email_is_used_at_the_next_login_and_frees_the_old_one(
    api: Api, emulator: Emulator
) -> None:
    jake = api.register("jake", "jake@example.com")

    api.request(
        "PUT",
        "/api/user",
        {"user": {"email": "Jacob@Example.com", "currentPassword": PASSWORD}},
        token=jake["token"],
    )
    code = emulator.outbox()[-1].code  # the new email is the sign-in once its code is confirmed
    response = api.request("POST", "/api/user/email/confirm", {"user": {"code": code}}, token=jake["token"])

    assert response.json["user"]["email"] == "jacob@example.com"
    login = api.request(
        "POST", "/api/users/login", {"user": {"email": "jacob@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200
    old = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert old.status_code == 401
    assert api.register("other", "jake@example.com")["email"] == "jake@example.com"


def test_a_changed_password_works_at_the_next_login(api: Api) -> None:
    jake = api.register("jake", "jake@example.com")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"password": "new-password", "currentPassword": PASSWORD}},
        token=jake["token"],
    )

    assert response.status_code == 200
    assert "password" not in response.json["user"]
    new = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": "new-password"}}
    )
    assert new.status_code == 200
    old = api.request(
        "POST", "/api/users/login", {"user": {"email": "jake@example.com", "password": PASSWORD}}
    )
    assert old.status_code == 401


def test_taking_another_users_username_is_a_422_and_changes_nothing(api: Api) -> None:
    api.register("jake")
    jacob = api.register("jacob")

    response = api.request(
        "PUT", "/api/user", {"user": {"username": "JAKE", "bio": "new"}}, token=jacob["token"]
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"username": ["has already been taken"]}}
    assert api.request("GET", "/api/user", token=jacob["token"]).json["user"] == jacob


def test_taking_another_users_email_is_a_422_and_changes_nothing(api: Api) -> None:
    api.register("jake", "jake@example.com")
    jacob = api.register("jacob")

    response = api.request(
        "PUT",
        "/api/user",
        {"user": {"email": "jake@example.com", "currentPassword": PASSWORD}},
        token=jacob["token"],
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["has already been taken"]}}
    assert api.request("GET", "/api/user", token=jacob["token"]).json["user"] == jacob


def test_an_update_without_any_field_is_a_422(api: Api) -> None:
    jake = api.register("jake")

    response = api.request("PUT", "/api/user", {"user": {}}, token=jake["token"])

    assert response.status_code == 422
    assert response.json == {"errors": {"user": ["must change at least one field"]}}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": None}, "username"),
        ({"email": None}, "email"),
        ({"password": None}, "password"),
        ({"username": "  "}, "username"),
        ({"email": "nope"}, "email"),
        ({"password": "short"}, "password"),
        ({"bio": "x" * 1001}, "bio"),
        ({"bio": 7}, "bio"),
        ({"image": "javascript:alert(1)"}, "image"),
        ({"image": "https://e.com/" + "x" * 2048}, "image"),
    ],
)
def test_invalid_changes_are_a_422_and_change_nothing(
    api: Api, fields: dict[str, object], field: str
) -> None:
    jake = api.register("jake")

    response = api.request(
        "PUT", "/api/user", {"user": {**fields, "bio": fields.get("bio", "changed")}}, token=jake["token"]
    )

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"] == jake


def test_update_without_a_token_is_a_401(api: Api) -> None:
    response = api.request("PUT", "/api/user", {"user": {"bio": "x"}})

    assert response.status_code == 401
