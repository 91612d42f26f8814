"""The analyzer client: starts a CrossGuard policy pack the way the Pulumi CLI does and drives it over gRPC.

A Python pack is a folder with ``PulumiPolicy.yaml``. The CLI runs ``python -u -m pulumi.policy <engine>
<pack-dir>`` with the pack's virtualenv interpreter, reads the port the pack prints on its first line of
standard output, and then calls ``ConfigureStack``, ``GetAnalyzerInfo``, ``Configure``, ``Analyze`` once per
resource as the program registers it, and ``AnalyzeStack`` once with every resource's final state.
``PolicyPackClient`` does exactly that; ``BackgroundAnalysis`` sends the ``Analyze`` calls from worker
threads so the program (in its own process) never waits on the pack. Each pack runs in its own process group,
ended with everything it started. A pack that crashes, hangs or answers with an error becomes a
``PreflightError`` carrying the last line of the pack's standard error (all of it as the detail).
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2

from preflight import policy_config
from preflight.errors import PreflightError
from preflight.model import PackInfo, PolicyInfo, Remediation, Resource, Violation
from preflight.project import virtualenv_python
from preflight.pulumi_protocol import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc
from preflight.wire import wire_properties

START_TIMEOUT = 60.0  # seconds for a pack to print its port (it imports its policies first)
RPC_TIMEOUT = 60.0  # deadline of every call but AnalyzeStack
STACK_TIMEOUT = 600.0  # AnalyzeStack sees every resource once per stack policy
STOP_GRACE = 2.0  # seconds between terminate and kill
ANALYZE_WORKERS = 4  # Analyze calls in flight per pack; the SDK's pack server has four threads
NICENESS = 10  # how much lower the packs run than the program (see _yield_to_the_program)
STDERR_LIMIT = 64 * 1024  # bytes of a pack's standard error kept (the last ones)

_LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVEL_NAMES.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


@dataclass(frozen=True)
class PackSpec:
    """A pack folder as the CLI reads it before starting it."""

    directory: Path
    version: str  # PulumiPolicy.yaml `version`; "" when absent (then the pack's own answer counts)
    interpreter: str
    virtualenv: Path | None  # the pack's virtualenv when it exists
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class StackSettings:
    """What the CLI tells a pack about the stack: environment variables and ``ConfigureStack``."""

    project: str
    stack: str
    dry_run: bool
    config: Mapping[str, Any]  # "<ns>:<key>" -> str, or dict/list for structured values
    secret_keys: frozenset[str] = frozenset()
    organization: str = "organization"  # what a self-managed backend reports

    def config_strings(self) -> dict[str, str]:
        """Config as the CLI passes it to programs and packs: structured values as JSON text."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.config.items()}

    def tags(self) -> dict[str, str]:
        return {"pulumi:project": self.project, "pulumi:runtime": "python"}


def load_pack_spec(directory: Path) -> PackSpec:
    """Checks the folder the way the CLI does and picks the interpreter; raises PreflightError otherwise."""
    directory = directory.resolve()
    if not directory.is_dir():
        raise PreflightError(
            f"policy pack {directory}: no such folder (pass --policy-pack a policy pack folder)"
        )
    manifest = directory / "PulumiPolicy.yaml"
    if not manifest.is_file():
        raise PreflightError(
            f"policy pack {directory}: no PulumiPolicy.yaml in this folder; is it a policy pack "
            "(created by `pulumi policy new`)?"
        )
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or _first_line(str(exc))
        raise PreflightError(f"policy pack {manifest}: not valid YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise PreflightError(
            f"policy pack {manifest}: must be a YAML mapping with runtime, version, description"
        )
    runtime = data.get("runtime")
    options = {}
    if isinstance(runtime, dict):
        options = runtime.get("options") or {}
        runtime = runtime.get("name")
    if runtime != "python":
        raise PreflightError(
            f"policy pack {manifest}: runtime is {runtime!r}; preflight runs Python packs (runtime: python)"
        )
    version = data.get("version")
    warnings: list[str] = []
    interpreter = sys.executable
    virtualenv = None
    if isinstance(options, dict) and options.get("virtualenv"):
        venv, python = virtualenv_python(directory, str(options["virtualenv"]))
        if python is not None:
            interpreter, virtualenv = str(python), venv
        else:
            warnings.append(
                f"policy pack {directory}: its virtualenv {venv} does not exist, so it runs with "
                f"{sys.executable} (to use its own: python -m venv {venv} && {venv}/bin/pip install -r "
                f"{directory}/requirements.txt)"
            )
    return PackSpec(
        directory, "" if version is None else str(version), interpreter, virtualenv, tuple(warnings)
    )


