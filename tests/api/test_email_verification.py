"""Email verification through HTTP: the code Cognito mails at registration and for a new email,
its confirmation, its limits (expiry, wrong tries, one new code a minute), and no squatting.

The local Cognito model (`local.cognito`) delivers every code to the emulator's outbox and
expires codes by its own clock (`emulator.cognito.advance`); the API's rules of time (a minute
between codes, an unconfirmed email's 24 hours) are measured by `conduit.clock.epoch`, which a
test moves with `later`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from werkzeug.test import Client

from conduit import clock
from local.cognito import RESET_PASSWORD, VERIFY_EMAIL
from local.emulator import Emulator
from local.faults import Weather
from local.gateway import LocalGateway
from local.retrying import Outcome, send_with_retries
from tests.api.conftest import PASSWORD, Api

INVALID_CODE = {"errors": {"code": ["is invalid or expired"]}}
TAKEN = {"errors": {"email": ["has already been taken"]}}
REVOKED = {"errors": {"token": ["has been revoked"]}}
DAY = 24 * 60 * 60


def codes_to(emulator: Emulator, address: str, kind: str = VERIFY_EMAIL) -> list[str]:
    """The codes mailed to `address` for `kind`, oldest first."""
    return [m.code for m in emulator.outbox() if m.to == address and m.kind == kind]


def code_to(emulator: Emulator, address: str) -> str:
    """The last verification code mailed to `address`: the one in force."""
    sent = codes_to(emulator, address)
    assert sent, f"no code was mailed to {address}"
    return sent[-1]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def confirm(api: Api, token: str, code: str) -> Any:
    return api.request("POST", "/api/user/email/confirm", {"user": {"code": code}}, token=token)


def resend(api: Api, token: str) -> Any:
    return api.request("POST", "/api/user/email/resend", token=token)


def login(api: Api, email: str, password: str = PASSWORD) -> Any:
    return api.request("POST", "/api/users/login", {"user": {"email": email, "password": password}})


def change_email(api: Api, token: str, email: str) -> Any:
    change = {"email": email, "currentPassword": PASSWORD}
    return api.request("PUT", "/api/user", {"user": change}, token=token)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the API's clock forward by some seconds (Cognito's codes keep their own clock)."""
    shift = 0.0

    def move(seconds: float) -> None:
        nonlocal shift
        shift += seconds
        monkeypatch.setattr(clock, "epoch", lambda: time.time() + shift)

    return move


# --- registration -------------------------------------------------------------------------


def test_registration_answers_an_unverified_email_at_once(api: Api) -> None:
    jake = api.register("jake")

    assert jake["emailVerified"] is False
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"]["emailVerified"] is False


def test_registration_mails_a_six_digit_code_to_the_address(api: Api, emulator: Emulator) -> None:
    api.register("jake", "jake@example.com")

    [message] = emulator.outbox()
    assert (message.to, message.kind) == ("jake@example.com", VERIFY_EMAIL)
    assert len(message.code) == 6
    assert message.code.isdigit()


