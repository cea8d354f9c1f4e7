"""Section 1: the cold start a user waits for, per function: a fresh interpreter imports the
handler (init) and answers one representative request (bench/representative.py) against the
local emulator, timed from the first import to the response.

The floor, measured in the same runs on the same emulator, is a fresh process that imports
boto3, creates a DynamoDB client and makes one GetItem (the one `GET /api/user` makes). The
reference line is an idiomatic Powertools handler doing the same GetItem (bench/reference/).
Every figure is the median of interleaved runs (each round runs every function, the floor and
the reference once, in a rotating order), one child at a time: the emulator answering them runs
in this process, on the other core.

Of record: CPython 3.13 (Lambda's) over the assets exactly as they ship, laid out as Lambda
mounts them: /var/task (functions/ with its 3.13 bytecode), /opt/python (the shared layer and
the dependency layer), then the runtime's boto3 (precompiled), with `-B` since nothing can be
written there. Lambda runs arm64; an arm64 build's native wheels could not load on another
CPU, so on such a machine the bench builds the same pinned layer for this machine's CPU
(bench/.data/, labelled in the report); everything else is the shipped bytes. The reference
handler gets pydantic at the bench's pin beside it (the layer has none).
Without a Python 3.13 the same runs use this machine's Python over the source tree.

Also measured:
- what each piece of first-request work costs alone, after the handler's import (the DynamoDB
  and Cognito clients, the token check, parsing one body, and PyJWT with cryptography, the
  token check we no longer ship): where the first request's time goes;
- init without our bytecode (this machine's Python), the reason the assets ship it;
- `python -X importtime` of a handler over the same layout.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import stats
from bench.dataset import DATA_DIR
from bench.representative import RequestClass, Scene, article_stream_event, representatives
from conduit.resources import JWKS_URL_ENV_VAR, TABLES, USER_POOL, powertools_env
from conduit.routes import (
    ROUTES_BY_NAME,
    WORKERS,
    Route,
    StreamWorker,
    tables_used,
    uses_user_pool,
    verifies_tokens,
)
from infra import bytecode, layers
from infra.errors import InfraError

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SHARED = ROOT / "layers" / "shared" / "python"
REFERENCE = Path(__file__).resolve().parent / "reference"
REQUIREMENTS_DEV = ROOT / "requirements-dev.txt"
REQUIREMENTS_BENCH = ROOT / "bench" / "requirements.txt"
#: Packages the Lambda Python runtime ships precompiled (infra/layers.py RUNTIME_PROVIDED and
#: their own dependencies).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
#: The handler whose first request has every piece (a body, a token, DynamoDB); its import is
#: the one profiled.
PIECES_HANDLER = "articles.create.handler"
REFERENCE_HANDLER = "idiomatic.handler"
STAGE = "bench"

_CHILD = """
import importlib, json, sys, time
sys.path[:0] = {paths!r}
{setup}
started = time.perf_counter()
{body}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""

#: A fresh interpreter: the init (timed), then one request (timed), then what it answered.
_WHOLE = """
import importlib, json, sys, time
sys.path[:0] = {paths!r}
event = json.loads(sys.stdin.read())

class Context:
    function_name = {function!r}
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + {function!r}
    memory_limit_in_mb = {memory}
    aws_request_id = "cold-start"
    log_group_name = "/aws/lambda/" + {function!r}
    log_stream_name = "cold-start"

    def get_remaining_time_in_millis(self):
        return 10_000

started, started_cpu = time.perf_counter(), time.process_time()
{init}
initialised = time.perf_counter()
{request}
answered, answered_cpu = time.perf_counter(), time.process_time()
print(json.dumps({{
    "init_ms": (initialised - started) * 1000,
    "request_ms": (answered - initialised) * 1000,
    "cpu_ms": (answered_cpu - started_cpu) * 1000,
    "status": status,
}}))
"""
_HANDLER_REQUEST = """result = handler(event, Context())
status = result.get("statusCode", 500 if result.get("batchItemFailures") else 200)"""
FLOOR_INIT = "import boto3\nclient = boto3.client('dynamodb')"
FLOOR_REQUEST = "client.get_item(**event)\nstatus = 200"