class EngineService(engine_pb2_grpc.EngineServicer):
    """The engine address a pack is given: records what the pack logs (warnings and errors are reported)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._root = ""

    def Log(self, request: engine_pb2.LogRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        if request.severity in (engine_pb2.WARNING, engine_pb2.ERROR):
            level = "warning" if request.severity == engine_pb2.WARNING else "error"
            where = f" ({request.urn})" if request.urn else ""
            self.messages.append(f"{level}: {request.message}{where}")
        return empty_pb2.Empty()

    def GetRootResource(
        self, request: engine_pb2.GetRootResourceRequest, context: grpc.ServicerContext
    ) -> engine_pb2.GetRootResourceResponse:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(
        self, request: engine_pb2.SetRootResourceRequest, context: grpc.ServicerContext
    ) -> engine_pb2.SetRootResourceResponse:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


class EngineServer:
    """A real gRPC Engine service on the loopback interface, one per pack so its messages are attributable."""

    def __init__(self) -> None:
        self.service = EngineService()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.service, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.address = f"127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.stop(None)


class _Pipe:
    """Drains one of the pack's output streams in a thread, so a chatty pack never blocks on a full pipe."""

    def __init__(self, stream: Any, first_line: queue.SimpleQueue | None = None) -> None:
        self.lines: deque[str] = deque()
        self._size = 0
        self._last_read = time.monotonic()
        self._stream = stream
        self._first_line = first_line
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        first = self._first_line
        for raw in self._stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._last_read = time.monotonic()
            if first is not None:
                first.put(line)
                first = None
            else:
                self._keep(line)
        if first is not None:
            first.put(None)
        self._stream.close()

    def _keep(self, line: str) -> None:
        # Only the last STDERR_LIMIT bytes: a pack that logs without end must not fill preflight's memory.
        self.lines.append(line)
        self._size += len(line) + 1
        while self._size > STDERR_LIMIT and len(self.lines) > 1:
            self._size -= len(self.lines.popleft()) + 1
        if self._size > STDERR_LIMIT:
            self.lines[0] = self.lines[0][-STDERR_LIMIT:]
            self._size = len(self.lines[0]) + 1

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def settle(self, quiet: float = 0.05, limit: float = 0.5) -> None:
        """Waits until the stream has been quiet a moment: a pack logs a failure as it answers the call."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and time.monotonic() - self._last_read < quiet:
            time.sleep(quiet / 5)

    def text(self) -> str:
        return "\n".join(self.lines)


class PolicyPackClient:
    """One running policy pack: start, configure, analyze, stop; ``analyze`` may run in many threads."""

    def __init__(
        self,
        spec: PackSpec,
        settings: StackSettings,
        config: Mapping[str, policy_config.PolicyConfig] | None = None,
        config_source: str | None = None,
        *,
        start_timeout: float = START_TIMEOUT,
        rpc_timeout: float = RPC_TIMEOUT,
        stack_timeout: float = STACK_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.info: PackInfo | None = None
        self.plugin_version = ""
        self.warnings: list[str] = list(spec.warnings)
        self.name = str(spec.directory)  # the pack's own name once it has said it
        self._config = dict(config or {})
        self._config_source = config_source or f"(none given; defaults of {spec.directory})"
        self._start_timeout = start_timeout
        self._stack_timeout = stack_timeout
        self._engine: EngineServer | None = None
        self._process: subprocess.Popen | None = None
        self._stdout: _Pipe | None = None
        self._stderr: _Pipe | None = None
        self._pipes: list[_Pipe] = []
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._aborted = False
        self.peak_mb = 0.0  # the pack's peak memory, read just before it is stopped (Linux only)
        self.port = 0
        self.rpc_timeout = rpc_timeout

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> PackInfo:
        """Spawns the pack, waits for its port and configures it; returns what it says about itself."""
        self._engine = EngineServer()
        command = [
            self.spec.interpreter,
            "-u",
            "-m",
            "pulumi.policy",
            self._engine.address,
            str(self.spec.directory),
        ]
        self._process = subprocess.Popen(
            command,
            cwd=self.spec.directory,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,  # its own group: ended with whatever it starts, never by the terminal's Ctrl-C
        )
        if self._aborted:  # abort() ran while the process was being created
            _signal_group(self._process, signal.SIGTERM)
        first_line: queue.SimpleQueue = queue.SimpleQueue()
        self._stdout = _Pipe(self._process.stdout, first_line)
        self._stderr = _Pipe(self._process.stderr)
        self._pipes = [self._stdout, self._stderr]
        policy_config.preload()  # while the pack imports its policies (half a second), not after
        port = self.port = self._wait_for_port(first_line)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
        self._stub = _stub(self._channel)
        self._configure_stack()
        info = self._call("GetAnalyzerInfo", self._stub.GetAnalyzerInfo, empty_pb2.Empty())
        self.plugin_version = self._call("GetPluginInfo", self._stub.GetPluginInfo, empty_pb2.Empty()).version
        pack = _pack_info(info, self.spec.version)
        initial = {
            name: policy_config.PolicyConfig(
                _initial_level(pack.name, name, entry.enforcementLevel), _plain(entry.properties)
            )
            for name, entry in info.initialConfig.items()
        }
        merged, warnings = policy_config.reconcile(pack, initial, self._config, self._config_source)
        self.warnings.extend(warnings)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in merged.items():
            target = request.policyConfig[name]
            target.enforcementLevel = _LEVEL_VALUES[entry.enforcement_level or "advisory"]
            target.properties.update(entry.properties)
        self._call("Configure", self._stub.Configure, request)
        # Started at full speed (a pack's start is on the critical path of a small stack), it analyses at a
        # lower priority than the program.
        _yield_to_the_program(self._process.pid)
        self.name = pack.name
        self.info = PackInfo(
            pack.name,
            pack.version,
            tuple(_with_level(p, merged[p.name].enforcement_level) for p in pack.policies),
        )
        return self.info

    def abort(self) -> None:
        """Ends the pack now, from any thread, so a start or a call in progress fails at once."""
        self._aborted = True
        process = self._process
        if process is not None and process.poll() is None:
            self.peak_mb = _peak_mb(process.pid)  # its last moment alive
            _signal_group(process, signal.SIGTERM)

    def stop(self) -> None:
        """Closes the channel and ends the pack (terminate, then kill after a grace period). Idempotent."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is not None:
            self.peak_mb = max(self.peak_mb, _peak_mb(process.pid))
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(STOP_GRACE)
            # Whatever the pack started ends with it.
            _signal_group(process, signal.SIGKILL)
            process.wait()
            for pipe in self._pipes:
                pipe.join(STOP_GRACE)
            self._collect_output()
        if self._engine is not None:
            self.warnings.extend(f"policy pack {self.name}: {m}" for m in self._engine.service.messages)
            self._engine.stop()
            self._engine = None

    # -- analysis ----------------------------------------------------------------------------------------

    def analyze(self, resource: Resource, provider: Resource | None) -> list[Violation]:
        """``Analyze`` of one resource's inputs; violations carry its URN, as the engine reports them."""
        request = analyze_request(resource, provider)
        response = self._call("Analyze", self._stub.Analyze, request, what=resource.urn)
        return violations_from(response, self.name, resource.urn)

    def remediate(
        self, resource: Resource, provider: Resource | None
    ) -> tuple[struct_pb2.Struct | None, list[Remediation]]:
        """``Remediate`` of one resource's inputs: the inputs its remediations leave (None: unchanged) and
        what each remediation did. A pack without ``Remediate`` (UNIMPLEMENTED) remediates nothing."""
        request = analyze_request(resource, provider)
        try:
            response = self._stub.Remediate(request, timeout=self.rpc_timeout)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None, []
            code, details = exc.code().name, exc.details()
            raise self.failure("Remediate", code, details, resource.urn, self.rpc_timeout) from None
        properties: struct_pb2.Struct | None = None
        applied = []
        for remediation in response.remediations:
            # As the engine: a diagnostic means the remediation did not run; otherwise its properties are the
            # resource's new inputs, which the next remediation starts from.
            if not remediation.diagnostic and remediation.HasField("properties"):
                properties = remediation.properties
            applied.append(
                Remediation(
                    policy_pack=remediation.policyPackName or self.name,
                    policy=remediation.policyName,
                    urn=resource.urn,
                    description=remediation.description,
                    diagnostic=remediation.diagnostic,
                )
            )
        return properties, applied

    def analyze_stack(
        self,
        resources: Sequence[Resource],
        lookup: Callable[[str | None], Resource | None],
        remaining: float | None = None,
    ) -> list[Violation]:
        """``AnalyzeStack`` with every resource's final state, parents and (property) dependencies.

        ``remaining``: seconds left of the run's time limit, when it is shorter than the call's own.
        """
        timeout = self._stack_timeout if remaining is None else max(0.0, min(self._stack_timeout, remaining))
        request = stack_request(resources, lookup)
        try:
            response = self._stub.AnalyzeStack(request, timeout=timeout)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:  # an old pack: the CLI skips stack policies
                return []
            raise self.failure("AnalyzeStack", exc.code().name, exc.details(), "", timeout) from None
        return violations_from(response, self.name, None)

    # -- helpers -----------------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        config = self.settings.config_strings()
        env.update(
            PULUMI_PROJECT=self.settings.project,
            PULUMI_STACK=self.settings.stack,
            PULUMI_ORGANIZATION=self.settings.organization,
            PULUMI_DRY_RUN="true" if self.settings.dry_run else "false",
            PYTHONUNBUFFERED="1",
        )
        env.pop("PULUMI_CONFIG", None)
        if config:  # the CLI sets it only when the stack has config
            env["PULUMI_CONFIG"] = json.dumps(config)
        if self.spec.virtualenv is not None:
            env["VIRTUAL_ENV"] = str(self.spec.virtualenv)
            env["PATH"] = f"{self.spec.virtualenv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def _wait_for_port(self, first_line: queue.SimpleQueue) -> int:
        where = f"policy pack {self.spec.directory}"
        try:
            line = first_line.get(timeout=self._start_timeout)
        except queue.Empty:
            raise PreflightError(
                f"{where} printed no port within {self._start_timeout:g} s of starting (does its __main__.py "
                f"build a PolicyPack?){self._stderr_hint()}",
                detail=self._stderr_text(),
            ) from None
        if line is None:
            try:
                status = self._process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                raise PreflightError(
                    f"{where} closed its standard output without printing its port{self._stderr_hint()}",
                    detail=self._stderr_text(),
                ) from None
            self._stderr.join(STOP_GRACE)
            raise PreflightError(
                f"{where} exited with status {status} before it printed its port{self._stderr_hint()}",
                detail=self._stderr_text(),
            )
        try:
            return int(line.strip())
        except ValueError:
            raise PreflightError(
                f"{where} printed {line.strip()[:80]!r} where the CLI expects its port number (a pack must "
                f"not print to standard output before its PolicyPack starts){self._stderr_hint()}",
                detail=self._stderr_text(),
            ) from None

    def _configure_stack(self) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.settings.stack,
            project=self.settings.project,
            organization=self.settings.organization,
            dry_run=self.settings.dry_run,
            config=self.settings.config_strings(),
            config_secret_keys=sorted(self.settings.secret_keys),
            tags=self.settings.tags(),
        )
        try:
            self._stub.ConfigureStack(request, timeout=self.rpc_timeout)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:  # older packs: the CLI goes on without it
                raise self.failure(
                    "ConfigureStack", exc.code().name, exc.details(), "", self.rpc_timeout
                ) from None

    def _call(self, method: str, call: Callable, request: Any, what: str = "") -> Any:
        try:
            return call(request, timeout=self.rpc_timeout)
        except grpc.RpcError as exc:
            raise self.failure(method, exc.code().name, exc.details(), what, self.rpc_timeout) from None

    def failure(
        self, method: str, code: str, details: str | None, what: str, timeout: float
    ) -> PreflightError:
        """The one-line error for a failed call (gRPC status ``code``), telling a crash and a hang apart."""
        call = f"{method} of {what}" if what else method
        process = self._process
        status = None
        if process is not None and code == "UNAVAILABLE":
            try:
                status = process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                status = None
        if status is not None:
            self._stderr.join(STOP_GRACE)
            message = f"policy pack {self.name} crashed during {call} (exit status {status})"
        elif code == "DEADLINE_EXCEEDED":
            message = f"policy pack {self.name} did not answer {call} within {timeout:g} s (it hangs)"
        else:
            self._stderr.settle()
            message = f"policy pack {self.name}: {call} failed: {code}: {_first_line(details or '')}"
        return PreflightError(message + self._stderr_hint(), detail=self._stderr_text())

    def _stderr_text(self) -> str:
        return self._stderr.text() if self._stderr is not None else ""

    def _stderr_hint(self) -> str:
        last = _last_line(self._stderr_text())
        return f"; its stderr ends: {last}" if last else ""

    def _collect_output(self) -> None:
        # pulumi.log without an engine connection prints "warning: ..." / "error: ..." on stderr; the CLI
        # shows a plugin's stderr, so these reach the report.
        for line in self._stderr.lines if self._stderr is not None else ():
            if line.startswith(("warning: ", "error: ")):
                self.warnings.append(f"policy pack {self.name}: {line}")


