"""Section 7: the local load run in bad weather (0%, 10% and 30% of AWS calls failing).

For each fault rate: `python -m local` on its own port, seeded through the API with the faults
off; then its emulator fails that share of DynamoDB and Cognito data-plane calls the ways AWS
does (`local.faults`, switched on over the emulator's HTTP control), and a fixed number of
logical operations of the load mix run from a few client threads, each sent up to 5 times by a
careful client (`local.retrying`: again after 409/429/5xx or a dropped connection, after
Retry-After, one Idempotency-Key per POST). Then the faults stop, the stream pump catches up,
and the whole data set is checked (`local.invariants`).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.request import Request, urlopen

from tqdm import tqdm

from bench import lag, loadrun, stats
from local import invariants
from local.emulator import WEATHER_PATH
from local.retrying import Outcome, send_with_retries

RATES = (0.0, 0.1, 0.3)
TRIES = 5
#: A careful client waits what Retry-After asks, up to this.
MAX_WAIT_SECONDS = 1.0
PASSWORD = "load-password"  # bench.loadrun.seed's
STAGE = "local"  # `python -m local`'s default


def _weather(emulator_url: str, rate: float | None = None, seed: int = 0) -> dict[str, Any]:
    """Read the emulator's weather, or set it first."""
    data = json.dumps({"rate": rate, "seed": seed}).encode() if rate is not None else None
    request = Request(emulator_url + WEATHER_PATH, data=data, method="POST" if data else "GET")
    with urlopen(request, timeout=10) as answer:
        state: dict[str, Any] = json.load(answer)
        return state


@contextmanager
def _aws_at(endpoint: str) -> Iterator[None]:
    """boto3 calls in the block go to the server's emulator (for the users and pool checks)."""
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL",)}
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check(server: loadrun.Server, world: dict[str, Any]) -> invariants.Report:
    accounts = [
        invariants.Account(name, f"{name}@example.com", PASSWORD, token)
        for name, token in zip(world["names"], world["tokens"], strict=True)
    ]

    def call(method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        return loadrun.call(server.port, method, path, body, token)

    with _aws_at(server.emulator_url):
        report = invariants.check(STAGE, accounts, call)
        if report.problems:  # the pump may still be catching up: one more look, later
            time.sleep(3)
            report = invariants.check(STAGE, accounts, call)
    return report


def run_one(rate: float, operations: int, concurrency: int = 4, seed_value: int = 7) -> dict[str, Any]:
    server = loadrun.Server()
    try:
        world = loadrun.seed(server.port)
        rng = random.Random(seed_value)
        kinds = rng.choices([k for _, k in loadrun.MIX], [w for w, _ in loadrun.MIX], k=operations)
        plan = [loadrun._request(kind, rng, world) for kind in kinds]
        outcomes: list[tuple[float, Outcome]] = []
        lock = threading.Lock()
        progress = tqdm(total=operations, desc=f"weather {rate:.0%}", unit="op")

        def one(request: tuple[str, str, Any, str | None]) -> None:
            method, path, body, token = request
            started = time.perf_counter()
            outcome = send_with_retries(
                lambda headers: loadrun.exchange(server.port, method, path, body, token, headers),
                method,
                tries=TRIES,
                max_wait_seconds=MAX_WAIT_SECONDS,
            )
            with lock:
                outcomes.append(((time.perf_counter() - started) * 1000, outcome))
                progress.update(1)

        probe = lag.Probe(server.port).start()  # other readers' lag, in this weather
        _weather(server.emulator_url, rate, seed=seed_value)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, plan))
        wall = time.perf_counter() - started
        progress.close()
        lags = probe.stop()
        injected = _weather(server.emulator_url)["injected"]
        _weather(server.emulator_url, 0)
        time.sleep(1)  # the pump drains every 0.2 s
        report = _check(server, world)
    finally:
        server.stop()
    summary = _summary(rate, operations, concurrency, wall, outcomes, injected, report)
    summary["invariants"]["dead_lettered_batches"] = server.dead_lettered
    summary["lag"] = lags
    return summary


def _summary(
    rate: float,
    operations: int,
    concurrency: int,
    wall: float,
    outcomes: list[tuple[float, Outcome]],
    injected: dict[str, int],
    report: invariants.Report,
) -> dict[str, Any]:
    latencies = [ms for ms, _ in outcomes]
    statuses = Counter(str(a.status) for _, o in outcomes for a in o.attempts)
    failed = [o for _, o in outcomes if not o.succeeded]
    unhinted = sum(1 for _, o in outcomes for a in o.attempts if a.status == 503 and not a.retry_after)
    return {
        "fault_rate": rate,
        "operations": operations,
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "throughput_ops": round(operations / wall, 1),
        "latency_ms": {f"p{q}": round(stats.percentile(latencies, q), 1) for q in (50, 99)},
        "succeeded_share": round(1 - len(failed) / operations, 4),
        "failed_samples": [o.status for o in failed[:10]],
        "attempts": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "answers_500": statuses.get("500", 0),
        "answers_503_without_retry_after": unhinted,
        "faults_injected": injected,
        "invariants": {
            "held": report.holds,
            "problems": len(report.problems),
            "problem_samples": report.problems[:10],
            "articles": report.articles,
            "comments": report.comments,
            "users": report.users,
        },
    }


def run(operations: int = 300) -> dict[str, Any]:
    """Every rate of `RATES`, one after another (each on a fresh server)."""
    return {"tries": TRIES, "runs": [run_one(rate, operations) for rate in RATES]}
