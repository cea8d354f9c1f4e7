"""The DynamoDB tables, one per declaration in `conduit.resources.TABLES`.

A table can be replaced by an existing one (`-c tableOverride.<key>=<name>`), typically a
point-in-time restore: the stack then references it and no longer manages a table of its own
for that key (see docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Annotations, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from conduit.resources import Index, Key, KeyType, Table
from infra.config import TableOverride
from infra.errors import InfraError

_ATTRIBUTE_TYPES = {
    KeyType.STRING: dynamodb.AttributeType.STRING,
    KeyType.NUMBER: dynamodb.AttributeType.NUMBER,
}


def table_construct_id(table: Table) -> str:
    """`users` -> `Users`, `article-tags` -> `ArticleTags`: ids stay stable as tables are added."""
    return "".join(part.capitalize() for part in table.key.replace("_", "-").split("-"))


class Data(Construct):
    """On-demand tables with point-in-time recovery; their names carry the stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        tables: Iterable[Table],
        retain: bool,
        overrides: Mapping[str, TableOverride] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables: dict[Table, dynamodb.ITable] = {}
        for declaration in tables:
            override = (overrides or {}).get(declaration.key)
            if override is not None:
                self._tables[declaration] = dynamodb.Table.from_table_attributes(
                    self,
                    table_construct_id(declaration),
                    table_name=override.table_name,
                    table_stream_arn=override.stream_arn,
                )
                Annotations.of(self).add_warning_v2(
                    f"conduit:tableOverride:{declaration.key}",
                    f"table {declaration.key!r} is the existing table {override.table_name!r}, "
                    "not managed by this stack: it keeps its own PITR, deletion protection and "
                    "stream settings (docs/operations.md)",
                )
                continue
            table = dynamodb.Table(
                self,
                table_construct_id(declaration),
                table_name=declaration.physical_name(stage),
                partition_key=_attribute(declaration.partition_key),
                sort_key=_attribute(declaration.sort_key) if declaration.sort_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if declaration.stream else None,
                time_to_live_attribute=declaration.ttl_attribute,
                removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
                deletion_protection=retain,
            )
            for index in declaration.indexes:
                _add_index(table, index)
            self._tables[declaration] = table

    @property
    def declarations(self) -> tuple[Table, ...]:
        return tuple(self._tables)

    def table(self, declaration: Table) -> dynamodb.ITable:
        try:
            return self._tables[declaration]
        except KeyError:
            raise InfraError(
                f"table {declaration.key!r} is granted or streamed from, "
                "but missing from conduit.resources.TABLES"
            ) from None


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


def _add_index(table: dynamodb.Table, index: Index) -> None:
    if index.projection is None:
        projection, non_key = dynamodb.ProjectionType.ALL, None
    elif not index.projection:
        projection, non_key = dynamodb.ProjectionType.KEYS_ONLY, None
    else:
        projection, non_key = dynamodb.ProjectionType.INCLUDE, list(index.projection)
    table.add_global_secondary_index(
        index_name=index.name,
        partition_key=_attribute(index.partition_key),
        sort_key=_attribute(index.sort_key) if index.sort_key else None,
        projection_type=projection,
        non_key_attributes=non_key,
    )
