"""The stack's CloudWatch log groups, declared before the services that write to them.

Lambda, API Gateway, RDS and VPC flow logs would otherwise create their groups themselves: unencrypted and
kept forever. Each group here has the configured retention and, unless log encryption is explicitly turned
off, the logs key (its ARN: CloudWatch Logs rejects a key id or alias).
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
        "ledgerWriter": names.ledger_log_group("writer"),
        "ledgerMigration": names.ledger_log_group("migration"),
    }


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
        self.ledger_writer = groups["ledgerWriter"]
        self.ledger_migration = groups["ledgerMigration"]
        self.names = {key: group.name for key, group in groups.items()}
        self.register_outputs({"names": self.names})
