"""Log groups: every one the stack causes is declared, with retention and the logs key."""

import pulumi
import pytest
from stack_harness import BASE_TAGS, PCI_TAGS, component_context, run_program

from components.logs import LogGroups, LogGroupsArgs, log_group_names, logs_key_log_groups

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/logs"


def _log_groups(kms_key_arn, protect=False):
    _, names, tags = component_context()
    args = LogGroupsArgs(names=names, tags=tags, retention_days=365, kms_key_arn=kms_key_arn, protect=protect)
    captured = {}

    def program() -> None:
        component = LogGroups("logs", args)
        pulumi.export("names", component.names)
        captured["component"] = component

    return run_program(program), captured["component"]


def test_one_log_group_per_source_with_its_conventional_name():
    run, component = _log_groups(KEY_ARN)

    groups = {group.name: group.inputs["name"] for group in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert groups == {
        "logs-function": "/aws/lambda/trading-orders-dev",
        "logs-apiAccess": "/aws/apigateway/trading-api-dev/access",
        "logs-database": "/aws/rds/cluster/trading-db-dev/postgresql",
        "logs-flowLogs": "/aws/vpc/trading-dev/flow-logs",
        "logs-waf": "aws-waf-logs-trading-dev",
        "logs-ledgerWriter": "/aws/lambda/trading-ledger-writer-dev",
        "logs-ledgerMigration": "/aws/lambda/trading-ledger-migration-dev",
    }
    assert run.outputs["names"] == log_group_names(component_context()[1])
    assert component.function is not component.database


@pytest.mark.parametrize("protect", [False, True])
def test_each_group_is_encrypted_with_the_key_arn_and_kept_for_the_retention(protect):
    run, _ = _log_groups(KEY_ARN, protect=protect)

    for group in run.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert group.inputs["kmsKeyId"] == KEY_ARN
        assert group.inputs["retentionInDays"] == 365
        assert group.inputs["logGroupClass"] == "STANDARD"
        assert group.inputs["deletionProtectionEnabled"] is protect
        assert (group.protect, group.retain_on_delete) == (protect, protect)
        assert group.inputs["tags"] == {**BASE_TAGS, **PCI_TAGS}


def test_turning_encryption_off_leaves_no_key_but_keeps_retention():
    run, _ = _log_groups(None)

    for group in run.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert "kmsKeyId" not in group.inputs
        assert group.inputs["retentionInDays"] == 365


def test_the_logs_key_serves_every_group_and_the_api_execution_groups_of_the_stage():
    names = component_context()[1]
    assert logs_key_log_groups(names) == [
        *log_group_names(names).values(),
        "API-Gateway-Execution-Logs_*/dev",
    ]
