"""The one place where tokens are verified.

The RealWorld token is a Cognito access token: RS256 signature by one of the pool's keys,
issuer, `client_id`, `token_use`, expiry. The pool's public keys ship with the function: the
deploy resolves them into its environment (`USER_POOL_JWKS`, see functions/deploy/), and the
local stack does the same (local/provision.py), so no cold start fetches them. A token signed
by a key that is not there (the pool rotated its keys since the deploy) triggers one fetch of
the pool's JWKS, at most every few minutes, so forged key ids cannot make every request fetch.

The RS256 check is written here with the standard library rather than with PyJWT, because of
cold start: PyJWT verifies RS256 only through `cryptography`, and importing the two cost the
first signed-in request of every function tens of milliseconds (33 ms in the last quiet bench;
bench/coldstart.py keeps measuring it as `pyjwt_token_check`), most of what that request may
take above the floor; verifying one signature this way costs well under a millisecond.
What is written is RSASSA-PKCS1-v1_5 verification (RFC 8017, 8.2.2) exactly: the signature's
length and range are checked, s^e mod n is encoded back to bytes, and the WHOLE encoded message
is compared, in constant time, with the one built for the SHA-256 digest of the signed input.
Nothing of the decrypted block is ever parsed: parsing it is where the known forgeries of this
scheme live (Bleichenbacher 2006). The header must say RS256 and nothing else, and the claims
are checked as PyJWT checked them before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from conduit import settings
from conduit.errors import ConfigurationError, ServiceUnavailable, Unauthorized
from conduit.routes import Auth
from conduit.users import sessions

_SCHEMES = ("token", "bearer")  # the spec says `Token`; OAuth clients send `Bearer`
_LEEWAY_SECONDS = 5
_FETCH_TIMEOUT_SECONDS = 3
#: An unknown key id fetches the JWKS again only this long after the last fetch...
_REFETCH_AFTER_SECONDS = 300
#: ...or this long after a fetch that failed: meanwhile such tokens are answered 503, not 401
#: (the key may well be the pool's), and a flood of made-up key ids cannot fetch per request.
_REFETCH_AFTER_FAILURE_SECONDS = 10
_MAX_JWKS_BYTES = 64 * 1024
#: Cognito's access tokens are about 1 KB; API Gateway allows 10 KB of headers in all.
MAX_TOKEN_CHARS = 8 * 1024
#: What the shipped key set may take of a function's environment (4 KB for all its variables,
#: tests/infra check the rest fits beside it): Cognito publishes two 2048-bit keys, about 900 bytes.
MAX_SHIPPED_KEYS_BYTES = 2048
_REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "token_use")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
#: DER of DigestInfo{sha256, NULL} without the digest (RFC 8017, 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_MIN_MODULUS_BITS = 2048
_MAX_MODULUS_BITS = 8192


@dataclass(frozen=True)
class Caller:
    user_id: str  # the Cognito `sub`
    token: str
    #: The token's verified claims (its session: `conduit.users.sessions`).
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class PublicKey:
    """An RSA public key of the pool that signs RS256."""

    n: int
    e: int

    def verifies(self, signed: bytes, signature: bytes) -> bool:
        """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017, 8.2.2)."""
        size = (self.n.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        representative = int.from_bytes(signature, "big")
        if representative >= self.n:
            return False
        encoded = pow(representative, self.e, self.n).to_bytes(size, "big")
        digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
        return hmac.compare_digest(encoded, expected)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64_int(part: object) -> int:
    if not isinstance(part, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", part):
        raise ValueError("not base64url")
    return int.from_bytes(_b64(part), "big")


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN would pass every time comparison


def _json(data: bytes) -> Any:
    return json.loads(data, parse_constant=_no_constants)


def parse_key_set(document: str | bytes) -> dict[str, PublicKey]:
    """The RS256 signing keys of a JWKS document by key id; other keys are left out.

    Raises ValueError when the document is not a JWKS."""
    try:
        keys = _json(document.encode() if isinstance(document, str) else document)["keys"]
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise ValueError(f"not a JWKS document: {error}") from None
    if not isinstance(keys, list):
        raise ValueError("not a JWKS document: `keys` is not a list")
    found: dict[str, PublicKey] = {}
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or jwk.get("alg", "RS256") != "RS256":
            continue
        if jwk.get("use", "sig") != "sig" or not isinstance(jwk.get("kid"), str):
            continue
        n, e = _b64_int(jwk.get("n")), _b64_int(jwk.get("e"))
        if not _MIN_MODULUS_BITS <= n.bit_length() <= _MAX_MODULUS_BITS or e < 3 or e % 2 == 0:
            raise ValueError(f"key {jwk['kid']!r} is not a usable RSA key")
        found[jwk["kid"]] = PublicKey(n, e)
    return found


def shippable_key_set(document: str | bytes) -> str:
    """The pool's JWKS reduced to its RS256 signing keys, compact: the value of `USER_POOL_JWKS`.

    Raises ValueError when it holds no such key, or would not fit in a function's environment."""
    keys = parse_key_set(document)
    if not keys:
        raise ValueError("the JWKS holds no RS256 signing key")

    def b64(number: int) -> str:
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    shipped = json.dumps(
        {
            "keys": [
                {"kty": "RSA", "alg": "RS256", "kid": kid, "n": b64(key.n), "e": b64(key.e)}
                for kid, key in sorted(keys.items())
            ]
        },
        separators=(",", ":"),
    )
    if len(shipped.encode()) > MAX_SHIPPED_KEYS_BYTES:
        raise ValueError(
            f"the pool's signing keys take {len(shipped)} bytes, more than the "
            f"{MAX_SHIPPED_KEYS_BYTES} a function's environment has room for"
        )
    return shipped