class BackgroundAnalysis:
    """Starts a pack and analyzes resources as the program registers them, on threads of preflight.

    The program runs in its own process (``preflight.isolation``), so these threads never take the
    interpreter lock from it. ``submit`` queues a registration (before the pack is ready too); several
    workers keep ``Analyze`` calls in flight; ``finish`` returns the violations in registration order, or
    raises the first failed call as the client describes it (a crash, a hang or an error).
    """

    def __init__(self, client: PolicyPackClient, workers: int = ANALYZE_WORKERS) -> None:
        self.client = client
        self.analyzed = 0
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._registered: dict[str, Resource] = {}
        self._results: list[tuple[int, list[Violation]]] = []
        self._failures: list[BaseException] = []
        self._threads = [threading.Thread(target=self._start, daemon=True)]
        self._threads += [threading.Thread(target=self._analyze, daemon=True) for _ in range(workers)]
        self._workers = workers
        for thread in self._threads:
            thread.start()

    def submit(self, index: int, resource: Resource) -> None:
        """Queues one registration; called on the thread that reads the program's events."""
        self._registered[resource.urn] = resource
        self._work.put((index, resource))

    def wait_started(self) -> PackInfo:
        """Waits for the pack to be configured; raises its start failure."""
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self.client.info is not None
        return self.client.info

    def started(self) -> PolicyPackClient | None:
        """Waits for the pack to be configured: its client, or None when it failed to start (``finish``
        raises that failure)."""
        self._ready.wait()
        return None if self._error is not None else self.client

    def finish(self, deadline: float | None = None, timeout: float = 0.0) -> list[Violation]:
        """Waits for every queued resource to be analyzed; the violations in registration order.

        Past ``deadline`` (the run's time limit of ``timeout`` seconds) the pack is stopped and the run fails.
        """
        self.wait_started()
        self._stop_workers(deadline)
        if any(thread.is_alive() for thread in self._threads[1:]):
            self.client.abort()
            raise PreflightError(
                f"policy pack {self.client.name} was still analysing resources when the run reached its time "
                f"limit of {timeout:g} s (--timeout): {len(self._results)} analysed so far"
            )
        if self._failures:
            raise self._failures[0]
        self._results.sort(key=lambda item: item[0])
        return [violation for _, violations in self._results for violation in violations]

    def close(self) -> None:
        """Stops the workers and the pack, whatever state they are in. Idempotent."""
        self.client.abort()
        self._stop_workers()
        self._threads[0].join()
        self.client.stop()

    def _stop_workers(self, deadline: float | None = None) -> None:
        for _ in range(self._workers):
            self._work.put(None)
        self._workers = 0
        for thread in self._threads[1:]:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def _start(self) -> None:
        try:
            self.client.start()
        except BaseException as exc:  # noqa: BLE001 - handed to the runner's thread by wait_started/finish
            self._error = exc
        self._ready.set()

    def _analyze(self) -> None:
        _lower_this_thread()  # building requests and reading answers waits for the program too
        self._ready.wait()
        while (item := self._work.get()) is not None:
            if self._error is not None or self._failures:
                continue  # the first failure is what gets reported; drain the rest
            index, resource = item
            provider = self._registered.get(provider_urn(resource.provider) or "")
            try:
                violations = self.client.analyze(resource, provider)
            except PreflightError as exc:
                self._failures.append(exc)
                continue
            self._results.append((index, violations))
            self.analyzed += 1


