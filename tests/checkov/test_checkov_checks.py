"""The real checkov on preflight's Terraform-plan export of a small program (programs/checks): each check
fails on the resource built to fail it and passes on its fixed twin, so the export carries what checkov reads
(arguments, nested blocks, and references between resources for its graph checks)."""

import pytest
from checkov_harness import findings_of

PAIRS = [
    # (check, fails on, passes on)
    ("CKV2_AWS_6", "aws_s3_bucket.open-bucket", "aws_s3_bucket.closed-bucket"),
    ("CKV_AWS_7", "aws_kms_key.static-key", "aws_kms_key.rotating-key"),
    ("CKV_AWS_158", "aws_cloudwatch_log_group.plain-logs", "aws_cloudwatch_log_group.keyed-logs"),
    ("CKV_AWS_119", "aws_dynamodb_table.plain-table", "aws_dynamodb_table.cmk-table"),
    ("CKV_AWS_24", "aws_security_group.open-sg", "aws_security_group.closed-sg"),
    ("CKV_AWS_76", "aws_api_gateway_stage.bare-stage", "aws_api_gateway_stage.logged-stage"),
    ("CKV2_AWS_29", "aws_api_gateway_stage.bare-stage", "aws_api_gateway_stage.logged-stage"),
]


def verdicts(checkov_scan, check_id: str) -> dict[str, bool]:
    return {f.resource: f.passed for f in findings_of(checkov_scan, "checks") if f.check_id == check_id}


@pytest.mark.parametrize(("check_id", "failing", "passing"), PAIRS, ids=[pair[0] for pair in PAIRS])
def test_each_check_fails_on_the_faulty_resource_and_passes_when_fixed(
    checkov_scan, check_id, failing, passing
):
    found = verdicts(checkov_scan, check_id)
    assert found.get(failing) is False, f"{check_id} on {failing}: {found}"
    assert found.get(passing) is True, f"{check_id} on {passing}: {found}"


def test_the_export_never_holds_a_secret_in_clear(checkov_scan):
    plan = checkov_scan["plans"]["checks"]
    assert "aws_secretsmanager_secret_version.db-password" in plan
    assert "checks-secret-in-clear" not in plan
