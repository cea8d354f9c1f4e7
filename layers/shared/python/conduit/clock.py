"""The time: timestamps as the spec shows them (ISO 8601, UTC, milliseconds, `Z`), and epoch seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def epoch() -> float:
    """Seconds since the epoch: what rules of time (a code's rate, an unconfirmed email's 24
    hours) are measured with, read here so a test can move it."""
    return time.time()


def now_iso() -> str:
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
