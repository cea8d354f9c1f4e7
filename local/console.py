"""`make dev`'s console: one short line per request, and what else a developer must see.

By default (`LOG_FORMAT=text`) each request prints one line when it has been answered:

    POST /api/users 201 84 ms  dynamodb 5 (12 ms)  cognito 4 (30 ms)

(method, path and query, status, milliseconds in the local gateway, and per AWS service the
calls the function made and their time, with retries and throttled attempts when there were
any), then whatever else is said with `say` (the messages Cognito would send, for one), and the
warnings and errors the functions, the stream worker and the local stack log, one line each (an
error keeps its traceback). The functions' JSON log lines, their EMF metrics, Powertools' "No
application metrics to publish" warning, botocore's "Found endpoint ..." lines and werkzeug's
access lines are not shown.

`LOG_FORMAT=json make dev` shows what the functions write as Lambda would send it to CloudWatch
(each function's JSON log lines and its EMF metrics), and werkzeug's access lines.

`say(text)` prints one line on the console in either format, whole even when threads print at
once: the local stack's other parts call it for what a developer must see.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

LOG_FORMAT_ENV_VAR = "LOG_FORMAT"
TEXT, JSON = "text", "json"
#: The message of the functions' log line for each request (`conduit.api.app`): its `aws` field
#: holds the calls per service that the console line shows.
REQUEST_HANDLED = "request handled"
#: Longest path and query a line shows (a cursor can be long).
PATH_MAX = 100
#: botocore's service ids, as a developer names them.
_SHORT_NAMES = {"cognito-identity-provider": "cognito"}

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_printing = threading.Lock()
# The `aws` summary of the request this thread is serving (the gateway calls each function in
# the thread that serves the request).
_request = threading.local()


def say(text: str) -> None:
    """Print `text` as one line of the dev server's console."""
    with _printing:
        print(text, file=sys.stdout, flush=True)


def log_format() -> str:
    """`LOG_FORMAT`: `text` (the default) or `json`."""
    chosen = os.environ.get(LOG_FORMAT_ENV_VAR, TEXT).strip().lower() or TEXT
    if chosen not in (TEXT, JSON):
        raise SystemExit(f"{LOG_FORMAT_ENV_VAR} is `{TEXT}` or `{JSON}`, not {chosen!r}")
    return chosen


def _calls(aws: Mapping[str, Mapping[str, float]] | None) -> str:
    parts = []
    for service, tally in (aws or {}).items():
        retries, throttles = int(tally.get("retries", 0)), int(tally.get("throttles", 0))
        extra = [f"{retries} {'retry' if retries == 1 else 'retries'}"] if retries else []
        extra += [f"{throttles} throttled"] if throttles else []
        timing = ", ".join([f"{tally.get('ms', 0):.0f} ms", *extra])
        parts.append(f"{_SHORT_NAMES.get(service, service)} {int(tally.get('calls', 0))} ({timing})")
    return "  ".join(parts)


def request_line(
    method: str, path: str, status: int, ms: float, aws: Mapping[str, Mapping[str, float]] | None = None
) -> str:
    """The console's line for one request."""
    shown = path if len(path) <= PATH_MAX else path[: PATH_MAX - 1] + "…"
    line = f"{method} {shown} {status} {ms:.0f} ms"
    calls = _calls(aws)
    return f"{line}  {calls}" if calls else line


class RequestLines:
    """WSGI middleware: says each request's line once it has been answered."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        statuses: list[str] = []

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        _request.aws = None
        try:
            return self._app(environ, recording)
        finally:
            path = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
            status = int(statuses[-1].split()[0]) if statuses else 500
            ms = (time.perf_counter() - started) * 1000
            say(request_line(environ.get("REQUEST_METHOD", "?"), path, status, ms, _request.aws))
            _request.aws = None


class _ConsoleHandler(logging.Handler):
    """Warnings and errors as console lines; the request's log line only lends its AWS calls."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == REQUEST_HANDLED:
            _request.aws = getattr(record, "aws", None)
            return
        if record.levelno < logging.WARNING:
            return
        try:
            line = f"{record.levelname} {record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                if record.levelno >= logging.ERROR:
                    line += "\n" + logging.Formatter().formatException(record.exc_info)
                else:
                    line += f" ({type(error).__name__}: {error})"
            say(line)
        except Exception:
            self.handleError(record)


def _quiet(_: logging.LogRecord) -> bool:
    return False


def start() -> str:
    """Set up the console's logging before anything logs; returns `log_format()`. `json`
    logs at INFO with the message alone, as `make dev` always did, but for botocore's."""
    chosen = log_format()
    if chosen == JSON:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        logging.getLogger("botocore").setLevel(logging.WARNING)  # "Found endpoint ...", per client
        return chosen
    # botocore ("Found endpoint ..."), werkzeug's access lines, the local stack: warnings and up.
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(_ConsoleHandler())
    root.setLevel(logging.WARNING)
    return chosen


def functions_ready() -> None:
    """Quiet the functions' JSON log lines and EMF metrics on the `text` console; call it once
    their settings are in the environment (it imports their logger)."""
    if log_format() == JSON:
        return
    from aws_lambda_powertools.metrics.provider import cold_start

    from conduit.observability import logger

    # The functions' JSON handler (the first: Powertools formats through it) stays but prints
    # nothing; the console handler takes every record, and none goes on to the root logger.
    functions = logging.getLogger(logger.name)
    functions.handlers[0].addFilter(_quiet)
    functions.addHandler(_ConsoleHandler())
    functions.propagate = False
    # No EMF: nothing collects it locally. The cold-start metric is printed whatever that says,
    # so the dev server counts its cold start as had; an empty flush is no news here.
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    cold_start.is_cold_start = False
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def wrap(app: WsgiApp) -> WsgiApp:
    """`app` with a line per request on the `text` console; `app` itself for `json`."""
    return app if log_format() == JSON else RequestLines(app)