class _SigningKeys:
    """The pool's keys: the shipped ones, then whatever a fetch for an unknown key id found."""

    def __init__(self) -> None:
        self._keys: dict[str, PublicKey] | None = None
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._keys, self._fetched_at, self._failed_at = None, None, None

    def loaded(self) -> dict[str, PublicKey]:
        return self._keys if self._keys is not None else self._shipped()

    def get(self, kid: str) -> PublicKey | None:
        keys = self.loaded()
        if kid in keys:
            return keys[kid]
        with self._lock:
            now = time.monotonic()
            if kid in (self._keys or {}):
                return (self._keys or {})[kid]
            if self._failed_at is not None:
                if now - self._failed_at < _REFETCH_AFTER_FAILURE_SECONDS:
                    raise ServiceUnavailable()
            elif self._fetched_at is not None and now - self._fetched_at < _REFETCH_AFTER_SECONDS:
                return None
            try:
                fetched = _fetch()
            except KeysUnavailable:
                self._failed_at = now
                raise ServiceUnavailable() from None
            self._keys = {**(self._keys or {}), **fetched}
            self._fetched_at, self._failed_at = now, None
            return self._keys.get(kid)

    def _shipped(self) -> dict[str, PublicKey]:
        shipped = settings.user_pool().shipped_keys
        try:
            keys = parse_key_set(shipped) if shipped else {}
        except ValueError as error:
            raise ConfigurationError(f"the shipped signing keys are unusable: {error}") from None
        with self._lock:
            if self._keys is None:
                self._keys = keys
            return self._keys


class KeysUnavailable(Exception):
    """The pool's JWKS could not be read (network, Cognito, or not a JWKS): logged, then a 503."""


def _fetch() -> dict[str, PublicKey]:
    """The pool's current keys from its JWKS URL (only for a key id the shipped set lacks)."""
    from urllib.request import urlopen

    # Here, not at import: the local stack imports this module (shippable_key_set) before it
    # has provisioned the settings the functions' logger reads when it is made.
    from conduit.observability import logger

    url = settings.user_pool().jwks_url
    try:
        with urlopen(url, timeout=_FETCH_TIMEOUT_SECONDS) as response:  # our pool's https URL
            return parse_key_set(response.read(_MAX_JWKS_BYTES))
    except (OSError, ValueError) as error:
        logger.warning("cannot fetch the user pool's signing keys", extra={"url": url, "error": str(error)})
        raise KeysUnavailable(url) from error


