"""A local API Gateway: HTTP requests in, HTTP API (payload 2.0) events to the handlers.

It serves the route table, builds for each request the event the deployed HTTP API sends,
calls the route's handler in-process, and turns the handler's result into the HTTP response,
applying the CORS policy the way API Gateway does. A handler cannot tell it from the real one.

Given the emulator's outbox, it also serves `GET /_dev/outbox`: every message Cognito would have
sent (`local.cognito`), newest last. That path is the local stack's only: no route, never
deployed, not in the OpenAPI document.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from conduit.api.cors import CORS, CorsPolicy
from conduit.routes import ROUTES, Route
from contract import openapi
from local.docs import SwaggerUi

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
_TEXT_TYPES = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")
# API Gateway HTTP APIs refuse payloads over 10 MB before any function runs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

_log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
#: The messages Cognito would have sent, oldest first, each `{"to", "kind", "code", "at"}`.
Outbox = Callable[[], Iterable[Any]]
OUTBOX_PATH = "/_dev/outbox"


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    aws_request_id: str
    deadline_ms: float
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline_ms - time.time() * 1000))


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def _compile(route: Route) -> _CompiledRoute:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path))
    return _CompiledRoute(route, re.compile(f"^{regex}$"))


def _is_text(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith(_TEXT_TYPES)


def build_event(request: Request, route: Route, path_params: dict[str, str]) -> dict[str, Any]:
    """The payload-2.0 event API Gateway sends for this request."""
    # WSGI has already joined repeated headers into one value each.
    headers = {name.lower(): value for name, value in request.headers.items()}
    query: dict[str, str] = {}
    raw_query = request.query_string.decode("latin-1")
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    body = request.get_data()
    if body:
        if _is_text(request.content_type or ""):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def _response_from(result: dict[str, Any]) -> Response:
    """Payload-2.0 response mapping; a result without `statusCode` is a 200 JSON body."""
    if "statusCode" not in result:
        return Response(json.dumps(result), status=200, content_type="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result["statusCode"]))
    response.headers.remove("Content-Type")
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def _json_error(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status=status, content_type="application/json")


def load_handler(handler: str) -> Handler:
    """Import a handler (`module.attribute`) the way Lambda does, with `functions/` as code root."""
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    module, _, attribute = handler.rpartition(".")
    loaded: Handler = getattr(importlib.import_module(module), attribute)
    return loaded


class LocalGateway:
    """A WSGI application serving `routes` as API Gateway would, plus Swagger UI at /api/docs."""

    def __init__(
        self, routes: Iterable[Route] = ROUTES, cors: CorsPolicy = CORS, outbox: Outbox | None = None
    ) -> None:
        self._routes = [_compile(route) for route in routes]
        self._cors = cors
        self._outbox = outbox
        self._handlers: dict[str, Handler] = {}
        self._swagger_ui = SwaggerUi()
        # As a synth does: the document route's handler serves the document generated from the
        # code it is served with.
        openapi.publish()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        if request.headers.get("Origin"):
            self._apply_cors(response)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._preflight()
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return _json_error(413, "Request Entity Too Large")
        page = self._swagger_ui.answer(request)
        if page is not None:
            return page
        if self._outbox is not None and request.path == OUTBOX_PATH and request.method == "GET":
            messages = [message.as_dict() for message in self._outbox()]
            return Response(json.dumps({"messages": messages}), status=200, content_type="application/json")
        matched = self.match(request.method, request.path)
        if matched is None:
            # HTTP APIs answer an unknown path and an unknown method on a known path alike.
            return _json_error(404, "Not Found")
        route, params = matched
        return self._invoke(route, build_event(request, route, params))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving `method path`, with its decoded path parameters."""
        for compiled in self._routes:
            found = compiled.pattern.match(path)
            if found and compiled.route.method == method:
                return compiled.route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def _invoke(self, route: Route, event: dict[str, Any]) -> Response:
        handler = self._handlers.get(route.name)
        if handler is None:
            handler = self._handlers[route.name] = load_handler(route.handler)
        context = LambdaContext(
            function_name=f"conduit-local-{route.name}",
            memory_limit_in_mb=route.memory_mb,
            aws_request_id=str(uuid.uuid4()),
            deadline_ms=time.time() * 1000 + route.timeout_seconds * 1000,
        )
        try:
            result = handler(event, context)
        except Exception:  # what Lambda reports when a function crashes: no detail to the client
            _log.exception("function %s crashed", route.name)
            return _json_error(500, "Internal Server Error")
        return _response_from(result)

    def _preflight(self) -> Response:
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ",".join(self._cors.allow_methods)
        response.headers["Access-Control-Allow-Headers"] = ",".join(self._cors.allow_headers).lower()
        response.headers["Access-Control-Max-Age"] = str(self._cors.max_age_seconds)
        return response

    def _apply_cors(self, response: Response) -> None:
        response.headers["Access-Control-Allow-Origin"] = ",".join(self._cors.allow_origins)
