"""The route table is the single source of truth: it must match the code and the spec."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from conduit.routes import ROUTES, WORKERS, Auth, Route, TableGrant

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "realworld-spec" / "openapi.yml"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_has_a_callable_handler(route: Route) -> None:
    module, _, attribute = route.handler.rpartition(".")

    assert callable(getattr(importlib.import_module(module), attribute))


def test_every_function_module_serves_exactly_one_route_or_worker() -> None:
    modules = {
        p.relative_to(ROOT / "functions").with_suffix("").as_posix().replace("/", ".")
        for p in (ROOT / "functions").rglob("*.py")
        if p.name != "__init__.py"
    }

    assert sorted(modules) == sorted(
        [route.module for route in ROUTES] + [worker.module for worker in WORKERS]
    )


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
def test_every_worker_has_a_callable_handler_and_streaming_sources(worker: object) -> None:
    module, _, attribute = worker.handler.rpartition(".")  # type: ignore[attr-defined]

    assert callable(getattr(importlib.import_module(module), attribute))
    assert all(table.stream for table in worker.sources)  # type: ignore[attr-defined]


def test_route_names_and_route_keys_are_unique() -> None:
    assert len({r.name for r in ROUTES}) == len({r.route_key for r in ROUTES}) == len(ROUTES)


def _spec_operations() -> dict[str, dict[str, object]]:
    assert SPEC.exists(), f"the RealWorld spec belongs at {SPEC}"
    spec = yaml.safe_load(SPEC.read_text())
    return {
        f"{method.upper()} /api{path}": operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_is_an_operation_of_the_spec(route: Route) -> None:
    assert route.route_key in _spec_operations()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_auth_required_exactly_where_the_spec_asks_for_a_token(route: Route) -> None:
    operation = _spec_operations()[route.route_key]

    assert ("security" in operation) == (route.auth is Auth.REQUIRED)


def test_no_function_may_scan_a_table() -> None:
    """Request paths read by key; a Scan grant would let one creep in unnoticed."""
    grants = [g for route in ROUTES for g in route.grants] + [g for worker in WORKERS for g in worker.grants]

    assert not [g for g in grants if isinstance(g, TableGrant) and "Scan" in g.actions]
