"""The stream workers: one function per `StreamWorker`, fed by its source tables' streams.

New entries in `conduit.routes.WORKERS`, or new sources of one, appear here with no change:
the function, its permissions, its dead-letter queue and one event source mapping per source
table are all read from the entry.

The mappings are what `aws_lambda_event_sources.DynamoEventSource` builds, made directly: that
class grants `dynamodb:ListStreams` on every resource, which Lambda does not need when it is
given a stream's ARN (see `infra.permissions.STREAM_READ_ACTIONS`).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as lambda_event_sources
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.resources import Table
from conduit.routes import StreamWorker, tables_used, uses_user_pool
from infra.components.data import table_construct_id
from infra.components.runtime import Runtime
from infra.errors import InfraError
from infra.permissions import stream_read_statement

#: How long a failed batch's record stays in the dead-letter queue: SQS's maximum.
DLQ_RETENTION = Duration.days(14)
#: Records older than this are sent to the dead-letter queue instead of being processed
#: (a stream keeps them 24 hours anyway).
MAX_RECORD_AGE = Duration.days(1)
#: One batch per shard at a time: the changes to one key are handled in the order they happened.
PARALLELIZATION_FACTOR = 1
#: Start with the oldest record still in the stream, so nothing written before the mapping
#: existed (or while it was disabled) is skipped.
STARTING_POSITION = lambda_.StartingPosition.TRIM_HORIZON
DLQ_SUFFIX = "-dlq"


class Workers(Construct):
    """A `Worker` per declaration; construct ids and resource names derive from the worker's name."""

    def __init__(
        self, scope: Construct, construct_id: str, *, runtime: Runtime, workers: Sequence[StreamWorker]
    ) -> None:
        super().__init__(scope, construct_id)
        self.workers: dict[str, Worker] = {}
        for worker in workers:
            if worker.name in self.workers:
                raise InfraError(f"two workers are named {worker.name!r}: worker names must be unique")
            self.workers[worker.name] = Worker(self, worker, runtime=runtime)


class Worker(Construct):
    """The worker's function, its dead-letter queue, and a stream event source per source table.

    A failing batch is split in half until the failing record is alone (or the function reports
    the failed items itself), retried `max_retries` times, then its stream position is sent to
    the dead-letter queue and the shard moves on.
    """

    def __init__(self, scope: Construct, worker: StreamWorker, *, runtime: Runtime) -> None:
        super().__init__(scope, worker.name)
        sources = _checked_sources(worker)
        config = runtime.config
        self.handler = runtime.function(
            self,
            "Handler",
            name=worker.name,
            handler=worker.handler,
            description=f"stream worker for {', '.join(t.key for t in sources)}",
            memory_mb=worker.memory_mb,
            timeout_seconds=worker.timeout_seconds,
            grants=worker.grants,
            tables=tables_used(worker),
            user_pool=uses_user_pool(worker),
            settings={name: config.function_settings()[name] for name in worker.settings},
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=config.resource_name(f"{worker.name}{DLQ_SUFFIX}"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if config.retain else RemovalPolicy.DESTROY,
        )
        NagSuppressions.add_resource_suppressions(
            self.dead_letter_queue,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="This queue is itself the dead-letter queue of the stream mappings: "
                    "nothing consumes it automatically, an operator inspects and redrives it "
                    "(docs/operations.md), and an alarm fires on its first message.",
                )
            ],
        )
        function = self.handler.function
        on_failure = lambda_event_sources.SqsDlq(self.dead_letter_queue)  # grants sending to the queue
        streams = [_stream_arn(runtime, worker, source) for source in sources]
        statement = stream_read_statement(f"worker {worker.name}", streams)
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(statement.actions), resources=list(statement.resources))
        )
        self.mappings: dict[Table, lambda_.EventSourceMapping] = {}
        for source, stream in zip(sources, streams, strict=True):
            # What `DynamoEventSource` would build, minus its `dynamodb:ListStreams` on "*".
            self.mappings[source] = function.add_event_source_mapping(
                f"{table_construct_id(source)}Stream",
                event_source_arn=stream,
                starting_position=STARTING_POSITION,
                batch_size=worker.batch_size,
                bisect_batch_on_error=True,
                retry_attempts=worker.max_retries,
                report_batch_item_failures=True,
                on_failure=on_failure,
                max_record_age=MAX_RECORD_AGE,
                parallelization_factor=PARALLELIZATION_FACTOR,
                max_batching_window=Duration.seconds(worker.batching_window_seconds),
            )


def _stream_arn(runtime: Runtime, worker: StreamWorker, source: Table) -> str:
    arn = runtime.data.table(source).table_stream_arn
    if arn is None:  # pragma: no cover - Data gives every table declared with `stream=True` its stream
        raise InfraError(f"worker {worker.name}: table {source.key!r} was built without its stream")
    return arn


def _checked_sources(worker: StreamWorker) -> tuple[Table, ...]:
    if not worker.sources:
        raise InfraError(f"worker {worker.name} has no source table: nothing would ever invoke it")
    keys = [table.key for table in worker.sources]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise InfraError(f"worker {worker.name} lists source table {', '.join(map(repr, repeated))} twice")
    for table in worker.sources:
        if not table.stream:
            raise InfraError(
                f"worker {worker.name} reads the stream of table {table.key!r}, which has none: "
                f"set `stream=True` on {table.key!r} in conduit.resources"
            )
    return worker.sources
