"""What every PynamoDB model shares: table names resolved from settings at first use.

PynamoDB reads `Meta.table_name` when a model first talks to DynamoDB, so reading it through a
class property keeps import time free of environment look-ups and lets tests re-point tables.
The endpoint comes from botocore's own configuration (`AWS_ENDPOINT_URL` locally), so the
same code runs against DynamoDB and the emulator.

Every model derives from `Record`, so all of them and the transactions share one botocore
client: PynamoDB would give each model class its own, each loading DynamoDB's service model
again (about 80 ms apiece), so the first request touching six models paid for six clients
(pynamodb/PynamoDB#1245, #876).
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from conduit import aws_calls, settings
from conduit.resources import Table

# A request must finish well inside the function timeout, retries included.
_CONNECT_TIMEOUT_SECONDS = 2
_READ_TIMEOUT_SECONDS = 4
_MAX_RETRY_ATTEMPTS = 2


class _TableMeta(type):
    table: Table

    @property
    def table_name(cls) -> str:
        return settings.table_name(cls.table)


def table_meta(table: Table) -> Any:
    """A PynamoDB `Meta` class for `table` (timeouts are the shared client's: see `connection`)."""
    return _TableMeta(f"{table.key.title()}Meta", (), {"table": table})


_shared: Connection | None = None
_creating = threading.Lock()


def connection() -> Connection:
    """The connection transactions run on, whose botocore client every model uses too.

    Its client is made here, once, under a lock: side-by-side reads on a cold start would
    otherwise each build one (botocore's client creation is not thread-safe either)."""
    global _shared
    if _shared is None:
        with _creating:
            if _shared is None:
                created = Connection(
                    connect_timeout_seconds=_CONNECT_TIMEOUT_SECONDS,
                    read_timeout_seconds=_READ_TIMEOUT_SECONDS,
                    max_retry_attempts=_MAX_RETRY_ATTEMPTS,
                )
                aws_calls.track(created.client)  # built now, not by the first caller's thread
                _shared = created
    return _shared


class Record(Model):
    """The base of every item model: its table connection uses the one shared client."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        # PynamoDB has no public way to share a client; `_client` is what `Connection.client`
        # returns once set (pinned PynamoDB; tests/test_storage.py checks it holds).
        table_connection = super()._get_connection()
        shared = connection().client
        if table_connection.connection._client is not shared:
            table_connection.connection._client = shared
        return table_connection


def conflicted(error: TransactWriteError) -> bool:
    """Whether a transaction was cancelled by one of its own conditions (not a fault)."""
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or [])


def failed_conditions(error: TransactWriteError) -> list[bool]:
    """Per item of a cancelled transaction, in the order staged: did its condition fail?"""
    return [r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or []]


def transact(write: Callable[[TransactWrite], None]) -> None:
    """Run one transaction built by `write`; a cancellation is raised as `TransactWriteError`
    (see `conflicted`). Every transaction goes through here or `commit_once`."""
    with TransactWrite(connection=connection()) as transaction:
        write(transaction)


def commit_once(write: Callable[[TransactWrite], None]) -> bool:
    """Run one transaction built by `write`; False when a condition says there was nothing
    to do (already applied, or the item it depends on is gone)."""
    try:
        transact(write)
    except TransactWriteError as error:
        if conflicted(error):
            return False
        raise
    return True


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent reads side by side: one round trip for all of them.

    The barrier gives each call its own thread: a pool reuses a thread that has already
    finished, which would put a fast call and the next one in sequence."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        # Each call in a copy of the caller's context: its AWS calls count for this request.
        futures = [pool.submit(contextvars.copy_context().run, run, call) for call in calls]
        return [future.result() for future in futures]


def each(call: Callable[[Any], Any], items: Iterable[Any], width: int = 8) -> list[Any]:
    """`call` on every item, `width` at a time (the stream worker's many small writes)."""
    with ThreadPoolExecutor(max_workers=width) as pool:
        futures = [pool.submit(contextvars.copy_context().run, call, item) for item in items]
        return [future.result() for future in futures]


def share(wanted: int, sources: int) -> int:
    """Entries to read from each of `sources` partitions for the newest `wanted` of their
    merge: the mean share and 2.5 standard deviations of it (about 1 page in 200 needs a
    second round), never more than `wanted`."""
    if sources <= 1:
        return wanted
    mean = wanted / sources
    return min(wanted, math.ceil(mean + 2.5 * math.sqrt(mean)) + 1)


def run_rounds(rounds: Callable[[], list[Callable[[], Any]]]) -> None:
    """Call `rounds()` for the next round's calls until it has none; each round runs its calls
    side by side (one round trip)."""
    while calls := rounds():
        together(*calls)
