"""A handler that does nothing behind the same Powertools decorators as every route's handler,
reading the event as they do: the floor the per-endpoint handler overhead is compared with."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit.api.events import HttpEvent
from conduit.observability import logger, metrics


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    HttpEvent.of(event)
    return {"statusCode": 200, "headers": {}, "body": ""}
