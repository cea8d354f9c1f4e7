"""Only the API signs users in: the app client refuses a password sent to Cognito directly.

The client allows ADMIN_USER_PASSWORD_AUTH (an IAM-signed call, which only the API's functions
may make) and refresh tokens, nothing else, so a password spray against Cognito's public
InitiateAuth gets nowhere; the emulator refuses as Cognito does (`local.auth_flows`).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from conduit.resources import USER_POOL
from tests.api.conftest import PASSWORD, Api


def cognito() -> Any:
    return boto3.client("cognito-idp")


def initiate_auth(flow: str, **parameters: str) -> dict[str, Any]:
    result: dict[str, Any] = cognito().initiate_auth(
        ClientId=os.environ[USER_POOL.client_id_env_var], AuthFlow=flow, AuthParameters=parameters
    )
    return result


def test_a_password_sent_to_cognito_directly_is_refused(api: Api) -> None:
    jake = api.register("jake")

    with pytest.raises(ClientError) as refused:
        initiate_auth("USER_PASSWORD_AUTH", USERNAME=jake["email"], PASSWORD=PASSWORD)

    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "USER_PASSWORD_AUTH flow not enabled for this client",
    }


def test_the_api_signs_in_with_the_admin_flow(api: Api) -> None:
    jake = api.register("jake")

    response = api.request(
        "POST", "/api/users/login", {"user": {"email": jake["email"], "password": PASSWORD}}
    )

    assert response.status_code == 200
    assert "AdminInitiateAuth" in api.calls.cognito
    assert "InitiateAuth" not in api.calls.cognito


def test_a_refresh_token_is_still_a_public_call(api: Api) -> None:
    jake = api.register("jake")
    signed_in = api.request(
        "POST", "/api/users/login", {"user": {"email": jake["email"], "password": PASSWORD}}
    ).json["user"]

    refreshed = initiate_auth("REFRESH_TOKEN_AUTH", REFRESH_TOKEN=signed_in["refreshToken"])

    assert refreshed["AuthenticationResult"]["AccessToken"]


def test_a_flow_the_client_never_enabled_is_refused_before_the_password_is_looked_at(api: Api) -> None:
    api.register("jake")

    with pytest.raises(ClientError) as refused:
        initiate_auth("USER_PASSWORD_AUTH", USERNAME="nobody@example.com", PASSWORD="wrong-password")

    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
