"""Cognito, the identity store: the only code that calls it.

Users sign in with their email (the pool's username attribute), so Cognito's own username is
the generated `sub` and every admin call addresses a user by it. Cognito errors become domain
errors here; the rest of the code never sees botocore.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from conduit import aws_calls, settings
from conduit.errors import Unauthorized, ValidationFailed


@cache
def _client() -> Any:
    from botocore.config import Config

    from conduit.storage import connection

    # Fail fast enough to leave time for compensation inside the function's timeout.
    config = Config(connect_timeout=2, read_timeout=4, retries={"mode": "standard", "max_attempts": 2})
    # From the botocore session the DynamoDB client was made with (every route that calls
    # Cognito reads DynamoDB too): a second session (boto3's) would import boto3 and load
    # botocore's endpoint and partition data again, about 100 ms of CPU on the first Cognito
    # call (bench/coldstart.py, `cognito_client`) against 40 ms this way.
    session = connection().session
    return aws_calls.track(
        session.create_client("cognito-idp", region_name=settings.user_pool().region, config=config)
    )


def reset() -> None:
    _client.cache_clear()


def _error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def create_user(email: str, password: str) -> str:
    """Create a confirmed user with a permanent password; return its `sub`."""
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
            raise ValidationFailed.on("email", "has already been taken") from None
        if code == "InvalidParameterException":
            raise ValidationFailed.on("email", "is invalid") from None
        raise
    user_id = str(next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub"))
    try:
        set_password(user_id, password)
    except BaseException:
        delete_user(user_id)
        raise
    return user_id


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
            raise ValidationFailed.on("email", "has already been taken") from None
        raise


def delete_user(user_id: str) -> None:
    _client().admin_delete_user(UserPoolId=settings.user_pool().pool_id, Username=user_id)


def sign_in(email: str, password: str) -> tuple[str, str]:
    """Exchange credentials for an access token; return `(sub, token)`."""
    from botocore.exceptions import ClientError

    pool = settings.user_pool()
    try:
        result = _client().initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as error:
        if _error_code(error) in (
            "NotAuthorizedException",
            "UserNotFoundException",
            "UserNotConfirmedException",
            "PasswordResetRequiredException",
        ):
            raise Unauthorized.invalid_credentials() from None
        raise
    if "AuthenticationResult" not in result:  # a challenge we never configure (MFA, new password)
        raise Unauthorized.invalid_credentials()
    token = result["AuthenticationResult"]["AccessToken"]
    return _subject(token), token


def _subject(token: str) -> str:
    """The `sub` of a token Cognito just issued to us over TLS: no need to verify it again."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])
