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
            # unverified until the code `send_email_code` sends is confirmed
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "false"},
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


def set_email(user_id: str, email: str, verified: bool = True) -> None:
    """Give the user `email` at once (the pool waits for a code only for an unverified one:
    `verified=False` is what `request_email` does)."""
    from botocore.exceptions import ClientError

    try:
        _client().admin_update_user_attributes(
            UserPoolId=settings.user_pool().pool_id,
            Username=user_id,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true" if verified else "false"},
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


# --- codes: email verification and password reset -----------------------------------------


class CodeRefused(Exception):
    """Cognito refused a code: wrong, expired, or tried too often. `retried` says botocore sent
    the call more than once, so an earlier attempt may have used the code up and succeeded
    (its reply lost): the caller looks at what the account has before it believes the refusal."""

    def __init__(self, retried: bool) -> None:
        super().__init__("code refused")
        self.retried = retried


_CODE_REFUSED = frozenset({"CodeMismatchException", "ExpiredCodeException", "TooManyFailedAttemptsException"})


def _retried(error: Exception) -> bool:
    metadata = getattr(error, "response", {}).get("ResponseMetadata", {})
    return int(metadata.get("RetryAttempts") or 0) > 0


def _token_refused() -> Unauthorized:
    """A token our revocation let through but Cognito no longer honours: its session ended."""
    return Unauthorized("has been revoked")


def request_email(user_id: str, email: str) -> None:
    """Ask for `email` to become the user's: the pool keeps the old one (the sign-in and the
    contact) until the code Cognito sends to the new one is confirmed (`confirm_email_code`).
    `EmailInUse` if a user holds it."""
    set_email(user_id, email, verified=False)


def send_email_code(access_token: str) -> None:
    """Have Cognito email a code to the caller's pending email, or to their email (a new code
    replaces the last)."""
    from botocore.exceptions import ClientError

    try:
        _client().get_user_attribute_verification_code(AccessToken=access_token, AttributeName="email")
    except ClientError as error:
        if _error_code(error) == "NotAuthorizedException":
            raise _token_refused() from None
        raise


def confirm_email_code(access_token: str, code: str) -> None:
    """Confirm the caller's pending email, or their email, with the code sent to it: the pending
    one becomes their email. `CodeRefused`; `EmailInUse` if another user took it meanwhile."""
    from botocore.exceptions import ClientError

    try:
        _client().verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)
    except ClientError as error:
        code_name = _error_code(error)
        if code_name in _CODE_REFUSED:
            raise CodeRefused(_retried(error)) from None
        if code_name in ("AliasExistsException", "UsernameExistsException"):
            raise EmailInUse() from None
        if code_name == "NotAuthorizedException":
            raise _token_refused() from None
        raise


def email_of(user_id: str) -> tuple[str, bool] | None:
    """The user's email in Cognito and whether it is verified; None if there is no such user."""
    from botocore.exceptions import ClientError

    try:
        found = _client().admin_get_user(UserPoolId=settings.user_pool().pool_id, Username=user_id)
    except ClientError as error:
        if _error_code(error) == "UserNotFoundException":
            return None
        raise
    attributes = {a["Name"]: a["Value"] for a in found.get("UserAttributes", [])}
    return str(attributes.get("email", "")), attributes.get("email_verified") == "true"


def forgot_password(email: str) -> None:
    """Have Cognito email a reset code to the user known by `email`, if there is one and the
    address is verified. Answers alike in every case: the app client prevents user existence
    errors (an unknown user gets a made-up delivery), and an unverified address, which
    Cognito refuses, is not told apart here."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        _client().forgot_password(ClientId=pool.client_id, Username=email)
    except ClientError as error:
        if _error_code(error) not in (
            "UserNotFoundException",
            "InvalidParameterException",
            "NotAuthorizedException",
        ):
            raise


def reset_password(email: str, code: str, password: str) -> None:
    """Set a new password with the code `forgot_password` sent. `CodeRefused` (an unknown user's
    too, as Cognito answers it); a password the pool refuses is a 422."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        _client().confirm_forgot_password(
            ClientId=pool.client_id, Username=email, ConfirmationCode=code, Password=password
        )
    except ClientError as error:
        code_name = _error_code(error)
        if code_name in (*_CODE_REFUSED, "UserNotFoundException", "NotAuthorizedException"):
            raise CodeRefused(_retried(error)) from None
        if code_name == "InvalidPasswordException":
            raise ValidationFailed.on("password", "is not accepted by the password policy") from None
        raise
