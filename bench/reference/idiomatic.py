"""The reference line of the cold-start section: an idiomatic Powertools handler, as the
Powertools docs and the handler cookbook write one, doing what our lightest route does (one
GetItem): the event handler's resolver with data validation, Logger and Metrics decorators, a
pydantic response model and a boto3 resource. It ships beside the functions in the bench's
Lambda layout only; nothing deploys it.

The bench gives it the table and the key of an item our `GET /api/user` reads
(`REFERENCE_TABLE`, `REFERENCE_KEY`), so both make the same call.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
table = boto3.resource("dynamodb").Table(os.environ["REFERENCE_TABLE"])


class Item(BaseModel):
    model_config = ConfigDict(extra="allow")

    found: bool


@app.get("/api/reference/<name>")
def get_item(name: str) -> Item:
    item = table.get_item(Key=json.loads(os.environ["REFERENCE_KEY"])).get("Item")
    return Item(found=item is not None, **(item or {}))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
