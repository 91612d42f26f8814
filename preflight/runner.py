"""One preflight run: what `pulumi preview --policy-pack` does, without the CLI or a cloud account.

Loads the project and its stack config, starts every policy pack (while the program starts), runs the program
in its own process under the mock engine (``preflight.isolation``) with each registration handed to every pack
as it happens (the engine analyses each resource while the program goes on), then sends ``AnalyzeStack`` with
the final state of every resource and stops the packs and the program's process group, whatever happened. One
time limit covers the whole run. Returns a ``RunResult`` for the reporters, and the time split for the
benchmark.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from preflight import isolation, project, sdk_import
from preflight.errors import PreflightError
from preflight.model import Mode, Resource, RunResult, Violation
from preflight.policy_config import config_count_message, load_policy_config
from preflight.progress import Progress
from preflight.stack_outputs import load as load_stack_outputs

if TYPE_CHECKING:
    from preflight.analyzer import BackgroundAnalysis, Remediator

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_TIMEOUT = 600.0  # seconds for the whole run, as `--timeout` says


@dataclass(frozen=True)
class Timings:
    """Where a run's time went, in seconds."""

    program: float  # the program's own run under the mock engine
    analysis: float  # what analysis added after the program ended: the Analyze backlog and AnalyzeStack
    total: float  # the whole run: loading, packs starting and stopping included
    program_peak_mb: float = 0.0  # peak memory of the program's process (0 when it ran in this one)
    pack_peak_mb: tuple[float, ...] = ()  # peak memory of each pack's process, as far as Linux tells it


def run(
    project_dir: Path | str,
    stack: str,
    *,
    policy_packs: Sequence[Path | str] = (),
    policy_configs: Sequence[Path | str] = (),
    mode: Mode = Mode.PREVIEW,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_outputs: Mapping[str, Path | str] | None = None,
    start_timeout: float | None = None,
    rpc_timeout: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: TextIO | None = None,
) -> RunResult:
    """Runs the project's program for ``stack`` and every pack over it; raises PreflightError on bad input.

    ``progress``, when given, is the terminal that shows one updating line while the run goes on.
    """
    result, _ = run_timed(
        project_dir,
        stack,
        policy_packs=policy_packs,
        policy_configs=policy_configs,
        mode=mode,
        account_id=account_id,
        stack_outputs=stack_outputs,
        start_timeout=start_timeout,
        rpc_timeout=rpc_timeout,
        timeout=timeout,
        progress=progress,
    )
    return result


def run_timed(
    project_dir: Path | str,
    stack: str,
    *,
    policy_packs: Sequence[Path | str] = (),
    policy_configs: Sequence[Path | str] = (),
    mode: Mode = Mode.PREVIEW,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_outputs: Mapping[str, Path | str] | None = None,
    start_timeout: float | None = None,
    rpc_timeout: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: TextIO | None = None,
    isolated: bool = True,
) -> tuple[RunResult, Timings]:
    """``run``, also returning how long the program took and what analysis added to it.

    ``isolated=False`` runs the program in this process instead (for the benchmark's measure of what
    isolation costs, and the tests that show both ways give the same report); no time limit then.
    """
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    # As `pulumi preview --policy-pack-config`: a config for every pack, or none.
    if policy_configs and len(policy_configs) != len(policy_packs):
        raise PreflightError(config_count_message(len(policy_configs), len(policy_packs)))
    loaded = project.load_project(Path(project_dir), stack)
    if stack_outputs:
        referenced = {name: load_stack_outputs(name, Path(path)) for name, path in stack_outputs.items()}
        loaded = replace(loaded, stack_outputs=referenced)
    configs = [load_policy_config(Path(path)) for path in policy_configs]
    registered: dict[str, Resource] = {}
    resources: list[Resource] = []
    analyses: list[BackgroundAnalysis] = []
    attached = threading.Lock()

    def on_resource(resource: Resource) -> None:
        # Runs on the thread that reads the program's events: record and queue, nothing more.
        with attached:
            registered[resource.urn] = resource
            resources.append(resource)
            for analysis in analyses:
                analysis.submit(len(resources) - 1, resource)

    # Remediations run on each registration, once the packs are up (the Remediator, made when they start).
    remediators: list[Any] = []

    def remediate(resource: Resource, provider: Resource | None) -> Any:
        return remediators[0].remediate(resource, provider)

    remediation = remediate if policy_packs else None
    # The program starts first: its imports (the SDK, the provider SDKs) are the longest path of a small
    # stack, and they go on while this process loads the analyzer client and starts the packs.
    process = (
        isolation.start_program(loaded, mode, account_id, on_resource, remediation) if isolated else None
    )
    line = Progress(progress, started) if progress is not None else None
    try:
        if policy_packs:
            started_packs, remediator = _start_packs(
                loaded, mode, policy_packs, policy_configs, configs, start_timeout, rpc_timeout
            )
            with attached:  # what the program registered so far, then the rest as it comes
                analyses.extend(started_packs)
                for position, resource in enumerate(resources):
                    for analysis in analyses:
                        analysis.submit(position, resource)
            remediators.append(remediator)
            if process is not None:
                # The program's registrations wait for this: whether any pack remediates, once all are up.
                threading.Thread(
                    target=lambda: process.packs_ready(remediators[0].wait_ready()), daemon=True
                ).start()

        def tick() -> None:
            assert line is not None
            line.show(len(resources), sum(analysis.analyzed for analysis in analyses))

        if process is not None:
            program = process.wait(deadline, timeout, tick if line is not None else None)
            for urn, outputs in program.components:
                registered[urn].outputs = outputs
        else:
            program = _in_process(loaded, mode, account_id, on_resource, remediation)
        program_end = time.perf_counter()
        if line is not None:
            line.show(len(resources), sum(analysis.analyzed for analysis in analyses), "analysing")
        packs = [analysis.wait_started() for analysis in analyses]
        per_resource = [analysis.finish(deadline, timeout) for analysis in analyses]
        per_stack = _analyze_stacks(analyses, resources, registered, deadline)
        analysis_end = time.perf_counter()
    finally:
        if line is not None:
            line.clear()
        if process is not None:
            process.stop()
        for analysis in analyses:
            analysis.close()
    violations: list[Violation] = []
    for resource_violations, stack_violations in zip(per_resource, per_stack, strict=True):
        violations += resource_violations + _on_this_stack(stack_violations, resources, registered)
    applied = list(remediators[0].applied) if remediators else []
    every_warning = [
        *loaded.warnings,
        *program.warnings,
        *(w for analysis in analyses for w in analysis.client.warnings),
        *(remediators[0].warnings() if remediators else []),
    ]
    result = RunResult(
        loaded.name,
        loaded.stack,
        mode,
        resources,
        packs,
        violations,
        list(dict.fromkeys(every_warning)),  # without repeats, in first-seen order
        list(program.output),
        synthesized_invokes=program.synthesized_invokes,
        remediations=applied,
    )
    timings = Timings(
        program.seconds,
        analysis_end - program_end,
        time.perf_counter() - started,
        program.peak_mb,
        tuple(analysis.client.peak_mb for analysis in analyses),
    )
    return result, timings


