"""Turns a view function into a Lambda handler for its route.

Every function goes through here, so routing, authentication, error mapping, logging with a
correlation id, tracing and metrics are written once. A view receives an `ApiRequest` and
returns a `Response`; it never sees the API Gateway event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit.auth import Caller, authenticate
from conduit.errors import ConduitError
from conduit.observability import logger, metrics, tracer
from conduit.routes import ROUTES_BY_NAME, Route

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


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


View = Callable[[ApiRequest], Response[str]]


def json_response(body: dict[str, Any] | None, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON_CONTENT_TYPE,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False) if body is not None else "",
    )


def no_content() -> Response[str]:
    return Response(status_code=204, body="")


def _powertools_rule(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def lambda_handler(route_name: str, view: View) -> LambdaHandler:
    """Build the Lambda entry point of one route from its route-table entry."""
    route: Route = ROUTES_BY_NAME[route_name]
    resolver = APIGatewayHttpResolver()

    def endpoint(**path_params: str) -> Response[str]:
        event = resolver.current_event
        caller = authenticate(route.auth, event.headers.get("authorization"))
        if caller is not None:
            logger.append_keys(user_id=caller.user_id)
        request = ApiRequest(
            caller=caller,
            path=path_params,
            query=dict(event.query_string_parameters or {}),
            body=event.decoded_body,
        )
        return view(request)

    resolver.route(_powertools_rule(route.path), method=route.method)(endpoint)

    @resolver.exception_handler(ConduitError)
    def client_error(error: ConduitError) -> Response[str]:
        logger.info("request refused", extra={"status": error.status_code, "errors": error.errors})
        return json_response({"errors": error.errors}, error.status_code)

    @resolver.exception_handler(Exception)
    def server_error(error: Exception) -> Response[str]:
        # The cause goes to the log with its stack trace; the client learns nothing internal.
        logger.exception("request failed")
        metrics.add_metric(name="UnhandledError", unit="Count", value=1)
        return json_response({"errors": {"server": ["internal error"]}}, 500)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        result = resolver.resolve(event, context)
        logger.info(
            "request handled",
            extra={
                "route": route.route_key,
                "status": result.get("statusCode"),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return result

    return handler