class Remediator:
    """The packs' ``Remediate`` on each registration before it is recorded, as the engine runs it (after the
    provider's checks, before ``Analyze``): each pack, in order, gets the inputs the previous one left, and
    the registration goes on with the last ones. Only packs with a policy at level ``remediate`` are asked.
    """

    def __init__(self, analyses: Sequence[BackgroundAnalysis]) -> None:
        self._analyses = list(analyses)
        self.applied: list[Remediation] = []  # every remediation, in the order the packs answered
        self._lock = threading.Lock()
        self._remediating: list[PolicyPackClient] | None = None

    def wait_ready(self) -> bool:
        """Waits until every pack is configured; whether any remediates (one that failed to start does not:
        the run reports its failure at the end)."""
        with self._lock:
            if self._remediating is None:
                clients = [analysis.started() for analysis in self._analyses]
                self._remediating = [
                    client
                    for client in clients
                    if client is not None
                    and client.info is not None
                    and any(p.enforcement_level == "remediate" for p in client.info.policies)
                ]
            return bool(self._remediating)

    def remediate(self, resource: Resource, provider: Resource | None) -> struct_pb2.Struct | None:
        """The inputs ``resource`` is registered with after every remediation (None: unchanged); a pack's
        failure is a PreflightError."""
        self.wait_ready()
        assert self._remediating is not None
        inputs = None
        for client in self._remediating:
            properties, applied = client.remediate(resource, provider)
            with self._lock:
                self.applied.extend(applied)
            if properties is not None:
                inputs = properties
                resource = replace(resource, inputs=properties)
        return inputs

    def warnings(self) -> list[str]:
        """The remediations that could not run, as the engine shows them (a warning each)."""
        return [
            f"policy pack {r.policy_pack}: remediation {r.policy} of {r.urn} did not run: {r.diagnostic}"
            for r in self.applied
            if r.diagnostic
        ]


