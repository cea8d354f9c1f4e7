"""Build the dependency layer for Lambda (python3.13, arm64) without Docker.

    .venv/bin/python scripts/build_layers.py [--force]

Installs `layers/dependencies/requirements.txt` (minus what the runtime ships) as
manylinux2014_aarch64 wheels into `build/layers/dependencies/python` and compiles them with a
local CPython 3.13 (infra.bytecode), which the CDK app packages as a layer. Without one it
refuses, unless CONDUIT_BYTECODE=optional (`make synth`): then the layer has sources only, and
is rebuilt with bytecode once a 3.13 is found. Does nothing when the stamp says the build
matches the requirements, so `make synth` stays offline and fast after the first run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra import layers
from infra.errors import InfraError
from infra.paths import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="rebuild even if the stamp is current")
    args = parser.parse_args(argv)
    where = layers.TARGET_DIR.relative_to(REPO_ROOT)
    try:
        built = layers.build(force=args.force)
    except InfraError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    how = "with Python 3.13 bytecode" if layers.is_current() else "with sources only"
    print(f"dependency layer {'built' if built else 'up to date'} in {where} ({how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