#: Work a function's first request does, each timed alone after importing PIECES_HANDLER
#: (the Cognito client after the DynamoDB one, as every route that calls Cognito makes both).
PIECES = {
    "dynamodb_client": "from conduit import storage\nstorage.connection()",
    "cognito_client": "from conduit.users import identity\nidentity._client()",
    "token_check": "from conduit.auth import verify_token\nverify_token(TOKEN)",
    "request_body": (
        "from conduit.api.parsing import parse_body\nfrom conduit.articles.models import NEW_ARTICLE\n"
        'parse_body(\'{"article": {"title": "t", "description": "d", "body": "b"}}\','
        " NEW_ARTICLE)"
    ),
    "pyjwt_token_check": (
        "import jwt\nfrom jwt.algorithms import RSAAlgorithm\n"
        "jwt.decode(TOKEN, RSAAlgorithm.from_jwk(JWK), algorithms=['RS256'], issuer=ISSUER,"
        " options={'verify_aud': False})"
    ),
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
    }
    env |= powertools_env(STAGE)
    env |= {table.env_var: table.physical_name(STAGE) for table in TABLES}  # as the CDK app sets
    return env


def function_environment(declared: Route | StreamWorker, world: dict[str, str]) -> dict[str, str]:
    """A function's environment as the CDK app gives it (only what it uses), pointed at the
    emulator: `world` is what local.provision returned."""
    env = {k: v for k, v in lambda_environment().items() if not k.endswith("_TABLE")}
    env["AWS_LAMBDA_FUNCTION_NAME"] = f"conduit-{STAGE}-{declared.name}"
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(declared.memory_mb)
    env["AWS_ENDPOINT_URL"] = world["AWS_ENDPOINT_URL"]
    env |= {table.env_var: world[table.env_var] for table in tables_used(declared)}
    if uses_user_pool(declared):
        env[USER_POOL.pool_id_env_var] = world[USER_POOL.pool_id_env_var]
        env[USER_POOL.client_id_env_var] = world[USER_POOL.client_id_env_var]
    if verifies_tokens(declared):
        env[USER_POOL.keys_env_var] = world[USER_POOL.keys_env_var]
        env[JWKS_URL_ENV_VAR] = world[JWKS_URL_ENV_VAR]  # the emulator serves the fetch fallback
    return env


@dataclass(frozen=True)
class Interpreter:
    """The Python a child runs on, the folders put first on its sys.path (Lambda's order: the
    code, the layers, the runtime's packages), its extra flags, and what it stands for."""

    executable: str
    paths: tuple[str, ...]
    flags: tuple[str, ...] = ()
    label: str = "this machine's Python over the source tree"
    short_label: str = "this Python"
    #: Put on the path only for the PyJWT comparison (not shipped).
    extras: tuple[str, ...] = ()
    #: Where the bench-only reference handler lies.
    reference: tuple[str, ...] = (str(REFERENCE),)


#: This machine's Python over the source tree and the virtualenv.
LOCAL = Interpreter(sys.executable, (str(FUNCTIONS), str(SHARED)))


