"""Where the app finds what it packages, computed from this file so any working directory works."""

from __future__ import annotations

from pathlib import Path

from infra.bytecode import LAMBDA, LOCAL_BYTECODE

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Handler code root: `Route.handler` names modules relative to this folder.
FUNCTIONS_DIR = REPO_ROOT / "functions"
#: Shared-code layer asset: holds `python/conduit/...`, as Lambda expects for Python layers.
SHARED_LAYER_DIR = REPO_ROOT / "layers" / "shared"
#: Bytecode in a source tree was written by whatever Python ran the code locally: never part of
#: an asset's fingerprint or contents (infra.bundling compiles the shipped bytecode afresh).
SOURCE_EXCLUDES = tuple(f"**/{pattern}" for pattern in LOCAL_BYTECODE)
#: A built tree (the dependency layer) ships only the bytecode infra.bytecode compiled for
#: Lambda's python3.13, in `__pycache__`; any other tag or location is left out.
CODE_EXCLUDES = ("**/*.pyc", f"!**/__pycache__/*.{LAMBDA.cache_tag}.pyc")
