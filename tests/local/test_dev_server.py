"""`make dev` end to end: a real server process on a real port, driven by a plain HTTP client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from local.client import call

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    # A developer's shell: none of the settings the test session gives the functions in-process.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "USER_POOL", "JWKS", "POWERTOOLS_", "CONDUIT_"))
    }
    env.update(PORT=str(port), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers/shared/python")]))
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
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "Conduit API on" in line:
            break
        assert process.poll() is None, f"dev server exited: {line}"
    # Read what it prints from here on, as a terminal would: a pipe nobody reads fills up with
    # its log lines (64 KB), and the server then blocks in its next print (Ctrl-C included).
    threading.Thread(target=process.stdout.read, name="dev-server-output", daemon=True).start()
    yield f"http://127.0.0.1:{port}/api", process
    if process.poll() is None:
        process.kill()


def test_make_dev_loads_no_function_code_before_it_has_provisioned_the_functions_settings() -> None:
    """Regression (found setting up `make contract`): the functions' logger and metrics read
    their settings when first imported; loaded with the gateway, before `make dev` provisions
    them, every metric-emitting request crashed for want of a metrics namespace."""
    code = "import sys, local.__main__; print(sorted(m for m in sys.modules if m.startswith('conduit.')))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers/shared/python")])}

    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout

    assert "conduit.observability" not in loaded
    assert "conduit.api.app" not in loaded


def test_the_dev_server_serves_a_whole_session_over_http(server: tuple[str, Any]) -> None:
    base, _ = server
    user = {"username": "jake", "email": "jake@jake.jake", "password": "jakejake"}

    status, body = call(base, "POST", "/users", {"user": user})
    assert status == 201
    call(base, "POST", "/users", {"user": {**user, "username": "jacob", "email": "jacob@jake.jake"}})
    status, body = call(
        base, "POST", "/users/login", {"user": {"email": "jacob@jake.jake", "password": "jakejake"}}
    )
    assert status == 200
    token = body["user"]["token"]
    assert call(base, "GET", "/user", token=token)[1]["user"]["username"] == "jacob"
    assert call(base, "PUT", "/user", {"user": {"bio": "hi"}}, token=token)[1]["user"]["bio"] == "hi"
    assert call(base, "POST", "/profiles/jake/follow", token=token)[1]["profile"]["following"] is True
    assert call(base, "GET", "/profiles/jake", token=token)[1]["profile"]["following"] is True
    assert call(base, "DELETE", "/profiles/jake/follow", token=token)[1]["profile"]["following"] is False
    assert call(base, "GET", "/user") == (401, {"errors": {"token": ["is missing"]}})


def test_the_dev_server_runs_the_stream_worker_so_feeds_fill(server: tuple[str, Any]) -> None:
    base, _ = server
    tokens = {}
    for name in ("writer", "reader"):
        user = {"username": name, "email": f"{name}@example.com", "password": "jakejake"}
        tokens[name] = call(base, "POST", "/users", {"user": user})[1]["user"]["token"]
    call(base, "POST", "/profiles/writer/follow", token=tokens["reader"])
    article = {"title": "Hello", "description": "d", "body": "b", "tagList": ["news"]}

    status, _ = call(base, "POST", "/articles", {"article": article}, token=tokens["writer"])

    assert status == 201
    deadline = time.monotonic() + 10
    # the tags only the worker writes (the reader's own feed shows their follow at once anyway)
    while call(base, "GET", "/tags")[1] != {"tags": ["news"]}:
        assert time.monotonic() < deadline, "the stream worker never counted the article's tag"
        time.sleep(0.1)
    assert call(base, "GET", "/articles/feed", token=tokens["reader"])[1]["articlesCount"] == 1


def test_the_dev_server_serves_the_openapi_document_and_swagger_ui_offline(server: tuple[str, Any]) -> None:
    from contract.openapi import build_document

    base, _ = server

    assert call(base, "GET", "/openapi.json") == (200, build_document())
    with urlopen(f"{base}/docs", timeout=30) as page:  # redirected to /api/docs/
        html = page.read().decode()
    assert '"/api/openapi.json"' in html
    assert "//" not in "".join(line for line in html.splitlines() if "<script src" in line)
    with urlopen(f"{base}/docs/swagger-ui-bundle.js", timeout=30) as script:
        assert script.headers["Content-Type"].endswith("javascript")


def test_ctrl_c_stops_the_dev_server_cleanly(server: tuple[str, subprocess.Popen[str]]) -> None:
    _, process = server

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=15) == 0
