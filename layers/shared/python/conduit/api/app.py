"""Turns a view function into the Lambda handler of its route.

Every function goes through here, so authentication, error mapping, logging with a
correlation id and metrics are written once. API Gateway has already routed the
request (one function per route), so there is no second router here: the handler reads the
typed HTTP API event, a view receives an `ApiRequest` and returns an `HttpResponse`, and never
sees the event itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import aws_calls
from conduit.api import caching
from conduit.auth import Caller, authenticate
from conduit.errors import ConduitError, ValidationFailed
from conduit.observability import logger, metrics
from conduit.routes import ROUTES_BY_NAME, Route

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any] | None = None

    def to_result(self) -> dict[str, Any]:
        """The payload-2.0 response API Gateway expects."""
        if self.body is None:
            return {"statusCode": self.status, "headers": {}, "body": ""}
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": JSON_CONTENT_TYPE},
            "body": json.dumps(self.body, separators=(",", ":"), ensure_ascii=False),
        }


@dataclass(frozen=True)
class ApiRequest:
    """What a view may know about the request: nothing of API Gateway."""

    caller: Caller | None
    path: dict[str, str]
    query: dict[str, str]
    body: str | None

    def require_caller(self) -> Caller:
        """The route table guarantees a caller on `Auth.REQUIRED` routes; this narrows the type."""
        assert self.caller is not None, "route must declare Auth.REQUIRED"
        return self.caller


View = Callable[[ApiRequest], HttpResponse]


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(status, body)


def no_content() -> HttpResponse:
    return HttpResponse(204)


def _body(event: APIGatewayProxyEventV2) -> str | None:
    try:
        return event.decoded_body
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed.on("body", "is not valid UTF-8") from None


def _respond(route: Route, view: View, event: APIGatewayProxyEventV2) -> HttpResponse:
    try:
        caller = authenticate(route.auth, event.headers.get("authorization"))
        if caller is not None:
            logger.append_keys(user_id=caller.user_id)
        request = ApiRequest(
            caller=caller,
            path=dict(event.path_parameters or {}),
            query=dict(event.query_string_parameters or {}),
            body=_body(event),
        )
        return view(request)
    except ConduitError as error:
        logger.info("request refused", extra={"status": error.status_code, "errors": error.errors})
        return HttpResponse(error.status_code, {"errors": error.errors})
    except Exception:
        # The cause goes to the log with its stack trace; the client learns nothing internal.
        logger.exception("request failed")
        metrics.add_metric(name="UnhandledError", unit="Count", value=1)
        return HttpResponse(500, {"errors": {"server": ["internal error"]}})


def _cached(route: Route, event: APIGatewayProxyEventV2, result: dict[str, Any]) -> dict[str, Any]:
    """Add the caching headers (`conduit.api.caching`); a `GET` whose `If-None-Match` names the
    answer's `ETag` gets `304` with no body."""
    headers = dict(result.get("headers") or {})
    status = int(result["statusCode"])
    headers["Cache-Control"] = caching.cache_control(route, "authorization" in event.headers, status)
    if route.method != "GET" or status != 200:
        return {**result, "headers": headers}
    tag = caching.etag(str(result.get("body") or ""))
    headers.update({"ETag": tag, "Vary": "Authorization"})
    if caching.matches(event.headers.get("if-none-match"), tag):
        headers.pop("Content-Type", None)
        return {"statusCode": 304, "headers": headers, "body": ""}
    return {**result, "headers": headers}


def lambda_handler(route_name: str, view: View) -> LambdaHandler:
    """Build the Lambda entry point of one route from its route-table entry."""
    route: Route = ROUTES_BY_NAME[route_name]

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @event_source(data_class=APIGatewayProxyEventV2)
    def handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        with aws_calls.tallying() as calls:
            result = _cached(route, event, _respond(route, view, event).to_result())
        logger.info(
            "request handled",
            extra={
                "route": route.route_key,
                "status": result["statusCode"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "aws": calls.summary(),
            },
        )
        return result

    entry_point: LambdaHandler = handler
    return entry_point
