"""Deployment size of each function: its code asset plus the layers it runs with, zipped as
the CDK app packages them: sources plus the Python 3.13 bytecode infra/bytecode.py compiles
(the code and shared layer are compiled into a temporary copy, as CDK's local bundling does)."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from infra import bytecode
from infra.errors import InfraError

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "functions"
SHARED_LAYER = ROOT / "layers" / "shared"
DEPENDENCY_LAYER = ROOT / "build" / "layers" / "dependencies"


def _excluded(path: Path) -> bool:
    """What the assets leave out: bytecode other than Lambda's, in `__pycache__` (infra/paths.py)."""
    if path.suffix != ".pyc":
        return False
    return path.parent.name != "__pycache__" or not path.name.endswith(f".{bytecode.LAMBDA.cache_tag}.pyc")


def zipped_size(folder: Path) -> tuple[int, int]:
    """(zipped bytes, unzipped bytes) of a folder, as a deployment zip (deflate)."""
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not _excluded(path.relative_to(folder)):
                archive.write(path, path.relative_to(folder).as_posix())
                unzipped += path.stat().st_size
    return len(buffer.getvalue()), unzipped


def ensure_dependency_layer() -> str:
    """Build the dependency layer if missing; returns a note on how it went."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_layers.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        return "not built: " + (done.stderr.strip().splitlines() or ["unknown error"])[-1]
    return done.stdout.strip()


def _compiled(folder: Path, into: Path) -> tuple[Path, str]:
    """`folder` as its asset ships it, or the bare source (and why) without a Python 3.13."""
    try:
        interpreter = bytecode.find_interpreter()
    except InfraError as error:
        return folder, f"without bytecode ({str(error).split('.')[0]})"
    bytecode.compile_copy(folder, into, interpreter)
    return into, "with Python 3.13 bytecode"


def measure(function_names: list[str]) -> dict[str, Any]:
    note = ensure_dependency_layer()
    parts: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-assets-") as tmp:
        code, code_note = _compiled(CODE, Path(tmp) / "code")
        shared, _ = _compiled(SHARED_LAYER, Path(tmp) / "shared")
        for name, folder in (
            ("code", code),
            ("shared_layer", shared),
            ("dependency_layer", DEPENDENCY_LAYER),
        ):
            if folder.exists() and any(folder.iterdir()):
                zipped, unzipped = zipped_size(folder)
                parts[name] = {"zipped_bytes": zipped, "unzipped_bytes": unzipped}
            else:
                parts[name] = None
    total_zipped = sum(p["zipped_bytes"] for p in parts.values() if p)
    total_unzipped = sum(p["unzipped_bytes"] for p in parts.values() if p)
    # One code asset (the whole functions/ tree) and the same two layers serve every function.
    return {
        "dependency_layer_note": note,
        "code_note": code_note,
        "parts": parts,
        "per_function": {
            name: {"zipped_bytes": total_zipped, "unzipped_bytes": total_unzipped} for name in function_names
        },
    }
