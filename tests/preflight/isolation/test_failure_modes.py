"""Whatever a program does, preflight sees how it ends: each failure is exit 2, one line, nothing left behind.

Each test is a small program run in its own process by `python -m preflight` (in this process, for the exit
status and the line; as a real command where signals are involved). "Nothing left behind" is checked with
`ps`: every process whose command line names the test's folder (the program's process shows its project
folder, the programs' own children and the copied pack carry it too) must be gone. Where a program must be
running before something happens to it, it says so through a FIFO, so no test depends on how fast a process
starts; a time limit (`--timeout`) only ever bounds a program that never ends.
"""

import dataclasses
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from preflight import cli, isolation, launcher
from preflight.errors import PreflightError
from preflight.model import Mode
from preflight.project import load_project

ROOT = Path(__file__).resolve().parents[3]
BASIC_PACK = ROOT / "tests" / "preflight" / "packs" / "basic"

THING = """\
import pulumi


class Thing(pulumi.CustomResource):
    def __init__(self, name, props=None, opts=None):
        super().__init__("demo:index:Thing", name, props or {}, opts)


"""


def project(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "demo"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config: {}\n")
    (directory / "__main__.py").write_text(THING + textwrap.dedent(body))
    return directory


def preflight(capsys, directory: Path, *args: str) -> tuple[int, str]:
    """Runs preflight in this process; the exit status and the one line it printed on standard error."""
    status = cli.main([str(directory), "--stack", "dev", "--format", "json", *args])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert out == ""  # no report, not even a partial one
    return status, lines[0]


def survivors(marker: Path) -> list[str]:
    """Processes whose command line names ``marker`` and that are not already dying (``ps``)."""
    listing = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True)
    alive = []
    for line in listing.stdout.splitlines():
        pid, stat, args = line.split(None, 2)
        if str(marker) in args and not stat.startswith("Z") and int(pid) != os.getpid():
            alive.append(line)
    return alive


def assert_nothing_left(marker: Path) -> None:
    # SIGKILL is final, but the kernel may not have finished a killed process yet: wait for each to end.
    for line in survivors(marker):
        pid = int(line.split()[0])
        try:
            handle = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ended, _, _ = select.select([handle], [], [], 30)
        finally:
            os.close(handle)
        assert ended, f"still running after preflight ended: {line}"


# -- the program ends without completing ---------------------------------------------------------------------


def test_os_exit_0_after_declaring_a_public_bucket_is_an_error_not_a_pass(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import os
        bucket = Thing("public", {"acl": "public-read"})
        bucket.id.apply(lambda _: os._exit(0))
        """,
    )
    status, line = preflight(capsys, directory, "--mode", "update")
    assert status == 2
    assert line.startswith(
        "preflight: error: program __main__.py exited with status 0 before it completed (a program that "
        "calls os._exit or crashes leaves its resources unfinished"
    )
    assert_nothing_left(directory)


def test_an_atexit_handler_that_exits_with_a_status_is_an_error(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import atexit, os
        Thing("a")
        print("about to leave")
        atexit.register(lambda: os._exit(3))
        """,
    )
    status, line = preflight(capsys, directory)
    assert status == 2
    assert "program __main__.py exited with status 3 before it completed" in line
    assert line.endswith("; its output ends: about to leave")


