"""CPython 3.13 bytecode for everything we ship, so a cold start does not compile our modules.

/var/task and /opt are read-only in Lambda: without shipped bytecode, every cold start compiles
every imported module from source again. Bytecode depends on the Python version (its magic
number), not on the platform, so any CPython 3.13 compiles valid bytecode for arm64 Lambda.

Standard library only: `scripts/build_layers.py` uses it before any dependency is installed.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.errors import InfraError

#: Names an explicit interpreter; tried before every other place a CPython 3.13 may be.
INTERPRETER_ENV = "CONDUIT_PYTHON313"
#: What a bundling synth does without a CPython 3.13: `required` (the default, so a plain
#: `cdk deploy` never ships sources only) refuses; `optional` ships sources only after a warning.
#: The Makefile sets it per target: `make synth` and `make destroy` optional, `make deploy` required.
MODE_ENV = "CONDUIT_BYTECODE"
REQUIRED, OPTIONAL = "required", "optional"
#: PEP 552: CDK zips assets with 1980 timestamps, so timestamp pycs would look stale and be
#: ignored; unchecked-hash pycs are used without looking at the source at all.
INVALIDATION_MODE = "unchecked-hash"

#: Bytecode in a source tree, written by whatever Python ran the code locally.
LOCAL_BYTECODE = ("__pycache__", "*.pyc")

_PROBE = (
    "import importlib.util, json, sys; print(json.dumps([sys.implementation.name, "
    "list(sys.version_info[:2]), sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex()]))"
)
#: A pyenv version folder of a release (`3.13.1`), as opposed to `3.13-dev` or `3.13.1t`.
_RELEASE = re.compile(r"\d+\.\d+\.(\d+)")


@dataclass(frozen=True)
class Target:
    """The interpreter the bytecode is for: the pyc's magic number and file name must match it."""

    version: tuple[int, int]
    magic: bytes

    @property
    def cache_tag(self) -> str:
        return f"cpython-{self.version[0]}{self.version[1]}"

    @property
    def dotted(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


#: Lambda's python3.13 (magic number 3571, fixed for every 3.13.x release).
LAMBDA = Target((3, 13), (3571).to_bytes(2, "little") + b"\r\n")
#: Part of every recipe that ships bytecode: a change here must change the assets' hashes.
RECIPE = f"{LAMBDA.cache_tag}-{INVALIDATION_MODE}"
#: The recipe of assets shipped without bytecode: their hashes differ from compiled ones.
SOURCES_ONLY = "sources-only"


class NoInterpreter(InfraError):
    """No CPython of the target was found anywhere (unlike a named one that does not work)."""


def how_to_get(target: Target = LAMBDA) -> str:
    """The advice both the synth warning and the deploy refusal give."""
    version = target.dotted
    return (
        f"Get a CPython {version}: `uv python install {version}`, `pyenv install {version}`, "
        f"`apt install python{version}` or `brew install python@{version}`, "
        f"or set {INTERPRETER_ENV}=<path to python{version}>."
    )


def find_interpreter(target: Target = LAMBDA) -> Path:
    """A CPython that writes `target`'s bytecode: CONDUIT_PYTHON313, else the first that works
    of `python3.13` on PATH, pyenv's installed 3.13, and uv's 3.13."""
    explicit = os.environ.get(INTERPRETER_ENV)
    if explicit:
        # An explicit choice that does not work is a mistake to report, not to work around.
        problem = _mismatch(Path(explicit), target)
        if problem:
            raise InfraError(f"{INTERPRETER_ENV}={explicit}: {problem}")
        return Path(explicit)
    rejected = []
    for candidate in _candidates(target):
        problem = _mismatch(candidate, target)
        if problem is None:
            return candidate
        rejected.append(f"{candidate}: {problem}")
    raise NoInterpreter(
        f"no CPython {target.dotted} found to compile the bytecode Lambda loads on a cold start. "
        + how_to_get(target)
        + "".join(f"\n  rejected {r}" for r in rejected)
    )


def sources_only_allowed() -> bool:
    """True when this run may ship sources only (`CONDUIT_BYTECODE=optional`, set by `make synth`)."""
    mode = os.environ.get(MODE_ENV, REQUIRED).strip().lower() or REQUIRED
    if mode not in (REQUIRED, OPTIONAL):
        raise InfraError(f"{MODE_ENV}={mode}: use {REQUIRED} or {OPTIONAL}")
    return mode == OPTIONAL


def interpreter_for_assets(target: Target = LAMBDA) -> Path | None:
    """The interpreter the assets are compiled with, or None (after a loud warning on stderr)
    when there is none and this run may ship sources only; else the refusal, with advice."""
    try:
        return find_interpreter(target)
    except NoInterpreter as missing:
        if not sources_only_allowed():
            raise NoInterpreter(
                f"{missing}\nDeploying needs it: without bytecode every cold start compiles every "
                f"module from source. (`make synth` works without one, shipping sources only.)"
            ) from None
        print(_warning(missing, target), file=sys.stderr, flush=True)
        return None


def recipe(interpreter: Path | None) -> str:
    """What goes into an asset's hash: the bytecode recipe, or that it ships sources only."""
    return RECIPE if interpreter is not None else SOURCES_ONLY


def _warning(missing: NoInterpreter, target: Target) -> str:
    rule = "!" * 100
    rejected = str(missing).partition("\n")[2]
    return "\n".join(
        [
            rule,
            f"WARNING: no CPython {target.dotted} found: synthesizing with SOURCES ONLY "
            "(no bytecode in the assets).",
            "Deployed like this, every cold start would compile every module from source: cold starts",
            "would be markedly slower (about +60% init, docs/operations.md). `make deploy` refuses to.",
            how_to_get(target),
            *([rejected] if rejected else []),
            rule,
        ]
    )


def compile_tree(root: Path, interpreter: Path) -> None:
    """Compile every module under `root` for `interpreter`, then drop any other bytecode."""
    try:
        tag = _probe(interpreter)[2]
    except InfraError as error:
        raise InfraError(f"{interpreter}: {error}") from None
    result = subprocess.run(
        [
            str(interpreter),
            "-I",
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            INVALIDATION_MODE,
            # Paths relative to `root` inside the pycs: the same bytes on every machine, so an
            # asset's hash does not depend on the checkout (imports fix co_filename anyway).
            "-d",
            "",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"compiling {root} with {interpreter} failed:\n{result.stdout}{result.stderr}")
    for pyc in root.rglob("*.pyc"):
        # Stale bytecode of other interpreters (or `-O` runs) is dead weight in the zip.
        if pyc.parent.name != "__pycache__" or not pyc.name.endswith(f".{tag}.pyc"):
            pyc.unlink()


def compile_copy(source: Path, output_dir: Path, interpreter: Path | None) -> None:
    """Copy `source` without its local bytecode into `output_dir` and compile the copy (unless
    there is no interpreter: then the copy ships sources only)."""
    shutil.copytree(source, output_dir, ignore=shutil.ignore_patterns(*LOCAL_BYTECODE), dirs_exist_ok=True)
    if interpreter is not None:
        compile_tree(output_dir, interpreter)


def _candidates(target: Target) -> Iterator[Path]:
    """Where people keep a CPython `target`, in the order tried, each place once: every
    `python3.13` on PATH, pyenv's installed 3.13 releases (newest first: pyenv's shim runs only
    a version that is selected, and exits 127 otherwise), then the 3.13 uv finds."""
    name = f"python{target.dotted}"
    on_path = [Path(found) for folder in _path() if (found := shutil.which(name, path=folder))]
    seen: set[Path] = set()
    for candidate in itertools.chain(on_path, _pyenv_versions(name, target, on_path), _uv_find(target)):
        if candidate.resolve() not in seen:
            seen.add(candidate.resolve())
            yield candidate


def _path() -> list[str]:
    return [folder for folder in os.environ.get("PATH", "").split(os.pathsep) if folder]


def _pyenv_versions(name: str, target: Target, on_path: list[Path]) -> Iterator[Path]:
    """`<pyenv root>/versions/3.13.*/bin/python3.13`, with the root from PYENV_ROOT, from a shim
    found on PATH (`<root>/shims/python3.13`) or pyenv's default ~/.pyenv; no pyenv run needed."""
    roots = [os.environ.get("PYENV_ROOT"), *(p.parent.parent for p in on_path if p.parent.name == "shims")]
    roots.append(str(Path.home() / ".pyenv"))
    for root in dict.fromkeys(Path(r).expanduser() for r in roots if r):
        found = [p for p in (root / "versions").glob(f"{target.dotted}*/bin/{name}") if p.is_file()]
        yield from sorted(found, key=_newest_release_first)


def _newest_release_first(python: Path) -> tuple[bool, int, str]:
    release = _RELEASE.fullmatch(python.parent.parent.name)
    return release is None, -int(release.group(1)) if release else 0, python.parent.parent.name


def _uv_find(target: Target) -> Iterator[Path]:
    """The 3.13 uv manages or knows (uv finds it whether or not it is on PATH)."""
    uv = shutil.which("uv")
    if not uv:
        return
    try:
        result = subprocess.run(
            [uv, "python", "find", target.dotted], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return
    if result.returncode == 0 and result.stdout.strip():
        yield Path(result.stdout.strip())


def _probe(interpreter: Path) -> list[object]:
    """[implementation, [major, minor], cache tag, magic number in hex] of `interpreter`."""
    try:
        result = subprocess.run(
            [str(interpreter), "-I", "-c", _PROBE], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise InfraError(f"does not run: {error}") from error
    if result.returncode == 0:
        try:
            probed: list[object] = json.loads(result.stdout)
            return probed
        except ValueError:
            pass
    problem = (result.stderr or result.stdout).strip()[:300]
    raise InfraError(f"exited with {result.returncode}: {problem}")


def _mismatch(interpreter: Path, target: Target) -> str | None:
    """Why `interpreter` cannot write `target`'s bytecode, or None when it can."""
    try:
        name, version, tag, magic = _probe(interpreter)
    except InfraError as error:
        return str(error)
    wanted = ["cpython", list(target.version), target.cache_tag, target.magic.hex()]
    if [name, version, tag, magic] == wanted:
        return None
    return f"it is {name} {version} ({tag}, magic {magic}), not CPython {target.dotted} (magic {wanted[3]})"
