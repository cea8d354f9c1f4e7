"""CPython 3.13 bytecode for everything we ship, so a cold start does not compile our modules.

/var/task and /opt are read-only in Lambda: without shipped bytecode, every cold start compiles
every imported module from source again. Bytecode depends on the Python version (its magic
number), not on the platform, so any CPython 3.13 compiles valid bytecode for arm64 Lambda.

Standard library only: `scripts/build_layers.py` uses it before any dependency is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.errors import InfraError

#: Names an explicit interpreter; tried before `python3.13` on PATH and `uv python find 3.13`.
INTERPRETER_ENV = "CONDUIT_PYTHON313"
#: PEP 552: CDK zips assets with 1980 timestamps, so timestamp pycs would look stale and be
#: ignored; unchecked-hash pycs are used without looking at the source at all.
INVALIDATION_MODE = "unchecked-hash"

#: Bytecode in a source tree, written by whatever Python ran the code locally.
LOCAL_BYTECODE = ("__pycache__", "*.pyc")

_PROBE = (
    "import importlib.util, json, sys; print(json.dumps([sys.implementation.name, "
    "list(sys.version_info[:2]), sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex()]))"
)


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


def find_interpreter(target: Target = LAMBDA) -> Path:
    """A CPython that writes `target`'s bytecode: CONDUIT_PYTHON313, `python3.13`, or uv's 3.13."""
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
    version = target.dotted
    raise InfraError(
        f"no CPython {version} found to compile the bytecode Lambda loads on a cold start: install "
        f"one (`uv python install {version}`, `apt install python{version}` or `brew install "
        f"python@{version}`) or set {INTERPRETER_ENV}=<path to python{version}>"
        + "".join(f"\n  rejected {r}" for r in rejected)
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


def compile_copy(source: Path, output_dir: Path, interpreter: Path) -> None:
    """Copy `source` without its local bytecode into `output_dir` and compile the copy."""
    shutil.copytree(source, output_dir, ignore=shutil.ignore_patterns(*LOCAL_BYTECODE), dirs_exist_ok=True)
    compile_tree(output_dir, interpreter)


def _candidates(target: Target) -> list[Path]:
    """`python3.13` on PATH, then the 3.13 uv manages (uv finds it whether or not it is on PATH)."""
    found = [Path(p) for p in [shutil.which(f"python{target.dotted}")] if p]
    uv = shutil.which("uv")
    if uv:
        try:
            result = subprocess.run(
                [uv, "python", "find", target.dotted], capture_output=True, text=True, check=False, timeout=60
            )
        except (OSError, subprocess.SubprocessError):
            return found
        if result.returncode == 0 and result.stdout.strip():
            found.append(Path(result.stdout.strip()))
    return found


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
