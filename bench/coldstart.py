"""Section 1: init time of each function in a fresh interpreter, against a boto3 floor.

Each child is `python -I` (no project root, no user site) with the Lambda layout on sys.path:
the functions' code root, the shared layer's python/ folder, then site-packages. It times only
the import that creates the handler (settings are read lazily, so that is all Lambda's init
does) and prints the figure; interpreter start-up is not counted.

Two bytecode conditions are measured. "As deployed": every module has its bytecode, as in
Lambda, where the runtime's boto3 is precompiled and our assets ship Python 3.13 bytecode
(infra/bytecode.py; /var/task and /opt are read-only, so nothing could be cached there).
"Without bytecode" keeps only the standard library's and the runtime's bytecode: what a cold
start would cost if the assets shipped sources only, the reason they do not.

What a function defers to its first request is timed too (`first_use`), so lazy imports show
up as what they are: the DynamoDB client (PynamoDB creates it at the first call; the floor
creates it at init), the token check's PyJWT and cryptography, and pydantic with the request
models of the functions that parse a body.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import stats
from bench.dataset import DATA_DIR
from conduit.resources import TABLES
from infra import bytecode, layers
from infra.errors import InfraError

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SHARED = ROOT / "layers" / "shared" / "python"
REQUIREMENTS_DEV = ROOT / "requirements-dev.txt"
#: Packages the Lambda Python runtime ships precompiled (infra/layers.py RUNTIME_PROVIDED and
#: their own dependencies).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")

_CHILD = """
import importlib, json, sys, time
sys.path[:0] = {paths!r}
{setup}
started = time.perf_counter()
{body}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""
FLOOR_BODY = "import boto3\nboto3.client('dynamodb')"
#: Work a function leaves to its first request, timed after its handler is imported.
FIRST_USE_HANDLER = "articles.create.handler"
FIRST_USE = {
    # Every model the handler imports, as its first requests reach them: one shared client.
    "dynamodb_client": "from conduit.storage import Record\n"
    "for model in Record.__subclasses__(): model._get_connection().connection.client",
    "token_check": "import jwt\nfrom jwt.algorithms import RSAAlgorithm",
    "user_request_models": "import conduit.users.models",
    "article_request_models": "import conduit.articles.models",
}


def handler_body(handler: str) -> str:
    module, _, attribute = handler.rpartition(".")
    return f"getattr(importlib.import_module({module!r}), {attribute!r})"


def lambda_environment() -> dict[str, str]:
    """What a function's process sees at init: Powertools settings, a Lambda function name and
    execution environment, and no project paths."""
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
    env |= {table.env_var: f"conduit-bench-{table.key}" for table in TABLES}  # as the CDK app sets
    return env


@dataclass(frozen=True)
class Interpreter:
    """The Python a child runs on, the folders put first on its sys.path (Lambda's order: the
    code, the layers, the runtime's packages), and its extra flags."""

    executable: str
    paths: tuple[str, ...]
    flags: tuple[str, ...] = ()


#: This machine's Python over the source tree and the virtualenv.
LOCAL = Interpreter(sys.executable, (str(FUNCTIONS), str(SHARED)))


