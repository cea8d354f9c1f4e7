"""The stream worker: keeps feeds, favorites and comments in step with articles and follows.

Powertools' batch processor reports the records that failed, so Lambda retries only from the
first of them; after the retries, the batch goes to the dead-letter queue. AWS calls retry
within the invocation's time, less the reserve (`conduit.retries`): a record whose calls keep
failing is reported as failed, never dropped.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import retries, streams
from conduit.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    streams.handle(record)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    with retries.budget(context.get_remaining_time_in_millis() / 1000):
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