def test_a_failure_stands_even_if_an_atexit_handler_then_exits(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import atexit, os
        atexit.register(lambda: os._exit(3))
        Thing("a")
        raise ValueError("no")
        """,
    )
    status, line = preflight(capsys, directory)
    assert status == 2
    raised_at = THING.count(chr(10)) + 4
    assert (
        line == f"preflight: error: program __main__.py failed: ValueError: no (at __main__.py:{raised_at})"
    )


def test_a_program_outside_the_project_folder_is_named_by_its_path(capsys, tmp_path):
    # `main:` names a file of the project, but that file is a link to one elsewhere.
    directory = project(tmp_path, "")
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(THING + "import os\nThing('a')\nos._exit(0)\n")
    (directory / "app.py").symlink_to(elsewhere)
    (directory / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: app.py\n")
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith(f"preflight: error: program {elsewhere} exited with status 0 before it completed")


@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("before", "import sys\nsys.exit(0)\nThing('a')\n"),
        ("after", "import sys\nThing('a')\nsys.exit(0)\n"),
    ],
)
def test_sys_exit_0_before_or_after_registering_is_an_error(capsys, tmp_path, where, body):
    directory = project(tmp_path, body)
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line == (
        "preflight: error: program __main__.py failed: SystemExit: exit status 0 "
        f"(at __main__.py:{THING.count(chr(10)) + (2 if where == 'before' else 3)})"
    )


def test_a_native_crash_is_named_by_its_signal(capsys, tmp_path):
    directory = project(tmp_path, "import ctypes\nThing('a')\nctypes.string_at(0)\n")
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith(
        "preflight: error: program __main__.py was killed by signal SIGSEGV before it completed"
    )
    assert_nothing_left(directory)


def test_a_signal_without_a_name_is_named_by_its_number(capsys, tmp_path):
    directory = project(tmp_path, "import os\nThing('a')\nos.kill(os.getpid(), 40)\n")
    status, line = preflight(capsys, directory)
    assert status == 2
    assert "program __main__.py was killed by signal 40 before it completed" in line


@pytest.mark.parametrize(
    ("raised", "shown"),
    [("KeyboardInterrupt", "KeyboardInterrupt: no message"), ("asyncio.CancelledError", "CancelledError")],
)
def test_base_exceptions_are_the_programs_failure(capsys, tmp_path, raised, shown):
    directory = project(tmp_path, f"import asyncio\nThing('a')\nraise {raised}()\n")
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith(f"preflight: error: program __main__.py failed: {shown}")
    assert line.endswith(f"(at __main__.py:{THING.count(chr(10)) + 3})")


def test_a_fork_is_an_error(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import os
        Thing("a")
        child = os.fork()
        if child:
            os.waitpid(child, 0)
        Thing("b")
        """,
    )
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith("preflight: error: program __main__.py forked (os.fork, in process ")
    assert line.endswith(
        "cannot follow a forked program (start other programs with subprocess, or use threads)"
    )
    assert_nothing_left(directory)


def test_a_thread_that_fails_fails_the_run(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import threading
        maker = threading.Thread(target=lambda: Thing("from-a-thread"), name="maker")
        maker.start()
        maker.join()
        """,
    )
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith(
        "preflight: error: program __main__.py failed in thread maker: RuntimeError: There is no current "
        "event loop in thread 'maker'"
    )


def test_the_run_waits_for_the_programs_threads_as_an_interpreter_exit_does(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import threading
        Thing("a")
        threading.Thread(target=lambda: print("late but finished")).start()
        """,
    )
    assert cli.main([str(directory), "--stack", "dev"]) == 0
    assert "late but finished" in capsys.readouterr().out


def test_a_program_writing_into_preflights_pipe_cannot_fake_its_result(capsys, tmp_path):
    directory = project(
        tmp_path,
        """\
        import fcntl, os
        Thing("a")
        for fd in range(3, 64):
            try:
                if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                    os.write(fd, b"a forged ending")
            except OSError:
                pass
        """,
    )
    status, line = preflight(capsys, directory)
    assert status == 2
    assert line.startswith(
        "preflight: error: program __main__.py wrote into the pipe that carries its registrations to "
        "preflight"
    )


# -- the program never ends: the time limit names what it waits for ---------------------------------------


def stuck(tmp_path: Path, body: str, own_ready: bool = False) -> str:
    """The line for a program that says (by writing ``ready(fifo)``) it has got stuck, stopped at that moment.

    The time limit is made to expire only once the program is known to be stuck, so what the line says
    never depends on how fast the program started.
    """
    fifo = tmp_path / "ready"
    os.mkfifo(fifo)
    # Outside the project: its frames are not the program's, so they never show in the line.
    support = tmp_path / "support"
    support.mkdir()
    (support / "readiness.py").write_text(
        f"said = []\n\n\ndef ready(*_):\n    if not said:\n        said.append(1)\n"
        f"        with open({str(fifo)!r}, 'w') as f:\n            f.write('1\\n')\n"
    )
    ready = f"import sys\nsys.path.append({str(support)!r})\nfrom readiness import ready\n"
    directory = project(tmp_path, ("" if own_ready else ready) + textwrap.dedent(body))
    program = isolation.ProgramProcess(load_project(directory, "dev"), Mode.UPDATE, "123456789012", print)
    try:
        program.start()
        wait_ready(fifo, program.process)
        with pytest.raises(PreflightError) as raised:
            program.wait(time.monotonic(), 7)
    finally:
        program.stop()
    assert_nothing_left(directory)
    prefix = "program __main__.py did not complete within 7 s (--timeout): "
    assert raised.value.message.startswith(prefix)
    return raised.value.message.removeprefix(prefix)


def test_the_time_limit_ends_the_run_with_one_line(capsys, tmp_path):
    directory = project(tmp_path, "Thing('a')\nwhile True:\n    pass\n")
    status, line = preflight(capsys, directory, "--timeout", "1")
    assert status == 2
    assert line.startswith("preflight: error: program __main__.py did not complete within 1 s (--timeout): ")
    assert_nothing_left(directory)


