"""Which items and partitions a request (or a worker batch) wrote, from the calls it made.

Keys come from the tables' declarations in `conduit.resources`: an item is its table and key
attributes; a partition is its table (or index) and partition key value. An index partition
is written when a put or an update sets the index's partition key attribute. The shared-key
test and `make bench` section 8 compare what two unrelated requests of a use case wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conduit import settings
from conduit.resources import TABLES, Table

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
Value = Mapping[str, Any]


@dataclass(frozen=True)
class Write:
    """One item written: its table, its key, and the partitions it touched."""

    table: str
    key: tuple[tuple[str, str], ...]
    partitions: tuple[str, ...]
    transactional: bool

    @property
    def item(self) -> str:
        return f"{self.table}:" + ",".join(f"{name}={value}" for name, value in self.key)


@dataclass
class Writes:
    writes: list[Write] = field(default_factory=list)

    @property
    def items(self) -> set[str]:
        return {w.item for w in self.writes}

    @property
    def transactional_items(self) -> set[str]:
        return {w.item for w in self.writes if w.transactional}

    @property
    def partitions(self) -> set[str]:
        return {p for w in self.writes for p in w.partitions}

    def times_written(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for write in self.writes:
            counts[write.item] = counts.get(write.item, 0) + 1
        return counts


def _tables() -> dict[str, Table]:
    return {settings.table_name(table): table for table in TABLES}


def _scalar(value: Value) -> str:
    (_, content), *_ = value.items()
    return str(content)


def _set_attributes(expression: str, names: Mapping[str, str], values: Mapping[str, Value]) -> dict[str, str]:
    """`SET #a = :v, ...` clauses of an update expression, as attribute -> value."""
    found: dict[str, str] = {}
    match = re.search(r"SET (.*?)(?= (?:ADD|REMOVE|DELETE) |$)", expression)
    if not match:
        return found
    for clause in match.group(1).split(","):
        left, _, right = clause.partition("=")
        name, value = left.strip(), right.strip()
        if value in values:
            found[names.get(name, name)] = _scalar(values[value])
    return found


def _write(
    table_name: str, key_or_item: Mapping[str, Value], attributes: Mapping[str, str], transactional: bool
) -> Write:
    table = _tables()[table_name]
    names = [table.partition_key.name] + ([table.sort_key.name] if table.sort_key else [])
    key = tuple((name, _scalar(key_or_item[name])) for name in names)
    partitions = [f"{table.key}:{key[0][1]}"]
    for index in table.indexes:
        value = attributes.get(index.partition_key.name)
        if value is not None:
            partitions.append(f"{table.key}/{index.name}:{value}")
    return Write(table.key, key, tuple(partitions), transactional)


def _item_attributes(item: Mapping[str, Value]) -> dict[str, str]:
    return {name: _scalar(value) for name, value in item.items() if not {"L", "M"} & set(value)}


def _one(kind: str, body: Mapping[str, Any], transactional: bool) -> Write | None:
    table = body["TableName"]
    if kind == "Put":
        return _write(table, body["Item"], _item_attributes(body["Item"]), transactional)
    if kind == "Update":
        sets = _set_attributes(
            body.get("UpdateExpression", ""), body.get("ExpressionAttributeNames", {}),
            body.get("ExpressionAttributeValues", {}),
        )  # fmt: skip
        return _write(table, body["Key"], sets, transactional)
    if kind == "Delete":
        return _write(table, body["Key"], {}, transactional)
    return None  # a ConditionCheck writes nothing


def written(calls: Iterable[tuple[str, Mapping[str, Any]]]) -> Writes:
    """What these (operation, parameters) calls wrote."""
    result = Writes()
    for operation, params in calls:
        if operation == "PutItem":
            result.writes.append(
                _write(params["TableName"], params["Item"], _item_attributes(params["Item"]), False)
            )
        elif operation in ("UpdateItem", "DeleteItem"):
            write = _one("Update" if operation == "UpdateItem" else "Delete", params, False)
            if write is not None:
                result.writes.append(write)
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                (kind, body), *_ = action.items()
                write = _one(kind, body, True)
                if write is not None:
                    result.writes.append(write)
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        result.writes.append(_write(table, item, _item_attributes(item), False))
                    else:
                        result.writes.append(_write(table, request["DeleteRequest"]["Key"], {}, False))
    return result
