"""The pack's output reader waits for a quiet moment before a failure is reported, on a clock of its own.

A pack logs a failure as it answers the call, so the client waits until its stderr has been quiet for a
moment before it quotes it. Whether that wait loops depends on how fast the machine is; these tests give
the reader a fake clock, so what it does is the same on a loaded machine and on an idle one.
"""

import io

from preflight import analyzer


class FakeClock:
    """``time.monotonic`` and ``time.sleep``: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def drained_pipe(monkeypatch, clock: FakeClock) -> analyzer._Pipe:
    monkeypatch.setattr(analyzer, "time", clock)
    pipe = analyzer._Pipe(io.BytesIO(b"warning: last words\n"))
    pipe.join(60)  # the reader thread has read everything (readiness, not a timed wait)
    assert pipe.text() == "warning: last words"
    return pipe


def test_settle_waits_until_the_output_has_been_quiet(monkeypatch):
    clock = FakeClock()
    pipe = drained_pipe(monkeypatch, clock)
    pipe._last_read = clock.now  # a line arrived just now
    pipe.settle(quiet=0.05, limit=0.5)
    assert clock.now - pipe._last_read >= 0.05
    assert clock.sleeps
    assert all(s == 0.01 for s in clock.sleeps)


def test_settle_gives_up_at_its_limit_on_a_pack_that_keeps_writing(monkeypatch):
    clock = FakeClock()
    pipe = drained_pipe(monkeypatch, clock)
    start = clock.now

    def sleep_while_lines_arrive(seconds: float) -> None:
        FakeClock.sleep(clock, seconds)
        pipe._last_read = clock.now  # another line every time it looks

    monkeypatch.setattr(clock, "sleep", sleep_while_lines_arrive)
    pipe.settle(quiet=0.05, limit=0.5)
    assert 0.5 <= clock.now - start < 0.52


def test_settle_returns_at_once_after_a_quiet_moment(monkeypatch):
    clock = FakeClock()
    pipe = drained_pipe(monkeypatch, clock)
    clock.now += 1  # nothing read for a second
    pipe.settle()
    assert clock.sleeps == []
