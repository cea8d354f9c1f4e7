"""Section 5: a bounded load run against `python -m local` on a free loopback port.

A fixed number of requests of a read/write mix from a few client threads, each request on
its own http.client connection; throughput, latency percentiles and errors (any status >= 400
or exception) are reported. The server is seeded through the API first.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import stats

ROOT = Path(__file__).resolve().parent.parent

#: The mix: (weight, kind). Reads dominate, as on a blog.
MIX: tuple[tuple[int, str], ...] = (
    (30, "list"),
    (10, "list_tag"),
    (15, "article"),
    (10, "feed"),
    (10, "comments"),
    (5, "tags"),
    (5, "profile"),
    (3, "user"),
    (4, "favorite"),
    (4, "comment"),
    (2, "follow"),
    (2, "create"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`python -m local` as `make dev` runs it, quiet, on its own port; `emulator_url` is where
    its embedded AWS emulator listens, `dead_lettered` how many stream batches its pump has
    dead-lettered so far (it logs each)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.emulator_url = ""
        self.dead_lettered = 0
        from conduit import limits

        env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), str(ROOT / "layers/shared/python"), str(ROOT / "functions")]
            ),
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            # a few seeded users write as fast as 8 clients can: the limits would refuse most
            # of it; each limited request still pays its count
            **limits.lifted(),
        }
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if "Conduit API on" in line:
                found = re.search(r"emulator at (\S+),", line)
                self.emulator_url = found.group(1) if found else ""
                threading.Thread(target=self._drain, daemon=True).start()
                return
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError("python -m local did not start")

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.dead_lettered += "batch dead-lettered" in line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def exchange(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request on its own connection: status, response headers, parsed body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", **(extra_headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), (json.loads(data) if data else None)
    finally:
        connection.close()


def call(port: int, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    status, _, parsed = exchange(port, method, path, body, token)
    return status, parsed


def seed(port: int, users: int = 8, articles_each: int = 6) -> dict[str, Any]:
    """Users who follow each other, articles with tags and a few comments, through the API."""
    tokens: list[str] = []
    names: list[str] = []
    for n in range(users):
        name = f"load{n}"
        status, body = call(
            port,
            "POST",
            "/api/users",
            {"user": {"username": name, "email": f"{name}@example.com", "password": "load-password"}},
        )
        if status != 201:
            raise RuntimeError(f"seeding failed: {status} {body}")
        tokens.append(body["user"]["token"])
        names.append(name)
    slugs: list[str] = []
    for n, token in enumerate(tokens):
        for k in range(articles_each):
            article = {
                "title": f"Load article {n}-{k}",
                "description": "d",
                "body": "b " * 200,
                "tagList": [f"t{k % 4}", "load"],
            }
            status, body = call(port, "POST", "/api/articles", {"article": article}, token)
            slugs.append(body["article"]["slug"])
        for other in names:
            if other != names[n]:
                call(port, "POST", f"/api/profiles/{other}/follow", None, token)
    return {"tokens": tokens, "names": names, "slugs": slugs}


def _request(kind: str, rng: random.Random, world: dict[str, Any]) -> tuple[str, str, Any, str | None]:
    me = rng.randrange(len(world["tokens"]))
    token = world["tokens"][me]
    slug = rng.choice(world["slugs"])
    name = rng.choice([n for i, n in enumerate(world["names"]) if i != me])
    if kind == "list":
        return "GET", f"/api/articles?limit=20&offset={rng.choice((0, 0, 0, 20))}", None, token
    if kind == "list_tag":
        return "GET", f"/api/articles?tag=t{rng.randint(0, 3)}", None, None
    if kind == "article":
        return "GET", f"/api/articles/{slug}", None, token
    if kind == "feed":
        return "GET", "/api/articles/feed", None, token
    if kind == "comments":
        return "GET", f"/api/articles/{slug}/comments", None, token
    if kind == "tags":
        return "GET", "/api/tags", None, None
    if kind == "profile":
        return "GET", f"/api/profiles/{name}", None, token
    if kind == "user":
        return "GET", "/api/user", None, token
    if kind == "favorite":
        return rng.choice(("POST", "DELETE")), f"/api/articles/{slug}/favorite", None, token
    if kind == "comment":
        comment = {"comment": {"body": f"load comment {rng.getrandbits(48):x}"}}  # each said once
        return "POST", f"/api/articles/{slug}/comments", comment, token
    if kind == "follow":
        return rng.choice(("POST", "DELETE")), f"/api/profiles/{name}/follow", None, token
    title = f"Load {rng.getrandbits(48):x}"
    return (
        "POST",
        "/api/articles",
        {"article": {"title": title, "description": "d", "body": "b", "tagList": ["load"]}},
        token,
    )


def run(requests: int = 2000, concurrency: int = 8, seed_value: int = 5) -> dict[str, Any]:
    from bench import lag

    server = Server()
    try:
        world = seed(server.port)
        probe = lag.Probe(server.port).start()  # other readers' lag, under this load
        rng = random.Random(seed_value)
        kinds = rng.choices([k for _, k in MIX], [w for w, _ in MIX], k=requests)
        plan = [_request(kind, rng, world) for kind in kinds]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        progress = tqdm(total=requests, desc="load run", unit="req")

        def one(request: tuple[str, str, Any, str | None]) -> None:
            started = time.perf_counter()
            try:
                status, body = call(server.port, *request)
                problem = f"{request[0]} {request[1]}: {status} {body}" if status >= 400 else None
            except Exception as error:  # a dropped connection is an error of the run, not of the bench
                problem = f"{request[0]} {request[1]}: {error!r}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)
                progress.update(1)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, plan))
        wall = time.perf_counter() - started
        progress.close()
        return {
            "lag": probe.stop(),
            "requests": requests,
            "concurrency": concurrency,
            "mix": {kind: weight for weight, kind in MIX},
            "seconds": round(wall, 2),
            "throughput_rps": round(requests / wall, 1),
            "latency_ms": {f"p{q}": round(stats.percentile(latencies, q), 1) for q in (50, 90, 99)}
            | {"max": round(max(latencies), 1)},
            "errors": len(errors),
            "error_samples": errors[:10],
        }
    finally:
        server.stop()
