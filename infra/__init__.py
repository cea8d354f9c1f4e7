"""The CDK app that deploys Conduit: every resource is derived from `conduit.resources` and `conduit.routes`.

Importing any `infra` module makes the shared layer importable, so the app reads the very
declarations the functions are shipped with instead of a copy of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SHARED_CODE = str(Path(__file__).resolve().parent.parent / "layers" / "shared" / "python")
if _SHARED_CODE not in sys.path:
    sys.path.insert(0, _SHARED_CODE)
