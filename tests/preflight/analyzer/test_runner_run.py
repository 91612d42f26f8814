"""The runner: packs start while the program runs, every registration is analysed, AnalyzeStack at the end.

The isolated program run is replaced here by one that registers hand-built resources through on_resource,
so these tests check the wiring alone; tests/preflight/cli and tests/preflight/isolation run the real thing.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pack_helpers import PACKS, STACK_URN, provider, resource

from preflight import analyzer, isolation, report, runner
from preflight.errors import PreflightError
from preflight.model import Mode, Violation

SHOP = Path(__file__).resolve().parents[1] / "cli" / "shop"
ROOT = Path(__file__).resolve().parents[3]


def registrations():
    stack = resource("pulumi:pulumi:Stack", "shop-dev", {}, parent=None, provider=None, custom=False)
    assert stack.urn == STACK_URN
    key = resource("aws:kms/key:Key", "key", {"enableKeyRotation": True})
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup",
        "logs",
        {"kmsKeyId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"},
        property_dependencies={"kmsKeyId": [key.urn]},
        dependencies=[key.urn],
    )
    return [
        stack,
        provider(),
        key,
        resource("aws:s3/bucket:Bucket", "first", {"bucket": "acme-first", "versioned": False}),
        group,
        resource(
            "aws:s3/bucket:Bucket", "second", {"bucket": "acme-second", "versioned": False, "probe": True}
        ),
    ]


class FakeProgram:
    """Stands in for the program's process: registers the resources one by one when waited for."""

    def __init__(self, calls, on_resource, fail=None):
        self.calls = calls
        self.on_resource = on_resource
        self.fail = fail
        self.told: list[bool] = []  # what packs_ready said (from the runner's thread, so kept apart)

    def packs_ready(self, remediating):
        self.told.append(remediating)

    def wait(self, deadline, timeout, tick=None):
        for item in registrations():
            self.on_resource(item)
            if self.fail is not None:
                raise self.fail
        return isolation.ProgramResult(
            outputs={},
            warnings=["invoke aws:x is not mocked", "config shop:secret is secure"],
            seconds=0.06,
            components=[],
            synthesized_invokes=["aws:ec2/getAmi:getAmi"],
        )

    def stop(self):
        self.calls.append("stopped")


@pytest.fixture
def program(monkeypatch):
    """Replaces the program's process with FakeProgram and records how it was started."""
    calls = []

    def start_program(project, mode, account_id, on_resource, remediate=None):
        calls.append((project, mode, account_id, on_resource))
        return FakeProgram(calls, on_resource)

    monkeypatch.setattr(isolation, "start_program", start_program)
    return calls


def test_every_registration_is_analysed_in_order_then_the_stack(program):
    result, timings = runner.run_timed(SHOP, "dev", policy_packs=[PACKS / "basic"], account_id="210987654321")
    (project, mode, account, on_resource) = program[0]
    assert (project.name, mode, account, on_resource is not None) == (
        "shop",
        Mode.PREVIEW,
        "210987654321",
        True,
    )
    assert (result.project, result.stack, result.mode) == ("shop", "dev", Mode.PREVIEW)
    assert [r.name for r in result.resources] == [
        "shop-dev",
        "default_7_51_1",
        "key",
        "first",
        "logs",
        "second",
    ]
    assert [p.name for p in result.packs] == ["basic-test-pack"]
    assert [(v.policy, v.urn.rsplit("::", 1)[1] if v.urn else None) for v in result.violations] == [
        ("bucket-versioning", "first"),
        ("bucket-versioning", "second"),
        ("probe", "second"),
        ("log-group-key", "logs"),
    ]
    probe = json.loads(result.violations[2].message.split("probe ", 1)[1])
    assert probe["provider"] == [
        "pulumi:providers:aws",
        "default_7_51_1",
        "eu-west-1",
    ]  # found by its reference
    assert probe["stack"] == ["shop", "dev", True]
    assert probe["region"] == "eu-west-1"  # the stack's config reaches the pack
    assert result.warnings == ["invoke aws:x is not mocked", "config shop:secret is secure"]
    assert result.synthesized_invokes == ["aws:ec2/getAmi:getAmi"]
    assert timings.program == 0.06
    assert 0 <= timings.analysis < timings.total


def test_several_packs_each_with_its_config_in_update_mode(program, tmp_path):
    config = tmp_path / "basic.json"
    config.write_text('{"bucket-versioning": "advisory"}')
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name in ("PulumiPolicy.yaml", "__main__.py"):
        (legacy / name).write_text((PACKS / "legacy" / name).read_text())
    empty = tmp_path / "legacy.json"
    empty.write_text("")  # the CLI's way to give a pack no config while the other pack has one
    result = runner.run(
        SHOP, "dev", policy_packs=[PACKS / "basic", legacy], policy_configs=[config, empty], mode=Mode.UPDATE
    )
    assert [p.name for p in result.packs] == ["basic-test-pack", "legacy-pack"]
    basic = [v for v in result.violations if v.policy_pack == "basic-test-pack"]
    assert {v.enforcement_level for v in basic if v.policy == "bucket-versioning"} == {"advisory"}
    legacy_seen = [v.urn.rsplit("::", 1)[1] for v in result.violations if v.policy_pack == "legacy-pack"]
    assert legacy_seen == ["shop-dev", "default_7_51_1", "key", "first", "logs", "second"]
    assert any("its virtualenv" in w and "does not exist" in w for w in result.warnings)
    assert (
        json.loads(next(v for v in basic if v.policy == "probe").message.split("probe ", 1)[1])["stack"][2]
        is False
    )


