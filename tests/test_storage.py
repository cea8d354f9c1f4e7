"""`conduit.storage`: reads side by side, and one DynamoDB client for every model."""

from __future__ import annotations

import importlib
import threading

import pytest
from pynamodb.models import Model

from conduit import settings
from conduit.resources import TABLES
from conduit.storage import Record, connection, together


def test_together_runs_every_call_at_the_same_time_and_keeps_their_order() -> None:
    # Each call can only return once all three are running: in sequence they would time out.
    meeting = threading.Barrier(3, timeout=5)

    def call(n: int) -> int:
        meeting.wait()
        return n

    assert together(lambda: call(1), lambda: call(2), lambda: call(3)) == [1, 2, 3]


def test_together_gives_instant_calls_their_own_threads() -> None:
    names = together(*[lambda: threading.current_thread().name] * 4)

    assert len(set(names)) == 4


def test_together_raises_what_a_call_raised() -> None:
    def fails() -> None:
        raise LookupError("gone")

    with pytest.raises(LookupError, match="gone"):
        together(lambda: 1, fails)


def _models(base: type[Model]) -> list[type[Model]]:
    found = []
    for model in base.__subclasses__():
        found += [model, *_models(model)]
    return found


def test_every_item_model_is_a_record() -> None:
    for module in ("articles", "comments", "favorites", "listings", "profiles", "users"):
        importlib.import_module(f"conduit.{module}.store")

    ours = [m for m in _models(Model) if m.__module__.startswith("conduit.") and m is not Record]

    assert ours, "no models found"
    assert [m.__name__ for m in ours if not issubclass(m, Record)] == []


def test_every_model_and_the_transactions_share_one_botocore_client(monkeypatch: pytest.MonkeyPatch) -> None:
    for table in TABLES:
        monkeypatch.setenv(table.env_var, f"conduit-test-{table.key}")
    settings.reset()
    try:
        clients = {id(model._get_connection().connection.client) for model in _models(Record)}
    finally:
        settings.reset()

    assert clients == {id(connection().client)}
