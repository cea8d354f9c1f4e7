"""Tokens: the `Token` and `Bearer` schemes, and every way a token can be wrong.

Forged tokens are signed with the emulator's own private key, so only the claim under test
is wrong; a test that fails here fails for that claim alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest

from conduit import settings
from conduit.resources import JWKS_URL_ENV_VAR, USER_POOL
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


def test_a_token_whose_payload_was_swapped_for_another_users_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    alice = api.register("alice")
    header, _, signature = jake["token"].split(".")
    alices_payload = alice["token"].split(".")[1]

    assert api.request("GET", "/api/user", token=f"{header}.{alices_payload}.{signature}").status_code == 401
    assert api.request("GET", "/api/user", token=alice["token"]).status_code == 200


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


# --- every way a signature or a header can be wrong -----------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_raw(header: dict[str, Any], payload: bytes, key: Any = None) -> str:
    """An RS256 token over exactly these payload bytes (PyJWT would only sign JSON it wrote)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signed = f"{_b64(json.dumps(header).encode())}.{_b64(payload)}"
    signature = (key or _emulator_signing_key()).sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signed}.{_b64(signature)}"


def claims_of(user_id: str, **overrides: Any) -> dict[str, Any]:
    return dict(jwt.decode(forge(user_id, **overrides), options={"verify_signature": False}))


def refused(api: Api, token: str) -> dict[str, Any]:
    response = api.request("GET", "/api/user", token=token)
    assert response.status_code == 401, response.text
    body: dict[str, Any] = response.json
    return body


def test_a_token_with_a_tampered_signature_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    header, payload, signature = forge(jake["id"]).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[-1] ^= 0x01

    assert refused(api, f"{header}.{payload}.{_b64(bytes(raw))}") == {"errors": {"token": ["is invalid"]}}


def test_a_token_whose_signature_lost_its_leading_byte_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    header, payload, signature = forge(jake["id"]).split(".")

    refused(api, f"{header}.{payload}.{_b64(base64.urlsafe_b64decode(signature + '==')[1:])}")


def test_a_token_with_a_signature_larger_than_the_modulus_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    header, payload, _ = forge(jake["id"]).split(".")
    too_large = _b64(bytes([0xFF]) * 256)  # 2048 bits of ones: above any 2048-bit modulus

    refused(api, f"{header}.{payload}.{too_large}")


def test_an_hs256_token_keyed_with_the_public_key_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    # The classic confusion: a verifier that takes `alg` from the token would check an HMAC
    # with the (public) key it holds, which anyone can compute.
    from cryptography.hazmat.primitives import serialization

    public = _emulator_signing_key().public_key()
    signed = f"{_b64(json.dumps({'alg': 'HS256', 'kid': 'dummy'}).encode())}"
    signed += f".{_b64(json.dumps(claims_of(jake['id'])).encode())}"
    for secret in (
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        json.dumps(settings_keys()).encode(),
    ):
        mac = hmac.new(secret, signed.encode(), hashlib.sha256).digest()
        refused(api, f"{signed}.{_b64(mac)}")


def settings_keys() -> Any:
    return json.loads(settings.user_pool().shipped_keys or "{}")


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "PS256", "ES256", "rs256", None])
def test_a_token_whose_header_names_another_algorithm_is_a_401(
    api: Api, jake: dict[str, Any], alg: str | None
) -> None:
    # Validly RS256-signed, so only the header's claim about the algorithm is wrong.
    header = {"typ": "JWT", "kid": "dummy"} | ({"alg": alg} if alg else {})

    refused(api, sign_raw(header, json.dumps(claims_of(jake["id"])).encode()))


def test_a_token_with_a_critical_header_extension_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    header = {"alg": "RS256", "kid": "dummy", "crit": ["exp"], "exp": 1}

    refused(api, sign_raw(header, json.dumps(claims_of(jake["id"])).encode()))


def test_a_token_without_a_key_id_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    refused(api, sign_raw({"alg": "RS256"}, json.dumps(claims_of(jake["id"])).encode()))


