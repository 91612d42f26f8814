"""Benchmark of the policy pack alone (not a test): its CPU time, wall time and peak memory by shape and size.

For every shape (the generated program of ``preflight_bench`` and the literal-reference shapes of
``literal_shapes``) and size, in fresh interpreters:
  1. preflight runs the program without a pack and keeps the resources it registered (as the engine would
     send them: inputs, outputs in update mode, parents, dependencies, property dependencies);
  2. the pack (``policy/``) is started as the CLI starts it and driven over gRPC with one ``Analyze`` per
     resource and one ``AnalyzeStack``; its own CPU time (from /proc, so other work on a shared machine
     does not count), the wall time of both phases and its peak RSS (VmHWM) are read before it stops.
With ``--compare``, each size is also run with the pack's speed-ups switched off
(``TRADING_POLICIES_SPEEDUPS=off``) and the violations of both runs must be identical.

Ratios (2N against N, speed-ups on against off) are measured within one run: compare those, not absolute
times, when the machine is shared.

    python benchmarks/pack_bench.py [--shapes generated,literal-key-arn,...] [--sizes 1000,2000]
                                    [--mode update|preview] [--compare] [--profile FILE]

``--profile FILE`` runs the pack's servicer in-process under cProfile for the last shape and size instead
(same requests, no gRPC) and writes the stats to FILE (read them with ``python -m pstats FILE``).
``--memory`` instead prints, per shape and size, the Python memory the servicer allocates at the peak of
``AnalyzeStack`` (tracemalloc, in-process) and the files whose allocations hold the most.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policy"
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import literal_shapes  # noqa: E402
import preflight_bench  # noqa: E402

SHAPES = {"generated": preflight_bench.generate, **literal_shapes.SHAPES}


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def record(project: str, mode: str, out: str) -> None:
    """Child: run the program without a pack; pickle its resources."""
    from preflight import runner
    from preflight.model import Mode

    started = time.perf_counter()
    result = runner.run(project, "dev", mode=Mode(mode))
    Path(out).write_bytes(pickle.dumps(result.resources, protocol=pickle.HIGHEST_PROTOCOL))
    print(json.dumps({"program": time.perf_counter() - started, "resources": len(result.resources)}))


def _requests(resources: list) -> tuple[list, object]:
    """The Analyze requests and the AnalyzeStack request preflight sends for ``resources``."""
    from preflight import analyzer

    by_urn = {r.urn: r for r in resources}

    def lookup(reference: str | None) -> object:
        return by_urn.get(analyzer.provider_urn(reference) or "")

    analyze = [analyzer.analyze_request(r, lookup(r.provider)) for r in resources]
    captured = []

    class Capture:
        def AnalyzeStack(self, request: bytes, timeout: float) -> object:
            captured.append(analyzer.analyzer_pb2.AnalyzeStackRequest.FromString(request))
            return analyzer.analyzer_pb2.AnalyzeResponse()

    client = analyzer.PolicyPackClient.__new__(analyzer.PolicyPackClient)
    client._stub, client._stack_timeout, client.name = Capture(), 1.0, "capture"
    client.analyze_stack(resources, lookup)
    return analyze, captured[0]


def drive(resources_file: str, mode: str) -> None:
    """Child: start the pack, send every Analyze and the AnalyzeStack; print its CPU, wall and memory."""
    from preflight import analyzer
    from preflight.model import Mode

    resources = pickle.loads(Path(resources_file).read_bytes())
    loaded = analyzer.load_pack_spec(PACK)
    settings = analyzer.StackSettings(
        project="bench", stack="dev", dry_run=Mode(mode) is Mode.PREVIEW, config={"aws:region": "us-east-1"}
    )
    client = analyzer.PolicyPackClient(loaded, settings)
    client.start()
    pid = client._process.pid
    by_urn = {r.urn: r for r in resources}

    def lookup(reference: str | None) -> object:
        return by_urn.get(analyzer.provider_urn(reference) or "")

    try:
        cpu_ready = _proc_cpu_seconds(pid)
        started = time.perf_counter()
        violations = [v for r in resources for v in client.analyze(r, lookup(r.provider))]
        analyzed = time.perf_counter()
        cpu_analyzed = _proc_cpu_seconds(pid)
        violations += client.analyze_stack(resources, lookup)
        stacked = time.perf_counter()
        cpu_stacked = _proc_cpu_seconds(pid)
        peak = _proc_peak_mb(pid)
    finally:
        client.stop()
    digest = hashlib.sha256(
        json.dumps([(v.policy, v.enforcement_level, v.urn, v.message) for v in violations]).encode()
    ).hexdigest()[:16]
    print(
        json.dumps(
            {
                "analyze_cpu": cpu_analyzed - cpu_ready,
                "stack_cpu": cpu_stacked - cpu_analyzed,
                "analyze_wall": analyzed - started,
                "stack_wall": stacked - analyzed,
                "pack_mb": peak,
                "violations": len(violations),
                "digest": digest,
                "by_policy": dict(Counter(v.policy for v in violations).most_common()),
            }
        )
    )


def profile(resources_file: str, out: str) -> None:
    """Child: the pack's servicer in this process under cProfile, over the same requests."""
    import cProfile

    sys.path.insert(0, str(PACK))
    from pulumi.runtime import proto
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer
    from trading_policies import ALL_POLICIES, PACK_NAME

    analyze, stack = _requests(pickle.loads(Path(resources_file).read_bytes()))
    server = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", ALL_POLICIES, EnforcementLevel.MANDATORY)
    server.Configure(proto.ConfigureAnalyzerRequest(), None)
    profiler = cProfile.Profile()
    profiler.enable()
    for request in analyze:
        server.Analyze(request, None)
    server.AnalyzeStack(stack, None)
    profiler.disable()
    profiler.dump_stats(out)


