"""What preflight keeps of a pack: the levels it reports, the stderr it keeps, the memory it reads."""

import io
import itertools
import os
import subprocess
import sys
import threading

import pytest
from pulumi.runtime.proto import analyzer_pb2

from preflight import analyzer
from preflight.errors import PreflightError

URN = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::data"


def answer(*levels: int) -> analyzer_pb2.AnalyzeResponse:
    return analyzer_pb2.AnalyzeResponse(
        diagnostics=[
            analyzer_pb2.AnalyzeDiagnostic(policyName=f"p{i}", message=f"m{i}", enforcementLevel=level)
            for i, level in enumerate(levels)
        ]
    )


def test_disabled_diagnostics_are_not_reported_and_remediate_counts_as_mandatory():
    violations = analyzer.violations_from(
        answer(analyzer_pb2.ADVISORY, analyzer_pb2.DISABLED, analyzer_pb2.MANDATORY, analyzer_pb2.REMEDIATE),
        "pack",
        URN,
    )
    assert [(v.policy, v.enforcement_level) for v in violations] == [
        ("p0", "advisory"),
        ("p2", "mandatory"),
        ("p3", "mandatory"),
    ]


@pytest.mark.parametrize(("urn", "call"), [(URN, f"Analyze of {URN}"), (None, "AnalyzeStack")])
def test_an_unknown_enforcement_level_is_the_packs_error(urn, call):
    with pytest.raises(PreflightError) as raised:
        analyzer.violations_from(answer(analyzer_pb2.ADVISORY, 7), "pack", urn)
    assert raised.value.message == (
        f"policy pack pack answered {call} with a diagnostic of policy 'p1' at enforcement level 7, which "
        "the analyzer protocol does not define (advisory, mandatory, remediate or disabled); fix the pack"
    )


def test_only_the_last_64_kib_of_a_packs_stderr_are_kept():
    lines = [f"line {i:06d} " + "x" * 90 for i in range(2000)]  # about 200 KiB
    pipe = analyzer._Pipe(io.BytesIO(("\n".join(lines) + "\n").encode()))
    pipe.join(10)
    kept = pipe.text()
    assert len(kept.encode()) <= analyzer.STDERR_LIMIT
    assert kept.endswith(lines[-1])
    assert lines[0] not in kept
    assert len(kept.encode()) > analyzer.STDERR_LIMIT - 200  # the last lines, all of them


def test_a_single_line_longer_than_the_limit_keeps_its_end():
    pipe = analyzer._Pipe(io.BytesIO(b"short\n" + b"a" * 100_000 + b"END\n"))
    pipe.join(10)
    assert pipe.text() == ("a" * 100_003 + "END")[-analyzer.STDERR_LIMIT :]


def test_peak_memory_of_a_live_process_and_of_one_that_has_exited():
    assert analyzer._peak_mb(os.getpid()) > 1
    child = subprocess.Popen(["true"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: a zombie
    assert analyzer._peak_mb(child.pid) == 0.0
    child.wait()
    assert analyzer._peak_mb(child.pid) == 0.0  # gone


def test_lowering_a_process_that_has_ended_is_a_no_op():
    child = subprocess.Popen(["true"])
    child.wait()
    assert analyzer._threads_of(child.pid) == [child.pid]  # no /proc entry: the process stands for itself
    analyzer._yield_to_the_program(child.pid)  # nothing to lower, and no error


def test_packs_are_placed_from_the_last_cpu_down_leaving_the_first(monkeypatch):
    monkeypatch.setattr(analyzer, "_packs_placed", itertools.count())
    monkeypatch.setattr(analyzer.os, "sched_getaffinity", lambda pid: {4, 5, 6})
    assert [analyzer._pack_cpu() for _ in range(3)] == [6, 5, 6]
    monkeypatch.setattr(analyzer.os, "sched_getaffinity", lambda pid: {3})
    assert analyzer._pack_cpu() is None  # one CPU: the pack runs where the scheduler puts it
    monkeypatch.setattr(analyzer.sys, "platform", "darwin")
    monkeypatch.setattr(analyzer.os, "sched_getaffinity", lambda pid: pytest.fail("not on this system"))
    assert analyzer._pack_cpu() is None


def _priority_after_lowering() -> tuple[int, int]:
    """The priority of a new thread before and after it lowers itself."""
    seen = []

    def run():
        thread = threading.get_native_id()
        seen.append(os.getpriority(os.PRIO_PROCESS, thread))
        analyzer._lower_this_thread()
        seen.append(os.getpriority(os.PRIO_PROCESS, thread))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return seen[0], seen[1]


def test_a_thread_lowers_only_its_own_priority():
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    before, after = _priority_after_lowering()
    assert after == min(19, before + analyzer.NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


def test_elsewhere_than_linux_a_thread_keeps_its_priority(monkeypatch):
    monkeypatch.setattr(analyzer.sys, "platform", "darwin")  # a priority there is the whole process's
    before, after = _priority_after_lowering()
    assert after == before


def test_with_one_cpu_a_pack_is_lowered_and_left_where_it_runs(monkeypatch):
    monkeypatch.setattr(analyzer, "_pack_cpu", lambda: None)
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        analyzer._yield_to_the_program(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + analyzer.NICENESS
        )
        assert os.sched_getaffinity(child.pid) == os.sched_getaffinity(0)
    finally:
        child.communicate(b"")