def test_a_token_naming_a_key_the_pool_does_not_have_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    key = _emulator_signing_key()
    token = jwt.encode(claims_of(jake["id"]), key, algorithm="RS256", headers={"kid": "not-the-pools"})

    refused(api, token)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nbf": int(time.time()) + 600}, "is invalid"),
        ({"iat": int(time.time()) + 600}, "is invalid"),
        ({"exp": int(time.time()) - 1}, "has expired"),
        ({"exp": "9999999999"}, "is invalid"),
        ({"exp": True}, "is invalid"),
        ({"iat": None}, "is invalid"),
        ({"iss": None}, "is invalid"),
        ({"client_id": None}, "is invalid"),
        ({"sub": 42}, "is invalid"),
        ({"token_use": "id", "client_id": None, "aud": "the-client"}, "is invalid"),
    ],
    ids=[
        "not-before-in-the-future",
        "issued-in-the-future",
        "expired-a-second-ago",
        "expiry-as-a-string",
        "expiry-as-a-boolean",
        "no-issued-at",
        "no-issuer",
        "no-client",
        "numeric-subject",
        "id-token-with-an-audience",
    ],
)
def test_a_token_with_another_wrong_claim_is_a_401(
    api: Api, jake: dict[str, Any], overrides: dict[str, Any], message: str
) -> None:
    if "aud" in overrides:
        overrides["aud"] = settings.user_pool().client_id

    assert refused(api, forge(jake["id"], **overrides)) == {"errors": {"token": [message]}}


def test_a_token_within_the_clock_leeway_is_accepted(api: Api, jake: dict[str, Any]) -> None:
    now = int(time.time())
    token = forge(jake["id"], exp=now - 2, iat=now + 2, nbf=now + 2)

    assert api.request("GET", "/api/user", token=token).status_code == 200


def test_a_token_whose_expiry_is_not_a_number_is_a_401(api: Api, jake: dict[str, Any]) -> None:
    # Python's json reads NaN, and NaN compares false with every time: it must never pass.
    payload = json.dumps(claims_of(jake["id"], exp=None)).replace("}", ', "exp": NaN}').encode()

    refused(api, sign_raw({"alg": "RS256", "kid": "dummy"}, payload))


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b"[1, 2]", b'"a string"', b"\xff\xfe", b"[" * 5000 + b"]" * 5000],
    ids=["not-json", "an-array", "a-string", "not-utf-8", "nested-too-deep"],
)
def test_a_validly_signed_token_whose_claims_are_not_a_json_object_is_a_401(
    api: Api, jake: dict[str, Any], payload: bytes
) -> None:
    assert refused(api, sign_raw({"alg": "RS256", "kid": "dummy"}, payload)) == {
        "errors": {"token": ["is invalid"]}
    }


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h, p, s: f"{h}.{p}",
        lambda h, p, s: f"{h}.{p}.{s}.{s}",
        lambda h, p, s: f"{h}.{p}.",
        lambda h, p, s: f"{h}..{s}",
        lambda h, p, s: f"{h}.{p}x.{s}",
        lambda h, p, s: f"{h}.{p}.{s}x",
        lambda h, p, s: f"{h}.{p}.{s[:-1]}+",
        lambda h, p, s: f"{_b64(b'[]')}.{p}.{s}",
        lambda h, p, s: f"{_b64(b'{oops')}.{p}.{s}",
        lambda h, p, s: f"{h}.{p}=.{s}",
        lambda h, p, s: f"{h}.{p}.{s}".replace("A", "\u0410", 1),
    ],
    ids=[
        "two-parts",
        "four-parts",
        "no-signature",
        "no-payload",
        "payload-not-base64",
        "signature-not-base64",
        "standard-base64-alphabet",
        "header-an-array",
        "header-not-json",
        "padded",
        "non-ascii",
    ],
)
def test_a_malformed_token_is_a_401(api: Api, jake: dict[str, Any], mangle: Any) -> None:
    header, payload, signature = forge(jake["id"]).split(".")

    assert refused(api, mangle(header, payload, signature)) == {"errors": {"token": ["is invalid"]}}


def test_an_oversized_token_is_a_401_even_when_validly_signed(api: Api, jake: dict[str, Any]) -> None:
    from conduit.auth import MAX_TOKEN_CHARS

    token = forge(jake["id"], padding="x" * MAX_TOKEN_CHARS)

    refused(api, token)


