"""`conduit.snapstart`: before Lambda snapshots a function, its first request's work is done
(clients, signing keys) and nothing is sent over the network; after a restore, `random` is reseeded.

Each case runs in a fresh interpreter, as a function's init does, with a stand-in for the
`snapshot_restore_py` module that only Lambda's runtime has.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conduit.resources import TABLES, USER_POOL
from conduit.routes import ROUTES_BY_NAME

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import importlib, json, socket, sys, types
sys.path[:0] = {paths!r}
hooks = []
restores = []
if {runtime!r}:
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = lambda hook, *args: hooks.append((hook, args))
    runtime.register_after_restore = lambda hook, *args: restores.append((hook, args))
    sys.modules["snapshot_restore_py"] = runtime
connections = []
socket.socket.connect = lambda self, address: connections.append(address)
module, _, attribute = {handler!r}.rpartition(".")
getattr(importlib.import_module(module), attribute)
before = sorted(m for m in {watched!r} if m in sys.modules)
for hook, args in hooks:
    hook(*args)
import random
snapshot_state = random.getstate()
random.setstate(snapshot_state)
for hook, args in restores:
    hook(*args)
reseeded = random.getstate() != snapshot_state
from conduit import auth, storage
from conduit.users import identity
print(json.dumps({{
    "hooks": len(hooks),
    "restore_hooks": len(restores),
    "reseeded": reseeded,
    "before": before,
    "after": sorted(m for m in {watched!r} if m in sys.modules),
    "dynamodb_client": storage._shared is not None,
    "cognito_client": identity._client.cache_info().currsize == 1,
    "keys": len(auth._signing_keys._keys or {{}}),
    "connections": connections,
}}))
"""

WATCHED = ["conduit.users.models", "conduit.articles.models"]


def _keys() -> str:
    from moto.utilities.utils import load_resource

    from conduit.auth import shippable_key_set

    return shippable_key_set(json.dumps(load_resource("cognitoidp/resources/jwks-public.json")))


def before_snapshot(route_name: str, runtime: bool = True) -> dict[str, Any]:
    route = ROUTES_BY_NAME[route_name]
    code = _CHILD.format(
        paths=[str(ROOT / "functions"), str(ROOT / "layers" / "shared" / "python")],
        runtime=runtime,
        handler=route.handler,
        watched=WATCHED,
    )
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "snapshot",
        "AWS_SECRET_ACCESS_KEY": "snapshot",
        "AWS_LAMBDA_FUNCTION_NAME": f"conduit-test-{route.name}",
        USER_POOL.pool_id_env_var: "us-east-1_snapshot",
        USER_POOL.client_id_env_var: "client",
        USER_POOL.keys_env_var: _keys(),
        **{table.env_var: f"conduit-test-{table.key}" for table in TABLES},
    }
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_without_lambdas_runtime_no_hook_is_registered() -> None:
    assert before_snapshot("CreateArticle", runtime=False)["hooks"] == 0


@pytest.mark.parametrize("route", ["GetArticle", "CreateArticle", "RegisterUser", "ListTags"])
def test_every_route_registers_one_hook_that_makes_no_network_call(route: str) -> None:
    result = before_snapshot(route)

    assert result["hooks"] == 1
    assert result["connections"] == []


def test_after_a_restore_the_random_state_is_reseeded_so_retry_jitter_differs() -> None:
    result = before_snapshot("GetArticle")

    assert result["restore_hooks"] == 1
    assert result["reseeded"] is True


def test_before_the_snapshot_every_route_has_its_dynamodb_client() -> None:
    assert before_snapshot("ListTags")["dynamodb_client"] is True


def test_before_the_snapshot_a_route_that_verifies_tokens_has_read_the_shipped_keys() -> None:
    assert before_snapshot("GetArticle")["keys"] == 1
    assert before_snapshot("LoginUser")["keys"] == 0


def test_before_the_snapshot_a_route_that_calls_cognito_has_its_client() -> None:
    assert before_snapshot("RegisterUser")["cognito_client"] is True
    assert before_snapshot("GetArticle")["cognito_client"] is False


def test_a_route_that_takes_a_body_has_its_request_models_in_the_snapshot_from_init() -> None:
    result = before_snapshot("CreateArticle")

    assert result["before"] == result["after"] == ["conduit.articles.models"]


def test_a_route_that_takes_no_body_never_loads_the_request_models() -> None:
    assert before_snapshot("GetArticle")["after"] == []