def run_child(
    body: str,
    pycache: Path | None,
    write_bytecode: bool = False,
    setup: str = "",
    interpreter: Interpreter = LOCAL,
    env: dict[str, str] | None = None,
    paths: Sequence[str] = (),
) -> float:
    """One fresh interpreter timing `body` after an untimed `setup`; `-I` ignores PYTHON*
    variables, so the cache is set with -X."""
    code = _CHILD.format(paths=[*interpreter.paths, *paths], setup=setup, body=body)
    flags = ["-I", *interpreter.flags]
    if pycache is not None:
        flags += ["-X", f"pycache_prefix={pycache}"] + ([] if write_bytecode else ["-B"])
    done = subprocess.run(
        [interpreter.executable, *flags, "-c", code],
        env=env or lambda_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed: {done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["ms"])


@dataclass(frozen=True)
class Whole:
    """One cold request: init, the request, and the AWS calls its log line reported."""

    init_ms: float
    request_ms: float
    aws: dict[str, dict[str, float]] = field(default_factory=dict)
    #: The child's own CPU time, init and request: no waiting on the emulator, and steadier
    #: than wall time when other processes share the machine.
    cpu_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.request_ms


@dataclass(frozen=True)
class Job:
    """What one kind of child runs: code, environment, and its event for each run."""

    name: str
    init: str
    request: str
    env: dict[str, str]
    events: list[str]
    memory_mb: int = 512
    paths: tuple[str, ...] = ()


def run_whole(job: Job, run: int, interpreter: Interpreter) -> Whole:
    code = _WHOLE.format(
        paths=[*interpreter.paths, *job.paths],
        function=job.env.get("AWS_LAMBDA_FUNCTION_NAME", job.name),
        memory=job.memory_mb,
        init=job.init,
        request=job.request,
    )
    done = subprocess.run(
        [interpreter.executable, "-I", *interpreter.flags, "-c", code],
        input=job.events[run % len(job.events)],
        env=job.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"cold request of {job.name} failed: {done.stderr[-2000:]}")
    figures = json.loads(lines[-1])
    if figures["status"] >= 400:
        raise RuntimeError(f"cold request of {job.name} answered {figures['status']}: {done.stdout[-2000:]}")
    return Whole(figures["init_ms"], figures["request_ms"], _logged_aws_calls(lines[:-1]), figures["cpu_ms"])


def _logged_aws_calls(log_lines: list[str]) -> dict[str, dict[str, float]]:
    """The `aws` tally of the function's "request handled" log line (conduit.aws_calls)."""
    for line in log_lines:
        if '"request handled"' in line:
            aws: dict[str, dict[str, float]] = json.loads(line).get("aws", {})
            return aws
    return {}


def _rounds(jobs: list[Job], runs: int, interpreter: Interpreter, label: str) -> dict[str, list[Whole]]:
    """Every job once per round, rounds rotating the order so no job always follows another."""
    samples: dict[str, list[Whole]] = {job.name: [] for job in jobs}
    with tqdm(total=runs * len(jobs), desc=f"cold requests ({label})", unit="run") as progress:
        for run in range(runs):
            shift = run % len(jobs)
            for job in jobs[shift:] + jobs[:shift]:
                samples[job.name].append(run_whole(job, run, interpreter))
                progress.update()
    return samples


def _median_whole(samples: list[Whole]) -> dict[str, Any]:
    calls: dict[str, list[float]] = {}
    for sample in samples:
        for service, tally in sample.aws.items():
            calls.setdefault(f"{service}_calls", []).append(tally["calls"])
            calls.setdefault(f"{service}_ms", []).append(tally["ms"])
    return {
        "init_ms": round(stats.median([s.init_ms for s in samples]), 2),
        "request_ms": round(stats.median([s.request_ms for s in samples]), 2),
        "total_ms": round(stats.median([s.total_ms for s in samples]), 2),
        "cpu_ms": round(stats.median([s.cpu_ms for s in samples]), 2),
        "aws": {name: round(stats.median(values), 2) for name, values in sorted(calls.items())},
    }


def _profile_get_item(scene: Scene, log: Any) -> dict[str, Any]:
    """The GetItem `GET /api/user` makes (table and key), as the emulator received it."""
    log.clear()
    scene.seeder.send(("GET", "/api/user", None, scene.token))
    [call] = [c for c in log.calls if c.operation == "GetItem"]
    params = json.loads(call.request)
    return {"TableName": params["TableName"], "Key": params["Key"]}


def whole_requests(
    functions: dict[str, str],
    runs: int,
    interpreter: Interpreter,
    world: dict[str, str],
    scene: Scene,
    log: Any,
) -> dict[str, Any]:
    """Median init, first request and whole of every function, the floor and the reference."""
    from boto3.dynamodb.types import TypeDeserializer

    get_item = _profile_get_item(scene, log)
    floor_env = {k: v for k, v in lambda_environment().items() if not k.endswith("_TABLE")}
    floor_env["AWS_ENDPOINT_URL"] = world["AWS_ENDPOINT_URL"]
    key = {name: TypeDeserializer().deserialize(value) for name, value in get_item["Key"].items()}
    reference_env = floor_env | {
        "AWS_LAMBDA_FUNCTION_NAME": "reference-idiomatic",
        "REFERENCE_TABLE": get_item["TableName"],
        "REFERENCE_KEY": json.dumps(key, default=str),
    }
    reference_event = scene.seeder.reference_event("/api/reference/jake")
    jobs = [
        Job("floor", FLOOR_INIT, FLOOR_REQUEST, floor_env, [json.dumps(get_item)]),
        Job(
            "reference",
            f"handler = {handler_body(REFERENCE_HANDLER)}",
            _HANDLER_REQUEST,
            reference_env,
            [reference_event],
            paths=interpreter.reference,
        ),
    ]
    declared: dict[str, Route | StreamWorker] = {**ROUTES_BY_NAME, **{w.name: w for w in WORKERS}}
    for name, handler in functions.items():
        representative = scene.functions[name]
        jobs.append(
            Job(
                name,
                f"handler = {handler_body(handler)}",
                _HANDLER_REQUEST,
                function_environment(declared[name], world),
                representative.events,
                memory_mb=declared[name].memory_mb,
            )
        )
    samples = _rounds(jobs, runs, interpreter, interpreter.short_label)
    floor = _median_whole(samples.pop("floor"))
    reference = _median_whole(samples.pop("reference"))
    figures = {}
    for name, values in samples.items():
        median = _median_whole(values)
        representative = scene.functions[name]
        ratio = median["total_ms"] / floor["total_ms"]
        figures[name] = median | {
            "ratio": round(ratio, 3),
            "cpu_ratio": round(median["cpu_ms"] / floor["cpu_ms"], 3),
            "request_class": representative.request_class,
            "signed_in": representative.signed_in,
            "parses_body": representative.request_class == RequestClass.BODY,
            "target": representative.target,
            "met": None if representative.target is None else ratio <= representative.target,
        }
    reference["ratio"] = round(reference["total_ms"] / floor["total_ms"], 3)
    reference["cpu_ratio"] = round(reference["cpu_ms"] / floor["cpu_ms"], 3)
    return {"runs": runs, "floor": floor, "reference": reference, "functions": figures}


def pieces(runs: int, interpreter: Interpreter, world: dict[str, str], scene: Scene) -> dict[str, float]:
    """Median ms of each piece of first-request work, alone, after importing PIECES_HANDLER."""
    from moto.utilities.utils import load_resource

    from conduit import settings

    env = function_environment(ROUTES_BY_NAME["CreateArticle"], world)
    jwk = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
    setup = (
        f"{handler_body(PIECES_HANDLER)}\nTOKEN = {scene.token!r}\nJWK = {json.dumps(jwk)!r}\n"
        f"ISSUER = {settings.user_pool().issuer!r}"
    )
    samples: dict[str, list[float]] = {name: [] for name in PIECES}
    available = {n: b for n, b in PIECES.items() if n != "pyjwt_token_check" or interpreter.extras}
    with tqdm(total=runs * len(available), desc="first-request pieces", unit="run") as progress:
        for _ in range(runs):
            for name, body in available.items():
                extras = interpreter.extras if name == "pyjwt_token_check" else ()
                before = f"{setup}\n{PIECES['dynamodb_client']}" if name == "cognito_client" else setup
                samples[name].append(run_child(body, None, False, before, interpreter, env, extras))
                progress.update()
    return {name: round(stats.median(values), 2) for name, values in samples.items() if values}


def runtime_only_cache(handlers: Sequence[str]) -> Path:
    """A bytecode cache with the standard library and runtime-provided packages compiled, and
    nothing of ours or of the dependency layer (assets that shipped without bytecode)."""
    cache = Path(tempfile.mkdtemp(prefix="bench-pycache-"))
    run_child(FLOOR_INIT, cache, write_bytecode=True)
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


def without_bytecode(functions: dict[str, str], runs: int) -> dict[str, Any]:
    """Init (import only) with and without our bytecode on this machine's Python: what shipping
    sources alone would cost. Two children at a time: nothing else runs meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    for handler in functions.values():  # the warm cache: every module compiled once
        run_child(handler_body(handler), None)
    conditions: dict[str, Any] = {}
    cache = runtime_only_cache(list(functions.values()))
    try:
        for label, pycache in (("with bytecode", None), ("without bytecode", cache)):
            jobs = [("floor", FLOOR_INIT)] + [(name, handler_body(h)) for name, h in functions.items()]
            samples: dict[str, list[float]] = {name: [] for name, _ in jobs}
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = [
                    (name, pool.submit(run_child, body, pycache)) for _ in range(runs) for name, body in jobs
                ]
                for name, future in tqdm(futures, desc=f"init ({label})", unit="run"):
                    samples[name].append(future.result())
            floor = stats.median(samples.pop("floor"))
            conditions[label] = {
                "floor_ms": round(floor, 2),
                "functions": {
                    name: {"median_ms": round(stats.median(v), 2), "ratio": round(stats.median(v) / floor, 3)}
                    for name, v in samples.items()
                },
            }
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"runs": runs, "python": platform.python_version()} | conditions


@contextmanager
def lambda_layout(python: Path) -> Iterator[Interpreter]:
    """The three assets as they ship (compiled by `python`, a CPython 3.13) and the runtime's
    boto3, laid out as Lambda mounts them: /var/task, /opt/python, the runtime's packages. The
    child gets `-B`: nothing can be written there in Lambda."""
    with tempfile.TemporaryDirectory(prefix="bench-lambda-") as tmp:
        task, opt, reference = Path(tmp) / "task", Path(tmp) / "opt" / "python", Path(tmp) / "reference"
        bytecode.compile_copy(FUNCTIONS, task, python)
        bytecode.compile_copy(SHARED, opt, python)
        bytecode.compile_copy(REFERENCE, reference, python)
        dependencies, label = dependency_layer(python)
        shutil.copytree(dependencies, opt, dirs_exist_ok=True)  # compiled by its build
        yield Interpreter(
            str(python),
            (str(task), str(opt), str(_runtime_packages(python))),
            ("-B",),
            label=f"CPython {_version(python)} over the assets as shipped ({label})",
            short_label=f"python {_version(python)}, as shipped",
            extras=(str(_pyjwt_packages(python)),),
            reference=(str(reference), str(_reference_packages(python))),
        )


def _this_machines_platform() -> str:
    return f"manylinux2014_{platform.machine()}"


def _wheels_for_this_cpu() -> list[str]:
    """The dependency layer's pip arguments (CPython 3.13 wheels), for this machine's CPU."""
    args = list(layers.PIP_PLATFORM_ARGS)
    args[args.index("--platform") + 1] = _this_machines_platform()
    return args


def dependency_layer(python: Path) -> tuple[Path, str]:
    """The dependency layer the children load: the shipped build where this CPU can run it (an
    arm64 machine), else the same pins built the same way for this CPU, once, into bench/.data/."""
    if _wheels_for_this_cpu() == list(layers.PIP_PLATFORM_ARGS):
        if not layers.is_current():
            layers.build()
        return layers.TARGET_DIR, "the dependency layer as built for Lambda"
    built = DATA_DIR / f"layer-{layers.digest()[:12]}-{platform.machine()}"
    if not built.is_dir():
        building = built.with_name(built.name + ".partial")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            filtered = Path(tmp) / "requirements.txt"
            filtered.write_text(layers.runtime_filtered(layers.REQUIREMENTS.read_text(encoding="utf-8")))
            _pip_install(["-r", str(filtered)], building)
        layers.remove_runtime_provided(building)
        bytecode.compile_tree(building, python)
        building.rename(built)
    return built, (
        f"the dependency layer's pins built for {platform.machine()}, since this CPU cannot load "
        "the native wheels of the arm64 build that ships"
    )


def _pip_install(requirements: list[str], target: Path) -> None:
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    subprocess.run(
        [*pip, *_wheels_for_this_cpu(), "--target", str(target), *requirements], check=True, timeout=600
    )


def _pin(name: str) -> str:
    lines = [*REQUIREMENTS_DEV.read_text().splitlines(), *REQUIREMENTS_BENCH.read_text().splitlines()]
    return next(line for line in lines if line.startswith(f"{name}=="))


def _bench_packages(python: Path, requirement: str, tag: str) -> Path:
    """`requirement` for CPython 3.13 on this machine, precompiled, installed once into bench/.data/."""
    folder = DATA_DIR / f"{tag}-{bytecode.LAMBDA.cache_tag}-{platform.machine()}"
    if folder.is_dir():
        return folder
    building = folder.with_name(folder.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    _pip_install([requirement], building)
    bytecode.compile_tree(building, python)
    building.rename(folder)
    return folder


def _runtime_packages(python: Path) -> Path:
    """The runtime's boto3 (the pinned version), precompiled as the runtime ships it."""
    pin = _pin("boto3")
    return _bench_packages(python, pin, f"runtime-{pin.replace('==', '-')}")


def _reference_packages(python: Path) -> Path:
    """pydantic at the bench's pin, for the reference handler only (the layer has none)."""
    pin = _pin("pydantic")
    return _bench_packages(python, pin, pin.replace("==", "-"))


def _pyjwt_packages(python: Path) -> Path:
    """PyJWT and cryptography at the dev pins: the token check we no longer ship, for comparison."""
    pin = _pin("pyjwt[crypto]")
    return _bench_packages(python, pin, pin.replace("[crypto]==", "-crypto-"))


def _version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@contextmanager
def interpreter_of_record() -> Iterator[tuple[Interpreter, str | None]]:
    """CPython 3.13 over the shipped layout when this machine has one, else this Python (and why)."""
    try:
        python = bytecode.find_interpreter()
    except InfraError as error:
        yield LOCAL, str(error).split(". ")[0]
        return
    with lambda_layout(python) as interpreter:
        yield interpreter, None


def import_profile(
    handler: str, interpreter: Interpreter, env: dict[str, str], top: int = 15
) -> dict[str, Any]:
    """`python -X importtime` of one handler over `interpreter`'s layout: the top-level packages
    by summed self time, and the slowest modules of the libraries whose imports we could trim."""
    code = _CHILD.format(paths=list(interpreter.paths), setup="", body=handler_body(handler))
    done = subprocess.run(
        [interpreter.executable, "-I", *interpreter.flags, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {
        "handler": handler,
        "top_packages": top_imports(done.stderr, top),
        "top_modules": top_modules(done.stderr, ("aws_lambda_powertools", "pynamodb", "conduit"), top),
    }


def _import_lines(importtime_output: str) -> Iterator[tuple[str, int]]:
    for line in importtime_output.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) < 3 or not parts[0].strip().isdigit():
            continue  # the header line
        yield parts[2].strip(), int(parts[0])


def top_imports(importtime_output: str, top: int) -> list[dict[str, Any]]:
    """Packages (first name component) by the summed self time of their modules, from
    `-X importtime` lines: where an import chain actually spends its time."""
    totals: dict[str, int] = {}
    for module, self_us in _import_lines(importtime_output):
        package = module.split(".")[0]
        totals[package] = totals.get(package, 0) + self_us
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [{"package": name, "self_ms": round(us / 1000, 1)} for name, us in ranked]


def top_modules(importtime_output: str, packages: Sequence[str], top: int) -> dict[str, list[dict[str, Any]]]:
    """Per package, its modules by self time: which of them an import pays for."""
    found: dict[str, list[tuple[str, int]]] = {package: [] for package in packages}
    for module, self_us in _import_lines(importtime_output):
        package = module.split(".")[0]
        if package in found:
            found[package].append((module, self_us))
    return {
        package: [
            {"module": m, "self_ms": round(us / 1000, 2)}
            for m, us in sorted(modules, key=lambda kv: kv[1], reverse=True)[:top]
        ]
        for package, modules in found.items()
    }


def measure(
    functions: dict[str, str], runs: int, bare_runs: int, piece_runs: int | None = None
) -> dict[str, Any]:
    """Section 1: the whole cold request of every function (of record), its pieces, init without
    our bytecode, and the import profile."""
    from bench.world import start_world
    from conduit import storage

    saved = dict(os.environ)
    world = start_world(STAGE)
    try:
        with _quiet_logger():  # the seeding requests' log lines say nothing here
            scene = representatives(runs, article_stream_event, world.emulator.outbox)
        environment = {k: os.environ[k] for k in _world_keys()}
        with interpreter_of_record() as (interpreter, why_not_313):
            whole = whole_requests(functions, runs, interpreter, environment, scene, world.emulator.log)
            first = pieces(piece_runs or runs, interpreter, environment, scene)
            profile_env = function_environment(ROUTES_BY_NAME["CreateArticle"], environment)
            profile = import_profile(PIECES_HANDLER, interpreter, profile_env)
            label = interpreter.label
    finally:
        world.emulator.stop()
        # Nothing of this emulator may outlive it: the next sections start their own.
        os.environ.clear()
        os.environ.update(saved)
        storage._shared = None
    return {
        "whole_request": whole | {"interpreter": label, "why_not_python_313": why_not_313},
        "pieces": {"after": PIECES_HANDLER, "runs": piece_runs or runs, "ms": first},
        "without_bytecode": without_bytecode(functions, bare_runs),
        "import_profile": profile,
        "cpu": cpu(),
    }


@contextmanager
def _quiet_logger() -> Iterator[None]:
    from conduit.observability import logger

    level = logger.log_level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


def _world_keys() -> list[str]:
    keys = ["AWS_ENDPOINT_URL", JWKS_URL_ENV_VAR, USER_POOL.keys_env_var]
    keys += [USER_POOL.pool_id_env_var, USER_POOL.client_id_env_var]
    return keys + [table.env_var for table in TABLES]


def cpu() -> dict[str, str]:
    """The CPU the figures come from (Lambda runs arm64 Graviton; these may not)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"architecture": platform.machine(), "model": model, "lambda_architecture": "arm64"}
