"""Make moto's Cognito tokens behave as Cognito's do where revocation depends on it.

moto issues every token for an hour whatever the app client says, and stamps a refreshed token
with a new `auth_time`. Cognito gives access and ID tokens the client's validity (with its
units), and a refreshed token keeps the `auth_time` of the sign-in it descends from: that is
how `conduit.users.sessions` tells a session that a sign-out everywhere ended from one that
started after it. Without this, the local stack would let a revoked session live on through a
refresh, or tests would pass for a reason AWS would not give.
"""

from __future__ import annotations

import time
from typing import Any

_installed = False
_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def _validity_seconds(pool: Any, client_id: str, token_use: str) -> int | None:
    """The app client's validity for an access or ID token, in seconds (None: moto's default)."""
    client = pool.clients.get(client_id)
    if client is None:
        return None
    kind = "AccessToken" if token_use == "access" else "IdToken"
    config = client.extended_config
    validity = config.get(f"{kind}Validity")
    if validity is None:
        return None
    unit = (config.get("TokenValidityUnits") or {}).get(kind, _DEFAULT_UNITS[kind])
    return int(validity) * _SECONDS[unit]


def install() -> None:
    """Patch moto's user pools in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.cognitoidp.models import CognitoIdpUserPool

    create_jwt = CognitoIdpUserPool.create_jwt
    create_refresh_token = CognitoIdpUserPool.create_refresh_token

    def started(pool: Any) -> dict[str, int]:
        """When each sign-in (`origin_jti`) of the pool happened."""
        times: dict[str, int] = pool.__dict__.setdefault("_sign_in_times", {})
        return times

    def refresh_token_with_time(self: Any, client_id: str, username: str) -> tuple[str, str]:
        refresh_token, origin_jti = create_refresh_token(self, client_id, username)
        started(self)[origin_jti] = int(time.time())
        return refresh_token, origin_jti

    def jwt_as_cognito(
        self: Any,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 60 * 60,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        extra = dict(extra_data or {})
        signed_in_at = started(self).get(str(extra.get("origin_jti")))
        if signed_in_at is not None:
            extra["auth_time"] = signed_in_at
        validity = _validity_seconds(self, client_id, token_use) or expires_in
        token: tuple[str, int] = create_jwt(self, client_id, username, token_use, validity, extra)
        return token

    CognitoIdpUserPool.create_refresh_token = refresh_token_with_time  # type: ignore[method-assign]
    CognitoIdpUserPool.create_jwt = jwt_as_cognito  # type: ignore[method-assign]
    _installed = True
