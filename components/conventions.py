"""The naming and tagging conventions every component follows, in one place.

Physical names end with the environment suffix (``trading-<purpose>-<suffix>``); bucket names also carry the
account id and region so they are globally unique. ``Names`` is the single source of those names, and
``name_limits`` lists the AWS length limit each one must fit, so settings validation can reject an
environment suffix that would make any of them too long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pulumi

PROJECT = "trading"

# Aurora allows up to 15 instances per cluster; the longest instance identifier uses this number.
MAX_DB_INSTANCES = 15


@dataclass(frozen=True)
class AwsTarget:
    """Where the stack deploys: account, region and partition, all known before any resource exists."""

    account_id: str
    region: str
    partition: str = "aws"
    dns_suffix: str = "amazonaws.com"
    reverse_dns_prefix: str = "com.amazonaws"

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional else ""
        account_id = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{account_id}:{resource}"

    def service_principal(self, service: str) -> str:
        """A global service principal, e.g. ``lambda.amazonaws.com``."""
        return f"{service}.{self.dns_suffix}"

    def regional_service(self, service: str) -> str:
        """``<service>.<region>.amazonaws.com``: the regional principal some services use (CloudWatch Logs)
        and the value AWS puts in ``kms:ViaService`` for a call made through the service in this region."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    def endpoint_service(self, service: str) -> str:
        """The VPC endpoint service name, e.g. ``com.amazonaws.us-east-1.s3``."""
        return f"{self.reverse_dns_prefix}.{self.region}.{service}"

    def log_group_arn(self, name: str) -> str:
        return self.arn("logs", f"log-group:{name}")

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"


@dataclass(frozen=True)
class Names:
    """Every physical name the stack sets, derived from the environment suffix, region and account."""

    suffix: str
    region: str
    account_id: str

    def resource(self, purpose: str) -> str:
        return f"{PROJECT}-{purpose}-{self.suffix}"

    def bucket(self, purpose: str) -> str:
        return f"{PROJECT}-{purpose}-{self.account_id}-{self.region}-{self.suffix}"

    @property
    def vpc(self) -> str:
        return f"{PROJECT}-{self.suffix}"

    @property
    def function(self) -> str:
        return self.resource("orders")

    @property
    def function_role(self) -> str:
        return self.resource("orders-role")

    @property
    def table(self) -> str:
        return self.resource("orders")

    @property
    def cluster(self) -> str:
        return self.resource("db")

    def db_parameter_group(self, family: str) -> str:
        """One cluster parameter group per engine family: a major upgrade creates the next family's group
        beside the one the cluster still uses, instead of replacing it under the same name."""
        return self.resource(f"db-{family}")

    def db_instance(self, number: int) -> str:
        return self.resource(f"db-{number}")

    @property
    def final_snapshot(self) -> str:
        return self.resource("db-final")

    @property
    def api(self) -> str:
        return self.resource("api")

    @property
    def api_stage(self) -> str:
        return self.suffix

    @property
    def api_cloudwatch_role(self) -> str:
        return self.resource("apigw-logs-role")

    @property
    def api_cloudwatch_role_prefix(self) -> str:
        """The kept API Gateway role is named from this prefix plus a unique ending, so re-creating the
        stack makes a new role instead of colliding with the one its last destroy kept."""
        return f"{self.api_cloudwatch_role}-"

    @property
    def flow_logs_role(self) -> str:
        return self.resource("flow-logs-role")

    def key_alias(self, purpose: str) -> str:
        return f"alias/{self.resource(purpose)}"

    @property
    def data_bucket(self) -> str:
        return self.bucket("data")

    @property
    def access_logs_bucket(self) -> str:
        return self.bucket("access-logs")

    @property
    def function_log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    def ledger_function(self, purpose: str) -> str:
        return self.resource(f"ledger-{purpose}")

    def ledger_log_group(self, purpose: str) -> str:
        return f"/aws/lambda/{self.ledger_function(purpose)}"

    @property
    def api_access_log_group(self) -> str:
        return f"/aws/apigateway/{self.api}/access"

    @property
    def database_log_group(self) -> str:
        # Fixed by RDS: exports go to /aws/rds/cluster/<cluster identifier>/<log type>.
        return f"/aws/rds/cluster/{self.cluster}/postgresql"

    @property
    def flow_logs_log_group(self) -> str:
        return f"/aws/vpc/{PROJECT}-{self.suffix}/flow-logs"

    @property
    def api_execution_log_groups(self) -> str:
        """Fixed by API Gateway: execution logs go to API-Gateway-Execution-Logs_<api id>/<stage>; the id is
        known only once the API exists, so the logs key names every API's group of this stage."""
        return f"API-Gateway-Execution-Logs_*/{self.api_stage}"

    @property
    def web_acl(self) -> str:
        return self.resource("api-waf")

    @property
    def waf_log_group(self) -> str:
        # WAF delivers only to log groups whose name starts with aws-waf-logs-.
        return f"aws-waf-logs-{PROJECT}-{self.suffix}"


def name_limits(names: Names) -> list[tuple[str, str, int]]:
    """(what, name, maximum length) for every generated name whose AWS limit could be reached."""
    return [
        ("S3 bucket name", names.access_logs_bucket, 63),
        ("S3 bucket name", names.data_bucket, 63),
        ("IAM role name prefix", names.api_cloudwatch_role_prefix, 38),
        ("IAM role name", names.flow_logs_role, 64),
        ("IAM role name", names.function_role, 64),
        ("Lambda function name", names.function, 64),
        ("RDS cluster identifier", names.cluster, 63),
        ("RDS cluster identifier", names.final_snapshot, 255),
        ("RDS parameter group name", names.db_parameter_group("aurora-postgresql17"), 255),
        ("RDS instance identifier", names.db_instance(MAX_DB_INSTANCES), 63),
        ("API Gateway stage name", names.api_stage, 128),
        ("DynamoDB table name", names.table, 255),
    ]


@dataclass(frozen=True)
class Tags:
    """The base tags every taggable resource gets, and the PCI scope tags for sensitive ones."""

    base: Mapping[str, str]
    pci: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"Compliance": "PCI-DSS", "DataClassification": "confidential"}
        )
    )

    def plain(self, name: str | None = None) -> dict[str, str]:
        """Base tags (plus ``Name`` when given) for resources outside PCI scope."""
        return {**self.base, **({"Name": name} if name else {})}

    def sensitive(self, name: str | None = None) -> dict[str, str]:
        """Base and PCI scope tags for resources that hold or protect cardholder-adjacent data."""
        return {**self.plain(name), **self.pci}


def child_options(
    parent: pulumi.Resource,
    *,
    keep: bool = False,
    depends_on: list[pulumi.Resource] | None = None,
) -> pulumi.ResourceOptions:
    """Options for a component's child; ``keep`` protects it and keeps it in AWS on ``pulumi destroy``."""
    return pulumi.ResourceOptions(
        parent=parent,
        protect=keep,
        retain_on_delete=keep,
        depends_on=depends_on,
    )
