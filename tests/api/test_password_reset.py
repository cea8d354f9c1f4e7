"""Password reset through HTTP: a code asked for by address, answered alike whatever the
address, mailed to a confirmed one only; the reset, its limits, and the sessions it ends.

Codes arrive in the emulator's outbox (`local.cognito`), which expires them by its own clock;
the API's minute between codes is measured by `conduit.clock.epoch` (moved with `later`).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conduit import clock
from local.cognito import RESET_PASSWORD, VERIFY_EMAIL
from local.emulator import Emulator
from local.faults import Weather
from local.retrying import Outcome, send_with_retries
from tests.api.conftest import PASSWORD, Api

INVALID_CODE = {"errors": {"code": ["is invalid or expired"]}}
REVOKED = {"errors": {"token": ["has been revoked"]}}
NEW_PASSWORD = "a-brand-new-password"
HOUR = 60 * 60


def reset_codes_to(emulator: Emulator, address: str) -> list[str]:
    return [m.code for m in emulator.outbox() if m.to == address and m.kind == RESET_PASSWORD]


def reset_code_to(emulator: Emulator, address: str) -> str:
    sent = reset_codes_to(emulator, address)
    assert sent, f"no reset code was mailed to {address}"
    return sent[-1]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def forgot(api: Api, email: str) -> Any:
    return api.request("POST", "/api/users/password/forgot", {"user": {"email": email}})


def reset(api: Api, email: str, code: str, password: str = NEW_PASSWORD) -> Any:
    body = {"user": {"email": email, "code": code, "password": password}}
    return api.request("POST", "/api/users/password/reset", body)


def login(api: Api, email: str, password: str) -> Any:
    return api.request("POST", "/api/users/login", {"user": {"email": email, "password": password}})


def confirmed(api: Api, emulator: Emulator, username: str = "jake") -> dict[str, Any]:
    """A registered account whose email is confirmed."""
    user = api.register(username, f"{username}@example.com")
    code = [m.code for m in emulator.outbox() if m.to == user["email"] and m.kind == VERIFY_EMAIL][-1]
    answer = api.request("POST", "/api/user/email/confirm", {"user": {"code": code}}, token=user["token"])
    assert answer.status_code == 200
    return user


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the API's clock forward by some seconds."""

    def move(seconds: float) -> None:
        monkeypatch.setattr(clock, "epoch", lambda: time.time() + seconds)

    return move


# --- asking for a code ---------------------------------------------------------------------


def test_asking_for_a_code_answers_202_and_an_empty_object(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)

    response = forgot(api, "jake@example.com")

    assert response.status_code == 202
    assert response.json == {}


def test_a_code_is_mailed_to_a_confirmed_address(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)

    forgot(api, "jake@example.com")

    [code] = reset_codes_to(emulator, "jake@example.com")
    assert len(code) == 6


def test_no_code_is_mailed_to_an_unconfirmed_address(api: Api, emulator: Emulator) -> None:
    api.register("jane", "jane@example.com")

    forgot(api, "jane@example.com")

    assert reset_codes_to(emulator, "jane@example.com") == []


def test_confirmed_unconfirmed_and_unknown_addresses_are_answered_alike(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator, "jake")
    api.register("jane", "jane@example.com")
    answers = []
    for email in ("jake@example.com", "jane@example.com", "nobody@example.com"):
        response = forgot(api, email)
        answers.append((response.status_code, response.text, api.calls.dynamodb, api.calls.cognito))

    assert answers[0] == answers[1] == answers[2]  # status, body, and the calls that take the time
    assert answers[0][3] == ["ForgotPassword"]


def test_answers_take_the_same_time_whatever_the_address(api: Api, emulator: Emulator, later: Any) -> None:
    confirmed(api, emulator, "jake")
    api.register("jane", "jane@example.com")
    addresses = ("jake@example.com", "jane@example.com", "nobody@example.com")
    timings: dict[str, list[float]] = {address: [] for address in addresses}
    for turn in range(5):
        later(61 * (turn + 1))  # a code may go out every time
        for address in addresses:
            started = time.perf_counter()
            forgot(api, address)
            timings[address].append(time.perf_counter() - started)

    medians = sorted(sorted(times)[2] for times in timings.values())
    assert medians[-1] - medians[0] < 0.05 + 0.5 * medians[0]  # within noise, not a lookup apart


def test_a_second_request_within_the_minute_mails_nothing_and_is_answered_alike(
    api: Api, emulator: Emulator
) -> None:
    confirmed(api, emulator)
    first = forgot(api, "jake@example.com")

    second = forgot(api, "jake@example.com")

    assert (second.status_code, second.json) == (first.status_code, first.json)
    assert len(reset_codes_to(emulator, "jake@example.com")) == 1


def test_a_request_a_minute_later_mails_a_new_code(api: Api, emulator: Emulator, later: Any) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")
    later(61)

    forgot(api, "jake@example.com")

    assert len(reset_codes_to(emulator, "jake@example.com")) == 2


