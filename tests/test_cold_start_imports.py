"""Cold start is a budget (issue #5, bench/coldstart.py measures it): no function's init may load
the heavy packages its first request might need. A timing would be flaky here; what a fresh
interpreter has in `sys.modules` after importing each handler is not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conduit.routes import ROUTES, WORKERS

ROOT = Path(__file__).resolve().parent.parent

#: Loaded on demand only: python-slugify and its transliteration table by the first slug,
#: Powertools' Idempotency utility (and the boto3 it imports) by the first POST with an
#: Idempotency-Key. Never: pydantic (request bodies are
#: checked by conduit.validation), PyJWT and cryptography (conduit.auth verifies RS256 with the
#: standard library), the X-Ray SDK (no Tracer), and the OpenAPI generator with what checks
#: documents against it (the document ships generated).
LOADED_ON_DEMAND = (
    "pydantic",
    "pydantic_core",
    "jwt",
    "cryptography",
    "slugify",
    "text_unidecode",
    "aws_xray_sdk",
    "wrapt",
    "contract",
    "jsonschema",
    "openapi_spec_validator",
    "boto3",
    "aws_lambda_powertools.utilities.idempotency",
)

_CHILD = """
import importlib, json, sys
sys.path[:0] = {paths!r}
heavy = {heavy!r}
pulled = {{}}
for handler in {handlers!r}:
    module, _, attribute = handler.rpartition(".")
    getattr(importlib.import_module(module), attribute)
    pulled[handler] = sorted(p for p in heavy if p in sys.modules and p not in sum(pulled.values(), []))
print(json.dumps(pulled))
"""


def test_no_handler_loads_pydantic_jwt_slugify_or_the_xray_sdk_at_init() -> None:
    handlers = [route.handler for route in ROUTES] + [worker.handler for worker in WORKERS]
    code = _CHILD.format(
        paths=[str(ROOT / "functions"), str(ROOT / "layers" / "shared" / "python")],
        heavy=LOADED_ON_DEMAND,
        handlers=handlers,
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "conduit-test"}

    done = subprocess.run(
        [sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )

    pulled = json.loads(done.stdout)
    assert pulled == {handler: [] for handler in handlers}


def test_the_garbage_collector_is_paused_during_init_and_on_once_a_handler_is_built() -> None:
    # conduit.api pauses it for the imports; lambda_handler, the end of every handler module,
    # must turn it back on, or a function would never collect cyclic garbage.
    code = """
import gc, importlib, json, sys
sys.path[:0] = {paths!r}
import conduit.api
during = gc.isenabled()
importlib.import_module({module!r})
print(json.dumps([during, gc.isenabled()]))
"""
    paths = [str(ROOT / "functions"), str(ROOT / "layers" / "shared" / "python")]
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "conduit-test"}
    for route in ROUTES:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code.format(paths=paths, module=route.module)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert json.loads(done.stdout) == [False, True], route.name
