"""Where the app finds what it packages, computed from this file so any working directory works."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Handler code root: `Route.handler` names modules relative to this folder.
FUNCTIONS_DIR = REPO_ROOT / "functions"
#: Shared-code layer asset: holds `python/conduit/...`, as Lambda expects for Python layers.
SHARED_LAYER_DIR = REPO_ROOT / "layers" / "shared"
#: Python bytecode built on a developer's machine is for the wrong interpreter: never ship it.
CODE_EXCLUDES = ("**/__pycache__", "**/*.pyc")