def run_child(
    body: str,
    pycache: Path | None,
    write_bytecode: bool = False,
    setup: str = "",
    interpreter: Interpreter = LOCAL,
) -> float:
    """One fresh interpreter timing `body` after an untimed `setup`; `-I` ignores PYTHON*
    variables, so the cache is set with -X."""
    code = _CHILD.format(paths=list(interpreter.paths), setup=setup, body=body)
    flags = ["-I", *interpreter.flags]
    if pycache is not None:
        flags += ["-X", f"pycache_prefix={pycache}"] + ([] if write_bytecode else ["-B"])
    done = subprocess.run(
        [interpreter.executable, *flags, "-c", code],
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
    nothing of ours or of the dependency layer (assets that shipped without bytecode)."""
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
    for ours in (FUNCTIONS, ROOT / "layers"):
        shutil.rmtree(cache / str(ours).lstrip("/"), ignore_errors=True)
    return cache


def _medians(
    jobs: list[tuple[str, str, str]],
    pycache: Path | None,
    count: int,
    label: str,
    interpreter: Interpreter = LOCAL,
) -> dict[str, float]:
    """Median ms of each (name, setup, body) job over `count` interleaved rounds (so drift hits
    all alike), two at a time: one per core, as a Lambda sandbox has its own CPU share."""
    samples: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            (name, pool.submit(run_child, body, pycache, False, setup, interpreter))
            for _ in range(count)
            for name, setup, body in jobs
        ]
        for name, future in tqdm(futures, desc=f"cold start ({label})", unit="run"):
            samples[name].append(future.result())
    return {name: stats.median(values) for name, values in samples.items()}


def _condition(
    functions: dict[str, str],
    pycache: Path | None,
    count: int,
    label: str,
    interpreter: Interpreter = LOCAL,
) -> dict[str, Any]:
    jobs = [("floor", "", FLOOR_BODY)] + [(name, "", handler_body(h)) for name, h in functions.items()]
    medians = _medians(jobs, pycache, count, label, interpreter)
    floor = medians.pop("floor")
    return {
        "floor_ms": round(floor, 2),
        "runs": count,
        "functions": {
            name: {"median_ms": round(ms, 2), "ratio": round(ms / floor, 3)} for name, ms in medians.items()
        },
    }


def measure(functions: dict[str, str], runs: int, bare_runs: int) -> dict[str, Any]:
    """Median init ms per function (name -> handler) and of the floor, with the bytecode the
    assets ship and without it, and the median ms of each piece of first-request work."""
    for handler in [*functions.values(), FIRST_USE_HANDLER]:  # compile what a deployment ships
        run_child(handler_body(handler) + "\n" + "\n".join(FIRST_USE.values()), None)
    results: dict[str, Any] = {"as_deployed": _condition(functions, None, runs, "as deployed")}
    cache = runtime_only_cache(list(functions.values()))
    try:
        results["without_bytecode"] = _condition(functions, cache, bare_runs, "without bytecode")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    first_use = [(name, handler_body(FIRST_USE_HANDLER), body) for name, body in FIRST_USE.items()]
    results["first_use"] = {
        "after": FIRST_USE_HANDLER,
        "runs": runs,
        "ms": {k: round(v, 2) for k, v in _medians(first_use, None, runs, "first use").items()},
    }
    return results


def lambda_layout(python: Path, into: Path) -> Interpreter:
    """The three assets as they ship (compiled by `python`, a CPython 3.13) and the runtime's
    boto3, laid out as Lambda mounts them: /var/task, /opt/python, the runtime's packages. The
    child gets `-B`: nothing can be written there in Lambda."""
    task, opt = into / "task", into / "opt" / "python"
    bytecode.compile_copy(FUNCTIONS, task, python)
    bytecode.compile_copy(SHARED, opt, python)
    shutil.copytree(layers.TARGET_DIR, opt, dirs_exist_ok=True)  # compiled by its build
    return Interpreter(str(python), (str(task), str(opt), str(_runtime_packages(python))), ("-B",))


def _runtime_packages(python: Path) -> Path:
    """The runtime's boto3 (the pinned version), precompiled as the runtime ships it: installed
    once into bench/.data/ and reused, like the dataset."""
    pin = next(line for line in REQUIREMENTS_DEV.read_text().splitlines() if line.startswith("boto3=="))
    runtime = DATA_DIR / f"runtime-{pin.replace('==', '-')}-{bytecode.LAMBDA.cache_tag}"
    if runtime.is_dir():
        return runtime
    building = runtime.with_name(runtime.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    wheels_for_313 = ["--only-binary=:all:", "--python-version", "3.13", "--implementation", "cp"]
    subprocess.run([*pip, *wheels_for_313, "--target", str(building), pin], check=True, timeout=600)
    bytecode.compile_tree(building, python)
    building.rename(runtime)
    return runtime


def measure_on_lambdas_python(functions: dict[str, str], runs: int) -> dict[str, Any]:
    """As deployed, on CPython 3.13 over the assets as they ship, when this machine has one
    (infra.bytecode.find_interpreter) and the dependency layer is built; else why not."""
    try:
        python = bytecode.find_interpreter()
    except InfraError as error:
        return {"skipped": str(error).split(". ")[0]}
    if not layers.is_current():
        return {"skipped": "the dependency layer is not built (scripts/build_layers.py)"}
    version = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-lambda-") as tmp:
        interpreter = lambda_layout(python, Path(tmp))
        return {"python": version} | _condition(functions, None, runs, f"python {version}", interpreter)


def import_profile(handler: str, top: int = 15) -> list[dict[str, Any]]:
    """`python -X importtime` of one handler (warm bytecode): the top-level packages by
    cumulative import time, to show which imports dominate."""
    code = _CHILD.format(paths=[str(FUNCTIONS), str(SHARED)], setup="", body=handler_body(handler))
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
