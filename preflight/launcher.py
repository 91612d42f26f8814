"""The program's side of an isolated run: the process the Pulumi CLI's language host would be.

``preflight.isolation`` starts this module's ``main`` in a new interpreter, in its own process group, with
two pipe descriptors: the job (the loaded project, the mode, the account) comes in on the first, and every
event goes back on the second as a pickle: each registration as it happens (``("resource", Resource)``), then
exactly one ending, ``("done", ...)`` once the program, its threads and its ``atexit`` handlers are through,
or ``("failed", message, detail)``. A process that ends without one of them did not complete, whatever its
exit status: that is how a program calling ``os._exit(0)`` is caught.

The job pipe stays open for the run: ``"status"`` on it asks what the program is waiting for (sent when the
time limit is reached), and its end means preflight is gone, so the whole process group ends with it.

When the run has policy packs, each custom resource waits, before it is registered, for the packs'
remediations, as under the engine: preflight says once whether any pack remediates (``("packs", bool)``),
and then answers each ``("remediate", n, resource, provider)`` event with ``("remediated", n, inputs,
error)``.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import os
import pickle
import resource
import signal
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

_FORKED_STATUS = 70  # what a forked copy of the program exits with, at once (EX_SOFTWARE)


class _Channel:
    """The event pipe to preflight; written from the program's thread, its other threads and a fork."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._stream = os.fdopen(fd, "wb")
        self._lock = threading.Lock()

    def send(self, message: tuple) -> None:
        with self._lock:
            pickle.dump(message, self._stream, protocol=pickle.HIGHEST_PROTOCOL)
            self._stream.flush()


class _Remediations:
    """The program's side of remediation: asks preflight about each registration, waits for the answer."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        self.active = False
        self._ready = threading.Event()
        self._answers: dict[int, tuple[threading.Event, list[Any]]] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def take(self, message: tuple) -> None:
        """preflight's ``("packs", active)`` (the packs are configured; ``active``: one of them remediates)
        or ``("remediated", number, inputs, error)``."""
        if message[0] == "packs":
            self.active = message[1]
            self._ready.set()
        else:
            _, number, inputs, error = message
            with self._lock:
                done, box = self._answers.pop(number)
            box[:] = [inputs, error]
            done.set()

    def remediate(self, resource: Any, provider: Any) -> Any:
        self._ready.wait()
        if not self.active:
            return None
        done, box = threading.Event(), []
        with self._lock:
            number = next(self._numbers)
            self._answers[number] = (done, box)
        self.channel.send(("remediate", number, resource, provider))
        done.wait()
        inputs, error = box
        if error is not None:
            from preflight.errors import PreflightError

            raise PreflightError(error)
        return inputs


class _Watch:
    """What the program declared and what reached the monitor, to say what it waits for when time is up."""

    def __init__(self, project_dir: Path) -> None:
        self.declared: collections.Counter[tuple[str, str]] = collections.Counter()
        self.registered: collections.Counter[tuple[str, str]] = collections.Counter()
        self.roots = tuple(str(root) + os.sep for root in {project_dir, project_dir.resolve()})
        self.thread_failures: list[tuple[str, BaseException]] = []

    def waiting(self) -> str:
        """One sentence: where the program's code runs now, and which resources never got registered."""
        parts = []
        own = threading.get_ident()
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            if ident == own:
                continue
            location = self._project_line(frame)
            if location is not None:
                thread = "" if ident == threading.main_thread().ident else f" (thread {names.get(ident)})"
                parts.append(f"its code is still running at {location}{thread}")
        pending = sorted(
            (type_, name)
            for type_, name in (self.declared - self.registered).elements()
            if type_ != "pulumi:pulumi:Stack"  # it waits for the program's code, which is named above
        )
        if pending:
            shown = ", ".join(f"{type_} {name!r}" for type_, name in pending[:5])
            more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
            parts.append(
                f"still waiting to register {shown}{more} (an input that never resolves, or a dependency "
                "cycle)"
            )
        return "; ".join(parts) or "it is waiting for an output that never resolves"

    def _project_line(self, frame: Any) -> str | None:
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(self.roots) and "site-packages" not in filename:
                return f"{os.path.relpath(filename, self.roots[0])}:{frame.f_lineno}"
            frame = frame.f_back
        return None


