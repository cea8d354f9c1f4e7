"""Tokens: the `Token` and `Bearer` schemes, and every way a token can be wrong.

Forged tokens are signed with the emulator's own private key, so only the claim under test
is wrong; a test that fails here fails for that claim alone.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from conduit import settings
from tests.api.conftest import Api


def _emulator_signing_key() -> Any:
    from moto.utilities.utils import load_resource

    document = load_resource("cognitoidp/resources/jwks-private.json")
    return jwt.PyJWK(document["keys"][0] if "keys" in document else document).key


def forge(user_id: str, **overrides: Any) -> str:
    pool = settings.user_pool()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": pool.issuer,
        "sub": user_id,
        "client_id": pool.client_id,
        "token_use": "access",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, _emulator_signing_key(), algorithm="RS256", headers={"kid": "dummy"})


def user_id_of(api: Api, token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


@pytest.fixture
def jake(api: Api) -> dict[str, Any]:
    user = api.register("jake")
    user["id"] = user_id_of(api, user["token"])
    return user


def test_a_well_formed_forged_token_is_accepted_so_the_checks_below_are_meaningful(
    api: Api, jake: dict[str, Any]
) -> None:
    assert api.request("GET", "/api/user", token=forge(jake["id"])).status_code == 200


def test_the_bearer_scheme_is_accepted_too(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("GET", "/api/user", headers={"Authorization": f"Bearer {jake['token']}"})

    assert response.status_code == 200


def test_the_scheme_is_case_insensitive(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("GET", "/api/user", headers={"Authorization": f"token {jake['token']}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Token", "Token ", "Basic dXNlcjpwYXNz", "Token not.a.jwt", "Token a b", "garbage"],
)
def test_a_malformed_authorization_header_is_a_401(api: Api, jake: dict[str, Any], header: str) -> None:
    response = api.request("GET", "/api/user", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is invalid"]}}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": int(time.time()) - 60}, "has expired"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, "is invalid"),
        ({"client_id": "another-app-client"}, "is invalid"),
        ({"token_use": "id"}, "is invalid"),
        ({"token_use": None}, "is invalid"),
        ({"sub": None}, "is invalid"),
    ],
    ids=["expired", "other-issuer", "other-client", "id-token", "no-token-use", "no-subject"],
)
def test_a_token_with_a_wrong_claim_is_a_401(
    api: Api, jake: dict[str, Any], overrides: dict[str, Any], message: str
) -> None:
    response = api.request("GET", "/api/user", token=forge(jake["id"], **overrides))

    assert response.status_code == 401
    assert response.json == {"errors": {"token": [message]}}


def test_a_token_with_a_tampered_payload_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    header, _, signature = jake["token"].split(".")
    other_payload = forge("someone-else").split(".")[1]

    response = api.request("GET", "/api/user", token=f"{header}.{other_payload}.{signature}")

    assert response.status_code == 401


def test_a_token_signed_with_another_key_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(forge(jake["id"]), options={"verify_signature": False})
    token = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "dummy"})

    assert api.request("GET", "/api/user", token=token).status_code == 401


def test_an_unsigned_token_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    claims = jwt.decode(forge(jake["id"]), options={"verify_signature": False})
    token = jwt.encode(claims, "", algorithm="none")

    assert api.request("GET", "/api/user", token=token).status_code == 401


def test_a_valid_token_of_a_user_without_a_profile_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("GET", "/api/user", token=forge("no-such-user"))

    assert response.status_code == 401


def test_optional_auth_works_anonymously(api: Api, jake: dict[str, Any]) -> None:
    assert api.request("GET", "/api/profiles/jake").status_code == 200


def test_optional_auth_still_refuses_an_invalid_token(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("GET", "/api/profiles/jake", token=forge(jake["id"], exp=int(time.time()) - 60))

    assert response.status_code == 401


def test_routes_without_auth_ignore_the_authorization_header(api: Api, jake: dict[str, Any]) -> None:
    response = api.request(
        "POST",
        "/api/users/login",
        {"user": {"email": "jake@example.com", "password": "correct-horse"}},
        headers={"Authorization": "Token garbage"},
    )

    assert response.status_code == 200


def test_the_signing_keys_are_fetched_once_and_reused(api: Api, jake: dict[str, Any]) -> None:
    api.request("GET", "/api/user", token=jake["token"])
    api.request("GET", "/api/user", token=jake["token"])

    assert [c for c in api.calls.calls if c.service == "http"] == []
