"""`make dev`'s console (local.console): one short line per request by default; the functions'
JSON log lines and EMF metrics with LOG_FORMAT=json."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from local.client import call
from local.console import request_line, say

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Ctrl-C stops it."
#: What the outbox prints for each message Cognito would send (local/__main__.py): the one kind
#: of line the console shows besides the request lines in these runs.
OUTBOX_LINE = "mail to "
NOISE = ("Found endpoint", "Found credentials", "No application metrics", "HTTP/1.1", '"_aws"', '{"level"')

Output = Callable[[], list[str]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dev_server(**settings: str) -> Iterator[tuple[str, Output]]:
    """`python -m local` with a developer's environment plus `settings`; yields its API's base URL
    and what it printed after its banner."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "USER_POOL", "JWKS", "POWERTOOLS_", "CONDUIT_", "LOG_FORMAT"))
    }
    env.update(
        PORT=str(port),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers/shared/python")]),
        **settings,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while BANNER not in (line := process.stdout.readline()):
        assert process.poll() is None, f"dev server exited: {line}"
        assert time.monotonic() < deadline, "dev server did not start"
    printed: list[str] = []
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            printed.append(line.rstrip("\n"))

    threading.Thread(target=read, name="dev-console", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/api", lambda: list(printed)
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def text_console() -> Iterator[tuple[str, Output]]:
    yield from _dev_server()


@pytest.fixture(scope="module")
def json_console() -> Iterator[tuple[str, Output]]:
    yield from _dev_server(LOG_FORMAT="json")


def _post_raw(base: str, path: str, raw: str) -> int:
    request = Request(base + path, method="POST", data=raw.encode())
    request.add_header("Content-Type", "application/json")
    try:
        with urlopen(request, timeout=30) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def _settled(output: Output, wanted: Callable[[list[str]], bool]) -> list[str]:
    deadline = time.monotonic() + 15
    while not wanted(lines := output()):
        assert time.monotonic() < deadline, lines
        time.sleep(0.1)
    time.sleep(0.5)  # and nothing more arrives for the same requests
    return output()


def test_the_default_console_prints_one_short_line_per_request(text_console: tuple[str, Output]) -> None:
    base, output = text_console
    user = {"username": "jake", "email": "jake@example.com", "password": "jakejake"}

    assert call(base, "POST", "/users", {"user": user})[0] == 201
    assert call(base, "GET", "/articles?limit=5")[0] == 200
    assert call(base, "GET", "/profiles/nobody")[0] == 404
    assert _post_raw(base, "/users", "[" * 50_000) == 422

    lines = _settled(output, lambda lines: sum(line.startswith(("GET ", "POST ")) for line in lines) >= 4)
    requests = [line for line in lines if not line.startswith(OUTBOX_LINE)]
    assert len(requests) == 4, lines
    assert re.fullmatch(r"POST /api/users 201 \d+ ms  (cognito|dynamodb) \d+ \(\d+ ms.*", requests[0])
    assert "cognito" in requests[0]
    assert "dynamodb" in requests[0]
    assert re.fullmatch(r"GET /api/articles\?limit=5 200 \d+ ms  dynamodb \d+ \(\d+ ms.*\)", requests[1])
    assert re.fullmatch(r"GET /api/profiles/nobody 404 \d+ ms  dynamodb 1 \(\d+ ms\)", requests[2])
    assert re.fullmatch(r"POST /api/users 422 \d+ ms", requests[3])  # refused before any AWS call
    assert not [line for line in lines if any(noise in line for noise in NOISE)]


def test_log_format_json_prints_the_functions_json_lines_and_metrics(
    json_console: tuple[str, Output],
) -> None:
    base, output = json_console

    assert call(base, "GET", "/profiles/nobody")[0] == 404

    lines = _settled(output, lambda lines: any('"request handled"' in line for line in lines))
    documents = [json.loads(line) for line in lines if line.startswith("{")]
    handled = [d for d in documents if d.get("message") == "request handled"]
    assert handled[0]["route"] == "GET /api/profiles/{username}"
    assert handled[0]["status"] == 404
    assert any("_aws" in d for d in documents)  # EMF, as CloudWatch would receive it
    assert not [line for line in lines if line.startswith("GET /api/profiles/nobody 404")]


def test_a_request_line_names_each_services_calls_time_retries_and_throttles() -> None:
    aws = {
        "cognito-identity-provider": {"calls": 4, "ms": 30.4, "retries": 1, "throttles": 1},
        "dynamodb": {"calls": 5, "ms": 12.2, "retries": 2},
    }

    line = request_line("POST", "/api/users", 201, 84.4, aws)

    assert (
        line
        == "POST /api/users 201 84 ms  cognito 4 (30 ms, 1 retry, 1 throttled)  dynamodb 5 (12 ms, 2 retries)"
    )
    assert request_line("GET", "/api/x", 304, 0.4) == "GET /api/x 304 0 ms"
    assert len(request_line("GET", "/api/articles?cursor=" + "x" * 500, 200, 1)) < 130


def test_say_prints_one_whole_line_from_any_thread(capsys: pytest.CaptureFixture[str]) -> None:
    threads = [threading.Thread(target=say, args=(f"line {i} " + "x" * 1000,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(f"line {i} " + "x" * 1000 for i in range(20))
