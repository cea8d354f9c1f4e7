"""`conduit.storage.together`: reads that cost one round trip between them."""

from __future__ import annotations

import threading

import pytest

from conduit.storage import together


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
