"""An embedded AWS emulator: moto in server mode, on loopback, in a background thread.

On top of moto's own server:
- Requests are served one at a time. DynamoDB applies each request atomically (a conditional
  write or a transaction is checked and applied as one step); moto's handlers are not
  thread-safe, so without this a race between two conditional writes could let both win and
  the race tests would test moto, not our conditions.
- Every AWS operation is recorded with its parameters and the size of its answer, so tests
  can count the calls each HTTP request makes and see what each one read.
- TransactWriteItems honours ClientRequestToken as DynamoDB does (moto ignores it).
- Tokens last as long as the app client says, and a refreshed one keeps its sign-in's
  `auth_time` (`local.cognito_tokens`).
- A user's own token writes only the attributes its app client allows
  (`local.cognito_attributes`; moto writes any).
- Cognito's codes (email verification, password reset) are generated, delivered to an
  outbox, checked and expired as Cognito does (`local.cognito`; moto accepts any code).
- A sign-in with a flow the app client does not enable is refused as Cognito refuses it
  (`local.auth_flows`; moto accepts any flow).
- Faults: `fail(operation)` fails every call of one operation (targeted tests);
  `start_weather(rate, seed)` fails a seeded share of all data-plane calls the ways AWS fails
  them, lost replies included (`local.faults`).
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.request import Request, urlopen

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from local import auth_flows, cognito_attributes, cognito_tokens, moto_speedups
from local.cognito import CognitoCodes, Message
from local.faults import COGNITO, DYNAMODB, Kind, Weather
from local.faults import fault as make_fault

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Call:
    service: str  # e.g. "DynamoDB_20120810", "AWSCognitoIdentityProviderService", "http"
    operation: str  # e.g. "GetItem"; for plain HTTP requests (JWKS), the path
    request: bytes = b""  # the JSON request body of an AWS call
    response_size: int = 0  # bytes answered: for reads, about the size of the items read

    @property
    def params(self) -> dict[str, Any]:
        """The call's parameters, as the SDK sent them (DynamoDB JSON for items and keys)."""
        params: dict[str, Any] = json.loads(self.request) if self.request else {}
        return params


@dataclass
class CallLog:
    calls: list[Call] = field(default_factory=list)

    def clear(self) -> None:
        self.calls.clear()

    def operations(self, service_prefix: str) -> list[str]:
        return [c.operation for c in self.calls if c.service.startswith(service_prefix)]

    @property
    def dynamodb(self) -> list[str]:
        return self.operations("DynamoDB_")

    @property
    def cognito(self) -> list[str]:
        return self.operations("AWSCognitoIdentityProviderService")


class _TokenLedger:
    """DynamoDB's ClientRequestToken idempotency for TransactWriteItems, which moto lacks: a
    repeat of a transaction that succeeded, within 10 minutes and with the same token, is
    answered as the first was without being applied again; the same token with other
    parameters is an IdempotentParameterMismatchException. A transaction that failed did not
    use its token up: its repeat is a new attempt."""

    WINDOW_SECONDS = 600.0

    def __init__(self) -> None:
        self._answers: dict[str, tuple[float, str, _Answer]] = {}

    @staticmethod
    def _payload(request: bytes) -> tuple[str | None, str]:
        params = json.loads(request or b"{}")
        token = params.pop("ClientRequestToken", None)
        return token, json.dumps(params, sort_keys=True)

    def answered(self, request: bytes) -> _Answer | None:
        token, payload = self._payload(request)
        if token is None:
            return None
        now = time.monotonic()
        while self._answers:  # oldest first: a token is remembered once, in time order
            oldest = next(iter(self._answers))
            if now - self._answers[oldest][0] <= self.WINDOW_SECONDS:
                break
            del self._answers[oldest]
        if token not in self._answers:
            return None
        _, first_payload, answer = self._answers[token]
        if first_payload != payload:
            return _Answer.error(
                400,
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )
        return answer

    def remember(self, request: bytes, answer: _Answer) -> None:
        token, payload = self._payload(request)
        if token is not None and answer.status.startswith("200"):
            self._answers.pop(token, None)  # keep the ledger in time order
            self._answers[token] = (time.monotonic(), payload, answer)

    def clear(self) -> None:
        self._answers.clear()


