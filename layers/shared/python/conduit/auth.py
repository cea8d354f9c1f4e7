"""The one place where tokens are verified.

The RealWorld token is a Cognito access token. It is checked against the user pool's JWKS
(fetched on first use and cached for the life of the container; an unknown key id triggers one
refetch, which covers key rotation): RS256 signature, issuer, `client_id`, `token_use`, expiry.
`jwt` (and the cryptography it loads) is imported on the first authenticated request only, so
routes that never see a token do not pay for it at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from conduit import settings
from conduit.errors import Unauthorized
from conduit.routes import Auth

if TYPE_CHECKING:
    from jwt import PyJWKClient

_SCHEMES = ("token", "bearer")  # the spec says `Token`; OAuth clients send `Bearer`
_JWKS_LIFESPAN_SECONDS = 24 * 60 * 60
_JWKS_TIMEOUT_SECONDS = 3
_LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class Caller:
    user_id: str  # the Cognito `sub`
    token: str


@cache
def _jwks_client() -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(
        settings.user_pool().jwks_url,
        lifespan=_JWKS_LIFESPAN_SECONDS,
        timeout=_JWKS_TIMEOUT_SECONDS,
    )


def reset() -> None:
    """Forget the cached key set, for tests that switch user pools."""
    _jwks_client.cache_clear()


def verify_token(token: str) -> dict[str, Any]:
    """Return the claims of a valid access token of our user pool, or raise Unauthorized."""
    import jwt

    pool = settings.user_pool()
    try:
        signing_key = _jwks_client().get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer=pool.issuer,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("has expired") from None
    except jwt.PyJWKClientConnectionError as error:
        raise RuntimeError("cannot fetch the user pool's signing keys") from error
    except jwt.PyJWTError:
        raise Unauthorized("is invalid") from None
    # Access tokens carry `client_id` where ID tokens carry `aud`.
    if claims.get("token_use") != "access" or claims.get("client_id") != pool.client_id:
        raise Unauthorized("is invalid")
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
    return Caller(user_id=str(claims["sub"]), token=token)
