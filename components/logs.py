"""The stack's CloudWatch log groups, declared before the services that write to them.

Lambda, API Gateway, RDS and VPC flow logs would otherwise create their groups themselves: unencrypted and
kept forever (WAF refuses to log to a group that does not exist). Each group here has the configured
retention and, unless log encryption is explicitly turned off, the logs key (its ARN: CloudWatch Logs
rejects a key id or alias).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.conventions import Names, Tags, child_options


def log_group_names(names: Names) -> dict[str, str]:
    """Stack-output key -> log group name, for every log group the stack causes."""
    return {
        "function": names.function_log_group,
        "apiAccess": names.api_access_log_group,
        "database": names.database_log_group,
        "flowLogs": names.flow_logs_log_group,
        "waf": names.waf_log_group,
        "ledgerWriter": names.ledger_log_group("writer"),
        "ledgerMigration": names.ledger_log_group("migration"),
    }


def logs_key_log_groups(names: Names) -> list[str]:
    """The log group names (ARN patterns allowed) the logs key serves: the stack's own groups and the
    execution log groups API Gateway writes to, which the API component declares once the API id is known."""
    return [*log_group_names(names).values(), names.api_execution_log_groups]


@dataclass(frozen=True)
class LogGroupsArgs:
    names: Names
    tags: Tags
    retention_days: int
    kms_key_arn: pulumi.Input[str] | None
    protect: bool


class LogGroups(pulumi.ComponentResource):
    """One encrypted log group per log source, with retention."""

    names: dict[str, pulumi.Output[str]]
    function: aws.cloudwatch.LogGroup
    api_access: aws.cloudwatch.LogGroup
    database: aws.cloudwatch.LogGroup
    flow_logs: aws.cloudwatch.LogGroup
    waf: aws.cloudwatch.LogGroup
    ledger_writer: aws.cloudwatch.LogGroup
    ledger_migration: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: LogGroupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:logs:LogGroups", name, None, opts)
        groups = {
            key: aws.cloudwatch.LogGroup(
                f"{name}-{key}",
                name=group_name,
                retention_in_days=args.retention_days,
                kms_key_id=args.kms_key_arn,
                log_group_class="STANDARD",
                deletion_protection_enabled=args.protect,
                tags=args.tags.sensitive(),
                opts=child_options(self, keep=args.protect),
            )
            for key, group_name in log_group_names(args.names).items()
        }
        self.function = groups["function"]
        self.api_access = groups["apiAccess"]
        self.database = groups["database"]
        self.flow_logs = groups["flowLogs"]
        self.waf = groups["waf"]
        self.ledger_writer = groups["ledgerWriter"]
        self.ledger_migration = groups["ledgerMigration"]
        self.names = {key: group.name for key, group in groups.items()}
        self.register_outputs({"names": self.names})