_signing_keys = _SigningKeys()


def load_shipped_keys() -> int:
    """Read the shipped keys now rather than at the first token (before a SnapStart snapshot)."""
    return len(_signing_keys.loaded())


def reset() -> None:
    """Forget the keys read or fetched and the revocations read, for tests that switch pools."""
    _signing_keys.reset()
    sessions.reset()


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _part(encoded: str) -> dict[str, Any]:
    try:
        document = _json(_b64(encoded))
    except (ValueError, RecursionError):  # binascii.Error and JSONDecodeError are ValueErrors
        raise Unauthorized("is invalid") from None
    if not isinstance(document, dict):
        raise Unauthorized("is invalid")
    return document


def _check_claims(claims: dict[str, Any]) -> None:
    """What PyJWT checked (required claims, `exp`, `iat`, `nbf` with leeway, issuer), then
    that it is an access token of our app client (access tokens carry `client_id`, not `aud`)."""
    pool = settings.user_pool()
    if any(claims.get(name) is None for name in _REQUIRED_CLAIMS):
        raise Unauthorized("is invalid")
    expires, issued, not_before = claims["exp"], claims["iat"], claims.get("nbf")
    if not (_number(expires) and _number(issued) and (not_before is None or _number(not_before))):
        raise Unauthorized("is invalid")
    now = time.time()
    if expires <= now - _LEEWAY_SECONDS:
        raise Unauthorized("has expired")
    if issued > now + _LEEWAY_SECONDS or (not_before is not None and not_before > now + _LEEWAY_SECONDS):
        raise Unauthorized("is invalid")  # not valid yet
    if claims["iss"] != pool.issuer or claims["token_use"] != "access":
        raise Unauthorized("is invalid")
    if claims.get("client_id") != pool.client_id or not isinstance(claims["sub"], str):
        raise Unauthorized("is invalid")


def verify_token(token: str) -> dict[str, Any]:
    """Return the claims of a valid access token of our user pool, or raise Unauthorized."""
    if len(token) > MAX_TOKEN_CHARS or not _TOKEN.fullmatch(token):
        raise Unauthorized("is invalid")
    encoded_header, encoded_claims, encoded_signature = token.split(".")
    header = _part(encoded_header)
    kid = header.get("kid")
    # RS256 only: never `none`, never an HMAC keyed with the public key; no extension we'd ignore.
    if header.get("alg") != "RS256" or "crit" in header or not isinstance(kid, str):
        raise Unauthorized("is invalid")
    try:
        signature = _b64(encoded_signature)
    except ValueError:
        raise Unauthorized("is invalid") from None
    key = _signing_keys.get(kid)
    if key is None or not key.verifies(f"{encoded_header}.{encoded_claims}".encode(), signature):
        raise Unauthorized("is invalid")
    claims = _part(encoded_claims)
    _check_claims(claims)
    return claims


def _token_from_header(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in _SCHEMES or not token or " " in token:
        raise Unauthorized("is invalid")
    return token


def authenticate(mode: Auth, authorization: str | None) -> Caller | None:
    """Resolve the caller of a route with the given auth mode from its Authorization header."""
    if mode is Auth.NONE:
        return None
    if not authorization or not authorization.strip():
        if mode is Auth.REQUIRED:
            raise Unauthorized("is missing")
        return None
    token = _token_from_header(authorization)
    claims = verify_token(token)
    user_id = str(claims["sub"])
    # Verified offline, the token may belong to a session that has ended since it was issued.
    sessions.check(user_id, claims)
    return Caller(user_id=user_id, token=token, claims=claims)