def main(job_fd: int, event_fd: int) -> None:
    """Runs the job read from ``job_fd`` and reports on ``event_fd``; never returns."""
    # Neither pipe may leak into the program's own subprocesses: a copy would keep them open after it ends.
    os.set_inheritable(job_fd, False)
    os.set_inheritable(event_fd, False)
    channel = _Channel(event_fd)
    jobs = os.fdopen(job_fd, "rb")
    project, mode, account_id, remediating, sdk_cache = pickle.load(jobs)
    if sdk_cache is not None:  # first: the program's imports of provider SDKs go through it
        from preflight import sdk_import

        sdk_import.install(sdk_cache)
    remediations = _Remediations(channel) if remediating else None
    watch = _Watch(project.directory)
    os.register_at_fork(after_in_child=lambda: _forked(channel))
    threading.excepthook = lambda args: watch.thread_failures.append(
        (args.thread.name if args.thread is not None else "?", args.exc_value)
    )
    threading.Thread(
        target=_serve, args=(jobs, channel, watch, remediations), daemon=True, name="preflight"
    ).start()
    _watch_declarations(watch)

    from preflight import engine
    from preflight.errors import PreflightError

    # The bootstrap put preflight's folder first on the path; the program must not see its modules.
    with contextlib.suppress(ValueError):
        sys.path.remove(str(Path(__file__).resolve().parents[1]))

    def on_resource(record: Any) -> None:
        watch.registered[record.type, record.name] += 1
        channel.send(("resource", record))

    try:
        run = engine.run_program(
            project,
            mode,
            account_id,
            on_resource=on_resource,
            remediate=remediations.remediate if remediations is not None else None,
        )
        _join_program_threads()
        if watch.thread_failures:
            name, error = watch.thread_failures[0]
            failure = engine._program_error(project, error, [], [])
            message = failure.message.replace(" failed: ", f" failed in thread {name}: ", 1)
            raise PreflightError(message, failure.detail)
    except PreflightError as error:
        _end(channel, ("failed", error.message, error.detail))
    except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt, CancelledError: the program's failure
        failure = engine._program_error(project, error, [], [])
        _end(channel, ("failed", failure.message, failure.detail))
    components = [(r.urn, r.outputs) for r in run.resources if not r.custom and r.outputs is not None]
    _end(channel, ("done", run.outputs, run.warnings, run.seconds, components, run.synthesized_invokes))


def _end(channel: _Channel, ending: tuple) -> NoReturn:
    """Sends the one ending and leaves at once, without tearing down the program's millions of objects.

    The program's ``atexit`` handlers run as at a normal exit: before a completed run counts as complete (one
    that exits there has not completed), after a failure is sent (so that they cannot hide it).
    """
    if ending[0] == "done":
        atexit._run_exitfuncs()
        ending = (*ending, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # peak memory, MB
    channel.send(ending)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(0)


def _forked(channel: _Channel) -> None:
    """In a forked copy of the program: tell preflight and end; a fork cannot be followed."""
    message = pickle.dumps(("forked", os.getpid()), protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        os.write(channel.fd, message)
    os._exit(_FORKED_STATUS)


def _serve(jobs: BinaryIO, channel: _Channel, watch: _Watch, remediations: _Remediations | None) -> None:
    """Answers ``status`` requests and takes the packs' remediations; when preflight's end of the pipe closes,
    ends the process group."""
    while True:
        try:
            request = pickle.load(jobs)
        except Exception:  # noqa: BLE001 - EOF or garbage: either way preflight is no longer there
            os.killpg(0, signal.SIGKILL)
            return
        if request == "status":
            channel.send(("waiting", watch.waiting()))
        elif remediations is not None:  # the packs' answers, sent only to a run with packs
            remediations.take(request)


def _watch_declarations(watch: _Watch) -> None:
    """Counts every resource the program declares (the SDK registers it later, once its inputs resolve)."""
    import pulumi.resource

    register = pulumi.resource.register_resource

    def declared(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        watch.declared[ty, name] += 1
        return register(res, ty, name, *args, **kwargs)

    pulumi.resource.register_resource = declared


def _join_program_threads() -> None:
    """Waits for the program's other threads, as the interpreter does at exit (and the CLI with it)."""
    while True:
        threads = [
            thread
            for thread in threading.enumerate()
            if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
        ]
        if not threads:
            return
        for thread in threads:
            thread.join()
