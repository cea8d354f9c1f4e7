"""What every PynamoDB model shares: table names resolved from settings at first use.

PynamoDB reads `Meta.table_name` when a model first talks to DynamoDB, so reading it through a
class property keeps import time free of environment look-ups and lets tests re-point tables.
The endpoint comes from botocore's own configuration (`AWS_ENDPOINT_URL` locally), so the
same code runs against DynamoDB and the emulator.

Every model derives from `Record`, so all of them and the transactions share one botocore
client: PynamoDB would give each model class its own, each loading DynamoDB's service model
again (about 80 ms apiece), so the first request touching six models paid for six clients
(pynamodb/PynamoDB#1245, #876). That client is built with the retry settings of every
function (`conduit.retries`), and every transaction is a `Transaction`: it carries a
ClientRequestToken, so a transaction botocore or we send again after a lost reply is applied
once, and it is sent again (same token) when DynamoDB cancelled it for a TransactionConflict,
which botocore does not retry.
"""

from __future__ import annotations

import contextvars
import math
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import DoesNotExist, TransactGetError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from conduit import aws_calls, limits, retries, settings
from conduit.cards import Author
from conduit.resources import Table

T = TypeVar("T")

#: HTTP connections of the shared client (PynamoDB's default): enough for `together`.
_MAX_POOL_CONNECTIONS = 10


class _TableMeta(type):
    table: Table

    @property
    def table_name(cls) -> str:
        return settings.table_name(cls.table)


def table_meta(table: Table) -> Any:
    """A PynamoDB `Meta` class for `table` (timeouts and retries are the shared client's)."""
    return _TableMeta(f"{table.key.title()}Meta", (), {"table": table})


_shared: Connection | None = None
_session: Any = None
_creating = threading.Lock()


def create_client(service: str) -> Any:
    """A botocore client with the retry settings of every function, made from one botocore
    session for all: a second session (boto3's, say) would load botocore's endpoint and
    partition data again, about 60 ms of CPU on a cold start's first call to that service
    (bench/coldstart.py, `cognito_client`). Under the lock: client creation is not thread-safe."""
    with _creating:
        return _created(service)


def _created(service: str, options: Any = None) -> Any:
    global _session
    from botocore.session import get_session

    if _session is None:
        _session = get_session()
    config = retries.config() if options is None else retries.config().merge(options)
    client = _session.create_client(service, settings.region(), config=config)
    return aws_calls.track(limits.watch(retries.watch(client)))


def connection() -> Connection:
    """The connection transactions run on, whose botocore client every model uses too.

    Its client is made here, once, under a lock: side-by-side reads on a cold start would
    otherwise each build one (botocore's client creation is not thread-safe either). It is
    built as PynamoDB builds its own (no parameter validation), with `conduit.retries.config()`."""
    global _shared
    if _shared is None:
        with _creating:
            if _shared is None:
                from botocore.config import Config

                created = Connection(region=settings.region())
                options = Config(parameter_validation=False, max_pool_connections=_MAX_POOL_CONNECTIONS)
                created._client = _created("dynamodb", options)  # see Record._get_connection
                _shared = created
    return _shared


def reset() -> None:
    """Forget the shared client and session (tests that change their settings)."""
    global _shared, _session
    _shared = _session = None


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


def copied_author(record: Any, user_id: str) -> Author:
    """The author card an item carries a copy of (its `author_name`, `author_bio`,
    `author_image` and `author_version` attributes: articles, list entries, comments)."""
    return Author(
        user_id,
        str(record.author_name),
        record.author_bio,
        record.author_image,
        int(record.author_version or 0),
    )


def author_copy_update(model: Any, author: Author) -> tuple[list[Action], Condition]:
    """The actions that put `author`'s card on an item of `model` carrying a copy of it, and the
    condition that refuses it when the copy is as new or newer (a repeat, a late record)."""
    actions: list[Action] = [
        model.author_name.set(author.username),
        model.author_version.set(author.version),
        model.author_bio.set(author.bio) if author.bio is not None else model.author_bio.remove(),
        model.author_image.set(author.image) if author.image is not None else model.author_image.remove(),
    ]
    newer: Condition = model.author_version.does_not_exist() | (model.author_version < author.version)
    return actions, newer


def retried(error: Exception) -> bool:
    """Whether botocore sent the failed call more than once: a conditional write refused on a
    retry may have been refused because its own first attempt, whose reply was lost, applied."""
    for cause in retries.causes(error):
        metadata = (getattr(cause, "response", None) or {}).get("ResponseMetadata") or {}
        if int(metadata.get("RetryAttempts") or 0) > 0:
            return True
    return False


def conflicted(error: TransactWriteError) -> bool:
    """Whether a transaction was cancelled by one of its own conditions (not a fault)."""
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or [])


class Transaction(TransactWrite):
    """The transaction every store writes with (`with Transaction() as t: t.save(...)`, or
    `transact`): a TransactWriteItems with a ClientRequestToken of its own, committed again
    (same token) while DynamoDB cancels it only for conflicts or throttling and the budget
    allows."""

    def __init__(self) -> None:
        super().__init__(client_request_token=str(uuid.uuid4()), connection=connection())

    def _commit(self) -> Any:
        attempt = 0
        while True:
            try:
                return super()._commit()
            except TransactWriteError as error:
                if not retries.only_conflicts(error) or not retries.pause(attempt):
                    raise
                attempt += 1


def failed_conditions(error: TransactWriteError) -> list[bool]:
    """Per item of a cancelled transaction, did its condition fail? In the order PynamoDB sends
    them: condition checks, then deletes, then puts, then updates, each in the order staged."""
    return [r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or []]


def transact(write: Callable[[TransactWrite], None]) -> None:
    """Run one `Transaction` built by `write` (the stores stage their items into it); a
    cancellation by a condition is raised as `TransactWriteError` (see `conflicted`)."""
    with Transaction() as transaction:
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


def snapshot(build: Callable[[TransactGet], Callable[[], T]]) -> T:
    """Read items as of one instant (TransactGetItems): `build` adds the gets and returns what
    reads their results. Where one transaction changes two items together (a list entry and
    its counter, a favorite's marker and its article's count), two plain reads could fall on
    either side of it. Sent again while DynamoDB cancels it for conflicts with writes."""
    attempt = 0
    while True:
        try:
            with TransactGet(connection=connection()) as transaction:
                result = build(transaction)
            return result()
        except TransactGetError as error:
            if not retries.only_conflicts(error) or not retries.pause(attempt):
                raise
            attempt += 1


def found(futures: Iterable[Any]) -> list[Any]:
    """The items a snapshot found among those it asked for (PynamoDB raises for the others)."""
    items = []
    for future in futures:
        try:
            items.append(future.get())
        except DoesNotExist:
            continue
    return items


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
