"""Sequential round trips from call timings.

Calls that overlap in time were issued side by side and cost one wait; the number of waits a
request makes is the longest chain of calls each starting after the previous one ended.
"""

from __future__ import annotations

from collections.abc import Sequence

Interval = tuple[float, float]  # (start, end), seconds


def sequential_round_trips(intervals: Sequence[Interval]) -> int:
    """Length of the longest chain of non-overlapping intervals (the critical path in calls)."""
    ordered = sorted(intervals, key=lambda i: (i[1], i[0]))
    best: list[int] = []
    for index, (start, _end) in enumerate(ordered):
        chain = 1
        for previous in range(index):
            if ordered[previous][1] <= start:
                chain = max(chain, best[previous] + 1)
        best.append(chain)
    return max(best, default=0)


def busy_time(intervals: Sequence[Interval]) -> float:
    """Total time covered by at least one interval (waiting on AWS, overlaps counted once)."""
    total = 0.0
    current_start: float | None = None
    current_end = 0.0
    for start, end in sorted(intervals):
        if current_start is None or start > current_end:
            if current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None:
        total += current_end - current_start
    return total


def _pool_of(thread_name: str) -> str:
    """`ThreadPoolExecutor-3_1` -> `ThreadPoolExecutor-3`: calls of one pool ran side by side."""
    return thread_name.rsplit("_", 1)[0]


def structural_round_trips(thread_names: Sequence[str], main_thread: str) -> int:
    """Round trips from which thread made each call (in start order).

    The handler's own thread waits for each call it makes: one round trip each. Calls made by
    the threads of one pool between two such calls ran side by side: they cost as many round
    trips as the busiest thread of the pool made calls (a thread's own calls are sequential).
    Unlike timing, this does not depend on how the GIL and the emulator's one-at-a-time
    service happened to order the calls.
    """
    trips = 0
    burst: dict[str, int] = {}
    pool = ""
    for name in thread_names:
        if name == main_thread or _pool_of(name) != pool:
            trips += max(burst.values(), default=0)
            burst = {}
            pool = "" if name == main_thread else _pool_of(name)
        if name == main_thread:
            trips += 1
        else:
            burst[name] = burst.get(name, 0) + 1
    return trips + max(burst.values(), default=0)
