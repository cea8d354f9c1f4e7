"""Make moto's DynamoDB cost what a request touches, not the size of the table.

Two of moto's shortcuts make every request slower as a table grows, so tests that seed
realistic data (a feed of a thousand authors) would take many minutes. The semantics stay
moto's; only the amount of work changes.

Query: moto sorts every item of the table and keeps those of the asked partition. Here a query
on the table's key sees only that partition, and one on an index only the items whose index
key matches, in the order moto's sort would have given them.

TransactWriteItems: moto keeps a transaction atomic by deep-copying every table the
transaction touches, once per item, and putting the copies back if an item fails. Only the
items a transaction names can change, so the snapshot here shares the table's partitions,
copies those the transaction's items are in and deep-copies only those items; the stream shard
is not copied. Requests reach
moto one at a time (see `local.emulator`), so nothing else changes a table meanwhile.

moto puts a failed transaction's copies back by replacing the table objects, while every
open shard iterator still reads the original table's stream shard (and the shard still names
the original table): after the first failed transaction on a table, its stream would never
show another record, or would show the failed transaction's writes. So the state is put back
into the original objects instead: the snapshot's items into the original table, which stays
in the backend, and the failed transaction's stream records are cut off the shard's end.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

_installed = False
#: An item's key as a transaction names it: (attribute, repr of its typed value) pairs.
_Key = tuple[tuple[str, str], ...]


def install() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _install_partition_queries()
    _install_cheap_rollback()
    _installed = True


def _install_partition_queries() -> None:
    from moto.dynamodb.models.table import Table

    original: Callable[..., Any] = Table.query
    index_name_position = 7  # after hash_key: range_comparison ... projection_expressions

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") or (
            args[index_name_position - 1] if len(args) >= index_name_position else None
        )
        conditions = kwargs.get("hash_key_conditions") or []
        items: list[Any]
        if index_name and conditions:  # the index partition's items, in the order moto sorts all
            matching = (item for item in _items(self) if all(_has(item, n, v) for n, v in conditions))
            items = sorted(matching, key=_table_order)
        elif not index_name and hash_key is not None:
            partition = self.items.get(hash_key)
            if partition is None:
                items = []
            elif isinstance(partition, dict):
                items = sorted(partition.values(), key=lambda item: item.range_key)
            else:
                items = [partition]
        else:
            return original(self, hash_key, *args, **kwargs)
        self.all_items = lambda: items  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]


def _has(item: Any, name: str, value: Any) -> bool:
    """Whether the item's attribute is the value (moto's DynamoType cannot be compared with None)."""
    mine = item.attrs.get(name)
    return mine is not None and bool(mine == value)


def _table_order(item: Any) -> Any:
    """The sort key of moto's `Table.all_items`."""
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _items(table: Any) -> Iterator[Any]:
    for partition in table.items.values():
        if isinstance(partition, dict):
            yield from partition.values()
        else:
            yield partition


def _install_cheap_rollback() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original: Callable[..., None] = models.DynamoDBBackend.transact_write_items

    def targets(transact_items: list[dict[str, Any]]) -> dict[str, set[_Key]]:
        """(hash, range) keys each table's items are addressed by in this transaction."""
        keys: dict[str, set[_Key]] = defaultdict(set)
        for entry in transact_items:
            operation = next(iter(entry.values()))
            key = operation.get("Key") or operation.get("Item") or {}
            keys[operation.get("TableName", "")].add(tuple(sorted((k, str(v)) for k, v in key.items())))
        return keys

    def snapshot(table: Table, addressed: set[_Key]) -> Table:
        clone = copy.copy(table)
        # The partitions by reference (a dict's copy reuses its keys' hashes, so this is cheap
        # however large the table); those an item of the transaction is in are copied below.
        clone.items = defaultdict(dict, table.items)
        for key in addressed:
            attributes = dict(key)
            if table.hash_key_attr not in attributes:
                continue
            hash_value = DynamoType(_typed(attributes[table.hash_key_attr]))
            range_value = (
                DynamoType(_typed(attributes[table.range_key_attr]))
                if table.range_key_attr and table.range_key_attr in attributes
                else None
            )
            if table.range_key_attr and range_value is None:
                continue
            partition = table.items.get(hash_value)
            if range_value is not None and partition is not None and clone.items[hash_value] is partition:
                clone.items[hash_value] = dict(partition)  # a Put may add an item to it or replace one
            item = table.get_item(hash_value, range_value)
            if item is None:
                continue
            if range_value is not None:
                clone.items[hash_value][range_value] = copy.deepcopy(item)
            else:
                clone.items[hash_value] = copy.deepcopy(item)  # type: ignore[arg-type]
        return clone

    class _SnapshotOnce:
        """Stands in for the `copy` module inside moto's transaction code."""

        def __init__(self, addressed: dict[str, set[_Key]]) -> None:
            self._addressed = addressed
            self._snapshots: dict[int, Table] = {}

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            if isinstance(value, Table):
                if id(value) not in self._snapshots:
                    self._snapshots[id(value)] = snapshot(value, self._addressed.get(value.name, set()))
                return self._snapshots[id(value)]
            return copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        tables = dict(self.tables)
        records = {n: len(t.stream_shard.items) for n, t in tables.items() if t.stream_shard is not None}
        setattr(models, "copy", _SnapshotOnce(targets(transact_items)))  # noqa: B010 - moto's module global
        try:
            original(self, transact_items)
        except Exception:
            for name, table in tables.items():
                restored = self.tables.get(name)
                if restored is not None and restored is not table:  # moto put a snapshot back
                    table.items = restored.items
                    self.tables[name] = table
                if table.stream_shard is not None and name in records:
                    del table.stream_shard.items[records[name] :]  # the failed transaction's records
            raise
        finally:
            setattr(models, "copy", copy)  # noqa: B010

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _typed(serialized: str) -> dict[str, Any]:
    """The typed attribute value a key was recorded with (`str` of a dict, see `targets`)."""
    import ast

    value: dict[str, Any] = ast.literal_eval(serialized)
    return value
