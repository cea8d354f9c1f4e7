"""Cognito cannot be called around the API: a user's own token cannot change their Cognito
attributes (UpdateUserAttributes), because the app client writes no standard attribute
(conduit.resources.UserPool, local.cognito_attributes)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from conduit import settings
from conduit.resources import USER_POOL
from local.cognito_attributes import UNAUTHORIZED_ATTRIBUTE, writable
from tests.api.conftest import PASSWORD, Api


def _email_in_cognito(username: str) -> str:
    user = boto3.client("cognito-idp").admin_get_user(
        UserPoolId=settings.user_pool().pool_id, Username=username
    )
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "email"))


@pytest.mark.parametrize("attribute", ["email", "email_verified", "name", "picture"])
def test_a_users_own_token_cannot_write_a_standard_attribute(api: Api, attribute: str) -> None:
    token = api.register("jake")["token"]
    value = "true" if attribute == "email_verified" else "thief@example.com"

    with pytest.raises(ClientError) as refused:
        boto3.client("cognito-idp").update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": attribute, "Value": value}]
        )

    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == UNAUTHORIZED_ATTRIBUTE
    assert _email_in_cognito("jake@example.com") == "jake@example.com"
    login = {"user": {"email": "jake@example.com", "password": PASSWORD}}
    assert api.request("POST", "/api/users/login", login).status_code == 200


def test_the_token_may_write_only_the_attribute_nothing_reads(api: Api) -> None:
    token = api.register("jake")["token"]
    (allowed,) = USER_POOL.client_write_attributes

    boto3.client("cognito-idp").update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": allowed, "Value": "x"}]
    )

    assert api.request("GET", "/api/user", token=token).json["user"]["email"] == "jake@example.com"


def test_a_client_without_write_attributes_writes_every_standard_one_as_cognito_does() -> None:
    # Why the client lists one custom attribute rather than none (infra/components/identity.py).
    assert writable({}, "email")
    assert writable({"WriteAttributes": []}, "email")
    assert not writable({"WriteAttributes": ["custom:unused"]}, "email")
