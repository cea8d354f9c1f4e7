"""The route table is the single source of truth: it must match the code and RealWorld."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from conduit.routes import IDEMPOTENCY_GRANT, ROUTES, SIGNING_KEYS_HANDLER, WORKERS, Auth, Route, TableGrant
from contract.operations import CONTRACTS
from tests.realworld import OPERATIONS, OPERATIONS_BY_KEY

ROOT = Path(__file__).resolve().parent.parent
#: Routes beyond RealWorld's, each declared as an extension in its contract.
EXTENSIONS = [r for r in ROUTES if CONTRACTS[r.name].extension]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_has_a_callable_handler(route: Route) -> None:
    module, _, attribute = route.handler.rpartition(".")

    assert callable(getattr(importlib.import_module(module), attribute))


def test_every_function_module_serves_exactly_one_route_or_worker_or_the_deploy() -> None:
    modules = {
        p.relative_to(ROOT / "functions").with_suffix("").as_posix().replace("/", ".")
        for p in (ROOT / "functions").rglob("*.py")
        if p.name != "__init__.py"
    }
    deploy_time = SIGNING_KEYS_HANDLER.rsplit(".", 1)[0]

    assert sorted(modules) == sorted(
        [route.module for route in ROUTES] + [worker.module for worker in WORKERS] + [deploy_time]
    )


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
def test_every_worker_has_a_callable_handler_and_streaming_sources(worker: object) -> None:
    module, _, attribute = worker.handler.rpartition(".")  # type: ignore[attr-defined]

    assert callable(getattr(importlib.import_module(module), attribute))
    assert all(table.stream for table in worker.sources)  # type: ignore[attr-defined]


def test_route_names_and_route_keys_are_unique() -> None:
    assert len({r.name for r in ROUTES}) == len({r.route_key for r in ROUTES}) == len(ROUTES)


def test_every_realworld_operation_has_exactly_one_route_and_the_rest_are_declared_extensions() -> None:
    assert sorted(r.route_key for r in ROUTES) == sorted(
        [o.route_key for o in OPERATIONS] + [r.route_key for r in EXTENSIONS]
    )


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in EXTENSIONS], ids=lambda r: r.name)
def test_auth_required_exactly_where_realworld_asks_for_a_token(route: Route) -> None:
    operation = OPERATIONS_BY_KEY[route.route_key]

    assert operation.token_required == (route.auth is Auth.REQUIRED)


def test_no_function_may_scan_a_table() -> None:
    """Request paths read by key; a Scan grant would let one creep in unnoticed."""
    grants = [g for route in ROUTES for g in route.grants] + [g for worker in WORKERS for g in worker.grants]

    assert not [g for g in grants if isinstance(g, TableGrant) and "Scan" in g.actions]


#: POSTs that keep no answer for a repeated `Idempotency-Key`: theirs is a fresh token (kept, it
#: would store a bearer token for a day: a password reset's too), or nothing a repeat would not
#: do again (a logout).
_NO_REPLAY = {"LoginUser", "RefreshToken", "Logout", "ResetPassword"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_post_but_sign_ins_and_logout_is_granted_the_idempotency_table(route: Route) -> None:
    granted = IDEMPOTENCY_GRANT in route.grants

    assert granted == (route.method == "POST" and route.name not in _NO_REPLAY)