def test_the_code_confirms_the_email(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")

    response = confirm(api, jake["token"], code_to(emulator, "jake@example.com"))

    assert response.status_code == 200
    assert response.json["user"] == {**jake, "emailVerified": True}
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"]["emailVerified"] is True


def test_a_wrong_code_is_a_422_and_confirms_nothing(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")

    response = confirm(api, jake["token"], wrong(code_to(emulator, "jake@example.com")))

    assert response.status_code == 422
    assert response.json == INVALID_CODE
    assert api.request("GET", "/api/user", token=jake["token"]).json["user"]["emailVerified"] is False


def test_a_code_that_is_not_six_digits_is_a_422(api: Api) -> None:
    jake = api.register("jake")

    response = confirm(api, jake["token"], "abc")

    assert response.status_code == 422
    assert response.json == INVALID_CODE


def test_a_code_older_than_24_hours_is_a_422(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    code = code_to(emulator, "jake@example.com")
    emulator.cognito.advance(DAY + 1)

    response = confirm(api, jake["token"], code)

    assert response.status_code == 422
    assert response.json == INVALID_CODE


def test_after_five_wrong_tries_the_right_code_is_refused(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    code = code_to(emulator, "jake@example.com")
    for _ in range(5):
        assert confirm(api, jake["token"], wrong(code)).status_code == 422

    response = confirm(api, jake["token"], code)

    assert response.status_code == 422
    assert response.json == INVALID_CODE
    assert "VerifyUserAttribute" not in api.calls.cognito  # void: Cognito is not asked


def test_a_new_code_works_after_five_wrong_tries(api: Api, emulator: Emulator, later: Any) -> None:
    jake = api.register("jake", "jake@example.com")
    for _ in range(5):
        confirm(api, jake["token"], wrong(code_to(emulator, "jake@example.com")))
    later(61)
    assert resend(api, jake["token"]).status_code == 202

    response = confirm(api, jake["token"], code_to(emulator, "jake@example.com"))

    assert response.status_code == 200
    assert response.json["user"]["emailVerified"] is True


def test_confirming_a_confirmed_email_again_changes_nothing(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    code = code_to(emulator, "jake@example.com")
    first = confirm(api, jake["token"], code)

    again = confirm(api, jake["token"], code)

    assert again.status_code == 200
    assert again.json == first.json


def test_confirming_needs_a_token(api: Api) -> None:
    response = api.request("POST", "/api/user/email/confirm", {"user": {"code": "123456"}})

    assert response.status_code == 401


# --- a new code ---------------------------------------------------------------------------


def test_resend_answers_202_and_mails_a_new_code(api: Api, emulator: Emulator, later: Any) -> None:
    jake = api.register("jake", "jake@example.com")
    later(61)

    response = resend(api, jake["token"])

    assert response.status_code == 202
    assert response.json == {}
    assert len(codes_to(emulator, "jake@example.com")) == 2
    assert confirm(api, jake["token"], code_to(emulator, "jake@example.com")).status_code == 200


def test_the_previous_code_is_void_once_a_new_one_is_sent(api: Api, emulator: Emulator, later: Any) -> None:
    jake = api.register("jake", "jake@example.com")
    first = code_to(emulator, "jake@example.com")
    later(61)
    resend(api, jake["token"])
    assert first != code_to(emulator, "jake@example.com")  # a million codes: rarely the same twice

    response = confirm(api, jake["token"], first)

    assert response.json == INVALID_CODE


def test_a_second_code_within_the_minute_is_a_429_with_retry_after(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")  # its code counts as the minute's

    response = resend(api, jake["token"])

    assert response.status_code == 429
    assert response.json == {"errors": {"code": ["was sent less than a minute ago"]}}
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert len(codes_to(emulator, "jake@example.com")) == 1


def test_a_code_for_a_confirmed_email_is_a_422(api: Api, emulator: Emulator, later: Any) -> None:
    jake = api.register("jake", "jake@example.com")
    confirm(api, jake["token"], code_to(emulator, "jake@example.com"))
    later(61)

    response = resend(api, jake["token"])

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["has already been confirmed"]}}


# --- a new email ----------------------------------------------------------------------------


def confirmed_jake(api: Api, emulator: Emulator) -> dict[str, Any]:
    jake = api.register("jake", "jake@example.com")
    user: dict[str, Any] = confirm(api, jake["token"], code_to(emulator, "jake@example.com")).json["user"]
    return user


def test_a_new_email_is_answered_with_the_old_one_until_confirmed(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)

    response = change_email(api, jake["token"], "jacob@example.com")

    assert response.status_code == 200
    assert response.json["user"]["email"] == "jake@example.com"
    assert response.json["user"]["emailVerified"] is True


def test_a_new_email_gets_a_code_of_its_own(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)

    change_email(api, jake["token"], "jacob@example.com")

    assert len(codes_to(emulator, "jacob@example.com")) == 1
    assert len(codes_to(emulator, "jake@example.com")) == 1  # the registration's only


def test_until_confirmed_the_new_email_does_not_sign_in_and_the_old_one_does(
    api: Api, emulator: Emulator
) -> None:
    jake = confirmed_jake(api, emulator)

    change_email(api, jake["token"], "jacob@example.com")

    assert login(api, "jacob@example.com").status_code == 401
    assert login(api, "jake@example.com").status_code == 200


def test_until_confirmed_a_password_reset_goes_to_the_old_email(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")

    api.request("POST", "/api/users/password/forgot", {"user": {"email": "jake@example.com"}})

    assert len(codes_to(emulator, "jake@example.com", RESET_PASSWORD)) == 1
    assert codes_to(emulator, "jacob@example.com", RESET_PASSWORD) == []


def test_confirming_the_new_email_makes_it_the_sign_in(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")

    response = confirm(api, jake["token"], code_to(emulator, "jacob@example.com"))

    assert response.status_code == 200
    assert response.json["user"]["email"] == "jacob@example.com"
    assert response.json["user"]["emailVerified"] is True
    assert login(api, "jacob@example.com").status_code == 200
    assert login(api, "jake@example.com").status_code == 401


def test_confirming_the_new_email_frees_the_old_one(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")
    confirm(api, jake["token"], code_to(emulator, "jacob@example.com"))

    assert api.register("other", "jake@example.com")["email"] == "jake@example.com"


def test_confirming_the_new_email_ends_every_other_session(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    elsewhere = login(api, "jake@example.com").json["user"]["token"]
    change_email(api, jake["token"], "jacob@example.com")

    confirm(api, jake["token"], code_to(emulator, "jacob@example.com"))

    response = api.request("GET", "/api/user", token=elsewhere)
    assert response.status_code == 401
    assert response.json == REVOKED
    assert api.request("GET", "/api/user", token=jake["token"]).status_code == 200


def test_the_same_token_confirms_a_second_new_email(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")
    confirm(api, jake["token"], code_to(emulator, "jacob@example.com"))
    change_email(api, jake["token"], "jj@example.com")

    response = confirm(api, jake["token"], code_to(emulator, "jj@example.com"))

    assert response.json["user"]["email"] == "jj@example.com"


def test_confirming_the_registration_email_ends_no_session(api: Api, emulator: Emulator) -> None:
    jake = api.register("jake", "jake@example.com")
    elsewhere = login(api, "jake@example.com").json["user"]["token"]

    confirm(api, jake["token"], code_to(emulator, "jake@example.com"))

    assert api.request("GET", "/api/user", token=elsewhere).status_code == 200


def test_a_new_email_waiting_for_its_code_is_taken_for_others(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")

    response = api.request(
        "POST",
        "/api/users",
        {"user": {"username": "jacob", "email": "jacob@example.com", "password": PASSWORD}},
    )

    assert response.status_code == 422
    assert response.json == TAKEN


def test_a_new_email_another_account_has_is_a_422(api: Api, emulator: Emulator) -> None:
    jake = confirmed_jake(api, emulator)
    api.register("jane", "jane@example.com")

    response = change_email(api, jake["token"], "jane@example.com")

    assert response.status_code == 422
    assert response.json == TAKEN
    assert len(codes_to(emulator, "jane@example.com")) == 1  # her registration's only


def test_the_current_email_sent_with_other_changes_keeps_the_new_one_waiting(
    api: Api, emulator: Emulator
) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")
    form = {"email": "jake@example.com", "bio": "settings saved"}
    api.request("PUT", "/api/user", {"user": form}, token=jake["token"])

    response = confirm(api, jake["token"], code_to(emulator, "jacob@example.com"))

    assert response.json["user"]["email"] == "jacob@example.com"
    assert response.json["user"]["bio"] == "settings saved"


def test_a_resend_mails_the_new_email_waiting_for_its_code(api: Api, emulator: Emulator, later: Any) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")
    later(61)

    assert resend(api, jake["token"]).status_code == 202

    assert len(codes_to(emulator, "jacob@example.com")) == 2


# --- no squatting ---------------------------------------------------------------------------


def register(api: Api, username: str, email: str, password: str = PASSWORD) -> Any:
    body = {"user": {"username": username, "email": email, "password": password}}
    return api.request("POST", "/api/users", body)


def test_an_unconfirmed_email_is_taken_for_24_hours(api: Api, later: Any) -> None:
    api.register("squatter", "victim@example.com")
    later(DAY - 60)

    response = register(api, "victim", "victim@example.com")

    assert response.status_code == 422
    assert response.json == TAKEN


def test_after_24_hours_an_unconfirmed_email_can_be_registered(api: Api, later: Any) -> None:
    api.register("squatter", "victim@example.com")
    later(DAY + 1)

    response = register(api, "victim", "victim@example.com", "the-owners-password")

    assert response.status_code == 201
    assert response.json["user"]["email"] == "victim@example.com"
    signed_in = login(api, "victim@example.com", "the-owners-password")
    assert signed_in.json["user"]["username"] == "victim"


def test_the_account_that_did_not_confirm_in_time_loses_the_email_and_its_sessions(
    api: Api, later: Any
) -> None:
    squatter = api.register("squatter", "victim@example.com")
    later(DAY + 1)

    register(api, "victim", "victim@example.com", "the-owners-password")

    assert login(api, "victim@example.com").status_code == 401  # the squatter's password
    assert api.request("GET", "/api/user", token=squatter["token"]).json == REVOKED
    assert api.request("GET", "/api/profiles/squatter").status_code == 200  # the account stays


def test_a_confirmed_email_is_never_free(api: Api, emulator: Emulator, later: Any) -> None:
    confirmed_jake(api, emulator)
    later(30 * DAY)

    response = register(api, "other", "jake@example.com")

    assert response.status_code == 422
    assert response.json == TAKEN


def test_an_email_confirmed_late_but_before_anyone_took_it_is_kept(
    api: Api, emulator: Emulator, later: Any
) -> None:
    jake = api.register("jake", "jake@example.com")
    later(DAY + 1)
    assert resend(api, jake["token"]).status_code == 202
    confirm(api, jake["token"], code_to(emulator, "jake@example.com"))

    response = register(api, "other", "jake@example.com")

    assert response.status_code == 422
    assert response.json == TAKEN


def test_a_new_email_not_confirmed_in_time_can_be_registered_by_another(
    api: Api, emulator: Emulator, later: Any
) -> None:
    jake = confirmed_jake(api, emulator)
    change_email(api, jake["token"], "jacob@example.com")
    code = code_to(emulator, "jacob@example.com")
    later(DAY + 1)

    assert register(api, "jacob", "jacob@example.com").status_code == 201
    response = confirm(api, jake["token"], code)
    assert response.status_code == 422
    assert response.json == TAKEN
    assert login(api, "jake@example.com").status_code == 200  # jake keeps his email


# --- the dev outbox -------------------------------------------------------------------------


def test_the_dev_outbox_serves_every_message_newest_last(api: Api, emulator: Emulator) -> None:
    api.register("jake", "jake@example.com")
    api.register("jane", "jane@example.com")
    outbox = Client(LocalGateway(outbox=emulator.outbox))

    response = outbox.get("/_dev/outbox")

    assert response.status_code == 200
    messages = response.get_json()["messages"]
    assert [(m["to"], m["kind"]) for m in messages] == [
        ("jake@example.com", VERIFY_EMAIL),
        ("jane@example.com", VERIFY_EMAIL),
    ]
    assert [m["code"] for m in messages] == [code_to(emulator, m["to"]) for m in messages]
    assert all(m["at"].endswith("Z") for m in messages)


def test_the_outbox_is_not_a_route_of_the_api(api: Api) -> None:
    assert api.request("GET", "/_dev/outbox").status_code == 404


# --- bad weather ------------------------------------------------------------------------------


def retried(api: Api, method: str, path: str, body: Any = None, token: str | None = None) -> Outcome:
    def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
        reply = api.request(method, path, body, token=token, headers=headers)
        return reply.status_code, reply.headers, reply.json if reply.text else None

    return send_with_retries(once, method, tries=8)


def test_an_email_is_confirmed_in_bad_weather(
    api: Api, emulator: Emulator, weather: Weather, later: Any
) -> None:
    body = {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}}
    token = retried(api, "POST", "/api/users", body).body["user"]["token"]
    if not codes_to(emulator, "jake@example.com"):  # registration's code is not retried
        later(61)
        assert retried(api, "POST", "/api/user/email/resend", token=token).status == 202

    answer = retried(
        api,
        "POST",
        "/api/user/email/confirm",
        {"user": {"code": code_to(emulator, "jake@example.com")}},
        token,
    )

    assert answer.status == 200
    assert answer.body["user"]["emailVerified"] is True
    assert sum(weather.injected.values()) > 0
