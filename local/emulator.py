"""An embedded AWS emulator: moto in server mode, on loopback, in a background thread.

Two things are added on top of moto's own server:
- Requests are served one at a time. DynamoDB applies each request atomically (a conditional
  write or a transaction is checked and applied as one step); moto's handlers are not
  thread-safe, so without this a race between two conditional writes could let both win and
  the race tests would test moto, not our conditions.
- Every AWS operation is recorded with its parameters and the size of its answer, so tests
  can count the calls each HTTP request makes and see what each one read.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.request import Request, urlopen

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from local import moto_speedups

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


class _SerializedRecorder:
    """WSGI middleware: one request at a time, each one logged by its X-Amz-Target, and
    failed on purpose when a test injected a fault for its operation."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], log: CallLog) -> None:
        self._app = app
        self._log = log
        self._lock = threading.Lock()
        self.faults: dict[str, str] = {}  # operation -> error code answered with HTTP 500

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        with self._lock:
            request = b""
            if target:
                request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = io.BytesIO(request)
            if operation in self.faults:
                self._log.calls.append(Call(service, operation, request))
                code = self.faults[operation]
                body = json.dumps({"__type": code, "message": f"{operation} failed (injected fault)"})
                start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.0")])
                return [body.encode()]
            # Drain the body inside the lock: the response must be complete before the next
            # request sees the backend.
            response: list[bytes] = []
            try:
                response = list(self._app(environ, start_response))
                return response
            finally:  # logged even when the backend raised: the call was made
                size = sum(len(chunk) for chunk in response)
                if target:
                    self._log.calls.append(Call(service, operation, request, size))
                elif not environ.get("PATH_INFO", "").startswith("/moto-api"):
                    self._log.calls.append(Call("http", environ.get("PATH_INFO", ""), response_size=size))


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

    def fail(self, operation: str, code: str = "InternalServerError") -> None:
        """Answer every call of `operation` (e.g. "TransactWriteItems") with a server error."""
        assert self._middleware is not None, "start() the emulator first"
        self._middleware.faults[operation] = code

    def heal(self) -> None:
        """Stop injecting faults."""
        if self._middleware is not None:
            self._middleware.faults.clear()

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        moto_speedups.install()
        app = self._middleware = _SerializedRecorder(
            DomainDispatcherApplication(create_backend_app), self.log
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

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