# -- wire helpers ------------------------------------------------------------------------------------------


def _yield_to_the_program(pid: int) -> None:
    """Lowers a helper process's priority: on a small machine the program's thread keeps its core, and the
    packs use what is left while it runs (their total work is the same either way).

    On Linux a priority belongs to a thread, and a pack answers on the threads of its gRPC server, started
    before it printed its port: each of them is lowered (threads started later inherit it from theirs).

    Each of those threads is also kept on one CPU (see :func:`_pack_cpu`). They run Python, so one at a time
    (the interpreter lock), and hand the lock and every call over to each other; on one CPU a hand-over is a
    switch, not a wake-up of another CPU, which is dear on virtual machines: for 5,000 ``Analyze`` calls the
    pack spent 1.8 CPU-s instead of 2.4.
    """
    niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    cpu = _pack_cpu()
    done: set[int] = set()
    while todo := set(_threads_of(pid)) - done:  # again, for threads started while this ran
        for thread in todo:
            with contextlib.suppress(OSError):  # a thread that has ended since, or a process gone
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
                if cpu is not None:
                    os.sched_setaffinity(thread, {cpu})
        done |= todo


_packs_placed = itertools.count()


def _pack_cpu() -> int | None:
    """The CPU the next pack is kept on: the last one preflight may use, then the one before, and so on,
    leaving the first to the program (which the scheduler still places freely); None with a single CPU, or
    where a thread's CPUs cannot be chosen (not Linux)."""
    if sys.platform != "linux":
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return cpus[-1 - next(_packs_placed) % (len(cpus) - 1)]