def test_asking_for_a_code_needs_an_email(api: Api) -> None:
    response = api.request("POST", "/api/users/password/forgot", {"user": {}})

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["can't be blank"]}}


# --- the reset ------------------------------------------------------------------------------


def test_the_code_resets_the_password_and_answers_the_user_with_a_fresh_token(
    api: Api, emulator: Emulator
) -> None:
    jake = confirmed(api, emulator)
    forgot(api, "jake@example.com")

    response = reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"))

    assert response.status_code == 200
    user = response.json["user"]
    assert {k: v for k, v in user.items() if k not in ("token", "refreshToken")} == {
        **{k: v for k, v in jake.items() if k != "token"},
        "emailVerified": True,
    }
    assert api.request("GET", "/api/user", token=user["token"]).status_code == 200


def test_after_a_reset_the_new_password_signs_in_and_the_old_does_not(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")

    reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"))

    assert login(api, "jake@example.com", NEW_PASSWORD).status_code == 200
    assert login(api, "jake@example.com", PASSWORD).status_code == 401


def test_a_reset_ends_every_earlier_session(api: Api, emulator: Emulator) -> None:
    jake = confirmed(api, emulator)
    elsewhere = login(api, "jake@example.com", PASSWORD).json["user"]
    forgot(api, "jake@example.com")

    reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"))

    for token in (jake["token"], elsewhere["token"]):
        response = api.request("GET", "/api/user", token=token)
        assert response.status_code == 401
        assert response.json == REVOKED
    renewal = api.request("POST", "/api/users/token", {"user": {"refreshToken": elsewhere["refreshToken"]}})
    assert renewal.status_code == 401


def test_a_wrong_code_is_a_422_and_the_password_stays(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")

    response = reset(api, "jake@example.com", wrong(reset_code_to(emulator, "jake@example.com")))

    assert response.status_code == 422
    assert response.json == INVALID_CODE
    assert login(api, "jake@example.com", PASSWORD).status_code == 200


def test_a_code_older_than_an_hour_is_a_422(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")
    emulator.cognito.advance(HOUR + 1)

    response = reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"))

    assert response.status_code == 422
    assert response.json == INVALID_CODE


def test_after_five_wrong_tries_the_right_code_is_refused(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")
    code = reset_code_to(emulator, "jake@example.com")
    for _ in range(5):
        assert reset(api, "jake@example.com", wrong(code)).status_code == 422

    response = reset(api, "jake@example.com", code)

    assert response.status_code == 422
    assert response.json == INVALID_CODE
    assert login(api, "jake@example.com", PASSWORD).status_code == 200


def test_a_new_code_works_after_five_wrong_tries(api: Api, emulator: Emulator, later: Any) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")
    for _ in range(5):
        reset(api, "jake@example.com", wrong(reset_code_to(emulator, "jake@example.com")))
    later(61)
    forgot(api, "jake@example.com")

    response = reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"))

    assert response.status_code == 200


def test_a_code_for_one_address_does_not_reset_another(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator, "jake")
    confirmed(api, emulator, "jane")
    forgot(api, "jake@example.com")

    response = reset(api, "jane@example.com", reset_code_to(emulator, "jake@example.com"))

    assert response.json == INVALID_CODE
    assert login(api, "jane@example.com", PASSWORD).status_code == 200


def test_a_reset_for_an_unknown_address_is_a_422(api: Api) -> None:
    response = reset(api, "nobody@example.com", "123456")

    assert response.status_code == 422
    assert response.json == INVALID_CODE


def test_a_new_password_follows_the_registration_rules(api: Api, emulator: Emulator) -> None:
    confirmed(api, emulator)
    forgot(api, "jake@example.com")

    response = reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com"), "short")

    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]
    assert reset(api, "jake@example.com", reset_code_to(emulator, "jake@example.com")).status_code == 200


# --- bad weather ------------------------------------------------------------------------------


def retried(api: Api, method: str, path: str, body: Any = None) -> Outcome:
    def once(headers: dict[str, str]) -> tuple[int, Any, Any]:
        reply = api.request(method, path, body, headers=headers)
        return reply.status_code, reply.headers, reply.json if reply.text else None

    return send_with_retries(once, method, tries=8)


def test_a_password_is_reset_in_bad_weather(api: Api, emulator: Emulator, weather: Weather) -> None:
    emulator.heal()
    confirmed(api, emulator)
    emulator.start_weather(0.2, seed=3)

    asked = retried(api, "POST", "/api/users/password/forgot", {"user": {"email": "jake@example.com"}})
    code = reset_code_to(emulator, "jake@example.com")
    body = {"user": {"email": "jake@example.com", "code": code, "password": NEW_PASSWORD}}
    answer = retried(api, "POST", "/api/users/password/reset", body)

    assert asked.status == 202
    assert answer.status == 200
    emulator.heal()
    assert api.request("GET", "/api/user", token=answer.body["user"]["token"]).status_code == 200
    assert login(api, "jake@example.com", NEW_PASSWORD).status_code == 200
