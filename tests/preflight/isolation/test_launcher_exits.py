"""How the launcher leaves the program's process, asked in this process with the exits replaced.

In a real run this code runs after coverage's own atexit handler has stopped measuring (``_end``), or in a
forked copy that preflight kills (``_forked``), so nothing records it there; test_failure_modes.py shows its
effect end to end (an atexit handler that exits, a failure whose handler exits, a fork). Here the order of
what happens is pinned: the ending, the program's atexit handlers, the exit status.
"""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from preflight import launcher

ROOT = Path(__file__).resolve().parents[3]


class Exited(Exception):
    """Raised where the launcher would leave with os._exit."""


class Channel:
    """The event pipe, as a list of what was sent."""

    def __init__(self, events: list) -> None:
        self.events = events

    def send(self, message: tuple) -> None:
        self.events.append(message)


@pytest.fixture
def leaving(monkeypatch) -> list:
    """What happens on the way out, in order: messages sent, "atexit handlers" run, ("exit", status)."""
    events: list = []

    def exit_(status: int) -> None:
        events.append(("exit", status))
        raise Exited

    monkeypatch.setattr(launcher.atexit, "_run_exitfuncs", lambda: events.append("atexit handlers"))
    monkeypatch.setattr(launcher.os, "_exit", exit_)
    return events


def test_a_run_is_complete_only_once_the_programs_atexit_handlers_have_run(leaving):
    with pytest.raises(Exited):
        launcher._end(Channel(leaving), ("done", {"size": 2}, ["a warning"], 0.5, []))
    assert leaving[0] == "atexit handlers"  # a handler that exits leaves the run without its ending
    *ending, peak_mb = leaving[1]
    assert ending == ["done", {"size": 2}, ["a warning"], 0.5, []]
    assert peak_mb > 0  # this process's peak resident memory, in MB
    assert leaving[-1] == ("exit", 0)


def test_a_failure_is_sent_before_the_programs_atexit_handlers_run(leaving):
    with pytest.raises(Exited):
        launcher._end(Channel(leaving), ("failed", "program __main__.py failed: ValueError: no", None))
    assert leaving == [
        ("failed", "program __main__.py failed: ValueError: no", None),
        "atexit handlers",
        ("exit", 0),
    ]


def test_a_forked_copy_tells_preflight_and_ends_without_the_programs_atexit_handlers(leaving):
    read, write = os.pipe()
    try:
        with pytest.raises(Exited):
            launcher._forked(SimpleNamespace(fd=write))
        assert pickle.loads(os.read(read, 4096)) == ("forked", os.getpid())
    finally:
        os.close(read)
        os.close(write)
    assert leaving == [("exit", launcher._FORKED_STATUS)]


def test_a_forked_copy_whose_pipe_is_gone_still_ends(leaving):
    read, write = os.pipe()
    os.close(read)  # preflight has stopped listening: the write fails with a broken pipe
    try:
        with pytest.raises(Exited):
            launcher._forked(SimpleNamespace(fd=write))
    finally:
        os.close(write)
    assert leaving == [("exit", launcher._FORKED_STATUS)]


def test_the_programs_threads_are_waited_for_even_those_started_meanwhile_but_not_daemons():
    # In a fresh interpreter, as in the program's process: the test process has threads of its own. Each
    # thread of the program finishes only once it is joined, so it is certainly still running when the
    # launcher looks; the first starts the second as it finishes.
    script = textwrap.dedent(
        f"""\
        import sys, threading
        sys.path.insert(0, {str(ROOT)!r})
        from preflight import launcher

        finished = []

        class ProgramThread(threading.Thread):
            def __init__(self, name, then=None):
                super().__init__(name=name)
                self.release, self.then = threading.Event(), then

            def run(self):
                self.release.wait()
                if self.then is not None:
                    self.then.start()
                finished.append(self.name)

            def join(self, timeout=None):
                self.release.set()
                super().join(timeout)

        threading.Thread(target=threading.Event().wait, daemon=True).start()  # never ends
        first = ProgramThread("first", then=ProgramThread("second"))
        first.start()
        launcher._join_program_threads()
        print(finished, first.is_alive(), first.then.is_alive())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "['first', 'second'] False False\n"
