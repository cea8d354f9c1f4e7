"""Sessions that end: re-authentication, logout, sign-out everywhere, a new password, refresh
tokens, and revocation reaching every function within a minute (conduit.users.sessions)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from conduit import settings
from conduit.resources import USERS
from conduit.users import sessions
from tests.api.conftest import PASSWORD, Api

REVOKED = {"errors": {"token": ["has been revoked"]}}


def login(api: Api, email: str = "jake@example.com", password: str = PASSWORD) -> dict[str, Any]:
    response = api.request("POST", "/api/users/login", {"user": {"email": email, "password": password}})
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json["user"]
    return user


def signed_in(api: Api, token: str) -> int:
    return api.request("GET", "/api/user", token=token).status_code


def change(api: Api, token: str, **fields: object) -> Any:
    return api.request("PUT", "/api/user", {"user": fields}, token=token)


# Re-authentication


def test_changing_the_email_without_the_current_password_is_a_422_and_changes_nothing(api: Api) -> None:
    jake = api.register("jake")

    response = change(api, jake["token"], email="thief@example.com")

    assert response.status_code == 422
    assert response.json == {"errors": {"currentPassword": ["can't be blank"]}}
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"] == jake


def test_changing_the_password_with_a_wrong_current_password_is_a_422_and_changes_nothing(api: Api) -> None:
    jake = api.register("jake")

    response = change(api, jake["token"], password="thief-password", currentPassword="not-my-password")

    assert response.status_code == 422
    assert response.json == {"errors": {"currentPassword": ["is invalid"]}}
    assert login(api)["username"] == "jake"
    assert signed_in(api, jake["token"]) == 200


def test_a_wrong_current_password_is_checked_by_cognito_where_it_counts_toward_the_lockout(api: Api) -> None:
    jake = api.register("jake")

    change(api, jake["token"], password="thief-password", currentPassword="not-my-password")

    assert "AdminInitiateAuth" in api.calls.cognito


def test_an_empty_password_from_a_settings_form_changes_nothing_and_needs_no_current_password(
    api: Api,
) -> None:
    jake = api.register("jake")
    form = {"email": jake["email"], "username": "jake", "bio": "hi", "image": "", "password": ""}

    response = change(api, jake["token"], **form)

    assert response.status_code == 200
    assert response.json["user"] == {**jake, "bio": "hi"}
    assert login(api)["username"] == "jake"


def test_the_current_email_sent_again_needs_no_current_password(api: Api) -> None:
    jake = api.register("jake")

    response = change(api, jake["token"], email="JAKE@example.com", bio="same email")

    assert response.status_code == 200
    assert response.json["user"]["bio"] == "same email"


# A new password


def test_a_new_password_answers_a_fresh_token_that_works(api: Api) -> None:
    jake = api.register("jake")

    response = change(api, jake["token"], password="new-password", currentPassword=PASSWORD)

    assert response.status_code == 200
    fresh = response.json["user"]
    assert fresh["token"] != jake["token"]
    assert fresh["refreshToken"]
    assert signed_in(api, fresh["token"]) == 200


def test_a_new_password_ends_every_session_issued_before(api: Api) -> None:
    jake = api.register("jake")
    other_device = login(api)

    fresh = change(api, jake["token"], password="new-password", currentPassword=PASSWORD).json["user"]

    for token in (jake["token"], other_device["token"]):
        response = api.request("GET", "/api/user", token=token)
        assert (response.status_code, response.json) == (401, REVOKED)
    assert signed_in(api, fresh["token"]) == 200


def test_a_new_password_sent_again_after_a_lost_answer_is_done_once_and_answers_a_working_token(
    api: Api,
) -> None:
    jake = api.register("jake")
    body = {"password": "new-password", "currentPassword": PASSWORD}
    fresh = change(api, jake["token"], **body).json["user"]

    again = change(api, fresh["token"], **body)

    assert again.status_code == 200
    assert signed_in(api, again.json["user"]["token"]) == 200
    assert login(api, password="new-password")["username"] == "jake"


def test_a_new_password_ends_the_refresh_tokens_issued_before(api: Api) -> None:
    jake = api.register("jake")
    other_device = login(api)

    change(api, jake["token"], password="new-password", currentPassword=PASSWORD)

    response = api.request(
        "POST", "/api/users/token", {"user": {"refreshToken": other_device["refreshToken"]}}
    )
    assert response.status_code == 401
    assert response.json == {"errors": {"refreshToken": ["is invalid or expired"]}}


# Logout and sign-out everywhere


def test_logout_ends_the_token_it_carried(api: Api) -> None:
    jake = api.register("jake")

    response = api.request("POST", "/api/user/logout", token=jake["token"])

    assert response.status_code == 204
    after = api.request("GET", "/api/user", token=jake["token"])
    assert (after.status_code, after.json) == (401, REVOKED)


def test_logout_leaves_the_other_sessions_signed_in(api: Api) -> None:
    jake = api.register("jake")
    other_device = login(api)

    api.request("POST", "/api/user/logout", token=jake["token"])

    assert signed_in(api, other_device["token"]) == 200


def test_logout_ends_the_refresh_token_of_its_session(api: Api) -> None:
    jake = login(api, *_registered(api))

    api.request("POST", "/api/user/logout", token=jake["token"])

    response = api.request("POST", "/api/users/token", {"user": {"refreshToken": jake["refreshToken"]}})
    assert response.status_code == 401


def test_logout_sent_twice_is_a_204_both_times(api: Api) -> None:
    jake = api.register("jake")

    first = api.request("POST", "/api/user/logout", token=jake["token"])
    second = api.request("POST", "/api/user/logout", token=jake["token"])

    assert (first.status_code, second.status_code) == (204, 401)  # the second carries an ended token


def test_signing_out_everywhere_ends_every_session(api: Api) -> None:
    jake = api.register("jake")
    other_device = login(api)

    response = api.request("DELETE", "/api/user/sessions", token=jake["token"])

    assert response.status_code == 204
    for token in (jake["token"], other_device["token"]):
        assert signed_in(api, token) == 401
    refreshed = api.request(
        "POST", "/api/users/token", {"user": {"refreshToken": other_device["refreshToken"]}}
    )
    assert refreshed.status_code == 401


def test_a_login_right_after_signing_out_everywhere_works(api: Api) -> None:
    jake = api.register("jake")
    api.request("DELETE", "/api/user/sessions", token=jake["token"])

    again = login(api)  # within the same second, most likely: its session is let through

    assert signed_in(api, again["token"]) == 200


def test_signing_out_everywhere_does_not_touch_another_user(api: Api) -> None:
    jake = api.register("jake")
    jane = api.register("jane")

    api.request("DELETE", "/api/user/sessions", token=jake["token"])

    assert signed_in(api, jane["token"]) == 200


# Refresh tokens


def _registered(api: Api) -> tuple[str, str]:
    api.register("jake", "jake@example.com")
    return "jake@example.com", PASSWORD


def test_login_answers_a_refresh_token(api: Api) -> None:
    user = login(api, *_registered(api))

    assert user["refreshToken"]


def test_a_refresh_token_is_exchanged_for_a_fresh_token_that_works(api: Api) -> None:
    user = login(api, *_registered(api))

    response = api.request("POST", "/api/users/token", {"user": {"refreshToken": user["refreshToken"]}})

    assert response.status_code == 200
    renewed = response.json["user"]
    assert (renewed["username"], renewed["refreshToken"]) == ("jake", user["refreshToken"])
    assert signed_in(api, renewed["token"]) == 200


def test_a_token_refreshed_from_a_session_that_ended_is_refused(api: Api) -> None:
    """The refreshed token keeps its sign-in's `auth_time`, as Cognito's does: the revocation
    that ended the sign-in ends it too, even if Cognito still honoured the refresh token."""
    user = login(api, *_registered(api))
    api.request("POST", "/api/user/logout", token=user["token"])

    response = api.request("POST", "/api/users/token", {"user": {"refreshToken": user["refreshToken"]}})

    assert response.status_code == 401
    assert response.json == {"errors": {"refreshToken": ["is invalid or expired"]}}


@pytest.mark.parametrize("token", ["", "made-up", 7])
def test_a_bad_refresh_token_is_refused(api: Api, token: object) -> None:
    _registered(api)

    response = api.request("POST", "/api/users/token", {"user": {"refreshToken": token}})

    assert response.status_code in (401, 422)
    assert list(response.json["errors"]) == ["refreshToken"]


# Revocation reaching every function


def _record_elsewhere(user_id: str, not_before: int) -> None:
    """What another function's container writes: not seen by this one's cache."""
    boto3.client("dynamodb").put_item(
        TableName=settings.table_name(USERS),
        Item={"pk": {"S": f"SESSIONS#{user_id}"}, "notBefore": {"N": str(not_before)}, "version": {"N": "1"}},
    )


def _user_id(api: Api, token: str) -> str:
    from conduit.auth import verify_token

    return str(verify_token(token)["sub"])


def test_a_revocation_made_elsewhere_is_honoured_within_a_minute(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    jake = api.register("jake")
    assert signed_in(api, jake["token"]) == 200  # this container has read jake's sessions
    _record_elsewhere(_user_id(api, jake["token"]), int(time.time()) + 1)
    now = time.monotonic()

    monkeypatch.setattr("conduit.users.sessions.time.monotonic", lambda: now + sessions.CACHE_SECONDS - 1)
    assert signed_in(api, jake["token"]) == 200  # still within the minute: as read
    monkeypatch.setattr("conduit.users.sessions.time.monotonic", lambda: now + sessions.CACHE_SECONDS + 1)
    assert signed_in(api, jake["token"]) == 401


def test_a_signed_in_caller_costs_one_read_of_their_sessions_a_minute(api: Api) -> None:
    jake = api.register("jake")
    sessions.reset()  # a container that has not seen jake yet
    reads = []

    for _ in range(3):
        api.request("GET", "/api/user", token=jake["token"])
        reads.append(
            sum(
                1
                for call in api.calls.calls
                if call.operation == "GetItem"
                and call.params.get("Key", {}).get("pk", {}).get("S", "").startswith("SESSIONS#")
            )
        )

    assert reads == [1, 0, 0]


def test_tokens_last_as_long_as_the_stage_says(api: Api) -> None:
    from conduit.auth import verify_token
    from conduit.resources import USER_POOL

    claims = verify_token(api.register("jake")["token"])

    assert claims["exp"] - claims["iat"] == USER_POOL.access_token_validity_minutes * 60
