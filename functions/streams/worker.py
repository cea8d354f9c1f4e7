"""The stream worker: keeps lists, feeds, favorites, counts and copies in step with articles,
follows, favorites and profiles (docs/scaling.md).

A batch is handled as a whole (`conduit.streams.handle_batch`): what many of its records
share is written once for the batch. The records to retry are reported as partial batch
failures, so Lambda retries from the first of them; after the retries, the batch goes to the
dead-letter queue. A batch whose every record failed raises
instead, as Powertools' batch processor does: that is a function error, which the mapping
bisects (`BisectBatchOnFunctionError`; a partial failure is only retried from its first record),
so a poison record ends up alone in the queue and the records behind it go on. AWS calls retry
within the invocation's time, less the reserve (`conduit.retries`): a record whose calls keep
failing is reported as failed, never dropped.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import retries, streams
from conduit.observability import logger, metrics


class BatchFailed(RuntimeError):
    """No record of the batch was applied."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [DynamoDBRecord(record) for record in event.get("Records") or []]
    with retries.budget(context.get_remaining_time_in_millis() / 1000):
        retry = streams.handle_batch(records)
    if retry:
        metrics.add_metric(name="StreamRecordsFailed", unit="Count", value=len(retry))
    if records and len(retry) == len(records):
        raise BatchFailed(f"every record of a batch of {len(records)} failed (see the log)")
    failures = [{"itemIdentifier": r.dynamodb.sequence_number if r.dynamodb else ""} for r in retry]
    return {"batchItemFailures": failures}