@dataclass(frozen=True)
class _Answer:
    """An HTTP answer held back until the middleware decides what the caller gets."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def error(cls, status: int, error_type: str, message: str, body: bytes | None = None) -> _Answer:
        document = body or json.dumps({"__type": error_type, "message": message}).encode()
        return cls(f"{status} {HTTPStatus(status).phrase}", [("Content-Type", _AMZ_JSON)], document)


_AMZ_JSON = "application/x-amz-json-1.0"
_AMZ_JSON_11 = "application/x-amz-json-1.1"  # Cognito's
#: The emulator's own endpoint for the fault layer (`_SerializedRecorder._weather_control`).
WEATHER_PATH = "/_conduit/weather"


#: The error codes AWS answers with a 5xx; every other code is a 4xx.
_SERVER_ERRORS = frozenset(
    {"InternalServerError", "InternalFailure", "InternalErrorException", "ServiceUnavailable"}
)


def _status_of(code: str) -> int:
    return 500 if code in _SERVER_ERRORS else 400


class _SerializedRecorder:
    """WSGI middleware: one request at a time, each one logged by its X-Amz-Target, failed on
    purpose when a test injected a fault for its operation or the weather is on, and
    transactions deduplicated by their ClientRequestToken as DynamoDB does."""

    def __init__(
        self, app: Callable[[Environ, StartResponse], Iterable[bytes]], log: CallLog, cognito: CognitoCodes
    ) -> None:
        self._app = app
        self._log = log
        self.cognito = cognito
        self._lock = threading.Lock()
        self.faults: dict[str, str] = {}  # operation -> error code answered with HTTP 500
        self.spared: dict[str, int] = {}  # operation -> calls still let through before its fault
        #: operation -> faults its next calls meet (None: that call is answered as it should be)
        self.scripted: dict[str, list[Kind | None]] = {}
        self.weather: Weather | None = None
        self.tokens = _TokenLedger()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        with self._lock:
            request = b""
            if target:
                request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = io.BytesIO(request)
            answer = self._answer(environ, service, operation, request)
        if answer is None:  # the reply is lost after the call was applied: no answer at all
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("reply dropped after the call was applied (injected fault)")
        start_response(answer.status, answer.headers)
        return [answer.body]

    def _answer(self, environ: Environ, service: str, operation: str, request: bytes) -> _Answer | None:
        if environ.get("PATH_INFO") == WEATHER_PATH:
            return self._weather_control(environ)
        if operation in self.faults and self.spared.get(operation, 0) > 0:
            self.spared[operation] -= 1
        elif operation in self.faults:
            self._log.calls.append(Call(service, operation, request))
            code = self.faults[operation]
            return _Answer.error(_status_of(code), code, f"{operation} failed (injected fault)")
        fault = self.weather.fault_for(service, operation, request) if self.weather else None
        if self.scripted.get(operation):
            scripted = self.scripted[operation].pop(0)
            fault = make_fault(scripted, service, request) if scripted is not None else None
        if fault is not None and not fault.applied:
            self._log.calls.append(Call(service, operation, request))
            return _Answer.error(fault.status, fault.error_type, fault.message, fault.body())
        refused = auth_flows.refusal(operation, request) if service == COGNITO else None
        if refused is not None:  # a sign-in flow the app client does not enable, refused as Cognito does
            self._log.calls.append(Call(service, operation, request))
            return _Answer.error(400, *refused)
        transaction = service == DYNAMODB and operation == "TransactWriteItems"
        answer = self.tokens.answered(request) if transaction else None
        if answer is None:
            answer = self._backend(environ, service, operation, request)
            if transaction:
                self.tokens.remember(request, answer)
        else:
            self._log.calls.append(Call(service, operation, request, len(answer.body)))
        if fault is None:
            return answer
        if fault.drops_connection:  # applied; now its reply is lost
            return None
        return _Answer.error(fault.status, fault.error_type, fault.message)

    def _weather_control(self, environ: Environ) -> _Answer:
        """`GET` the weather (rate, seed, faults injected by kind); `POST {"rate", "seed"}` to
        change it (rate 0 calms it): for a server started with CONDUIT_FAULTS, e.g. the bench."""
        if environ.get("REQUEST_METHOD") == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            wanted = json.loads(environ["wsgi.input"].read(size) or b"{}")
            rate = float(wanted.get("rate", 0))
            self.weather = Weather(rate, int(wanted.get("seed", 0))) if rate else None
        weather = self.weather
        state = {
            "rate": weather.rate if weather else 0,
            "seed": weather.seed if weather else None,
            "injected": {str(kind): n for kind, n in weather.injected.items()} if weather else {},
        }
        return _Answer("200 OK", [("Content-Type", "application/json")], json.dumps(state).encode())

    def _backend(self, environ: Environ, service: str, operation: str, request: bytes) -> _Answer:
        """moto's answer, drained inside the lock: it must be complete before the next request
        sees the backend."""
        held: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], _: Any = None) -> Callable[[bytes], None]:
            held[:] = [status, headers]
            return lambda _: None

        body = b""
        try:
            modelled = self.cognito.answer(operation, request) if service == COGNITO else None
            if modelled is not None:
                status, document = modelled
                body = json.dumps(document).encode()
                headers = [("Content-Type", _AMZ_JSON_11)]
                return _Answer(f"{status} {HTTPStatus(status).phrase}", headers, body)
            body = b"".join(self._app(environ, hold))
            return _Answer(held[0], held[1], body)
        finally:  # logged even when the backend raised: the call was made
            if service:
                self._log.calls.append(Call(service, operation, request, len(body)))
            elif not environ.get("PATH_INFO", "").startswith("/moto-api"):
                self._log.calls.append(Call("http", environ.get("PATH_INFO", ""), response_size=len(body)))


class _QuietRequestHandler(MotoRequestHandler):
    """No access log: the API's own log says what each request did."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Emulator:
    """Start, reset and stop an in-process moto server on 127.0.0.1."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.log = CallLog()
        self._middleware: _SerializedRecorder | None = None
        #: Cognito's codes and the messages that carried them (`local.cognito`).
        self.cognito = CognitoCodes()

    def outbox(self) -> list[Message]:
        """Every message Cognito would have sent since the last reset, oldest first."""
        return self.cognito.outbox

    def fail(self, operation: str, code: str = "InternalServerError", after: int = 0) -> None:
        """Answer every call of `operation` (e.g. "TransactWriteItems") with the error `code`,
        once `after` calls of it have gone through: a server error (500) for AWS's internal
        error codes, a client error (400, as AWS answers e.g. ValidationException) otherwise."""
        assert self._middleware is not None, "start() the emulator first"
        self._middleware.faults[operation] = code
        self._middleware.spared[operation] = after

    def script(self, operation: str, *faults: Kind | None) -> None:
        """Have the next calls of `operation` meet these faults, one each, in order: e.g.
        `Kind.LOST_REPLY` applies the call and answers a server error, and the SDK sends it
        again; None lets that call through."""
        assert self._middleware is not None, "start() the emulator first"
        self._middleware.scripted[operation] = list(faults)

    def start_weather(self, rate: float, seed: int = 0) -> Weather:
        """Fail `rate` of DynamoDB and Cognito data-plane calls from now on (`local.faults`)."""
        assert self._middleware is not None, "start() the emulator first"
        weather = self._middleware.weather = Weather(rate, seed)
        return weather

    def heal(self) -> None:
        """Stop injecting faults, targeted and weather alike."""
        if self._middleware is not None:
            self._middleware.faults.clear()
            self._middleware.spared.clear()
            self._middleware.scripted.clear()
            self._middleware.weather = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        moto_speedups.install()
        cognito_tokens.install()
        cognito_attributes.install()
        app = self._middleware = _SerializedRecorder(
            DomainDispatcherApplication(create_backend_app), self.log, self.cognito
        )
        self._server = make_server(
            self._host, self._port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulator", daemon=True)
        self._thread.start()
        return self.endpoint_url

    def reset(self) -> None:
        """Forget every table, item, user pool and user."""
        with urlopen(Request(f"{self.endpoint_url}/moto-api/reset", method="POST"), timeout=10):
            pass
        self.log.clear()
        self.heal()
        self.cognito.reset()
        if self._middleware is not None:
            self._middleware.tokens.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
