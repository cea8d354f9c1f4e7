"""The stream worker: keeps lists, feeds, favorites, counts and copies in step with articles,
follows, favorites and profiles (docs/scaling.md).

A batch is handled as a whole (`conduit.streams.handle_batch`): what many of its records
share is written once for the batch. The records to retry are reported as partial batch
failures, so Lambda retries from the first of them; after the retries, the batch goes to the
dead-letter queue.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import streams
from conduit.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [DynamoDBRecord(record) for record in event.get("Records") or []]
    retry = streams.handle_batch(records)
    if retry:
        metrics.add_metric(name="StreamRecordsFailed", unit="Count", value=len(retry))
    failures = [{"itemIdentifier": r.dynamodb.sequence_number if r.dynamodb else ""} for r in retry]
    return {"batchItemFailures": failures}
