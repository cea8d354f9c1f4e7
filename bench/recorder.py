"""Every AWS call the bench process makes, with its timing and, on demand, its capacity units.

botocore's `BaseClient._make_api_call` is where PynamoDB and boto3 both end up, so wrapping it
records each call's start and end (for the round-trip count) and its parameters and response
(for the capacity units). Items whose size a response does not show (projections, writes)
are read in full through a client the recorder does not record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.client

from bench import capacity
from conduit import settings
from conduit.resources import TABLES

Item = dict[str, dict[str, Any]]
_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Recorded:
    service: str
    operation: str
    params: dict[str, Any]
    start: float
    thread: str = ""
    end: float = 0.0
    response: dict[str, Any] | None = None
    error: str | None = None
    read_units: float = 0.0
    write_units: float = 0.0
    extra_pages: int = 0  # calls DynamoDB would add: a Query page stops at 1 MB


@dataclass
class Recorder:
    """Install once; `with recorder.recording() as calls:` collects one request's calls."""

    measure_capacity: bool = False
    calls: list[Recorded] = field(default_factory=list)
    _active: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _bypass: threading.local = field(default_factory=threading.local)
    _raw: Any = None
    _keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def install(self) -> None:
        original: Callable[..., Any] = botocore.client.BaseClient._make_api_call
        recorder = self

        def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if not recorder._active or getattr(recorder._bypass, "on", False):
                return original(client, operation, params)
            service = client.meta.service_model.service_name
            before = recorder._before_write(operation, params) if service == "dynamodb" else {}
            call = Recorded(service, operation, params, time.perf_counter(), threading.current_thread().name)
            try:
                response: dict[str, Any] = original(client, operation, params)
            except Exception as error:
                call.end = time.perf_counter()
                call.error = type(error).__name__
                recorder._finish(call, before)
                raise
            call.end = time.perf_counter()
            call.response = response
            recorder._finish(call, before)
            return response

        botocore.client.BaseClient._make_api_call = recorded

    @contextmanager
    def recording(self) -> Iterator[list[Recorded]]:
        calls: list[Recorded] = []
        self.calls = calls
        self._active = True
        try:
            yield calls
        finally:
            self._active = False

    def _finish(self, call: Recorded, before: dict[tuple[str, str], int | None]) -> None:
        if self.measure_capacity and call.service == "dynamodb":
            with self._bypassed():
                self._charge(call, before)
        with self._lock:
            self.calls.append(call)

    # --- capacity -------------------------------------------------------------------------

    @contextmanager
    def _bypassed(self) -> Iterator[None]:
        self._bypass.on = True
        try:
            yield
        finally:
            self._bypass.on = False

    def _client(self) -> Any:
        if self._raw is None:
            self._raw = boto3.client("dynamodb")
            for table in TABLES:
                names = (table.partition_key.name,) + ((table.sort_key.name,) if table.sort_key else ())
                self._keys[settings.table_name(table)] = names
        return self._raw

    def _key(self, table: str, item: Item) -> Item:
        self._client()
        return {name: item[name] for name in self._keys[table]}

    def _sizes(self, table: str, keys: list[Item]) -> list[int | None]:
        """Full sizes of these items now (None: absent), read without being recorded."""
        client = self._client()
        found: dict[str, int] = {}
        unique = list({repr(sorted(k.items())): k for k in keys}.values())
        for start in range(0, len(unique), 100):
            pending: dict[str, Any] = {table: {"Keys": unique[start : start + 100], "ConsistentRead": True}}
            while pending:
                reply = client.batch_get_item(RequestItems=pending)
                for item in reply["Responses"].get(table, []):
                    found[repr(sorted(self._key(table, item).items()))] = capacity.item_size(item)
                pending = reply.get("UnprocessedKeys") or {}
        return [found.get(repr(sorted(k.items()))) for k in keys]

    def _written_keys(self, operation: str, params: dict[str, Any]) -> list[tuple[str, Item]]:
        if operation in ("PutItem",):
            return [(params["TableName"], self._key(params["TableName"], params["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"])]
        if operation == "BatchWriteItem":
            keys: list[tuple[str, Item]] = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        keys.append((table, self._key(table, request["PutRequest"]["Item"])))
                    else:
                        keys.append((table, request["DeleteRequest"]["Key"]))
            return keys
        if operation == "TransactWriteItems":
            keys = []
            for action in params["TransactItems"]:
                (kind, body), *_ = action.items()
                table = body["TableName"]
                keys.append((table, self._key(table, body["Item"]) if kind == "Put" else body["Key"]))
            return keys
        return []

    def _sizes_of(self, keys: list[tuple[str, Item]]) -> dict[tuple[str, str], int | None]:
        by_table: dict[str, list[Item]] = {}
        for table, key in keys:
            by_table.setdefault(table, []).append(key)
        sizes: dict[tuple[str, str], int | None] = {}
        for table, table_keys in by_table.items():
            for key, size in zip(table_keys, self._sizes(table, table_keys), strict=True):
                sizes[(table, repr(sorted(key.items())))] = size
        return sizes

    def _before_write(self, operation: str, params: dict[str, Any]) -> dict[tuple[str, str], int | None]:
        if not self.measure_capacity or operation not in _WRITES:
            return {}
        with self._bypassed():
            return self._sizes_of(self._written_keys(operation, params))

    def _charge(self, call: Recorded, before: dict[tuple[str, str], int | None]) -> None:
        params, response = call.params, call.response or {}
        operation = call.operation
        if operation in _WRITES:
            keys = self._written_keys(operation, params)
            after = self._sizes_of(keys)
            transactional = operation == "TransactWriteItems"
            for table, key in keys:
                ident = (table, repr(sorted(key.items())))
                call.write_units += capacity.write_units(before.get(ident), after.get(ident), transactional)
            return
        if operation == "GetItem":
            table = params["TableName"]
            size = self._sizes(table, [params["Key"]])[0]
            call.read_units = capacity.get_units(size, bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                found = self._sizes(table, list(request["Keys"]))
                call.read_units += capacity.batch_get_units(found, bool(request.get("ConsistentRead")))
        elif operation == "Query":
            table = params["TableName"]
            items: list[Item] = response.get("Items", [])
            if "IndexName" in params:
                sizes = [capacity.item_size(item) for item in items]  # index entries, as read
            else:
                partition = self._partition_value(table, params)
                read = [{self._keys[table][0]: partition, **item} for item in items]
                sizes = [size or 0 for size in self._sizes(table, [self._key(table, k) for k in read])]
            call.read_units = capacity.query_units(sizes, bool(params.get("ConsistentRead")))
            call.extra_pages = capacity.query_pages(sizes) - 1

    def _partition_value(self, table: str, params: dict[str, Any]) -> dict[str, Any]:
        """The partition key value a Query names (`#n = :v` in its key condition)."""
        self._client()
        names: dict[str, str] = params.get("ExpressionAttributeNames", {})
        values: dict[str, Any] = params["ExpressionAttributeValues"]
        condition: str = params["KeyConditionExpression"]
        wanted = self._keys[table][0]
        for clause in condition.split(" AND "):
            left, op, right = clause.strip().strip("()").partition(" = ")
            if op and names.get(left.strip(), left.strip()) == wanted:
                value: dict[str, Any] = values[right.strip()]
                return value
        raise ValueError(f"no partition key in {condition!r}")