def _start_packs(
    loaded: project.Project,
    mode: Mode,
    policy_packs: Sequence[Path | str],
    policy_configs: Sequence[Path | str],
    configs: list[Any],
    start_timeout: float | None,
    rpc_timeout: float | None,
) -> tuple[list[BackgroundAnalysis], Remediator]:
    """Starts every pack in the background (each reads its folder first: a bad one is an error here), and the
    remediations' go-between."""
    # Only a run with packs loads the analyzer client (gRPC and the Pulumi SDK: a third of a second).
    from preflight import analyzer

    specs = [analyzer.load_pack_spec(Path(directory)) for directory in policy_packs]
    settings = analyzer.StackSettings(
        project=loaded.name,
        stack=loaded.stack,
        dry_run=mode is Mode.PREVIEW,
        config=loaded.config,
        secret_keys=loaded.secret_keys,
    )
    started = [
        analyzer.BackgroundAnalysis(
            analyzer.PolicyPackClient(
                spec,
                settings,
                configs[i] if i < len(configs) else None,
                str(policy_configs[i]) if i < len(configs) else None,
                start_timeout=start_timeout or analyzer.START_TIMEOUT,
                rpc_timeout=rpc_timeout or analyzer.RPC_TIMEOUT,
            )
        )
        for i, spec in enumerate(specs)
    ]
    return started, analyzer.Remediator(started)


def _in_process(
    loaded: project.Project,
    mode: Mode,
    account_id: str,
    on_resource: Callable[[Resource], None],
    remediate: isolation.Remediate | None,
) -> isolation.ProgramResult:
    """The program run in this process, on the engine directly (imported only now: it loads the SDK)."""
    # Provider SDKs imported as in the program's own process.
    with sdk_import.installed(sdk_import.cache_directory(os.environ)):
        from preflight import engine

        run = engine.run_program(loaded, mode, account_id, on_resource=on_resource, remediate=remediate)
    return isolation.ProgramResult(
        run.outputs, run.warnings, run.seconds, [], synthesized_invokes=run.synthesized_invokes
    )


def _analyze_stacks(
    analyses: Sequence[BackgroundAnalysis],
    resources: list[Resource],
    registered: dict[str, Resource],
    deadline: float,
) -> list[list[Violation]]:
    if not analyses:
        return []
    from preflight.analyzer import provider_urn

    def lookup(reference: str | None) -> Resource | None:
        return registered.get(provider_urn(reference) or "")

    def analyze(analysis: BackgroundAnalysis) -> list[Violation]:
        return analysis.client.analyze_stack(resources, lookup, deadline - time.monotonic())

    if len(analyses) == 1:
        return [analyze(analyses[0])]
    with futures.ThreadPoolExecutor(len(analyses)) as pool:
        return list(pool.map(analyze, analyses))


def _on_this_stack(
    violations: list[Violation], resources: list[Resource], registered: dict[str, Resource]
) -> list[Violation]:
    """A stack policy's violation naming a URN that is no resource of this stack goes on the root stack
    resource, as the engine reports it (a report never names a resource it does not list)."""
    root = next((r.urn for r in resources if r.type == "pulumi:pulumi:Stack"), None)
    return [v if v.urn is None or v.urn in registered else replace(v, urn=root) for v in violations]
