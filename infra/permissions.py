"""Least-privilege IAM statements derived from a function's grants (and, for a stream worker,
its source streams), and nothing else.

Plain data so the rule can be read and tested without synthesizing: the runtime and workers
components turn each `Statement` into an `iam.PolicyStatement` on the function's own role.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conduit.resources import Table, UserPool
from conduit.routes import UNSIGNED_COGNITO_ACTIONS, Grant, TableGrant, UserPoolGrant
from infra.errors import InfraError

#: DynamoDB transactions have no IAM action of their own: IAM checks each item-level action
#: inside (PutItem, UpdateItem, ConditionCheckItem, ...), which the grant lists alongside.
UNAUTHORIZED_DYNAMODB_ACTIONS = frozenset({"TransactWriteItems", "TransactGetItems"})

#: What Lambda's poller calls on a stream it reads, all scoped to the stream's ARN. Not
#: `dynamodb:ListStreams`: it has no resource-level permissions (only `Resource: "*"` grants it),
#: and a mapping given the stream ARN never lists streams. CDK's `DynamoEventSource` would add it
#: on "*", which is why the workers build their event source mappings themselves.
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords")

#: An API operation name: rejects "*", "Get*" and "dynamodb:GetItem" alike.
_OPERATION = re.compile(r"[A-Z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]


def grant_statements(
    owner: str,
    grants: Sequence[Grant],
    *,
    table_arn: Callable[[Table], str],
    user_pool_arn: Callable[[UserPool], str],
) -> list[Statement]:
    """One statement per grant that needs IAM, in grant order; `owner` names the culprit in errors."""
    statements = []
    for grant in grants:
        if isinstance(grant, TableGrant):
            statements.append(_table_statement(owner, grant, table_arn(grant.table)))
        elif isinstance(grant, UserPoolGrant):
            statement = _user_pool_statement(owner, grant, user_pool_arn(grant.pool))
            if statement is not None:
                statements.append(statement)
        else:  # pragma: no cover - a new grant kind must get its own rule here
            raise InfraError(f"{owner}: no IAM rule for grant {grant!r}")
    return statements


def stream_read_statement(owner: str, stream_arns: Sequence[str]) -> Statement:
    """What a stream-fed function needs to read its sources' streams, on those streams only."""
    if not stream_arns:
        raise InfraError(f"{owner} reads no stream: nothing would ever invoke it")
    return Statement(actions=STREAM_READ_ACTIONS, resources=tuple(dict.fromkeys(stream_arns)))


def _table_statement(owner: str, grant: TableGrant, arn: str) -> Statement:
    declared = {index.name for index in grant.table.indexes}
    for index in grant.indexes:
        if index not in declared:
            raise InfraError(
                f"{owner} grants index {index!r} that table {grant.table.key!r} does not declare"
            )
    operations = _operations(owner, grant.actions)
    actions = tuple(f"dynamodb:{op}" for op in operations if op not in UNAUTHORIZED_DYNAMODB_ACTIONS)
    if not actions:
        raise InfraError(
            f"{owner}: a grant on table {grant.table.key!r} of only "
            f"{', '.join(operations)} allows nothing; list the item-level actions inside"
        )
    resources = (arn, *(f"{arn}/index/{index}" for index in grant.indexes))
    return Statement(actions=actions, resources=resources)


def _user_pool_statement(owner: str, grant: UserPoolGrant, arn: str) -> Statement | None:
    operations = _operations(owner, grant.actions)
    actions = tuple(f"cognito-idp:{op}" for op in operations if op not in UNSIGNED_COGNITO_ACTIONS)
    return Statement(actions=actions, resources=(arn,)) if actions else None


def _operations(owner: str, operations: tuple[str, ...]) -> tuple[str, ...]:
    for op in operations:
        if not _OPERATION.fullmatch(op):
            raise InfraError(
                f"{owner}: {op!r} is not an API operation name; "
                "grants list exact operations (e.g. GetItem), never wildcards or prefixes"
            )
    return tuple(dict.fromkeys(operations))