def _lower_this_thread() -> None:
    """Lowers the calling thread's priority as the packs' (Linux only: elsewhere a priority is the whole
    process's, and preflight's other threads answer the program)."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS))


def _threads_of(pid: int) -> list[int]:
    """The ids of a process's threads (Linux's /proc); elsewhere the process id, which stands for them all."""
    try:
        return [int(entry) for entry in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return [pid]


def _stub(channel: grpc.Channel) -> analyzer_pb2_grpc.AnalyzerStub:
    """The analyzer stub, sending properties with their keys in order, as the engine marshals them (sorted).

    A property map has no order of its own; sorted on the wire, a pack sees every resource's keys in the same
    order whichever way the record reached preflight, so its messages are the same from run to run.
    """
    stub = analyzer_pb2_grpc.AnalyzerStub(channel)
    stub.Analyze = channel.unary_unary(
        "/pulumirpc.Analyzer/Analyze",
        request_serializer=functools.partial(
            analyzer_pb2.AnalyzeRequest.SerializeToString, deterministic=True
        ),
        response_deserializer=analyzer_pb2.AnalyzeResponse.FromString,
    )
    # AnalyzeStack's request comes serialized (stack_request).
    stub.AnalyzeStack = channel.unary_unary(
        "/pulumirpc.Analyzer/AnalyzeStack", response_deserializer=analyzer_pb2.AnalyzeResponse.FromString
    )
    return stub


def _peak_mb(pid: int) -> float:
    """A live process's peak resident memory from /proc (VmHWM, in kB); 0 where there is no such file."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    peaks = [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return peaks[0] if peaks else 0.0  # a process that has exited (a zombie) has no memory figures


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Sends ``signum`` to the process group the pack leads (it may be gone already)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def provider_urn(reference: str | None) -> str | None:
    """The URN in a provider reference ``<urn>::<id>`` (URNs contain ``::`` too, ids do not)."""
    return reference.rsplit("::", 1)[0] if reference else None


