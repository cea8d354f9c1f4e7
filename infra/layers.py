"""The third-party dependency layer: built for Lambda's platform with pip, no Docker, and
compiled to Lambda's bytecode (infra.bytecode) so a cold start does not compile it.

Standard library only, so `scripts/build_layers.py` can use it before any dependency is
installed, and the CDK app can refuse to package a layer that no longer matches its
requirements file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra import bytecode
from infra.paths import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "layers" / "dependencies" / "requirements.txt"
#: The layer asset: Lambda puts `python/` of a layer on sys.path.
BUILD_DIR = REPO_ROOT / "build" / "layers" / "dependencies"
TARGET_DIR = BUILD_DIR / "python"
#: Outside the asset, so it is never shipped; holds the digest of what was built.
STAMP = REPO_ROOT / "build" / "layers" / "dependencies.stamp"

#: Lambda python3.13 on arm64 (Graviton); wheels only, since nothing can be compiled for it here.
PIP_PLATFORM_ARGS = (
    "--platform",
    "manylinux2014_aarch64",
    "--only-binary=:all:",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
)
#: The Lambda runtime ships these; botocore alone is ~100 MB of the 250 MB layer limit.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
#: Bumped when the build recipe changes in a way the digest inputs would not show.
_RECIPE_VERSION = 2

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, so `Boto3` and `boto3` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def digest(requirements: Path = REQUIREMENTS) -> str:
    """What the built layer depends on: the requirements and the way they are installed."""
    recipe = {
        "recipe": _RECIPE_VERSION,
        "requirements": requirements.read_text(encoding="utf-8"),
        "pip": PIP_PLATFORM_ARGS,
        "skip": sorted(RUNTIME_PROVIDED),
        "bytecode": bytecode.RECIPE,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def is_current(requirements: Path = REQUIREMENTS, stamp: Path = STAMP, target: Path = TARGET_DIR) -> bool:
    """True when the built layer was made from exactly these requirements."""
    if not target.is_dir() or not stamp.is_file():
        return False
    return stamp.read_text(encoding="utf-8").strip() == digest(requirements)


def runtime_filtered(requirements_text: str) -> str:
    """The requirements minus the packages the runtime already has (kept as blank lines)."""
    kept = []
    for line in requirements_text.splitlines():
        match = _NAME.match(line)
        if match and canonical_name(match.group(1)) in RUNTIME_PROVIDED:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def remove_runtime_provided(target: Path) -> list[str]:
    """Delete distributions pulled in transitively (pynamodb needs botocore) that the runtime ships."""
    removed = []
    for dist_info in sorted(target.glob("*.dist-info")):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if canonical_name(name) not in RUNTIME_PROVIDED:
            continue
        record = dist_info / "RECORD"
        for row in record.read_text(encoding="utf-8").splitlines() if record.is_file() else ():
            path = (target / row.split(",", 1)[0]).resolve()
            if path.is_relative_to(target.resolve()) and path.is_file():
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    # RECORD lists files, not folders: drop the package folders it left empty.
    for folder in sorted(target.iterdir()):
        if folder.is_dir() and not any(p.is_file() for p in folder.rglob("*")):
            shutil.rmtree(folder)
    return removed


def build(*, force: bool = False, requirements: Path = REQUIREMENTS) -> bool:
    """Install the requirements into TARGET_DIR for Lambda; False when the stamp says it is current."""
    if not force and is_current(requirements):
        return False
    # Before the download: without Python 3.13 there is no layer to build.
    interpreter = bytecode.find_interpreter()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    STAMP.unlink(missing_ok=True)
    TARGET_DIR.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        filtered = Path(tmp) / "requirements.txt"
        filtered.write_text(runtime_filtered(requirements.read_text(encoding="utf-8")), encoding="utf-8")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                # Byte code from this interpreter would be for the wrong Python version:
                # compile_tree writes Lambda's below.
                "--no-compile",
                *PIP_PLATFORM_ARGS,
                "--target",
                str(TARGET_DIR),
                "-r",
                str(filtered),
            ],
            check=True,
        )
    remove_runtime_provided(TARGET_DIR)
    # Console scripts are of no use in a layer and name this machine's interpreter.
    shutil.rmtree(TARGET_DIR / "bin", ignore_errors=True)
    bytecode.compile_tree(TARGET_DIR, interpreter)
    STAMP.write_text(digest(requirements) + "\n", encoding="utf-8")
    return True