def test_a_token_just_under_the_size_limit_is_accepted(api: Api, jake: dict[str, Any]) -> None:
    from conduit.auth import MAX_TOKEN_CHARS

    unpadded = len(forge(jake["id"], padding=""))
    token = forge(jake["id"], padding="x" * ((MAX_TOKEN_CHARS - unpadded) * 3 // 4 - 4))

    assert len(token) <= MAX_TOKEN_CHARS
    assert api.request("GET", "/api/user", token=token).status_code == 200


# --- the keys: shipped with the function, fetched only for a key id they lack ---------------


def jwks_fetches(api: Api) -> list[str]:
    return [c.operation for c in api.calls.calls if c.service == "http"]


def another_key_set() -> tuple[Any, str]:
    """A key the pool never had, and a shipped key set holding only it."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from conduit.auth import shippable_key_set

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, shippable_key_set(json.dumps({"keys": [jwk | {"kid": "rotated-out", "alg": "RS256"}]}))


def ship(monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    from conduit import auth

    monkeypatch.setenv(USER_POOL.keys_env_var, keys)
    settings.reset()
    auth.reset()


def test_the_first_signed_in_request_fetches_no_keys(api: Api, jake: dict[str, Any]) -> None:
    response = api.request("GET", "/api/user", token=jake["token"])

    assert response.status_code == 200
    assert jwks_fetches(api) == []


def test_a_key_the_shipped_set_lacks_is_fetched_once_then_kept(
    api: Api, jake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool rotated its keys after the deploy: its current key is not in the environment.
    ship(monkeypatch, another_key_set()[1])

    first = api.request("GET", "/api/user", token=jake["token"])
    fetched = jwks_fetches(api)
    second = api.request("GET", "/api/user", token=jake["token"])

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(fetched) == 1
    assert fetched[0].endswith("/.well-known/jwks.json")
    assert jwks_fetches(api) == []


def test_a_shipped_key_still_verifies_after_a_fetch(
    api: Api, jake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    retired_key, keys = another_key_set()
    ship(monkeypatch, keys)
    api.request("GET", "/api/user", token=jake["token"])  # fetches the pool's current key
    claims = claims_of(jake["id"])

    token = jwt.encode(claims, retired_key, algorithm="RS256", headers={"kid": "rotated-out"})

    assert api.request("GET", "/api/user", token=token).status_code == 200
    assert jwks_fetches(api) == []


def test_unknown_key_ids_fetch_the_keys_at_most_once_in_a_while(api: Api, jake: dict[str, Any]) -> None:
    key = _emulator_signing_key()
    tokens = [
        jwt.encode(claims_of(jake["id"]), key, algorithm="RS256", headers={"kid": f"made-up-{n}"})
        for n in range(3)
    ]

    fetches = []
    for token in tokens:
        refused(api, token)
        fetches += jwks_fetches(api)

    assert len(fetches) == 1


def test_a_key_that_cannot_be_fetched_is_a_503_with_retry_after_not_a_401(
    api: Api, jake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool rotated its keys and its JWKS cannot be read right now: the token may be good.
    monkeypatch.setenv(JWKS_URL_ENV_VAR, "http://127.0.0.1:1/.well-known/jwks.json")
    ship(monkeypatch, another_key_set()[1])

    response = api.request("GET", "/api/user", token=jake["token"])

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json == {"errors": {"server": ["is busy; try again shortly"]}}


def test_after_a_failed_fetch_unknown_key_ids_wait_before_fetching_again(
    api: Api, jake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conduit import auth

    monkeypatch.setenv(JWKS_URL_ENV_VAR, "http://127.0.0.1:1/.well-known/jwks.json")
    ship(monkeypatch, another_key_set()[1])
    attempts: list[str] = []
    failing = auth._fetch

    def counted() -> dict[str, Any]:
        attempts.append("fetch")
        return failing()

    monkeypatch.setattr(auth, "_fetch", counted)

    statuses = [api.request("GET", "/api/user", token=jake["token"]).status_code for _ in range(3)]

    assert statuses == [503, 503, 503]
    assert attempts == ["fetch"]


def test_unusable_shipped_keys_are_a_500_not_a_401(
    api: Api, jake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deployment mistake, not the caller's: it must show as an error, not as a bad token.
    ship(monkeypatch, '{"keys": "none"}')

    assert api.request("GET", "/api/user", token=jake["token"]).status_code == 500
