"""No way around the edge, through HTTP: with the stage's origin secret set (as a stage with a
CloudFront distribution has it), a request without the header CloudFront adds is refused.

The secret and the header are put in place at deploy (tests/infra/test_infra_edge.py); this is
the check itself (`conduit.origin`), on the local gateway with the setting on. The local stack
has no distribution and no secret, so every other test sends no header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conduit import settings
from conduit.origin import ORIGIN_HEADER
from conduit.resources import ORIGIN_SECRET_ENV_VAR
from tests.api.conftest import Api

SECRET = "k3Vq9wXn2LrT7bZpYc4HsJm8DgFa6NeU"
REFUSAL = {"errors": {"request": ["must be sent to the API's public address"]}}


@dataclass
class Edge:
    api: Api
    jake: dict[str, Any]


@pytest.fixture
def edge(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Edge]:
    """The API as a stage with a distribution runs it: the secret in the functions' environment."""
    jake = api.register("jake")  # before: the account exists whatever the tests send
    monkeypatch.setenv(ORIGIN_SECRET_ENV_VAR, SECRET)
    settings.reset()
    yield Edge(api, jake)
    monkeypatch.delenv(ORIGIN_SECRET_ENV_VAR)
    settings.reset()


def through_the_edge(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {ORIGIN_HEADER: SECRET, **(headers or {})}


def test_a_request_that_came_through_the_distribution_is_answered(edge: Edge) -> None:
    reply = edge.api.request("GET", "/api/tags", headers=through_the_edge())

    assert reply.status_code == 200


def test_a_signed_in_request_through_the_distribution_is_answered(edge: Edge) -> None:
    token = edge.jake["token"]

    reply = edge.api.request("GET", "/api/user", token=token, headers=through_the_edge())

    assert reply.status_code == 200
    assert reply.json["user"]["username"] == "jake"


def test_a_direct_call_without_the_header_is_refused(edge: Edge) -> None:
    reply = edge.api.request("GET", "/api/tags")

    assert reply.status_code == 403
    assert reply.json == REFUSAL


def test_a_guessed_secret_is_refused(edge: Edge) -> None:
    for guess in ("", "secret", SECRET[:-1], SECRET + "x", SECRET.lower()):
        reply = edge.api.request("GET", "/api/tags", headers={ORIGIN_HEADER: guess})

        assert reply.status_code == 403, guess


def test_a_direct_call_reads_no_token_and_makes_no_aws_call(edge: Edge) -> None:
    token = edge.jake["token"]

    reply = edge.api.request(
        "POST", "/api/articles", {"article": {"title": "t", "description": "d", "body": "b"}}, token=token
    )

    assert reply.status_code == 403
    assert edge.api.calls.calls == []


def test_a_direct_sign_in_is_refused_before_cognito_sees_the_password(edge: Edge) -> None:
    email = edge.jake["email"]

    reply = edge.api.request("POST", "/api/users/login", {"user": {"email": email, "password": "guess-1234"}})

    assert reply.status_code == 403
    assert edge.api.calls.cognito == []


def test_the_header_is_matched_whatever_its_case(edge: Edge) -> None:
    reply = edge.api.request("GET", "/api/tags", headers={ORIGIN_HEADER.upper(): SECRET})

    assert reply.status_code == 200


def test_without_a_distribution_nothing_is_checked(api: Api) -> None:
    """The local stack, and a stage without the edge: no secret, no header needed."""
    assert settings.origin_secret() is None

    assert api.request("GET", "/api/tags").status_code == 200