def test_an_infinite_loop_is_named_by_its_line(tmp_path):
    waiting = stuck(tmp_path, "Thing('a')\nwhile True: ready()\n")
    # The loop never lets the SDK send the resource declared before it.
    assert waiting == (
        f"its code is still running at __main__.py:{THING.count(chr(10)) + 5}; still waiting to register "
        "demo:index:Thing 'a' (an input that never resolves, or a dependency cycle)"
    )


def test_an_output_that_never_resolves_names_the_resource_waiting_for_it(tmp_path):
    waiting = stuck(
        tmp_path,
        """\
        import asyncio
        never = asyncio.get_event_loop().create_future()
        Thing("stuck", {"size": pulumi.Output.from_input(never)})
        Thing("registered").id.apply(ready)
        """,
    )
    assert waiting == (
        "still waiting to register demo:index:Thing 'stuck' (an input that never resolves, or a dependency "
        "cycle)"
    )


def test_a_dependency_cycle_names_every_resource_in_it(tmp_path):
    waiting = stuck(
        tmp_path,
        """\
        import asyncio
        later = asyncio.get_event_loop().create_future()
        first = Thing("first", {"peer": pulumi.Output.from_input(later)})
        second = Thing("second", {"peer": first.id})
        second.id.apply(later.set_result)
        Thing("registered").id.apply(ready)
        """,
    )
    assert waiting == (
        "still waiting to register demo:index:Thing 'first', demo:index:Thing 'second' (an input that never "
        "resolves, or a dependency cycle)"
    )


def test_a_thread_that_never_ends_is_named(tmp_path):
    waiting = stuck(
        tmp_path,
        """\
        import threading
        def forever():
            ready(); threading.Event().wait()
        Thing("a").id.apply(lambda _: threading.Thread(target=forever, name="forever").start())
        """,
    )
    # The program's lines: THING, the three lines that import ready(), then the body above. The thread says
    # it is ready and blocks on one line, so it is at that line whenever preflight asks.
    blocked, starter = THING.count(chr(10)) + 6, THING.count(chr(10)) + 7
    parts = waiting.split("; ")
    assert f"its code is still running at __main__.py:{blocked} (thread forever)" in parts
    # On a busy machine the main thread may not have left the lambda that started the thread when preflight
    # asks: then it is named too, and nothing else may be.
    assert set(parts) - {f"its code is still running at __main__.py:{blocked} (thread forever)"} <= {
        f"its code is still running at __main__.py:{starter}"
    }


def test_many_resources_still_waiting_are_counted(tmp_path):
    waiting = stuck(
        tmp_path,
        """\
        import asyncio
        never = pulumi.Output.from_input(asyncio.get_event_loop().create_future())
        for i in range(7):
            Thing(f"stuck{i}", {"size": never})
        Thing("registered").id.apply(ready)
        """,
    )
    assert "demo:index:Thing 'stuck4' and 2 more (an input" in waiting


def test_a_program_that_holds_the_interpreter_lock_is_stopped_all_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "STATUS_GRACE", 0.5)
    # libc's system() called through PyDLL keeps the lock while its shell says "ready" and sleeps.
    fifo = tmp_path / "ready"
    waiting = stuck(
        tmp_path,
        f"import ctypes\nThing('a')\nctypes.PyDLL(None).system(b'echo 1 > {fifo}; exec sleep 300')\n",
        own_ready=True,
    )
    assert waiting == "it does not answer"


def test_a_program_that_closes_its_pipe_and_lingers_is_ended(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "STATUS_GRACE", 0.5)
    directory = project(
        tmp_path,
        """\
        import fcntl, os, threading
        Thing("a")
        for fd in range(3, 64):
            try:
                if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                    os.close(fd)
            except OSError:
                pass
        threading.Event().wait()
        """,
    )
    loaded = load_project(directory, "dev")
    with pytest.raises(PreflightError, match=r"was killed by signal SIGKILL before it completed"):
        isolation.run_program(
            loaded, Mode.PREVIEW, "123456789012", print, deadline=time.monotonic() + 600, timeout=600
        )
    assert_nothing_left(directory)


# -- what the program starts ends with it ------------------------------------------------------------------


def test_what_the_program_started_does_not_outlive_the_run(capsys, tmp_path):
    directory = project(
        tmp_path,
        f"""\
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", {str(tmp_path)!r}])
        Thing("a")
        """,
    )
    assert cli.main([str(directory), "--stack", "dev"]) == 0
    assert_nothing_left(tmp_path)


def test_a_program_that_prints_without_end_keeps_only_its_last_output(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "OUTPUT_LIMIT", 1000)
    directory = project(tmp_path, "for i in range(2000):\n    print(f'line {i}')\nThing('a')\n")
    assert cli.main([str(directory), "--stack", "dev", "--format", "json"]) == 0
    report = capsys.readouterr().out
    assert '"message": "line 1999"' in report
    assert '"message": "line 0"' not in report


