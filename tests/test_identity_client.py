"""The Cognito client is made from the botocore session the DynamoDB client was made with: a
second session would load botocore's data again on a cold start's first Cognito call
(conduit.users.identity; bench/coldstart.py measures it)."""

from __future__ import annotations

import pytest

from conduit import settings
from conduit.resources import USER_POOL
from conduit.storage import connection
from conduit.users import identity


def test_the_cognito_and_dynamodb_clients_share_one_botocore_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_POOL.pool_id_env_var, "us-east-1_test")
    monkeypatch.setenv(USER_POOL.client_id_env_var, "client")
    settings.reset()
    identity.reset()
    try:
        cognito = identity._client()
    finally:
        identity.reset()
        settings.reset()

    assert cognito.meta.service_model.service_name == "cognito-idp"
    assert cognito._loader is connection().client._loader
