"""Background analysis: the relay process that sends Analyze calls while the program runs."""

import io
import pickle
import runpy
import sys

import pytest
from pack_helpers import client, provider, resource

from preflight import analyzer
from preflight.errors import PreflightError


def bucket(name: str, **inputs):
    return resource("aws:s3/bucket:Bucket", name, {"bucket": f"acme-{name}", "versioned": True, **inputs})


def test_violations_come_back_in_registration_order():
    resources = [provider()] + [bucket(f"b{i}", versioned=i % 2 == 0) for i in range(12)]
    work = analyzer.BackgroundAnalysis(client("basic"), workers=3)
    try:
        for i, r in enumerate(resources):
            work.submit(i, r)  # before the pack is ready: the relay queues them
        assert work.wait_started().name == "basic-test-pack"
        violations = work.finish()
    finally:
        work.close()
    work.close()  # closing twice is harmless
    assert [v.urn.rsplit("::", 1)[1] for v in violations] == ["b1", "b3", "b5", "b7", "b9", "b11"]
    assert {v.policy for v in violations} == {"bucket-versioning"}


def test_the_first_failed_call_is_reported_by_the_client():
    work = analyzer.BackgroundAnalysis(client("basic"), workers=1)
    try:
        work.submit(0, provider())
        work.submit(1, bucket("boom", explode=True))
        work.submit(2, bucket("after", versioned=False))
        with pytest.raises(
            PreflightError, match=r"^policy pack basic-test-pack: Analyze of .*::boom failed: UNKNOWN"
        ):
            work.finish()
    finally:
        work.close()


def test_a_crash_during_analysis_is_reported_as_a_crash():
    work = analyzer.BackgroundAnalysis(client("basic"), workers=2)
    try:
        work.submit(0, bucket("boom", crash=True))
        with pytest.raises(PreflightError, match=r"crashed during Analyze of .*::boom \(exit status 3\)"):
            work.finish()
    finally:
        work.close()


def test_a_failed_start_is_raised_by_wait_started_and_finish():
    work = analyzer.BackgroundAnalysis(client("crash_on_start"), workers=1)
    try:
        work.submit(0, bucket("data"))
        with pytest.raises(PreflightError, match=r"before it printed its port"):
            work.wait_started()
        with pytest.raises(PreflightError, match=r"before it printed its port"):
            work.finish()
    finally:
        work.close()


def test_closing_during_a_start_ends_the_pack_at_once():
    # The pack never prints a port and the start would wait an hour: only the close can end it, and the
    # start then fails on the pack's SIGTERM, not on its deadline.
    work = analyzer.BackgroundAnalysis(client("no_port", start_timeout=3600), workers=2)
    work.submit(0, bucket("data"))
    work.close()
    with pytest.raises(PreflightError, match=r"exited with status -15 before it printed its port"):
        work.wait_started()


def test_a_relay_that_dies_is_reported_and_never_fails_the_program():
    work = analyzer.BackgroundAnalysis(client("basic"), workers=1)
    try:
        work.wait_started()
        work._relay.kill()
        work._relay.wait()
        for i in range(3):
            work.submit(i, bucket(f"b{i}"))  # the pipe is broken: submit stays silent
        with pytest.raises(
            PreflightError, match=r"the process relaying Analyze calls to policy pack basic-test-pack ended"
        ):
            work.finish()
    finally:
        work.close()


def test_a_relay_that_fails_shows_its_stderr(monkeypatch):
    work = analyzer.BackgroundAnalysis(client("basic"), workers=1)
    try:
        work.wait_started()
        work._send(("surprise",))  # a message the relay does not know: it fails with a traceback
        with pytest.raises(
            PreflightError, match=r"ended with status 1; its stderr ends: ValueError"
        ) as raised:
            work.finish()
        assert "Traceback" in raised.value.detail
    finally:
        work.close()


def messages(*items) -> io.BytesIO:
    stream = io.BytesIO()
    for item in items:
        pickle.dump(item, stream)
    stream.seek(0)
    return stream


def test_the_relay_loop_runs_in_process_too():
    pack = client("basic")
    try:
        pack.start()
        sink = io.BytesIO()
        source = messages(
            ("resource", 1, bucket("late", versioned=False)),
            ("pack", pack.port, 10.0, pack.name),
            ("resource", 0, provider()),
            ("resource", 2, bucket("ok")),
            ("done",),
        )
        analyzer.relay(source, sink, workers=2)
        status, violations = pickle.loads(sink.getvalue())
    finally:
        pack.stop()
    assert status == "ok"
    assert [(v.policy, v.urn.rsplit("::", 1)[1]) for v in violations] == [("bucket-versioning", "late")]


def test_python_dash_m_preflight_analyzer_is_the_relay(monkeypatch, capsysbinary):
    source = messages(("done",))
    monkeypatch.setattr(sys, "argv", ["preflight.analyzer", "2"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(source))
    monkeypatch.delitem(sys.modules, "preflight.analyzer")  # run as __main__ only, as `python -m` does
    runpy.run_module("preflight.analyzer", run_name="__main__")
    assert pickle.loads(capsysbinary.readouterr().out) == ("ok", [])


def test_the_relay_loop_reports_the_first_failed_call_and_drains_the_rest():
    pack = client("basic")
    try:
        pack.start()
        sink = io.BytesIO()
        source = messages(
            ("pack", pack.port, 10.0, pack.name),
            ("resource", 0, bucket("boom", explode=True)),
            ("resource", 1, bucket("after", versioned=False)),
            ("done",),
        )
        analyzer.relay(source, sink, workers=1)
    finally:
        pack.stop()
    status, method, urn, code, details = pickle.loads(sink.getvalue())
    assert (status, method, urn.rsplit("::", 1)[1], code) == ("failed", "Analyze", "boom", "UNKNOWN")
    assert "policy exploded on purpose" in details


def test_the_relay_loop_refuses_an_unknown_message():
    with pytest.raises(ValueError, match=r"unknown relay message 'surprise'"):
        analyzer.relay(messages(("surprise",)), io.BytesIO(), workers=1)
