"""Locally, what Lambda's event source mappings do: read each table stream, hand the records
to the stream worker in the event shape Lambda uses, and move on only when they succeed.

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


@dataclass
class _Shard:
    stream_arn: str
    shard_id: str
    iterator: str | None
    failures: int = 0  # consecutive failed deliveries of the batch at `iterator`


@dataclass
class StreamPump:
    """Feeds every worker of `WORKERS` from the streams of its source tables."""

    batch_size: int = 100
    #: Start at the end of each stream (records written from now on) rather than its start.
    from_latest: bool = False
    _shards: dict[tuple[str, str], _Shard] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
                    key = (arn, shard["ShardId"])
                    if key not in self._shards:
                        position = "LATEST" if self.from_latest else "TRIM_HORIZON"
                        iterator = streams.get_shard_iterator(
                            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=position
                        )["ShardIterator"]
                        self._shards[key] = _Shard(arn, shard["ShardId"], iterator)

    def drain(self, dead_letter: bool = False) -> int:
        """Deliver every record written so far; returns how many were delivered.

        A batch the worker fails stays where it is and is retried by the next drain; with
        `dead_letter`, after the worker's retries it is logged as dead-lettered and skipped,
        as the deployed mapping sends it to the queue. Without, the failure is raised (tests)."""
        with self._lock:
            if not self._shards:
                self._discover()
            streams = boto3.client("dynamodbstreams")
            delivered, progressing = 0, True
            while progressing:
                progressing = False
                for shard in self._shards.values():
                    if shard.iterator is None:
                        continue
                    page = streams.get_records(ShardIterator=shard.iterator, Limit=self.batch_size)
                    records = page.get("Records", [])
                    if records:
                        self._deliver(shard, records, dead_letter)
                        delivered, progressing = delivered + len(records), True
                    shard.iterator = page.get("NextShardIterator")
            return delivered

    def _deliver(self, shard: _Shard, records: list[dict[str, Any]], dead_letter: bool) -> None:
        try:
            for worker in WORKERS:
                _invoke(worker, shard.stream_arn, records)
        except Exception:
            shard.failures += 1
            if not dead_letter or shard.failures <= max(w.max_retries for w in WORKERS):
                raise
            _log.exception("batch dead-lettered after retries: %s", [r["eventID"] for r in records])
        shard.failures = 0

    def pump(self, stop: threading.Event, interval_seconds: float = 0.2) -> None:
        """Drain until `stop` is set (the dev server's background thread)."""
        while not stop.is_set():
            try:
                self.drain(dead_letter=True)
            except Exception:  # keep serving; retried at the next turn
                _log.exception("stream worker failed; will retry")
            stop.wait(interval_seconds)


def _event(stream_arn: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    region = boto3.session.Session().region_name or DEFAULT_REGION
    return {
        "Records": [
            {**record, "awsRegion": record.get("awsRegion", region), "eventSourceARN": stream_arn}
            for record in records
        ]
    }


def _invoke(worker: StreamWorker, stream_arn: str, records: list[dict[str, Any]]) -> None:
    if not any(f"table/{settings.table_name(t)}/" in stream_arn for t in worker.sources):
        return
    context = LambdaContext(
        function_name=f"conduit-local-{worker.name}",
        memory_limit_in_mb=worker.memory_mb,
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=time.time() * 1000 + worker.timeout_seconds * 1000,
    )
    result = load_handler(worker.handler)(_event(stream_arn, records), context)
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if failures:
        raise RuntimeError(f"{worker.name} failed on {len(failures)} record(s): {failures}")