def analyze_request(resource: Resource, provider: Resource | None) -> analyzer_pb2.AnalyzeRequest:
    """The ``Analyze`` request the engine sends for one registration (its inputs, options and provider)."""
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=wire_properties(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
    )
    if provider is not None:
        request.provider.CopyFrom(provider_message(provider))
    return request


def stack_request(resources: Sequence[Resource], lookup: Callable[[str | None], Resource | None]) -> bytes:
    """The ``AnalyzeStackRequest`` the engine sends: every resource's final state (outputs, else inputs),
    parent, dependencies, property dependencies, options and provider.

    Serialized one resource at a time: the bytes are those of the whole message, deterministic as the stub
    sends it, without the message itself in memory (at 5,000 resources about 20 MB of preflight's peak). They
    are written to one buffer that becomes the result without a copy (``BytesIO.getvalue``), so the request
    is in memory once, not also as a list of pieces to join.
    """
    out = io.BytesIO()
    for resource in resources:
        entry = analyzer_pb2.AnalyzerResource(
            type=resource.type,
            urn=resource.urn,
            name=resource.name,
            parent=resource.parent or "",
            dependencies=resource.dependencies,
            properties=wire_properties(resource.outputs if resource.outputs is not None else resource.inputs),
            options=_options(resource),
        )
        for key, urns in resource.property_dependencies.items():
            if urns:  # the engine leaves out properties without dependencies
                entry.propertyDependencies[key].urns.extend(urns)
        provider = lookup(resource.provider)
        if provider is not None:
            entry.provider.CopyFrom(provider_message(provider))
        data = entry.SerializeToString(deterministic=True)
        out.write(_RESOURCES_FIELD + _varint(len(data)))  # field 1, length-delimited, per resource
        out.write(data)
    return out.getvalue()