def memory(resources_file: str) -> None:
    """Child: what the pack's servicer holds in Python objects at the peak of ``AnalyzeStack`` (tracemalloc;
    the decoded protobuf request lives in upb's arena, outside it), with the largest allocation sites."""
    import tracemalloc

    sys.path.insert(0, str(PACK))
    from pulumi.runtime import proto
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer
    from trading_policies import ALL_POLICIES, PACK_NAME

    analyze, stack = _requests(pickle.loads(Path(resources_file).read_bytes()))
    data = stack.SerializeToString()
    del stack
    server = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", ALL_POLICIES, EnforcementLevel.MANDATORY)
    server.Configure(proto.ConfigureAnalyzerRequest(), None)
    for request in analyze:
        server.Analyze(request, None)
    request = proto.AnalyzeStackRequest.FromString(data)
    tracemalloc.start(1)
    before = tracemalloc.get_traced_memory()[0]
    server.AnalyzeStack(request, None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Again, to list where the memory goes: a snapshot once the rules' view of the stack is built.
    from trading_policies import graph

    snapshots = []
    built = graph.Stack.__init__

    def snapshot_after(self: Any, *args: Any, **kwargs: Any) -> None:
        built(self, *args, **kwargs)
        if not snapshots:
            snapshots.append(tracemalloc.take_snapshot())

    graph.Stack.__init__ = snapshot_after
    tracemalloc.start(1)
    server.AnalyzeStack(request, None)
    tracemalloc.stop()
    top = snapshots[0].statistics("filename")[:8]
    sites = {str(stat.traceback[0].filename).rsplit("site-packages/", 1)[-1]: stat.size for stat in top}
    mb = 1024 * 1024
    result = {
        "request_mb": round(len(data) / mb, 1),
        "stack_python_peak_mb": round((peak - before) / mb, 1),
        "sites_mb": {k: round(v / mb, 1) for k, v in sites.items()},
    }
    print(json.dumps(result))


def _child(*args: str, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stderr.strip()[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--sizes", default="1000,2000")
    parser.add_argument("--mode", choices=("preview", "update"), default="update")
    parser.add_argument("--compare", action="store_true", help="also run with the speed-ups off")
    parser.add_argument("--profile", help="profile the servicer in-process; write cProfile stats here")
    parser.add_argument(
        "--memory", action="store_true", help="the Python memory of AnalyzeStack in-process, by site"
    )
    parser.add_argument("--verbose", action="store_true", help="count the violations by policy")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        role, *rest = args.child
        {"record": record, "drive": drive, "profile": profile, "memory": memory}[role](*rest)
        return
    shapes = args.shapes.split(",")
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if unknown:
        parser.error(f"--shapes: unknown shape {', '.join(unknown)}; choose from {', '.join(SHAPES)}")
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes: {args.sizes!r} is not a comma-separated list of resource counts")
    load = os.getloadavg()
    print(f"pack benchmark, mode {args.mode}, {os.cpu_count()} cores, load average {load[0]:.1f} at start")
    results: dict[str, dict[int, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="pack-bench-") as tmp:
        for shape in shapes:
            for size in sizes:
                project = Path(tmp) / f"{shape}-{size}"
                SHAPES[shape](project, size)
                resources_file = str(project / "resources.pickle")
                program = _child("--child", "record", str(project), args.mode, resources_file)
                if args.profile:
                    _child("--child", "profile", resources_file, args.profile)
                    continue
                if args.memory:
                    print(f"{shape:<26} {size:>6}: {json.dumps(_child('--child', 'memory', resources_file))}")
                    continue
                row = _child("--child", "drive", resources_file, args.mode)
                row.update(program)
                if args.compare:
                    env = {**os.environ, "TRADING_POLICIES_SPEEDUPS": "off"}
                    off = _child("--child", "drive", resources_file, args.mode, env=env)
                    row["off"] = off
                    if off["digest"] != row["digest"] or off["violations"] != row["violations"]:
                        raise SystemExit(f"{shape} {size}: violations differ with the speed-ups off")
                results.setdefault(shape, {})[size] = row
                cpu = row["analyze_cpu"] + row["stack_cpu"]
                text = (
                    f"{shape:<26} {row['resources']:>6} resources  pack CPU {cpu:7.2f} s "
                    f"(Analyze {row['analyze_cpu']:6.2f}, AnalyzeStack {row['stack_cpu']:6.2f})  "
                    f"wall {row['analyze_wall'] + row['stack_wall']:7.2f} s  "
                    f"pack peak {row['pack_mb']:5.0f} MB  "
                    f"violations {row['violations']}"
                )
                if "off" in row:
                    off_cpu = row["off"]["analyze_cpu"] + row["off"]["stack_cpu"]
                    text += f"  speed-ups off: CPU {off_cpu:.2f} s ({off_cpu / cpu:.1f}x), same violations"
                print(text, flush=True)
                if args.verbose:
                    print(f"    {row['by_policy']}")
    if args.profile:
        print(f"profile written to {args.profile}")
        return
    if args.memory:
        return
    print()
    for shape, rows in results.items():
        ordered = sorted(rows)
        for small, big in itertools.pairwise(ordered):
            a, b = rows[small], rows[big]
            ratio = (b["analyze_cpu"] + b["stack_cpu"]) / max(a["analyze_cpu"] + a["stack_cpu"], 1e-9)
            growth = b["resources"] / a["resources"]
            print(
                f"{shape:<26} {a['resources']} -> {b['resources']} resources ({growth:.2f}x): "
                f"pack CPU {ratio:.2f}x"
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end (2.2x per doubling is the target)")


if __name__ == "__main__":
    main()
