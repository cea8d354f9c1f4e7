"""Section 1: init time of each function in a fresh interpreter, against a boto3 floor.

Each child is `python -I` (no project root, no user site) with the Lambda layout on sys.path:
the functions' code root, the shared layer's python/ folder, then site-packages. It times only
the import that creates the handler (settings are read lazily, so that is all Lambda's init
does) and prints the figure; interpreter start-up is not counted.

Two bytecode conditions are measured. Deployed code and layers exclude `__pycache__`
(infra/paths.py CODE_EXCLUDES) and /var/task and /opt are read-only, so in Lambda our code and
the dependency layer are compiled from source at every cold start, while the runtime's own
boto3/botocore are precompiled. "as deployed" reproduces that with a private bytecode cache
holding only the standard library and the runtime-provided packages; "warm bytecode" has
every .pyc (what a local run sees).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import stats

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SHARED = ROOT / "layers" / "shared" / "python"
#: Packages the Lambda Python runtime ships precompiled (infra/layers.py RUNTIME_PROVIDED and
#: their own dependencies).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")

_CHILD = """
import importlib, json, sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{body}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""
FLOOR_BODY = "import boto3\nboto3.client('dynamodb')"


def handler_body(handler: str) -> str:
    module, _, attribute = handler.rpartition(".")
    return f"getattr(importlib.import_module({module!r}), {attribute!r})"


def lambda_environment() -> dict[str, str]:
    """What a function's process sees at init: Powertools settings, a Lambda function name
    (so the Tracer is active, as with `tracing=ACTIVE`), and no project paths."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": "conduit-bench-function",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "POWERTOOLS_SERVICE_NAME": "conduit",
        "POWERTOOLS_METRICS_NAMESPACE": "Conduit",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    return env


def run_child(body: str, pycache: Path | None, write_bytecode: bool = False) -> float:
    """One fresh interpreter; `-I` ignores PYTHON* variables, so the cache is set with -X."""
    code = _CHILD.format(paths=[str(FUNCTIONS), str(SHARED)], body=body)
    flags = ["-I"]
    if pycache is not None:
        flags += ["-X", f"pycache_prefix={pycache}"] + ([] if write_bytecode else ["-B"])
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        env=lambda_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed: {done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["ms"])


def runtime_only_cache(handlers: Sequence[str]) -> Path:
    """A bytecode cache with the standard library and runtime-provided packages compiled, and
    nothing of ours or of the dependency layer (as in Lambda)."""
    cache = Path(tempfile.mkdtemp(prefix="bench-pycache-"))
    run_child(FLOOR_BODY, cache, write_bytecode=True)
    for handler in handlers:  # compile whatever standard library modules our code imports too
        run_child(handler_body(handler), cache, write_bytecode=True)
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    cached_site = cache / str(site).lstrip("/")
    if cached_site.exists():
        for entry in cached_site.iterdir():
            if entry.name.split(".")[0] not in RUNTIME_PACKAGES:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
    for ours in (FUNCTIONS, ROOT / "layers"):  # our code compiles at every cold start too
        shutil.rmtree(cache / str(ours).lstrip("/"), ignore_errors=True)
    return cache


def measure(functions: dict[str, str], runs: int, warm_runs: int, workers: int = 2) -> dict[str, Any]:
    """Median init ms per function (name -> handler) and of the floor, in both conditions.
    Runs are interleaved (floor, every function, again) so drift hits all alike, `workers` at
    a time (one per core: a Lambda sandbox has its own CPU share)."""
    cache = runtime_only_cache(list(functions.values()))
    try:
        results: dict[str, Any] = {}
        for condition, pycache, count in (("as_deployed", cache, runs), ("warm_bytecode", None, warm_runs)):
            jobs = [("floor", FLOOR_BODY)] + [(name, handler_body(h)) for name, h in functions.items()]
            samples: dict[str, list[float]] = {name: [] for name, _ in jobs}
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [
                    (name, pool.submit(run_child, body, pycache)) for _ in range(count) for name, body in jobs
                ]
                for name, future in tqdm(futures, desc=f"cold start ({condition})", unit="run"):
                    samples[name].append(future.result())
            floor = stats.median(samples["floor"])
            results[condition] = {
                "floor_ms": round(floor, 2),
                "runs": count,
                "functions": {
                    name: {
                        "median_ms": round(stats.median(values), 2),
                        "ratio": round(stats.median(values) / floor, 3),
                    }
                    for name, values in samples.items()
                    if name != "floor"
                },
            }
        return results
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def import_profile(handler: str, top: int = 15) -> list[dict[str, Any]]:
    """`python -X importtime` of one handler (warm bytecode): the top-level packages by
    cumulative import time, to show which imports dominate."""
    code = _CHILD.format(paths=[str(FUNCTIONS), str(SHARED)], body=handler_body(handler))
    done = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", "-c", code],
        env=lambda_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return top_imports(done.stderr, top)


def top_imports(importtime_output: str, top: int) -> list[dict[str, Any]]:
    """Packages (first name component) by the summed self time of their modules, from
    `-X importtime` lines: where an import chain actually spends its time."""
    totals: dict[str, int] = {}
    for line in importtime_output.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) < 3 or not parts[0].strip().isdigit():
            continue  # the header line
        package = parts[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0) + int(parts[0])
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [{"package": name, "self_ms": round(us / 1000, 1)} for name, us in ranked]
