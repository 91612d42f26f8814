"""The one place the functions (the orders API, the ledger writer, the migration function) read the time or
wait: the system clock in Lambda, a fake one in tests.

Deadlines, retry pauses, order timestamps and logged latency all come from the same :class:`Clock`, so a
test that substitutes one clock controls every time-dependent decision the function makes.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the function asks of time; :data:`SYSTEM_CLOCK` in production."""

    def time(self) -> float:
        """Seconds since the epoch: order timestamps and expiry."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps: deadlines and latency."""

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a pause between retries)."""


class SystemClock:
    """The real time, as the Lambda runtime sees it."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
