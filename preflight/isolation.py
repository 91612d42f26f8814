"""Runs the program in its own process and process group, as the Pulumi CLI runs it through a language host.

preflight is the engine here: the program (``preflight.launcher`` in a new interpreter, with the mock monitor
of ``preflight.engine``) sends each registration over a pipe as it happens, its standard output and error are
captured (they never mix with the report), and the run counts as complete only when the program says so
once its code, its threads and its ``atexit`` handlers are through. Whatever else happens is an error with one
line saying what: an exit with any status before completing (``os._exit``), death by a signal, a fork, a
failure in a thread, or the time limit (then the line names the code still running or the resources still
waiting for their inputs). The process group is killed when the run ends, so nothing the program started
outlives preflight.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight import sdk_import
from preflight.errors import PreflightError
from preflight.model import Mode, Resource
from preflight.project import Project

if TYPE_CHECKING:
    from google.protobuf import struct_pb2

# A resource as declared and its provider -> the inputs to register it with (None: unchanged).
Remediate = Callable[[Resource, "Resource | None"], "struct_pb2.Struct | None"]

OUTPUT_LIMIT = 1024 * 1024  # bytes of the program's output kept (the last ones)
STATUS_GRACE = 5.0  # seconds a program past its time limit has to say what it waits for
DRAIN_GRACE = 2.0  # seconds to read what is left of the output once the program has ended
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
# `python -c`: preflight's folder first (the launcher takes it off the path before the program runs); the
# project folder is the last argument only so that `ps` shows which program this is.
_BOOTSTRAP = (
    "import sys; sys.path[0] = sys.argv[1]; from preflight.launcher import main; "
    "main(int(sys.argv[2]), int(sys.argv[3]))"
)


def _environment(virtualenv: Path | None) -> dict[str, str] | None:
    """The program's environment: preflight's, with the virtualenv activated as the CLI's language host
    activates it (VIRTUAL_ENV, its bin first on PATH), so what the program runs finds the same tools."""
    if virtualenv is None:
        return None
    return {
        **os.environ,
        "VIRTUAL_ENV": str(virtualenv),
        "PATH": f"{virtualenv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@dataclass
class ProgramResult:
    """What a completed program reported at its end (its registrations went to ``on_resource``)."""

    outputs: dict[str, Any]
    warnings: list[str]
    seconds: float
    components: list[tuple[str, struct_pb2.Struct]]  # component URN -> outputs it registered last
    output: list[str] = field(default_factory=list)  # what the program printed, line by line
    peak_mb: float = 0.0  # the program's process's peak memory (resident set)
    synthesized_invokes: list[str] = field(default_factory=list)  # answered from their SDK result type


def start_program(
    project: Project,
    mode: Mode,
    account_id: str,
    on_resource: Callable[[Resource], None],
    remediate: Remediate | None = None,
) -> ProgramProcess:
    """Starts ``project``'s program in its own process group; ``wait`` for its result, ``stop`` it always.

    ``on_resource`` is called, on a reader thread, with each registration in order. With ``remediate``, each
    custom resource waits for ``packs_ready`` and then, if the packs remediate, for ``remediate``'s answer.
    """
    program = ProgramProcess(project, mode, account_id, on_resource, remediate)
    program.start()
    return program


def run_program(
    project: Project,
    mode: Mode,
    account_id: str,
    on_resource: Callable[[Resource], None],
    *,
    deadline: float,
    timeout: float,
) -> ProgramResult:
    """Runs the program until it completes or ``deadline`` passes; raises PreflightError (one line)."""
    program = ProgramProcess(project, mode, account_id, on_resource)
    try:
        program.start()
        return program.wait(deadline, timeout)
    finally:
        program.stop()


class ProgramProcess:
    """One program run in a child process: start, wait for its ending, stop (kill the group). Idempotent."""

    def __init__(
        self,
        project: Project,
        mode: Mode,
        account_id: str,
        on_resource: Callable[[Resource], None],
        remediate: Remediate | None = None,
    ) -> None:
        self.project = project
        sdk_cache = sdk_import.cache_directory(os.environ)  # a bad setting: an error before any start
        self.job = (project, mode, account_id, remediate is not None, sdk_cache)
        self.on_resource = on_resource
        self.remediate = remediate
        self._jobs_lock = threading.Lock()  # the runner, the event reader and wait() all write requests
        self.process: subprocess.Popen | None = None
        self._jobs: Any = None
        self._ended = threading.Event()
        self._answered = threading.Event()
        self._ending: tuple | None = None
        self._waiting = ""
        self._output = bytearray()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        job_read, job_write = os.pipe()
        event_read, event_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [
                    self.project.interpreter,
                    "-c",
                    _BOOTSTRAP,
                    _PACKAGE_ROOT,
                    str(job_read),
                    str(event_write),
                    str(self.project.directory),
                ],
                pass_fds=(job_read, event_write),
                env=_environment(self.project.virtualenv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        except OSError as exc:
            os.close(event_read)
            os.close(job_write)
            raise PreflightError(
                f"cannot start {self.project.interpreter} to run the program: {exc.strerror or exc}"
            ) from None
        finally:
            os.close(job_read)
            os.close(event_write)
        self._jobs = os.fdopen(job_write, "wb")
        self._threads = [
            threading.Thread(target=self._read_events, args=(event_read,), daemon=True),
            threading.Thread(target=self._read_output, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._request(self.job)

    def wait(self, deadline: float, timeout: float, tick: Callable[[], None] | None = None) -> ProgramResult:
        """Waits for the program's ending; the result, or PreflightError saying what went wrong.

        ``tick`` is called about five times a second while the program runs (the progress line).
        """
        assert self.process is not None
        while True:
            if tick is not None:
                tick()
            remaining = deadline - time.monotonic()
            if self._ended.wait(max(0.0, min(remaining, 0.2) if tick is not None else remaining)):
                break
            if remaining <= 0:
                raise self._timed_out(timeout)
        ending = self._ending
        if ending is not None and ending[0] == "forked":
            raise PreflightError(
                f"program {self._name()} forked (os.fork, in process {ending[1]}): preflight, like the "
                "Pulumi CLI's language host, cannot follow a forked program (start other programs with "
                "subprocess, or use threads)"
            )
        if ending is not None and ending[0] == "garbled":
            raise PreflightError(
                f"program {self._name()} wrote into the pipe that carries its registrations to preflight, so "
                "nothing it registered can be trusted (a program must not write to file descriptors it did "
                "not open)"
            )
        status = self._exit_status()
        self._finish_output()
        output = self._lines()
        if ending is None:
            raise PreflightError(self._incomplete(status, output), self._output_text())
        if ending[0] == "failed":
            _, message, detail = ending
            detail = "\n".join(part for part in (detail, self._output_text()) if part) or None
            raise PreflightError(message, detail)
        _, outputs, warnings, seconds, components, synthesized, peak_mb = ending
        return ProgramResult(outputs, warnings, seconds, components, output, peak_mb, synthesized)

    def stop(self) -> None:
        """Ends the program's whole process group and closes the pipes."""
        process = self.process
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with self._jobs_lock:
            if self._jobs is not None:
                with contextlib.suppress(OSError):
                    self._jobs.close()
                self._jobs = None
        for thread in self._threads:
            thread.join(DRAIN_GRACE)
        if process is not None and process.stdout is not None:
            process.stdout.close()

    # -- the pipes ---------------------------------------------------------------------------------------

    def packs_ready(self, remediating: bool) -> None:
        """Lets the program's registrations go on: the packs are configured, and whether one remediates."""
        self._request(("packs", remediating))

    def _request(self, message: Any) -> None:
        # OSError, ValueError: the program is gone (its ending says why); None: stopped.
        with self._jobs_lock, contextlib.suppress(OSError, ValueError):
            if self._jobs is not None:
                pickle.dump(message, self._jobs, protocol=pickle.HIGHEST_PROTOCOL)
                self._jobs.flush()

    def _remediate(self, number: int, resource: Resource, provider: Resource | None) -> None:
        assert self.remediate is not None
        try:
            inputs, error = self.remediate(resource, provider), None
        except PreflightError as exc:
            inputs, error = None, exc.message
        self._request(("remediated", number, inputs, error))

    def _read_events(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as events:
            while True:
                try:
                    message = pickle.load(events)
                except EOFError:
                    break
                except Exception:  # noqa: BLE001 - not preflight's own pickles: the program wrote into the pipe
                    self._ending = ("garbled",)
                    break
                kind = message[0]
                if kind == "resource":
                    self.on_resource(message[1])
                elif kind == "remediate":
                    self._remediate(*message[1:])
                elif kind == "waiting":
                    self._waiting = message[1]
                    self._answered.set()
                else:
                    self._ending = message
                    if kind == "forked":
                        break
        self._ended.set()

    def _read_output(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        stream = self.process.stdout
        while chunk := stream.read1(65536):
            self._output += chunk
            if len(self._output) > 2 * OUTPUT_LIMIT:
                del self._output[: len(self._output) - OUTPUT_LIMIT]

    def _finish_output(self) -> None:
        # The program has ended: what it started dies with its group, and the pipe closes.
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._threads[1].join(DRAIN_GRACE)

    def _exit_status(self) -> int:
        # The event pipe is closed: the program has ended, or closed it and is of no more use to the run.
        assert self.process is not None
        try:
            return self.process.wait(STATUS_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    # -- messages ----------------------------------------------------------------------------------------

    def _name(self) -> str:
        try:
            return str(self.project.program.resolve().relative_to(self.project.directory))
        except ValueError:
            return str(self.project.program)

    def _timed_out(self, timeout: float) -> PreflightError:
        self._request("status")
        waiting = self._waiting if self._answered.wait(STATUS_GRACE) else "it does not answer"
        self.stop()
        return PreflightError(
            f"program {self._name()} did not complete within {timeout:g} s (--timeout): {waiting}",
            self._output_text() or None,
        )

    def _incomplete(self, status: int, output: list[str]) -> str:
        if status < 0:
            try:
                how = f"was killed by signal {signal.Signals(-status).name}"
            except ValueError:
                how = f"was killed by signal {-status}"
        else:
            how = f"exited with status {status}"
        last = next((line.strip() for line in reversed(output) if line.strip()), "")
        hint = f"; its output ends: {last[:300]}" if last else ""
        return (
            f"program {self._name()} {how} before it completed (a program that calls os._exit or "
            f"crashes leaves its resources unfinished; the Pulumi CLI fails such a run too){hint}"
        )

    def _output_text(self) -> str:
        return bytes(self._output[-OUTPUT_LIMIT:]).decode("utf-8", "replace")

    def _lines(self) -> list[str]:
        return self._output_text().splitlines()