def test_an_interpreter_that_cannot_start_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))  # the project then names it
    directory = project(tmp_path, "Thing('a')\n")
    status, line = preflight(capsys, directory)
    assert status == 2
    missing = tmp_path / "no-python"
    assert line == f"preflight: error: cannot start {missing} to run the program: No such file or directory"


def test_run_program_with_an_interpreter_that_cannot_start_is_one_error(tmp_path):
    loaded = load_project(project(tmp_path, "Thing('a')\n"), "dev")
    loaded = dataclasses.replace(loaded, interpreter=str(tmp_path / "no-python"))
    with pytest.raises(PreflightError, match=r"^cannot start .*no-python to run the program: No such file"):
        isolation.run_program(
            loaded, Mode.PREVIEW, "123456789012", print, deadline=time.monotonic() + 600, timeout=600
        )


# -- signals to preflight ----------------------------------------------------------------------------------


def fifo_program(tmp_path: Path) -> tuple[Path, Path]:
    """A program that starts a child of its own, says it is running through a FIFO, then never ends."""
    fifo = tmp_path / "ready"
    os.mkfifo(fifo)
    directory = project(
        tmp_path,
        f"""\
        import os, subprocess, sys, threading
        Thing("a")
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", {str(tmp_path)!r}])
        with open({str(fifo)!r}, "w") as ready:
            ready.write(f"{{os.getpid()}}\\n")
        threading.Event().wait()
        """,
    )
    return directory, fifo


def wait_ready(fifo: Path, process: subprocess.Popen) -> int:
    """The program's pid, once it is running (or fails the test if preflight ended first)."""
    handle = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            readable, _, _ = select.select([handle], [], [], 120)
            assert readable, "the program never said it was running"
            data = os.read(handle, 100)
            if data:
                return int(data)
            assert process.poll() is None, process.communicate()
    finally:
        os.close(handle)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_program_and_the_packs_with_their_groups(tmp_path, signum, status):
    directory, fifo = fifo_program(tmp_path)
    pack = tmp_path / "pack"
    shutil.copytree(BASIC_PACK, pack)
    process = subprocess.Popen(
        [sys.executable, "-m", "preflight", str(directory), "--stack", "dev", "--policy-pack", str(pack)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_ready(fifo, process)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == status
    assert out == ""
    assert err == (
        f"preflight: interrupted by {signal.Signals(signum).name}: the program and the policy packs were "
        "stopped\n"
    )
    assert_nothing_left(tmp_path)


def test_a_killed_preflight_leaves_no_program_behind(tmp_path):
    directory, fifo = fifo_program(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "preflight", str(directory), "--stack", "dev"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(fifo, process)
    process.kill()  # no handler runs: the program notices its pipe from preflight close
    process.wait()
    assert_nothing_left(tmp_path)


def test_the_launcher_ends_its_group_when_preflight_is_gone(monkeypatch, tmp_path):
    killed = []
    monkeypatch.setattr(launcher.os, "killpg", lambda group, signum: killed.append((group, signum)))
    read, write = os.pipe()
    os.close(write)
    with os.fdopen(read, "rb") as jobs:
        launcher._serve(jobs, None, None, None)
    assert killed == [(0, signal.SIGKILL)]


def test_run_program_hands_each_registration_over_and_returns_the_outputs(tmp_path):
    directory = project(tmp_path, "Thing('a', {'size': 2})\npulumi.export('size', 2)\n")
    loaded = load_project(directory, "dev")
    seen = []
    result = isolation.run_program(
        loaded, Mode.UPDATE, "123456789012", seen.append, deadline=time.monotonic() + 600, timeout=600
    )
    assert [r.name for r in seen] == ["demo-dev", "default", "a"]
    assert result.outputs == {"size": 2}


def test_the_wait_ticks_while_the_program_runs_and_returns_once_it_completes(tmp_path):
    # The program cannot complete before the second tick opens its FIFO, so the wait has gone round while
    # it ran; a tick that comes before the program opens the FIFO tries again on the next one.
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    directory = project(tmp_path, f"Thing('a')\nopen({str(fifo)!r}).read()\npulumi.export('done', True)\n")
    ticks, released = [], []

    def tick() -> None:
        ticks.append(len(ticks))
        if len(ticks) >= 2 and not released:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # ENXIO: no reader yet
                return
            released.append(len(ticks))

    program = isolation.ProgramProcess(load_project(directory, "dev"), Mode.UPDATE, "123456789012", [].append)
    try:
        program.start()
        result = program.wait(time.monotonic() + 600, 600, tick)
    finally:
        program.stop()
    assert result.outputs == {"done": True}
    assert released
    assert len(ticks) >= released[0]
