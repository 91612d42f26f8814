"""Remediation policies: Remediate runs on each registration before it is recorded, as the engine runs it,
and the program, Analyze and the reports see the rewritten inputs."""

import json
import textwrap
from pathlib import Path

import pytest
from pack_helpers import PACKS, resource

from preflight import analyzer, report, runner
from preflight.errors import PreflightError
from preflight.model import Mode, PackInfo, PolicyInfo

# The program's side of remediation runs in its own process (preflight.launcher): measured there.
pytestmark = pytest.mark.usefixtures("measured_subprocesses")

PACK = PACKS / "remediating"
PROGRAM = """
import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("data", bucket="data-bucket", force_destroy=True)
pulumi.export("forceDestroy", bucket.force_destroy)
pulumi.export("tags", bucket.tags)
"""


def project(tmp_path: Path, source: str = PROGRAM) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(source))
    return tmp_path


def bucket_inputs(result) -> dict:
    data = next(r for r in result.resources if r.name == "data")
    return report.plain_properties(data.inputs)


@pytest.mark.parametrize("isolated", [True, False])
def test_remediations_rewrite_the_inputs_before_the_program_and_the_packs_see_them(tmp_path, isolated):
    result, _ = runner.run_timed(
        project(tmp_path), "dev", policy_packs=[PACK], mode=Mode.UPDATE, isolated=isolated
    )
    urn = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::data"
    # bucket-keeps-objects turned force_destroy off; bucket-tagged, next in the pack, saw what it left.
    assert bucket_inputs(result)["forceDestroy"] is False
    assert bucket_inputs(result)["tags"] == {"ForceDestroySeenByTagger": "False"}
    assert [(r.policy_pack, r.policy, r.urn, r.diagnostic) for r in result.remediations] == [
        ("remediating", "bucket-keeps-objects", urn, ""),
        ("remediating", "bucket-tagged", urn, ""),
    ]
    assert result.violations == []  # Analyze judged the remediated inputs
    document = json.loads(report.render_json(result))
    assert document["remediations"][0] == {
        "policyPack": "remediating",
        "policy": "bucket-keeps-objects",
        "urn": urn,
        "description": "Buckets are not emptied on destroy.",
        "applied": True,
        "diagnostic": "",
    }
    text = report.render_text(result)
    assert "Remediations (inputs rewritten before registration, as the engine applies them):" in text
    assert f"    - remediating/bucket-keeps-objects remediated {urn}" in text
    sarif = report.to_sarif(result)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"level": "note", "message": {"text": f"remediating/bucket-tagged remediated {urn}"}} in notes


def test_the_program_sees_the_remediated_values(tmp_path):
    # The program's own view, in its own process: its outputs come from the registered (remediated) inputs.
    result, _ = runner.run_timed(project(tmp_path), "dev", policy_packs=[PACK], mode=Mode.UPDATE)
    stack = next(r for r in result.resources if r.type == "pulumi:pulumi:Stack")
    assert report.plain_properties(stack.outputs) == {
        "forceDestroy": False,
        "tags": {"ForceDestroySeenByTagger": "False"},
    }


def test_a_remediation_the_config_turns_off_does_not_run(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"bucket-keeps-objects": "mandatory"}))
    result = runner.run(
        project(tmp_path / "p"), "dev", policy_packs=[PACK], policy_configs=[config], mode=Mode.UPDATE
    )
    assert bucket_inputs(result)["forceDestroy"] is True
    assert bucket_inputs(result)["tags"] == {"ForceDestroySeenByTagger": "True"}
    assert [r.policy for r in result.remediations] == ["bucket-tagged"]
    assert [(v.policy, v.enforcement_level) for v in result.violations] == [
        ("bucket-keeps-objects", "mandatory")
    ]


