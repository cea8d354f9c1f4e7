"""Create the tables and user pool of a stage from `conduit.resources`, as the CDK app does.

Idempotent: what exists is reused, so it also prepares an external AWS-compatible endpoint
(`AWS_ENDPOINT_URL`) that may already hold a previous run's resources.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.request import urlopen

import boto3

from conduit.auth import shippable_key_set
from conduit.resources import (
    JWKS_URL_ENV_VAR,
    TABLES,
    USER_POOL,
    Index,
    Key,
    Table,
    powertools_env,
)


def _key_schema(partition: Key, sort: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def _projection(index: Index) -> dict[str, Any]:
    if index.projection is None:
        return {"ProjectionType": "ALL"}
    if not index.projection:
        return {"ProjectionType": "KEYS_ONLY"}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)}


def table_definition(table: Table, stage: str) -> dict[str, Any]:
    """The CreateTable request for a declared table."""
    keys = [table.partition_key, table.sort_key]
    keys += [k for i in table.indexes for k in (i.partition_key, i.sort_key)]
    attributes = {k.name: k.type.value for k in keys if k is not None}
    definition: dict[str, Any] = {
        "TableName": table.physical_name(stage),
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(table.partition_key, table.sort_key),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
    }
    if table.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": _key_schema(i.partition_key, i.sort_key),
                "Projection": _projection(i),
            }
            for i in table.indexes
        ]
    if table.stream:
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return definition


def _create_tables(stage: str) -> dict[str, str]:
    dynamodb = boto3.client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])  # a handful of tables: one page
    for table in TABLES:
        if table.physical_name(stage) not in existing:
            dynamodb.create_table(**table_definition(table, stage))
            if table.ttl_attribute:
                dynamodb.update_time_to_live(
                    TableName=table.physical_name(stage),
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
                )
    return {table.env_var: table.physical_name(stage) for table in TABLES}


def _create_user_pool(stage: str) -> tuple[str, str]:
    cognito = boto3.client("cognito-idp")
    name = USER_POOL.physical_name(stage)
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == name), None)
    if pool_id is None:
        policy = USER_POOL.password_policy
        pool_id = cognito.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            # Emails are verified with a code, and a new one waits for its code before it
            # replaces the old (infra/components/identity.py).
            AutoVerifiedAttributes=["email"],
            UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": policy.min_length,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
            # The one attribute the app client may write (conduit.resources.UserPool).
            Schema=[
                {
                    "Name": USER_POOL.client_writable_attribute,
                    "AttributeDataType": "String",
                    "Mutable": True,
                    "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "1"},
                }
            ],
        )["UserPool"]["Id"]
    client_name = USER_POOL.client_name(stage)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == client_name), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=client_name,
            GenerateSecret=False,
            ExplicitAuthFlows=list(USER_POOL.client_auth_flows),
            PreventUserExistenceErrors="ENABLED",
            AccessTokenValidity=USER_POOL.access_token_validity_minutes,
            IdTokenValidity=USER_POOL.id_token_validity_minutes,
            RefreshTokenValidity=USER_POOL.refresh_token_validity_days,
            TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
            # No standard attribute: an empty list would mean all of them (infra/components/identity.py).
            WriteAttributes=USER_POOL.client_write_attributes,
        )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _shipped_keys(jwks_url: str) -> str:
    """What the deploy puts in `USER_POOL_JWKS` (functions/deploy/signing_keys.py), read the same way."""
    with urlopen(jwks_url, timeout=10) as response:  # the emulator's, or JWKS_URL
        return shippable_key_set(response.read())


def provision(stage: str, jwks_base_url: str | None = None) -> dict[str, str]:
    """Create the stage's resources; return the environment the functions need to find them.

    `jwks_base_url` points key fetches at an emulator, which serves each pool's keys at
    `<base>/<pool id>/.well-known/jwks.json` while issuing tokens with the real issuer. The
    pool's keys are read there (or at `JWKS_URL`, when that is set) and shipped in the
    environment, as the deploy ships them.
    """
    env = powertools_env(stage)
    env.update(_create_tables(stage))
    pool_id, client_id = _create_user_pool(stage)
    env[USER_POOL.pool_id_env_var] = pool_id
    env[USER_POOL.client_id_env_var] = client_id
    if jwks_base_url:
        env[JWKS_URL_ENV_VAR] = f"{jwks_base_url}/{pool_id}/.well-known/jwks.json"
    jwks_url = env.get(JWKS_URL_ENV_VAR) or os.environ.get(JWKS_URL_ENV_VAR)
    if jwks_url:
        env[USER_POOL.keys_env_var] = _shipped_keys(jwks_url)
    return env
