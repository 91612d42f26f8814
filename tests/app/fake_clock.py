"""A clock that moves only when a test, a retry pause or a simulated attempt moves it, so no outcome depends
on how fast the machine runs the test."""

from __future__ import annotations

import threading

# 2027-01-15T08:00:00Z: any fixed instant will do; a fixed one makes timestamps repeatable.
EPOCH_START = 1_800_000_000.0


class FakeClock:
    """Stands in for `orders_api.clock.SYSTEM_CLOCK`; `sleep` records each pause and advances the time."""

    def __init__(self, epoch: float = EPOCH_START) -> None:
        self._lock = threading.Lock()  # the concurrency and fault tests read and move it from several threads
        self._time = epoch
        self._monotonic = 100.0
        self.pauses: list[float] = []

    def time(self) -> float:
        with self._lock:
            return self._time

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.pauses.append(seconds)
            self._time += seconds
            self._monotonic += seconds

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass without a pause (an attempt that took that long)."""
        with self._lock:
            self._time += seconds
            self._monotonic += seconds

    def set_time(self, epoch: float) -> None:
        """Move the wall clock to `epoch` (days later, for expiry); the monotonic clock does not move."""
        with self._lock:
            self._time = epoch
