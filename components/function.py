"""The orders API function: Lambda in the private subnets with its own security group, X-Ray active, its
environment encrypted with the data key, JSON logs into the log group the stack declared, and a role whose
inline policy names exact actions on exact resources, in this region only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options
from components.iam import allow, policy_document, service_trust_policy

HANDLER = "orders_api.handler.handler"
RUNTIME = "python3.13"
# Lambda's names for the levels the orders API understands.
LAMBDA_LOG_LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR"}
# GET /orders reads the ledger with single statements, as the application role (never the master user).
DATA_API_ACTIONS = ["rds-data:ExecuteStatement"]
# What the functions' code is made of: Python, and the ledger's SQL migrations the migration function runs.
CODE_SUFFIXES = (".py", ".sql")
# What a function in a VPC needs to manage its network interfaces (the AWSLambdaVPCAccessExecutionRole set).
# EC2 offers no resource scoping for the Describe calls, which work only on "*"; the others take resource
# ARNs, and the Lambda developer guide names "arn:aws:ec2:<region>:<account>:*/*" as the scope that keeps
# DeleteNetworkInterface working, so they get the stack's own region and account rather than "*".
NETWORK_DESCRIBE_ACTIONS = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
NETWORK_INTERFACE_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


def function_role_policy(
    target: AwsTarget,
    *,
    table_arn: str,
    cluster_arn: str,
    secret_arn: str,
    data_key_arn: str,
    log_group_name: str,
) -> dict[str, Any]:
    """Least privilege for the orders API, every statement pinned to the stack's region."""
    log_group_arn = target.log_group_arn(log_group_name)
    return policy_document(
        allow("OrdersTable", ["dynamodb:GetItem", "dynamodb:PutItem"], [table_arn], target),
        allow("DataApi", DATA_API_ACTIONS, [cluster_arn], target),
        allow("DatabaseSecret", ["secretsmanager:GetSecretValue"], [secret_arn], target),
        allow("DataKey", ["kms:Decrypt"], [data_key_arn], target),
        allow(
            "FunctionLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [log_group_arn, f"{log_group_arn}:*"],
            target,
        ),
        # X-Ray has no resource-level permissions; the region condition still applies.
        allow("Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"], target),
        allow("VpcDescribeNetwork", NETWORK_DESCRIBE_ACTIONS, ["*"], target),
        allow("VpcNetworkInterfaces", NETWORK_INTERFACE_ACTIONS, [target.arn("ec2", "*/*")], target),
    )


def code_archive(directory: str) -> pulumi.AssetArchive:
    """The Python sources and SQL migrations under ``directory`` (relative to the project root, where the
    CLI runs the program), and nothing else: bytecode caches that running the tests leaves there would change
    the archive's hash from one machine to the next and redeploy the function for nothing."""
    root = Path(directory)
    sources = sorted(path for path in root.rglob("*") if path.suffix in CODE_SUFFIXES and path.is_file())
    if not sources:
        raise FileNotFoundError(f"no Python sources under {root.resolve()} for the function's code")
    return pulumi.AssetArchive(
        {path.relative_to(root).as_posix(): pulumi.FileAsset(str(path)) for path in sources}
    )


@dataclass(frozen=True)
class FunctionArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    code_directory: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_group: aws.cloudwatch.LogGroup
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    secret_arn: pulumi.Input[str]
    database_name: str
    reserved_concurrency: int | None
    memory_mb: int
    timeout_seconds: int
    log_level: str


class Function(pulumi.ComponentResource):
    """The orders API Lambda function and its execution role."""

    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function

    def __init__(self, name: str, args: FunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:function:Function", name, None, opts)
        names, tags, child = args.names, args.tags, child_options(self)

        self.role = aws.iam.Role(
            f"{name}-role",
            name=names.function_role,
            description="Execution role of the orders API function",
            assume_role_policy=json.dumps(service_trust_policy("lambda", args.target)),
            tags=tags.plain(names.function_role),
            opts=child,
        )
        policy = pulumi.Output.all(
            table_arn=args.table_arn,
            cluster_arn=args.cluster_arn,
            secret_arn=args.secret_arn,
            data_key_arn=args.kms_key_arn,
        ).apply(
            lambda arns: json.dumps(
                function_role_policy(args.target, log_group_name=names.function_log_group, **arns)
            )
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy", role=self.role.id, policy=policy, opts=child
        )

        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=names.function,
            description="Orders API behind API Gateway",
            role=self.role.arn,
            runtime=RUNTIME,
            handler=HANDLER,
            code=code_archive(args.code_directory),
            architectures=["arm64"],
            memory_size=args.memory_mb,
            timeout=args.timeout_seconds,
            # None leaves the function in the account's unreserved pool (what a new account's quota allows).
            reserved_concurrent_executions=args.reserved_concurrency,
            kms_key_arn=args.kms_key_arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "ORDERS_TABLE_NAME": args.table_name,
                    "LOG_LEVEL": args.log_level,
                    "DB_CLUSTER_ARN": args.cluster_arn,
                    "DB_SECRET_ARN": args.secret_arn,
                    "DB_NAME": args.database_name,
                }
            ),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=list(args.subnet_ids), security_group_ids=[args.security_group_id]
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=args.log_group.name,
                application_log_level=LAMBDA_LOG_LEVELS[args.log_level],
                system_log_level="INFO",
            ),
            tags=tags.sensitive(names.function),
            # The log group must exist first or Lambda creates its own; the role needs its network permissions
            # before Lambda checks them.
            opts=child_options(self, depends_on=[args.log_group, self.role_policy]),
        )
        self.register_outputs({"functionName": self.function.name, "functionArn": self.function.arn})
