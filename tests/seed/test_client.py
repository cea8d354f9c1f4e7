"""The seed's HTTP client against a tiny scripted server: what it sends again, and when."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from seed.client import Ambiguous, Client, SeedError, path

#: (status, headers) answered in turn; the last one is repeated.
Script = list[tuple[int, dict[str, str]]]


class Scripted:
    def __init__(self) -> None:
        self.script: Script = [(200, {})]
        self.requests: list[tuple[str, str, bytes]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    scripted = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            scripted.requests.append((self.command, self.path, body))
            status, headers = scripted.script[min(len(scripted.requests), len(scripted.script)) - 1]
            payload = json.dumps({"status": status}).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_port}/api", scripted
    http.shutdown()
    http.server_close()


class Sleeps(list[float]):
    """Stands in for time.sleep: records how long the client would have waited."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(
    base: str, sleeps: Sleeps, *, attempts: int = 8, backoff: float = 0.5, max_wait: float = 60.0
) -> Client:
    return Client(base, sleep=sleeps, attempts=attempts, backoff=backoff, max_wait=max_wait)


def closed_port() -> int:
    """A loopback port nothing listens on (it was just let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_503_is_sent_again_after_the_seconds_retry_after_says(server):
    base, scripted = server
    scripted.script = [(503, {"Retry-After": "7"}), (201, {})]
    sleeps = Sleeps()

    reply = client(base, sleeps).request("POST", "/articles", {"article": {}}, repeatable=False)

    assert reply.status == 201
    assert sleeps == [7.0]
    assert [r[:2] for r in scripted.requests] == [("POST", "/api/articles")] * 2
    assert scripted.requests[0][2] == scripted.requests[1][2] == b'{"article": {}}'


def test_retry_after_may_be_an_http_date(server):
    base, scripted = server
    when = datetime.now(UTC) + timedelta(seconds=30)
    scripted.script = [(503, {"Retry-After": format_datetime(when, usegmt=True)}), (200, {})]
    sleeps = Sleeps()

    client(base, sleeps).request("GET", "/tags", repeatable=True)

    assert 25 <= sleeps[0] <= 30


def test_a_429_without_retry_after_backs_off_exponentially_with_jitter(server):
    base, scripted = server
    scripted.script = [(429, {})] * 4 + [(200, {})]
    sleeps = Sleeps()

    client(base, sleeps, backoff=1.0).request("GET", "/tags", repeatable=True)

    assert len(sleeps) == 4
    for attempt, slept in enumerate(sleeps):
        assert 2**attempt / 2 <= slept <= 2**attempt


def test_no_wait_is_longer_than_max_wait(server):
    base, scripted = server
    scripted.script = [(503, {"Retry-After": "3600"}), (200, {})]
    sleeps = Sleeps()

    client(base, sleeps, max_wait=60.0).request("GET", "/tags", repeatable=True)

    assert sleeps == [60.0]


def test_a_gateway_timeout_is_sent_again_only_when_repeating_is_harmless(server):
    base, scripted = server
    scripted.script = [(504, {}), (200, {})]
    sleeps = Sleeps()

    assert client(base, sleeps).request("POST", "/profiles/x/follow", repeatable=True).status == 200
    scripted.requests.clear()
    with pytest.raises(Ambiguous, match="504"):
        client(base, sleeps).request("POST", "/articles", {"article": {}}, repeatable=False)
    assert len(scripted.requests) == 1


def test_a_client_error_is_returned_as_it_is_not_retried(server):
    base, scripted = server
    scripted.script = [(422, {})]
    sleeps = Sleeps()

    reply = client(base, sleeps).request("POST", "/users", {"user": {}}, repeatable=True)

    assert (reply.status, reply.body, sleeps) == (422, {"status": 422}, [])


def test_when_the_retries_run_out_the_error_says_so(server):
    base, scripted = server
    scripted.script = [(503, {"Retry-After": "0"})]

    with pytest.raises(SeedError, match="still 503 after 3 attempts"):
        client(base, Sleeps(), attempts=3).request("GET", "/tags", repeatable=True)
    assert len(scripted.requests) == 3


def test_a_refused_connection_is_tried_again_even_for_a_create():
    """Nothing reached a server, so nothing can have been applied."""
    sleeps = Sleeps()
    with pytest.raises(SeedError, match=r"[Cc]onnection refused"):
        client(f"http://127.0.0.1:{closed_port()}/api", sleeps, attempts=3).request(
            "POST", "/articles", repeatable=False
        )
    assert len(sleeps) == 2


def test_paths_escape_every_segment_and_value():
    assert path("articles", "a/b c", "comments") == "/articles/a%2Fb%20c/comments"
    assert path("articles", author="jo & co", limit="100") == "/articles?author=jo+%26+co&limit=100"
