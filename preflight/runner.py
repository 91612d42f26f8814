"""One preflight run: what `pulumi preview --policy-pack` does, without the CLI or a cloud account.

Loads the project and its stack config, starts every policy pack (while the program starts), runs the program
under the mock engine with each registration handed to every pack as it happens (the engine analyses each
resource while the program goes on), then sends ``AnalyzeStack`` with the final state of every resource and
stops the packs, whatever happened. Returns a ``RunResult`` for the reporters, and the time split for the
benchmark.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

from preflight import project
from preflight.analyzer import (
    RPC_TIMEOUT,
    START_TIMEOUT,
    BackgroundAnalysis,
    PolicyPackClient,
    StackSettings,
    load_pack_spec,
    provider_urn,
    unique,
)
from preflight.errors import PreflightError
from preflight.model import Mode, Resource, RunResult, Violation
from preflight.policy_config import config_count_message, load_policy_config

DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Timings:
    """Where a run's time went, in seconds."""

    program: float  # the program's own run under the mock engine
    analysis: float  # what analysis added after the program ended: the Analyze backlog and AnalyzeStack
    total: float  # the whole run: loading, packs starting and stopping included


def run(
    project_dir: Path | str,
    stack: str,
    *,
    policy_packs: Sequence[Path | str] = (),
    policy_configs: Sequence[Path | str] = (),
    mode: Mode = Mode.PREVIEW,
    account_id: str = DEFAULT_ACCOUNT_ID,
    start_timeout: float = START_TIMEOUT,
    rpc_timeout: float = RPC_TIMEOUT,
) -> RunResult:
    """Runs the project's program for ``stack`` and every pack over it; raises PreflightError on bad input."""
    result, _ = run_timed(
        project_dir,
        stack,
        policy_packs=policy_packs,
        policy_configs=policy_configs,
        mode=mode,
        account_id=account_id,
        start_timeout=start_timeout,
        rpc_timeout=rpc_timeout,
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
    start_timeout: float = START_TIMEOUT,
    rpc_timeout: float = RPC_TIMEOUT,
) -> tuple[RunResult, Timings]:
    """``run``, also returning how long the program took and what analysis added to it."""
    started = time.perf_counter()
    # As `pulumi preview --policy-pack-config`: a config for every pack, or none.
    if policy_configs and len(policy_configs) != len(policy_packs):
        raise PreflightError(config_count_message(len(policy_configs), len(policy_packs)))
    loaded = project.load_project(Path(project_dir), stack)
    # Everything that can be checked without starting anything is checked first, so bad input fails fast.
    specs = [load_pack_spec(Path(directory)) for directory in policy_packs]
    configs = [load_policy_config(Path(path)) for path in policy_configs]
    settings = StackSettings(
        project=loaded.name,
        stack=loaded.stack,
        dry_run=mode is Mode.PREVIEW,
        config=loaded.config,
        secret_keys=loaded.secret_keys,
    )
    registered: dict[str, Resource] = {}

    def lookup(reference: str | None) -> Resource | None:
        return registered.get(provider_urn(reference) or "")

    analyses = [
        BackgroundAnalysis(
            PolicyPackClient(
                spec,
                settings,
                configs[i] if i < len(configs) else None,
                str(policy_configs[i]) if i < len(configs) else None,
                start_timeout=start_timeout,
                rpc_timeout=rpc_timeout,
            )
        )
        for i, spec in enumerate(specs)
    ]
    counter = itertools.count()

    def on_resource(resource: Resource) -> None:
        # Runs on the program's thread: record and queue, nothing more.
        registered[resource.urn] = resource
        position = next(counter)
        for analysis in analyses:
            analysis.submit(position, resource)

    # Imported only now: the packs start while the Pulumi SDK loads.
    from preflight import engine

    try:
        program = engine.run_program(loaded, mode, account_id, on_resource=on_resource if analyses else None)
        program_end = time.perf_counter()
        packs = [analysis.wait_started() for analysis in analyses]
        per_resource = [analysis.finish() for analysis in analyses]
        per_stack = _analyze_stacks(analyses, program.resources, lookup)
        analysis_end = time.perf_counter()
    finally:
        for analysis in analyses:
            analysis.close()
    violations: list[Violation] = []
    for resource_violations, stack_violations in zip(per_resource, per_stack, strict=True):
        violations += resource_violations + stack_violations
    warnings = unique(
        [*loaded.warnings, *program.warnings, *(w for analysis in analyses for w in analysis.client.warnings)]
    )
    result = RunResult(
        loaded.name,
        loaded.stack,
        mode,
        program.resources,
        packs,
        violations,
        warnings,
        synthesized_invokes=program.synthesized_invokes,
    )
    timings = Timings(program.seconds, analysis_end - program_end, time.perf_counter() - started)
    return result, timings


def _analyze_stacks(
    analyses: Sequence[BackgroundAnalysis],
    resources: list[Resource],
    lookup: Callable[[str | None], Resource | None],
) -> list[list[Violation]]:
    if len(analyses) <= 1:
        return [analysis.client.analyze_stack(resources, lookup) for analysis in analyses]
    with futures.ThreadPoolExecutor(len(analyses)) as pool:
        return list(pool.map(lambda analysis: analysis.client.analyze_stack(resources, lookup), analyses))
