"""CDK app entry: `cdk synth -c stage=<name>` (see cdk.json), or `python infra/app.py`.

Synthesizes offline: no AWS credentials (the stack is environment-agnostic), no Docker (the
dependency layer is built by scripts/build_layers.py, or replaced by a placeholder folder, and
a local CPython 3.13 compiles the bytecode every asset ships, see infra/bytecode.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

_INFRA_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _INFRA_DIR.parent


def _fix_sys_path() -> None:
    """Run as a script, Python puts infra/ first on sys.path, where stack.py or config.py could
    shadow a library module; the repo root is what makes `import infra` work."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _INFRA_DIR]
    if str(_REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(_REPO_ROOT))


_fix_sys_path()

from aws_cdk import App  # noqa: E402

from infra.checks import add_policy_checks  # noqa: E402
from infra.config import StageConfig  # noqa: E402
from infra.errors import InfraError  # noqa: E402
from infra.stack import ConduitStack  # noqa: E402


def build(app: App) -> ConduitStack:
    """Add the stage's stack to `app`, configured from its context (tests call this too)."""
    return ConduitStack(app, StageConfig.from_context(app.node.try_get_context))


def main() -> None:
    app = App()
    add_policy_checks(app)
    try:
        build(app)
    except InfraError as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
