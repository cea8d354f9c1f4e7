"""The IAM rule, on plain data: a grant becomes exactly the statement it names."""

from __future__ import annotations

import pytest

from conduit.resources import FOLLOWS, USER_POOL, USERS, Table, UserPool
from conduit.routes import Grant, TableGrant, UserPoolGrant
from infra.errors import InfraError
from infra.permissions import Statement, grant_statements, stream_read_statement


def table_arn(table: Table) -> str:
    return f"arn:table/{table.key}"


def pool_arn(pool: UserPool) -> str:
    return f"arn:userpool/{pool.key}"


def statements(*grants: Grant) -> list[Statement]:
    return grant_statements("route Probe", grants, table_arn=table_arn, user_pool_arn=pool_arn)


def test_table_grant_allows_its_actions_on_the_table_only():
    assert statements(TableGrant(USERS, ("GetItem", "BatchGetItem"))) == [
        Statement(actions=("dynamodb:GetItem", "dynamodb:BatchGetItem"), resources=("arn:table/users",))
    ]


def test_transactions_are_allowed_through_their_item_level_actions():
    [statement] = statements(
        TableGrant(USERS, ("TransactWriteItems", "PutItem", "TransactGetItems", "GetItem"))
    )
    assert statement.actions == ("dynamodb:PutItem", "dynamodb:GetItem")


def test_index_grant_covers_the_table_and_each_named_index():
    [statement] = statements(TableGrant(FOLLOWS, ("Query",), indexes=("byFanout",)))
    assert statement.resources == ("arn:table/follows", "arn:table/follows/index/byFanout")


def test_user_pool_grant_allows_its_admin_actions_on_the_pool():
    [statement] = statements(UserPoolGrant(USER_POOL, ("AdminCreateUser", "InitiateAuth")))
    assert statement == Statement(actions=("cognito-idp:AdminCreateUser",), resources=("arn:userpool/users",))


def test_public_cognito_calls_need_no_statement():
    assert statements(UserPoolGrant(USER_POOL, ("InitiateAuth",))) == []


def test_each_grant_is_a_statement_of_its_own():
    assert len(statements(TableGrant(USERS, ("GetItem",)), TableGrant(FOLLOWS, ("PutItem",)))) == 2


def test_repeated_actions_are_listed_once():
    [statement] = statements(TableGrant(USERS, ("GetItem", "GetItem")))
    assert statement.actions == ("dynamodb:GetItem",)


@pytest.mark.parametrize("action", ["*", "Get*", "dynamodb:GetItem", "getItem", ""])
def test_anything_but_an_exact_operation_name_is_rejected(action):
    with pytest.raises(InfraError, match="not an API operation name"):
        statements(TableGrant(USERS, (action,)))


def test_wildcard_cognito_operation_is_rejected():
    with pytest.raises(InfraError, match="not an API operation name"):
        statements(UserPoolGrant(USER_POOL, ("Admin*",)))


def test_grant_on_an_undeclared_index_is_rejected():
    with pytest.raises(InfraError, match="does not declare"):
        statements(TableGrant(USERS, ("Query",), indexes=("byEmail",)))


def test_grant_of_only_a_transaction_is_rejected_as_allowing_nothing():
    with pytest.raises(InfraError, match="allows nothing"):
        statements(TableGrant(USERS, ("TransactWriteItems",)))


def test_stream_read_allows_describing_iterating_and_reading_the_given_streams_only():
    statement = stream_read_statement("worker Probe", ["arn:stream/a", "arn:stream/b", "arn:stream/a"])
    assert statement == Statement(
        actions=("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"),
        resources=("arn:stream/a", "arn:stream/b"),
    )


def test_stream_read_of_no_stream_is_rejected():
    with pytest.raises(InfraError, match="worker Probe reads no stream"):
        stream_read_statement("worker Probe", [])
