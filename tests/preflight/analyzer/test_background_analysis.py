"""Background analysis: worker threads that send Analyze calls while the program runs in its own process."""

import threading
import time

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
            work.submit(i, r)  # before the pack is ready: they wait in the queue
        assert work.wait_started().name == "basic-test-pack"
        violations = work.finish()
    finally:
        work.close()
    work.close()  # closing twice is harmless
    assert [v.urn.rsplit("::", 1)[1] for v in violations] == ["b1", "b3", "b5", "b7", "b9", "b11"]
    assert {v.policy for v in violations} == {"bucket-versioning"}


def test_every_worker_lowers_its_own_priority(monkeypatch):
    lowered = []
    monkeypatch.setattr(analyzer, "_lower_this_thread", lambda: lowered.append(threading.current_thread()))
    work = analyzer.BackgroundAnalysis(client("basic"), workers=3)
    try:
        work.submit(0, bucket("data"))
        work.finish()
    finally:
        work.close()
    assert sorted(map(id, lowered)) == sorted(map(id, work._threads[1:]))


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


def test_analysis_still_running_at_the_runs_time_limit_fails_the_run():
    work = analyzer.BackgroundAnalysis(client("basic"), workers=1)
    try:
        work.wait_started()
        work.submit(0, bucket("slow", hang=True))  # the pack sleeps a minute on it
        with pytest.raises(PreflightError) as raised:
            work.finish(time.monotonic(), 42)
    finally:
        work.close()
    assert raised.value.message == (
        "policy pack basic-test-pack was still analysing resources when the run reached its time limit of "
        "42 s (--timeout): 0 analysed so far"
    )