def test_a_remediation_that_reads_an_unknown_value_at_preview_is_a_warning_and_changes_nothing(tmp_path):
    source = """
    import pulumi_aws as aws

    key = aws.kms.Key("key")
    aws.sns.Topic("alerts", display_name=key.arn)
    """
    result = runner.run(project(tmp_path, source), "dev", policy_packs=[PACK], mode=Mode.PREVIEW)
    topic = next(r for r in result.resources if r.name == "alerts")
    assert report.plain_properties(topic.inputs)["displayName"] == "<unknown>"
    urn = "urn:pulumi:dev::shop::aws:sns/topic:Topic::alerts"
    [remediation] = result.remediations
    assert (remediation.policy, remediation.urn) == ("topic-display-name", urn)
    assert remediation.diagnostic.startswith("can't run remediation 'topic-display-name' from policy pack")
    assert f"policy pack remediating: remediation topic-display-name of {urn} did not run: " in "\n".join(
        result.warnings
    )
    assert "remediations" in json.loads(report.render_json(result))
    assert "Remediations (" not in report.render_text(result)

    updated = runner.run(tmp_path, "dev", policy_packs=[PACK], mode=Mode.UPDATE)
    topic = next(r for r in updated.resources if r.name == "alerts")
    assert report.plain_properties(topic.inputs)["displayName"].startswith("ARN:AWS:KMS:US-EAST-1:")


@pytest.mark.parametrize("isolated", [True, False])
def test_a_pack_that_crashes_while_remediating_fails_the_run_in_one_line(tmp_path, isolated):
    source = """
    import pulumi_aws as aws

    aws.sqs.Queue("boom")
    """
    with pytest.raises(PreflightError) as raised:
        runner.run_timed(project(tmp_path, source), "dev", policy_packs=[PACK], isolated=isolated)
    message = raised.value.message
    assert "\n" not in message
    assert (
        "policy pack remediating crashed during Remediate of urn:pulumi:dev::shop::aws:sqs/queue:Queue::boom"
        in (message)
    )
    assert "(exit status 3)" in message


class _Started:
    """A started pack as the Remediator sees it: its client, or None when it failed to start."""

    def __init__(self, client):
        self.client = client

    def started(self):
        return self.client


class _Client:
    def __init__(self, levels):
        self.info = PackInfo(
            "p", "1", tuple(PolicyInfo(f"p{i}", "", level) for i, level in enumerate(levels))
        )
        self.asked = 0

    def remediate(self, resource, provider):
        self.asked += 1
        return None, []


def test_only_packs_with_a_policy_at_level_remediate_are_asked():
    quiet, active = _Client(["mandatory", "advisory"]), _Client(["advisory", "remediate"])
    remediator = analyzer.Remediator([_Started(quiet), _Started(None), _Started(active)])
    bucket = resource("aws:s3/bucket:Bucket", "b", {"forceDestroy": True})
    assert remediator.wait_ready() is True
    assert remediator.remediate(bucket, None) is None
    assert (quiet.asked, active.asked) == (0, 1)
    assert analyzer.Remediator([_Started(quiet), _Started(None)]).wait_ready() is False


def test_a_pack_without_remediate_remediates_nothing():
    import grpc

    class Unimplemented(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.UNIMPLEMENTED

    class Stub:
        def Remediate(self, request, timeout):
            raise Unimplemented()

    client = analyzer.PolicyPackClient.__new__(analyzer.PolicyPackClient)
    client._stub, client.rpc_timeout = Stub(), 1.0
    assert client.remediate(resource("aws:s3/bucket:Bucket", "b", {}), None) == (None, [])


def test_telling_a_program_that_never_started_or_has_stopped_about_the_packs_is_harmless(tmp_path):
    from preflight import isolation
    from preflight.project import load_project

    program = isolation.ProgramProcess(
        load_project(project(tmp_path), "dev"),
        Mode.PREVIEW,
        "123456789012",
        lambda _: None,
        lambda r, p: None,
    )
    assert program.job[3] is True  # the program is told that registrations wait for the packs
    program.packs_ready(True)  # nothing started: nowhere to write, and no error
    program.stop()
    program.packs_ready(False)


def test_a_remediation_turned_advisory_lets_the_program_register_as_declared(tmp_path):
    # The pack is up but no policy of it remediates: the program's registrations go on with their inputs.
    config = tmp_path / "config.json"
    policies = ("bucket-keeps-objects", "bucket-tagged", "topic-display-name", "queue-crash")
    config.write_text(json.dumps(dict.fromkeys(policies, "advisory")))
    result = runner.run(
        project(tmp_path / "p"), "dev", policy_packs=[PACK], policy_configs=[config], mode=Mode.UPDATE
    )
    assert bucket_inputs(result)["forceDestroy"] is True
    assert "tags" not in bucket_inputs(result)
    assert result.remediations == []
    assert [(v.policy, v.enforcement_level) for v in result.violations] == [
        ("bucket-keeps-objects", "advisory")
    ]
