"""Locally, what Lambda's event source mappings do: read each table stream, hand the records
to the stream worker in the event shape Lambda uses, and move on as the deployed mappings do.

The mappings (infra/components/workers.py) report batch item failures, bisect on function
errors and retry `StreamWorker.max_retries` times before sending the batch's location to the
dead-letter queue; the pump does the same, per worker and shard:
- a batch that succeeds moves the shard's checkpoint past it;
- a partial failure (`batchItemFailures`) moves it to the lowest failed sequence number, and
  the records from there are delivered again;
- a function error (it raised, or every record failed) halves the next batch, so a record
  that always fails ends up alone;
- after `max_retries` failed retries the batch being retried is dead-lettered (kept in
  `dead_letters`, as the queue message describes it) and the shard moves on: one poison
  record never blocks the ones behind it.

`make dev` runs `pump` in a background thread; the tests call `drain` after each request, so
the feed is up to date when the next request reads it, as it is a moment later when deployed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3

from conduit import settings
from conduit.resources import DEFAULT_REGION
from conduit.routes import WORKERS, StreamWorker
from local.gateway import LambdaContext, load_handler

_log = logging.getLogger(__name__)

#: DynamoDB calls the pump itself makes (to find the streams), not the worker.
POLLING_CALLS = frozenset({"DescribeTable"})

Record = dict[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    """What the mapping sends to the dead-letter queue: where the records are, not the records
    (`DDBStreamBatchInfo`); `records` is kept for tests to look at."""

    worker: str
    stream_arn: str
    shard_id: str
    start_sequence_number: str
    end_sequence_number: str
    batch_size: int
    records: tuple[Record, ...] = field(repr=False)


class DeadLettered(RuntimeError):
    """`drain` dead-lettered a batch: in tests, a worker that cannot apply a record is a bug."""


@dataclass
class _Shard:
    worker: StreamWorker
    stream_arn: str
    shard_id: str
    iterator: str | None
    pending: list[Record] = field(default_factory=list)  # read, not yet past the checkpoint
    failures: int = 0  # failed deliveries from the current checkpoint
    limit: int = 0  # the next batch's size: the worker's, halved after each function error

    def __post_init__(self) -> None:
        self.limit = self.worker.batch_size

    def read(self, streams: Any) -> None:
        """Read what the stream has beyond the pending records, up to a batch."""
        if self.iterator is not None and len(self.pending) < self.worker.batch_size:
            page = streams.get_records(ShardIterator=self.iterator, Limit=self.worker.batch_size)
            self.pending += page.get("Records", [])
            self.iterator = page.get("NextShardIterator")

    def checkpoint(self, records: int) -> None:
        del self.pending[:records]
        self.failures, self.limit = 0, self.worker.batch_size


@dataclass
class StreamPump:
    """Feeds every worker of `WORKERS` from the streams of its source tables."""

    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: Start at the end of each stream (records written from now on) rather than its start.
    from_latest: bool = False
    _shards: dict[tuple[str, str, str], _Shard] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Every source stream found: a discovery that failed part way is done again, or the
    #: streams it had not reached yet would never be pumped.
    _discovered: bool = False

    def _discover(self) -> None:
        dynamodb = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        for worker in WORKERS:
            for table in worker.sources:
                description = dynamodb.describe_table(TableName=settings.table_name(table))["Table"]
                arn = description.get("LatestStreamArn")
                if not arn:
                    continue
                for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                    key = (worker.name, arn, shard["ShardId"])
                    if key not in self._shards:
                        position = "LATEST" if self.from_latest else "TRIM_HORIZON"
                        iterator = streams.get_shard_iterator(
                            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=position
                        )["ShardIterator"]
                        self._shards[key] = _Shard(worker, arn, shard["ShardId"], iterator)
        self._discovered = True

    def drain(self, strict: bool = True) -> int:
        """Deliver every record written so far, retrying as the mappings do; returns how many
        records left the streams (applied or dead-lettered). `strict` (tests) raises
        `DeadLettered` once a batch was dead-lettered; `make dev` logs it and goes on."""
        with self._lock:
            if not self._discovered:
                self._discover()
            streams = boto3.client("dynamodbstreams")
            done, dead_before = 0, len(self.dead_letters)
            progressing = True
            while progressing:
                progressing = False
                for shard in self._shards.values():
                    shard.read(streams)
                    if shard.pending:
                        done += self._deliver(shard)
                        progressing = True
            if strict and len(self.dead_letters) > dead_before:
                raise DeadLettered(f"dead-lettered: {self.dead_letters[dead_before:]}")
            return done

    def _deliver(self, shard: _Shard) -> int:
        """One invocation; returns how many records moved past the checkpoint."""
        batch = shard.pending[: shard.limit]
        try:
            failed = _invoke(shard.worker, shard.stream_arn, batch)
        except Exception:  # a function error: Lambda retries it bisected
            _log.warning("%s failed on a batch of %d; retrying", shard.worker.name, len(batch), exc_info=True)
            shard.failures += 1
            if shard.failures > shard.worker.max_retries:
                return self._dead_letter(shard, len(batch))
            shard.limit = max(1, len(batch) // 2)
            return 0
        if not failed:
            shard.checkpoint(len(batch))
            return len(batch)
        first = min(i for i, record in enumerate(batch) if record["dynamodb"]["SequenceNumber"] in failed)
        if first:  # progress: the first failed record is now the first to deliver
            shard.checkpoint(first)
        shard.failures += 1  # a partial failure: retried from the first failed record
        if shard.failures > shard.worker.max_retries:
            return first + self._dead_letter(shard, len(batch) - first)
        return first

    def _dead_letter(self, shard: _Shard, size: int) -> int:
        records = tuple(shard.pending[:size])
        letter = DeadLetter(
            shard.worker.name,
            shard.stream_arn,
            shard.shard_id,
            records[0]["dynamodb"]["SequenceNumber"],
            records[-1]["dynamodb"]["SequenceNumber"],
            len(records),
            records,
        )
        _log.error("batch dead-lettered after %d retries: %s", shard.worker.max_retries, letter)
        self.dead_letters.append(letter)
        shard.checkpoint(size)
        return size

    def pump(self, stop: threading.Event, interval_seconds: float = 0.2) -> None:
        """Drain until `stop` is set (the dev server's background thread)."""
        while not stop.is_set():
            try:
                self.drain(strict=False)
            except Exception:  # keep serving; retried at the next turn
                _log.exception("stream pump failed; will retry")
            stop.wait(interval_seconds)


def lambda_event(stream_arn: str, records: list[Record]) -> dict[str, Any]:
    """The event Lambda hands a stream worker for these records of one stream."""
    region = boto3.session.Session().region_name or DEFAULT_REGION
    return {
        "Records": [
            {**record, "awsRegion": record.get("awsRegion", region), "eventSourceARN": stream_arn}
            for record in records
        ]
    }


def _invoke(worker: StreamWorker, stream_arn: str, records: list[Record]) -> set[str]:
    """Invoke the worker; the sequence numbers it reports failed (raises on a function error)."""
    context = LambdaContext(
        function_name=f"conduit-local-{worker.name}",
        memory_limit_in_mb=worker.memory_mb,
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=time.time() * 1000 + worker.timeout_seconds * 1000,
    )
    result = load_handler(worker.handler)(lambda_event(stream_arn, records), context)
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    return {str(failure["itemIdentifier"]) for failure in failures or ()}
