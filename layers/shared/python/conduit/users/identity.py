"""Cognito, the identity store: the only code that calls it.

Users sign in with their email (the pool's username attribute), so Cognito's own username is
the generated `sub` and every admin call addresses a user by it. Cognito errors become domain
errors here; the rest of the code never sees botocore.

Every call may reach Cognito twice: botocore sends it again when its reply was lost. So each
one reads its own earlier success as success: creating a user that exists answers None (the
caller finds out whose it is), deleting one that is gone is done, and an email already in use
is reported as `EmailInUse` for the caller to look at.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from conduit import settings
from conduit.errors import Unauthorized, ValidationFailed


@cache
def _client() -> Any:
    from conduit.storage import create_client

    # Every route that calls Cognito reads DynamoDB too: one botocore session for both.
    return create_client("cognito-idp")


def reset() -> None:
    _client.cache_clear()


def _error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


class EmailInUse(Exception):
    """Cognito holds the email for a user (perhaps the one being changed: see `holder_of`)."""


def create_user(email: str) -> str | None:
    """Create a user (no password yet: `set_password`); its `sub`, or None if one has the email."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        created = _client().admin_create_user(
            UserPoolId=pool.pool_id,
            Username=email,
            MessageAction="SUPPRESS",  # no invitation mail: the user chose the password
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
    except ClientError as error:
        code = _error_code(error)
        if code == "UsernameExistsException":
            return None
        if code == "InvalidParameterException":
            raise ValidationFailed.on("email", "is invalid") from None
        raise
    return str(next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub"))


def holder_of(email: str) -> str | None:
    """The `sub` of the user Cognito knows by this email, if any."""
    from botocore.exceptions import ClientError

    try:
        found = _client().admin_get_user(UserPoolId=settings.user_pool().pool_id, Username=email)
    except ClientError as error:
        if _error_code(error) == "UserNotFoundException":
            return None
        raise
    return str(found["Username"])


def set_password(user_id: str, password: str) -> None:
    from botocore.exceptions import ClientError

    try:
        _client().admin_set_user_password(
            UserPoolId=settings.user_pool().pool_id,
            Username=user_id,
            Password=password,
            Permanent=True,
        )
    except ClientError as error:
        if _error_code(error) == "InvalidPasswordException":
            raise ValidationFailed.on("password", "is not accepted by the password policy") from None
        raise


def set_email(user_id: str, email: str) -> None:
    from botocore.exceptions import ClientError

    try:
        _client().admin_update_user_attributes(
            UserPoolId=settings.user_pool().pool_id,
            Username=user_id,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
    except ClientError as error:
        if _error_code(error) in ("AliasExistsException", "UsernameExistsException"):
            raise EmailInUse(email) from None
        raise


def delete_user(user_id: str) -> None:
    """Delete a user; one already gone is deleted."""
    from botocore.exceptions import ClientError

    try:
        _client().admin_delete_user(UserPoolId=settings.user_pool().pool_id, Username=user_id)
    except ClientError as error:
        if _error_code(error) != "UserNotFoundException":
            raise


@dataclass(frozen=True)
class Session:
    """What a sign-in gives: the access token (the RealWorld token), the refresh token that
    renews it, and the access token's claims (its session: `conduit.users.sessions`)."""

    access_token: str
    refresh_token: str | None
    claims: dict[str, Any]

    @property
    def user_id(self) -> str:
        return str(self.claims["sub"])


_REFUSED_SIGN_IN = (
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
)


def _session(result: dict[str, Any], refresh_token: str | None = None) -> Session:
    if "AuthenticationResult" not in result:  # a challenge we never configure (MFA, new password)
        raise Unauthorized.invalid_credentials()
    tokens = result["AuthenticationResult"]
    access_token = tokens["AccessToken"]
    return Session(access_token, tokens.get("RefreshToken", refresh_token), _claims(access_token))


def sign_in(email: str, password: str) -> Session:
    """Exchange credentials for tokens; a wrong password counts toward Cognito's lockout.

    An admin call (IAM-signed): the app client allows no other password flow, so nobody signs in
    around the API, its limits and its logs (infra/components/identity.py)."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        result = _client().admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as error:
        if _error_code(error) in _REFUSED_SIGN_IN:
            raise Unauthorized.invalid_credentials() from None
        raise
    return _session(result)


def refresh(refresh_token: str) -> Session:
    """A fresh access token for a refresh token; one Cognito no longer honours is refused."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        result = _client().initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as error:
        if _error_code(error) in (*_REFUSED_SIGN_IN, "InvalidParameterException"):
            raise Unauthorized("is invalid or expired", field="refreshToken") from None
        raise
    return _session(result, refresh_token)


def sign_out_everywhere(user_id: str) -> None:
    """Cognito stops honouring every refresh token of the user (the access tokens already
    issued are ended by `conduit.users.sessions`, which is what this API checks)."""
    from botocore.exceptions import ClientError

    try:
        _client().admin_user_global_sign_out(UserPoolId=settings.user_pool().pool_id, Username=user_id)
    except ClientError as error:
        if _error_code(error) != "UserNotFoundException":
            raise


def _claims(token: str) -> dict[str, Any]:
    """The claims of a token Cognito just issued to us over TLS: no need to verify it again."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims
