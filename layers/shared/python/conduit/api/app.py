"""Turns a view function into the Lambda handler of its route.

Every function goes through here, so authentication, error mapping, logging with a
correlation id and metrics are written once. API Gateway has already routed the
request (one function per route), so there is no second router here: the handler reads the
typed HTTP API event, a view receives an `ApiRequest` and returns an `HttpResponse`, and never
sees the event itself.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from conduit import aws_calls, caching, jsontext, limits, origin, retries, snapstart
from conduit.api import init_done
from conduit.api.events import HttpEvent
from conduit.auth import Caller, authenticate
from conduit.errors import ConduitError, ServiceUnavailable, ValidationFailed
from conduit.observability import logger, metrics
from conduit.routes import ROUTES_BY_NAME, Route
from conduit.security_headers import SECURITY_HEADERS

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: On every response: the API Gateway request id, which the request's log line carries as
#: `correlation_id` and its access-log line as `requestId` (docs/operations.md).
REQUEST_ID_HEADER = "X-Request-Id"

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_result(self) -> dict[str, Any]:
        """The payload-2.0 response API Gateway expects."""
        if self.body is None:
            return {"statusCode": self.status, "headers": dict(self.headers), "body": ""}
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": JSON_CONTENT_TYPE, **self.headers},
            "body": json.dumps(self.body, separators=(",", ":"), ensure_ascii=False),
        }


@dataclass(frozen=True)
class ApiRequest:
    """What a view may know about the request: nothing of API Gateway."""

    caller: Caller | None
    path: dict[str, str]
    query: dict[str, str]
    body: str | None
    #: The `Idempotency-Key` a POST was sent with (docs/api.md): the same key and caller name
    #: the same operation, so a view may derive what it creates from it.
    idempotency_key: str | None = None

    def require_caller(self) -> Caller:
        """The route table guarantees a caller on `Auth.REQUIRED` routes; this narrows the type."""
        assert self.caller is not None, "route must declare Auth.REQUIRED"
        return self.caller


View = Callable[[ApiRequest], HttpResponse]


def _as_is(response: HttpResponse) -> HttpResponse:
    return response


def _as_kept(request: ApiRequest, kept: HttpResponse) -> HttpResponse:
    return kept


def _as_sent(body: Any) -> Any:
    return body


@dataclass(frozen=True)
class Replay:
    """What a route keeps of its first answer to an `Idempotency-Key`, how it answers a
    repeat from what it kept (registration keeps no token and signs in again), and what of the
    body (parsed, or as sent when it is no JSON) a repeat is compared by: its hash is stored, so
    registration leaves the password out."""

    keep: Callable[[HttpResponse], HttpResponse] = _as_is
    answer: Callable[[ApiRequest, HttpResponse], HttpResponse] = _as_kept
    compared: Callable[[Any], Any] = _as_sent


# RFC 9110 token characters and the quoted form of the IETF draft's structured-field string.
_IDEMPOTENCY_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(status, body)


def no_content() -> HttpResponse:
    return HttpResponse(204)


def _body(event: HttpEvent) -> str | None:
    try:
        return event.decoded_body
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed.on("body", "is not valid UTF-8") from None


def _refused(error: ConduitError) -> HttpResponse:
    headers = {} if error.retry_after_seconds is None else {"Retry-After": str(error.retry_after_seconds)}
    return HttpResponse(error.status_code, {"errors": error.errors}, headers)


def _idempotency_key(route: Route, event: HttpEvent) -> str | None:
    raw = event.headers.get("idempotency-key") if route.accepts_idempotency_key else None
    if raw is None:
        return None
    matched = _IDEMPOTENCY_KEY.match(raw.strip())
    if matched is None:
        raise ValidationFailed.on("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
    return matched.group(1)


def _compared(body: str | None) -> Any:
    """The body as a repeat must match it: parsed, so spacing and key order do not matter (a
    body that is no JSON, or nests too deeply, is compared as sent; the view refuses it)."""
    try:
        return jsontext.loads(body) if body else None
    except ValueError:
        return body


def _respond(
    route: Route, view: View, replay: Replay, event: HttpEvent, context: LambdaContext
) -> HttpResponse:
    try:
        # First: a request that went around the stage's CloudFront distribution reads nothing.
        origin.require_edge(event.headers)
        caller = authenticate(route.auth, event.headers.get("authorization"))
        if caller is not None:
            logger.append_keys(user_id=caller.user_id)
        request = ApiRequest(
            caller=caller,
            path=dict(event.path_parameters or {}),
            query=dict(event.query_string_parameters or {}),
            body=_body(event),
            idempotency_key=_idempotency_key(route, event),
        )

        def run() -> HttpResponse:
            # counted at its first write: a repeat answered as kept, or a refusal, is not
            subject = caller.user_id if caller is not None else None
            with limits.charging(route.limit, subject, event.request_id):
                return view(request)

        if request.idempotency_key is None:
            return run()
        from conduit.api import idempotency  # only here: it loads boto3 (see the module)

        return idempotency.once(
            route.name,
            request,
            replay.compared(_compared(request.body)),
            context,
            run,
            replay,
        )
    except ConduitError as error:
        logger.info("request refused", extra={"status": error.status_code, "errors": error.errors})
        return _refused(error)
    except Exception as error:
        if retries.is_transient(error):
            # AWS kept failing past the retry budget: the client may try again (docs/operations.md).
            throttled = retries.throttled(error)
            logger.warning(
                "aws fault outlived the retry budget", exc_info=True, extra={"throttled": throttled}
            )
            metrics.add_metric(
                name="ThrottledRequest" if throttled else "UnavailableRequest", unit="Count", value=1
            )
            return _refused(ServiceUnavailable())
        # The cause goes to the log with its stack trace; the client learns nothing internal.
        logger.exception("request failed")
        metrics.add_metric(name="UnhandledError", unit="Count", value=1)
        return HttpResponse(500, {"errors": {"server": ["internal error"]}})


def _cached(route: Route, event: HttpEvent, result: dict[str, Any]) -> dict[str, Any]:
    """Add the caching headers (`conduit.caching`); a `GET` whose `If-None-Match` names the
    answer's `ETag` gets `304` with no body."""
    headers = dict(result.get("headers") or {})
    status = int(result["statusCode"])
    headers["Cache-Control"] = caching.cache_control(route, "authorization" in event.headers, status)
    if route.method != "GET" or status != 200:
        return {**result, "headers": headers}
    tag = caching.etag(str(result.get("body") or ""))
    headers.update({"ETag": tag, "Vary": caching.VARY})
    if caching.matches(event.headers.get("if-none-match"), tag):
        headers.pop("Content-Type", None)
        return {"statusCode": 304, "headers": headers, "body": ""}
    return {**result, "headers": headers}


def lambda_handler(route_name: str, view: View, replay: Replay = Replay()) -> LambdaHandler:
    """Build the Lambda entry point of one route from its route-table entry."""
    route: Route = ROUTES_BY_NAME[route_name]
    snapstart.prepare(route)
    init_done()  # see conduit.api: the collector was paused for init

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        http = HttpEvent.of(event)
        with aws_calls.tallying() as calls, retries.budget(context.get_remaining_time_in_millis() / 1000):
            result = _cached(route, http, _respond(route, view, replay, http, context).to_result())
        logger.info(
            "request handled",
            extra={
                "route": route.route_key,
                "status": result["statusCode"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "aws": calls.summary(),
            },
        )
        # After the caching headers: a 304 carries them too.
        result["headers"][REQUEST_ID_HEADER] = http.request_id
        result["headers"].update(SECURITY_HEADERS)
        return result

    entry_point: LambdaHandler = handler
    return entry_point
