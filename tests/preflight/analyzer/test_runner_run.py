"""The runner: packs start while the program runs, every registration is analysed, AnalyzeStack at the end.

The engine's run_program is replaced here by one that registers hand-built resources through on_resource,
so these tests check the wiring alone; tests/preflight/cli runs the real engine end to end.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from pack_helpers import PACKS, STACK_URN, provider, resource

from preflight import analyzer, engine, runner
from preflight.errors import PreflightError
from preflight.model import Mode

SHOP = Path(__file__).resolve().parents[1] / "cli" / "shop"


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


@pytest.fixture
def program(monkeypatch):
    """Replaces the engine: registers the resources one by one, as a program would, and records the call."""
    calls = []

    def run_program(project, mode, account_id, on_resource=None):
        calls.append((project, mode, account_id, on_resource))
        resources = registrations()
        for item in resources:
            if on_resource is not None:
                on_resource(item)
        return SimpleNamespace(
            resources=resources,
            outputs={},
            warnings=["invoke aws:x is not mocked", "config shop:secret is secure"],
            seconds=0.06,
            synthesized_invokes=["aws:ec2/getAmi:getAmi"],
        )

    monkeypatch.setattr(engine, "run_program", run_program)
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
    assert program[0][3] is None
    assert (result.packs, result.violations) == ([], [])


def test_more_configs_than_packs_is_refused_before_anything_runs(program):
    with pytest.raises(PreflightError, match=r"^1 --policy-config files for 0 --policy-pack folders"):
        runner.run(SHOP, "dev", policy_configs=["x.json"])
    assert program == []


def test_fewer_configs_than_packs_is_refused_like_the_cli(program):
    refused = r"^1 --policy-config files for 2 --policy-pack folders: give one config per pack"
    with pytest.raises(PreflightError, match=refused):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "basic", PACKS / "basic"], policy_configs=["x.json"])
    assert program == []


def test_a_missing_pack_or_config_fails_before_the_program_runs(program, tmp_path):
    with pytest.raises(PreflightError, match=r"no such folder"):
        runner.run(SHOP, "dev", policy_packs=[tmp_path / "none"])
    with pytest.raises(PreflightError, match=r"missing\.json: no such file"):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "basic"], policy_configs=[tmp_path / "missing.json"])
    assert program == []


def test_a_failing_program_stops_the_packs_and_its_error_wins(monkeypatch):
    def failing(project, mode, account_id, on_resource=None):
        on_resource(provider())
        raise PreflightError("program __main__.py failed: KeyError: 'x' (at __main__.py:3)")

    monkeypatch.setattr(engine, "run_program", failing)
    closed = []
    close = analyzer.BackgroundAnalysis.close

    def recording_close(self):
        close(self)
        closed.append(self)

    monkeypatch.setattr(analyzer.BackgroundAnalysis, "close", recording_close)
    with pytest.raises(PreflightError, match=r"^program __main__\.py failed"):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "no_port"], start_timeout=3600)
    # The starting pack was ended, not waited for: its start failed on SIGTERM, long before its deadline.
    (analysis,) = closed
    with pytest.raises(PreflightError, match=r"exited with status -15 before it printed its port"):
        analysis.wait_started()


def test_a_pack_that_fails_to_start_is_reported_after_the_program(program):
    with pytest.raises(
        PreflightError, match=r"crash_on_start exited with status 1 before it printed its port"
    ):
        runner.run(SHOP, "dev", policy_packs=[PACKS / "crash_on_start"])
    assert len(program) == 1
