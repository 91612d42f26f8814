"""`python -m preflight --format terraform-plan` end to end on a small program: the plan, and the notes on
standard error."""

import json
from pathlib import Path

from preflight import cli

WEBAPP = Path(__file__).resolve().parents[1] / "programs" / "webapp"


def resources(plan: dict) -> dict:
    return {r["address"]: r for r in plan["planned_values"]["root_module"]["resources"]}


def test_the_plan_holds_the_aws_resources_and_stderr_names_the_rest(tmp_path, capsys):
    output = tmp_path / "plan.json"
    status = cli.main([str(WEBAPP), "--stack", "dev", "--format", "terraform-plan", "--output", str(output)])
    out, err = capsys.readouterr()
    assert (status, out) == (0, "")
    note, warning = err.splitlines()
    # The run's warnings have no place in a plan either.
    assert warning.startswith("preflight: warning: config webapp:dbPassword is a `secure:` value")
    assert note == (
        "preflight: terraform-plan: left out 6 resources that are not aws: custom resources (providers, "
        "components, other packages): pulumi:providers:aws (1), pulumi:providers:random (1), "
        "pulumi:pulumi:Stack (1), random:index/randomId:RandomId (1), "
        "random:index/randomPassword:RandomPassword (1), webapp:storage:SecureBucket (1)"
    )
    plan = json.loads(output.read_text())
    assert sorted(resources(plan)) == [
        "aws_cloudwatch_log_group.app-logs",
        "aws_iam_role.handler-role",
        "aws_kms_alias.data-key-alias",
        "aws_kms_key.data-key",
        "aws_lambda_function.handler",
        "aws_s3_bucket.assets-bucket",
        "aws_s3_bucket_policy.assets-policy",
        "aws_s3_bucket_server_side_encryption_configuration.assets-encryption",
    ]
    assert {change["change"]["actions"][0] for change in plan["resource_changes"]} == {"create"}
    assert plan["configuration"]["provider_config"]["aws"]["expressions"] == {
        "region": {"constant_value": "eu-west-1"}
    }
    # In preview the key ARN is unknown: the log group has no kms_key_id value, but refers to the key (by the
    # attribute the argument's name suggests, since no value says which).
    group = resources(plan)["aws_cloudwatch_log_group.app-logs"]
    assert group["values"]["retention_in_days"] == 30
    assert "kms_key_id" not in group["values"]
    configured = {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}
    assert configured["aws_cloudwatch_log_group.app-logs"]["expressions"]["kms_key_id"] == {
        "references": ["aws_kms_key.data-key.id", "aws_kms_key.data-key"]
    }
    function = resources(plan)["aws_lambda_function.handler"]["values"]
    assert function["filename"] == "./handler"
    assert function["handler"] == "index.handler"


def test_update_mode_writes_known_values_and_warnings_go_to_stderr(capsys):
    status = cli.main([str(WEBAPP), "--stack", "prod", "--format", "terraform-plan", "--mode", "update"])
    out, err = capsys.readouterr()
    assert status == 0
    assert "preflight: warning: " in err
    assert "logs are disabled for this stack" in err
    plan = json.loads(out)
    encryption = resources(plan)["aws_s3_bucket_server_side_encryption_configuration.assets-encryption"]
    by_default = encryption["values"]["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert by_default["kms_master_key_id"].startswith("arn:aws:kms:us-west-2:123456789012:key/")
    assert "aws_cloudwatch_log_group.app-logs" not in resources(plan)