def test_without_packs_the_program_runs_alone(program):
    result = runner.run(SHOP, "dev")
    assert [r.name for r in result.resources][:2] == ["shop-dev", "default_7_51_1"]
    assert (result.packs, result.violations) == ([], [])


def test_a_run_without_packs_never_loads_the_analyzer_client():
    # gRPC and the SDK are a third of a second of a run without packs; only the program's process needs them.
    script = (
        "import sys; from preflight import runner; result = runner.run(sys.argv[1], 'dev'); "
        "print(len(result.resources), sorted(m for m in sys.modules if m.startswith(('grpc', 'pulumi', "
        "'preflight.analyzer'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SHOP)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["6", "[]"]


def test_more_configs_than_packs_is_refused_before_anything_runs(program):
    with pytest.raises(PreflightError, match=r"^1 --policy-config files for 0 --policy-pack folders"):
        runner.run(SHOP, "dev", policy_configs=["x.json"])
    assert program == []


def test_fewer_configs_than_packs_is_refused_like_the_cli(program):
    refused = r"^1 --policy-config files for 2 --policy-pack folders: give one config per pack"
    with pytest.raises(PreflightError, match=refused):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "basic", PACKS / "basic"], policy_configs=["x.json"])
    assert program == []


def test_a_missing_config_fails_before_the_program_starts_and_a_missing_pack_stops_it(program, tmp_path):
    with pytest.raises(PreflightError, match=r"missing\.json: no such file"):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "basic"], policy_configs=[tmp_path / "missing.json"])
    assert program == []
    # The program starts before the packs are looked at (its imports are the longest path of a run).
    with pytest.raises(PreflightError, match=r"no such folder"):
        runner.run(SHOP, "dev", policy_packs=[tmp_path / "none"])
    assert program[1:] == ["stopped"]


def test_a_failing_program_stops_the_packs_and_its_error_wins(monkeypatch):
    calls = []
    failure = PreflightError("program __main__.py failed: KeyError: 'x' (at __main__.py:3)")
    monkeypatch.setattr(isolation, "start_program", lambda *args: FakeProgram(calls, args[3], failure))
    closed = []
    close = analyzer.BackgroundAnalysis.close

    def recording_close(self):
        close(self)
        closed.append(self)

    monkeypatch.setattr(analyzer.BackgroundAnalysis, "close", recording_close)
    with pytest.raises(PreflightError, match=r"^program __main__\.py failed"):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "no_port"], start_timeout=3600)
    assert calls == ["stopped"]
    # The starting pack was ended, not waited for: its start failed on SIGTERM, long before its deadline.
    (analysis,) = closed
    with pytest.raises(PreflightError, match=r"exited with status -15 before it printed its port"):
        analysis.wait_started()


def test_a_pack_that_fails_to_start_is_reported_after_the_program(program):
    with pytest.raises(
        PreflightError, match=r"crash_on_start exited with status 1 before it printed its port"
    ):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "crash_on_start"])
    assert program[1:] == ["stopped"]


def test_registrations_that_arrive_before_the_packs_are_attached_are_analysed_first(monkeypatch):
    # The program starts before the packs; what it registered meanwhile is queued when each pack attaches.
    calls = []

    def start_program(project, mode, account_id, on_resource, remediate=None):
        early = registrations()
        for item in early[:3]:
            on_resource(item)
        fake = FakeProgram(calls, on_resource)
        fake.wait = lambda deadline, timeout, tick=None: _register_rest(on_resource, early[3:])
        return fake

    def _register_rest(on_resource, rest):
        for item in rest:
            on_resource(item)
        return isolation.ProgramResult({}, [], 0.01, [])

    monkeypatch.setattr(isolation, "start_program", start_program)
    result = runner.run(SHOP, "dev", policy_packs=[PACKS / "basic"])
    assert [(v.policy, v.urn.rsplit("::", 1)[1]) for v in result.violations] == [
        ("bucket-versioning", "first"),
        ("bucket-versioning", "second"),
        ("probe", "second"),
        ("log-group-key", "logs"),
    ]


@pytest.mark.parametrize("mode", [Mode.PREVIEW, Mode.UPDATE])
def test_the_program_run_in_its_own_process_or_in_this_one_gives_the_same_report(mode):
    # The in-process run is the benchmark's baseline for what isolation costs: it must be the same run.
    isolated = runner.run(SHOP, "dev", policy_packs=[PACKS / "basic"], mode=mode)
    in_process, timings = runner.run_timed(
        SHOP, "dev", policy_packs=[PACKS / "basic"], mode=mode, isolated=False
    )
    assert report.to_json(in_process) == report.to_json(isolated)
    assert isolated.violations  # the comparison covers real verdicts, not two empty reports
    assert timings.program > 0


def test_a_stack_violation_on_a_resource_of_no_stack_is_reported_on_the_root_stack(program, monkeypatch):
    def violation(urn):
        return Violation("basic-test-pack", "stack-rule", "mandatory", "high", urn, "found")

    foreign = "urn:pulumi:prod::elsewhere::aws:s3/bucket:Bucket::theirs"
    key = f"{STACK_URN.rsplit('::', 2)[0]}::aws:kms/key:Key::key"
    monkeypatch.setattr(
        runner,
        "_analyze_stacks",
        lambda analyses, resources, lookup, deadline: [[violation(foreign), violation(key), violation(None)]],
    )
    result = runner.run(SHOP, "dev", policy_packs=[PACKS / "basic"])
    stack_level = [v.urn for v in result.violations if v.policy == "stack-rule"]
    assert stack_level == [STACK_URN, key, None]
