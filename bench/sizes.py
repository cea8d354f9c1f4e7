"""Deployment size of each function: its code asset plus the layers it runs with, zipped as
the CDK app packages them (without `__pycache__`, see infra/paths.py)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "functions"
SHARED_LAYER = ROOT / "layers" / "shared"
DEPENDENCY_LAYER = ROOT / "build" / "layers" / "dependencies"


def _excluded(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


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


def measure(function_names: list[str]) -> dict[str, Any]:
    note = ensure_dependency_layer()
    parts: dict[str, Any] = {}
    for name, folder in (
        ("code", CODE),
        ("shared_layer", SHARED_LAYER),
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
        "parts": parts,
        "per_function": {
            name: {"zipped_bytes": total_zipped, "unzipped_bytes": total_unzipped} for name in function_names
        },
    }