_RESOURCES_FIELD = bytes([1 << 3 | 2])


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def provider_message(provider: Resource) -> analyzer_pb2.AnalyzerProviderResource:
    """The provider as the engine describes it to a pack: its type, URN, name and inputs."""
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=wire_properties(provider.inputs)
    )


def violations_from(response: analyzer_pb2.AnalyzeResponse, pack: str, urn: str | None) -> list[Violation]:
    """The diagnostics of one answer; Analyze's resource URN wins over the diagnostic's, as in the engine.

    A diagnostic at level ``disabled`` is not reported (the engine drops it); a level the protocol does not
    define is the pack's error.
    """
    for diagnostic in response.diagnostics:
        if diagnostic.enforcementLevel not in _LEVEL_NAMES:
            call = f"Analyze of {urn}" if urn else "AnalyzeStack"
            raise PreflightError(
                f"policy pack {pack} answered {call} with a diagnostic of policy {diagnostic.policyName!r} "
                f"at enforcement level {diagnostic.enforcementLevel}, which the analyzer protocol does not "
                "define (advisory, mandatory, remediate or disabled); fix the pack"
            )
    return [
        Violation(
            policy_pack=diagnostic.policyPackName or pack,
            policy=diagnostic.policyName,
            # "remediate" that still fails is reported as mandatory, as the engine does.
            enforcement_level="advisory"
            if diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
            else "mandatory",
            severity=_SEVERITIES.get(diagnostic.severity, ""),
            urn=urn or diagnostic.urn or None,
            message=diagnostic.message,
        )
        for diagnostic in response.diagnostics
        if diagnostic.enforcementLevel != analyzer_pb2.DISABLED
    ]


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=resource.ignore_changes,
        deleteBeforeReplace=bool(resource.delete_before_replace),
        deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
        additionalSecretOutputs=resource.additional_secret_outputs,
        aliases=resource.aliases,
        parent=resource.parent or "",
    )
    options.customTimeouts.SetInParent()  # the CLI always sends the (zero) timeouts
    return options


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def _pack_info(info: analyzer_pb2.AnalyzerInfo, manifest_version: str) -> PackInfo:
    return PackInfo(
        name=info.name,
        # The CLI prefers PulumiPolicy.yaml's version: the Python SDK always answers 0.0.1.
        version=manifest_version or info.version,
        policies=tuple(_policy_info(policy) for policy in info.policies),
    )


def _policy_info(policy: analyzer_pb2.PolicyInfo) -> PolicyInfo:
    schema = None
    if policy.HasField("configSchema") and (
        policy.configSchema.properties.fields or policy.configSchema.required
    ):
        schema = {
            "properties": _plain(policy.configSchema.properties),
            "required": list(policy.configSchema.required),
        }
    framework = policy.framework
    label = " ".join(part for part in (framework.name, framework.version) if part)
    if framework.reference:
        label = f"{label} ({framework.reference})" if label else framework.reference
    return PolicyInfo(
        name=policy.name,
        description=policy.description,
        enforcement_level=_LEVEL_NAMES.get(policy.enforcementLevel, "advisory"),
        severity=_SEVERITIES.get(policy.severity, ""),
        framework=label,
        remediation_steps=policy.remediation_steps,
        url=policy.url,
        config_schema=schema,
    )


def _initial_level(pack: str, policy: str, value: int) -> str:
    """The level of a policy in the pack's initial config; a value the protocol does not have is the pack's
    error (an SDK of another version or a hand-written analyzer), said as such."""
    if value not in _LEVEL_NAMES:
        raise PreflightError(
            f"policy pack {pack}: its initial config gives policy {policy} enforcement level {value}, which "
            "the analyzer protocol does not define; the pack's SDK and preflight disagree (update the pack)"
        )
    return _LEVEL_NAMES[value]


def _with_level(policy: PolicyInfo, level: str | None) -> PolicyInfo:
    if level is None or level == policy.enforcement_level:
        return policy
    return PolicyInfo(
        policy.name,
        policy.description,
        level,
        policy.severity,
        policy.framework,
        policy.remediation_steps,
        policy.url,
        policy.config_schema,
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())
