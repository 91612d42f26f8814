"""The launcher's answer to "what is the program waiting for?", asked in this process.

test_failure_modes.py asks it of real stuck programs, which are then killed (so their process cannot record
what ran); these tests pin the same sentence on a watch built here, where every branch is seen.
"""

import os
import pickle
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

from preflight import launcher


def watch_with_code_stuck_in(
    tmp_path: Path, name: str
) -> tuple[launcher._Watch, threading.Event, threading.Thread]:
    """A watch of project ``tmp_path`` and a thread, named ``name``, blocked in a file of that project."""
    source = tmp_path / "stuck.py"
    source.write_text("def wait(event, started):\n    started.set()\n    event.wait()\n")
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    release, started = threading.Event(), threading.Event()
    thread = threading.Thread(target=namespace["wait"], args=(release, started), name=name, daemon=True)
    thread.start()
    started.wait()
    return launcher._Watch(tmp_path), release, thread


def test_code_still_running_in_the_project_is_named_with_its_thread(tmp_path):
    watch, release, thread = watch_with_code_stuck_in(tmp_path, "poller")
    try:
        assert watch.waiting() == "its code is still running at stuck.py:3 (thread poller)"
    finally:
        release.set()
        thread.join()


def test_resources_declared_but_never_registered_are_listed_and_the_rest_counted(tmp_path):
    watch = launcher._Watch(tmp_path)
    watch.declared["pulumi:pulumi:Stack", "demo-dev"] += 1
    for i in range(7):
        watch.declared["demo:index:Thing", f"t{i}"] += 1
    watch.registered["demo:index:Thing", "t0"] += 1
    assert watch.waiting() == (
        "still waiting to register demo:index:Thing 't1', demo:index:Thing 't2', demo:index:Thing 't3', "
        "demo:index:Thing 't4', demo:index:Thing 't5' and 1 more (an input that never resolves, or a "
        "dependency cycle)"
    )


def test_a_few_waiting_resources_are_all_named(tmp_path):
    watch = launcher._Watch(tmp_path)
    watch.declared["demo:index:Thing", "only"] += 1
    assert watch.waiting() == (
        "still waiting to register demo:index:Thing 'only' (an input that never resolves, or a dependency "
        "cycle)"
    )


def test_with_nothing_pending_and_no_code_running_it_waits_on_an_output(tmp_path):
    # This process's own threads (pytest's, xdist's) run code outside the project: they are not named.
    watch = launcher._Watch(tmp_path / "elsewhere")
    watch.declared["pulumi:pulumi:Stack", "demo-dev"] += 1
    assert watch.waiting() == "it is waiting for an output that never resolves"


def test_library_code_inside_the_project_folder_is_not_the_programs(tmp_path):
    # A virtualenv inside the project (venv/lib/.../site-packages) holds the SDK, not the program's code.
    library = tmp_path / "venv" / "site-packages"
    library.mkdir(parents=True)
    watch, release, thread = watch_with_code_stuck_in(library, "sdk")
    watch = launcher._Watch(tmp_path)
    try:
        assert watch.waiting() == "it is waiting for an output that never resolves"
    finally:
        release.set()
        thread.join()


def test_each_status_request_is_answered_until_preflight_is_gone(monkeypatch, tmp_path):
    # How preflight learns the sentence once the time limit is reached: "status" on the job pipe.
    killed = []
    monkeypatch.setattr(launcher.os, "killpg", lambda group, signum: killed.append((group, signum)))
    watch = launcher._Watch(tmp_path)
    watch.declared["demo:index:Thing", "only"] += 1
    answers = []
    read, write = os.pipe()
    with os.fdopen(write, "wb") as requests:
        for request in ("status", "anything else", "status"):
            pickle.dump(request, requests)
    with os.fdopen(read, "rb") as jobs:
        launcher._serve(jobs, SimpleNamespace(send=answers.append), watch, None)
    waiting = (
        "still waiting to register demo:index:Thing 'only' (an input that never resolves, or a dependency "
        "cycle)"
    )
    assert answers == [("waiting", waiting), ("waiting", waiting)]  # and nothing for what it does not know
    assert killed == [(0, signal.SIGKILL)]  # the pipe's end: preflight is gone, the group goes with it
