"""The order ledger: the orders table's stream feeds a writer function that records every order in Aurora
through the Data API; a migration function, invoked by Pulumi whenever the migrations change, owns the schema
and the application role.

- The writer consumes the stream through an event source mapping: small batches, bisection on error,
  bounded retries and record age, partial batch responses, and an on-failure destination: an SQS dead-letter
  queue encrypted with the data key, with an alarm as soon as it holds a message.
- The migration function alone may read the cluster's master secret. It writes the application secret
  (encrypted with the data key), which the writer and the orders API use; a failed migration fails the
  invocation, and so `pulumi up`, with its message. It is also the secret's rotation function: Secrets
  Manager rotates the secret every 30 days by alternating between two database users, so the user in use
  keeps its password while the other gets a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options
from components.function import (
    LAMBDA_LOG_LEVELS,
    NETWORK_DESCRIBE_ACTIONS,
    NETWORK_INTERFACE_ACTIONS,
    RUNTIME,
)
from components.iam import allow, policy_document, service_trust_policy

WRITER_HANDLER = "ledger.writer.handler"
MIGRATION_HANDLER = "ledger.migrate.handler"
# Room for a batch of quick inserts, and always more than one Data API call's budget (15 s) so the writer
# answers with a partial batch response before Lambda stops it.
WRITER_TIMEOUT_SECONDS = 60
WRITER_MEMORY_MB = 256
# Long enough to wait for a paused Serverless v2 cluster to resume, then migrate.
MIGRATION_TIMEOUT_SECONDS = 300
BATCH_SIZE = 25
BATCHING_WINDOW_SECONDS = 1
MAXIMUM_RETRY_ATTEMPTS = 5
MAXIMUM_RECORD_AGE_SECONDS = 6 * 3600
DEAD_LETTER_RETENTION_SECONDS = 14 * 86400  # the most SQS keeps a message
SECRET_RECOVERY_DAYS = 7
# Within the pack's 90-day limit (secretsmanager-secret-rotation); a machine's secret can change often.
SECRET_ROTATION_DAYS = 30
STREAM_READ_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]
# Writing the application secret's first value, and rotating it (what a rotation function needs).
APP_SECRET_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]
DATA_API_TRANSACTION_ACTIONS = [
    "rds-data:ExecuteStatement",
    "rds-data:BeginTransaction",
    "rds-data:CommitTransaction",
    "rds-data:RollbackTransaction",
]


def migrations_digest(directory: str) -> str:
    """SHA-256 over the migrations' names and bytes: it changes exactly when one is added or edited."""
    root = Path(directory)
    files = sorted(root.glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no migrations (*.sql) under {root.resolve()}")
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _function_basics(target: AwsTarget, log_group_name: str) -> list[dict[str, Any]]:
    log_group_arn = target.log_group_arn(log_group_name)
    return [
        allow(
            "FunctionLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [log_group_arn, f"{log_group_arn}:*"],
            target,
        ),
        # X-Ray and EC2's Describe calls have no resource-level permissions; the region still applies. The
        # other network-interface calls are scoped to the stack's region and account, as the orders API's are.
        allow("Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"], target),
        allow("VpcDescribeNetwork", NETWORK_DESCRIBE_ACTIONS, ["*"], target),
        allow("VpcNetworkInterfaces", NETWORK_INTERFACE_ACTIONS, [target.arn("ec2", "*/*")], target),
    ]


def writer_role_policy(
    target: AwsTarget,
    *,
    stream_arn: str,
    cluster_arn: str,
    app_secret_arn: str,
    queue_arn: str,
    data_key_arn: str,
    log_group_name: str,
) -> dict[str, Any]:
    """The writer reads the stream, inserts through the Data API as the application role, and sends to the
    dead-letter queue (the mapping's on-failure destination uses this role too)."""
    return policy_document(
        allow("OrdersStream", STREAM_READ_ACTIONS, [stream_arn], target),
        allow("DataApi", ["rds-data:ExecuteStatement"], [cluster_arn], target),
        allow("ApplicationSecret", ["secretsmanager:GetSecretValue"], [app_secret_arn], target),
        allow("DeadLetterQueue", ["sqs:SendMessage"], [queue_arn], target),
        # The stream, the secret and the queue are encrypted with the data key.
        allow("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [data_key_arn], target),
        *_function_basics(target, log_group_name),
    )


def migration_role_policy(
    target: AwsTarget,
    *,
    cluster_arn: str,
    master_secret_arn: str,
    app_secret_arn: str,
    data_key_arn: str,
    log_group_name: str,
) -> dict[str, Any]:
    """The migration function: transactions as the master user, and the application secret's value and
    versions (it writes the first value and, as its rotation function, every next one)."""
    return policy_document(
        allow("DataApi", DATA_API_TRANSACTION_ACTIONS, [cluster_arn], target),
        allow("MasterSecret", ["secretsmanager:GetSecretValue"], [master_secret_arn], target),
        allow("ApplicationSecret", APP_SECRET_ACTIONS, [app_secret_arn], target),
        allow("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [data_key_arn], target),
        *_function_basics(target, log_group_name),
    )


@dataclass(frozen=True)
class LedgerArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    code: pulumi.Archive
    migrations_directory: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    table_stream_arn: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    master_secret_arn: pulumi.Input[str]
    database_name: str
    # The Data API needs a running instance: migrations wait for these.
    cluster_instances: Sequence[pulumi.Resource]
    writer_log_group: aws.cloudwatch.LogGroup
    migration_log_group: aws.cloudwatch.LogGroup
    log_level: str


class Ledger(pulumi.ComponentResource):
    """The ledger's writer, migration function, application secret and dead-letter queue."""

    app_secret: aws.secretsmanager.Secret
    dead_letter_queue: aws.sqs.Queue
    dead_letter_alarm: aws.cloudwatch.MetricAlarm
    writer_role: aws.iam.Role
    writer_role_policy: aws.iam.RolePolicy
    writer: aws.lambda_.Function
    stream_mapping: aws.lambda_.EventSourceMapping
    migration_role: aws.iam.Role
    migration_role_policy: aws.iam.RolePolicy
    migration: aws.lambda_.Function
    migration_run: aws.lambda_.Invocation
    rotation_permission: aws.lambda_.Permission
    app_secret_rotation: aws.secretsmanager.SecretRotation

    def __init__(self, name: str, args: LedgerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:ledger:Ledger", name, None, opts)
        self._name, self._args = name, args
        names, tags, child = args.names, args.tags, child_options(self)
        digest = migrations_digest(args.migrations_directory)

        self.app_secret = aws.secretsmanager.Secret(
            f"{name}-app-secret",
            # A prefix, not a name: a deleted secret keeps its name through the recovery window, and a
            # re-created stack must not collide with it.
            name_prefix=f"{names.resource('ledger-app')}-",
            description="Data API credentials of the ledger's application users (written and rotated by the "
            "migration function)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=SECRET_RECOVERY_DAYS,
            tags=tags.sensitive(names.resource("ledger-app")),
            opts=child,
        )
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dead-letters",
            name=names.resource("ledger-dlq"),
            kms_master_key_id=args.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            tags=tags.sensitive(names.resource("ledger-dlq")),
            opts=child,
        )
        self.dead_letter_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-dead-letters-alarm",
            name=names.resource("ledger-dlq-not-empty"),
            alarm_description="Orders are missing from the ledger: read the dead-letter queue (see README)",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.dead_letter_queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            tags=tags.plain(names.resource("ledger-dlq-not-empty")),
            opts=child,
        )

        self.migration_role, self.migration_role_policy = self._role(
            "migration",
            "Execution role of the ledger's migration function",
            pulumi.Output.all(
                cluster_arn=args.cluster_arn,
                master_secret_arn=args.master_secret_arn,
                app_secret_arn=self.app_secret.arn,
                data_key_arn=args.kms_key_arn,
            ).apply(
                lambda arns: json.dumps(
                    migration_role_policy(
                        args.target, log_group_name=self.log_group_name("migration"), **arns
                    )
                )
            ),
        )
        self.migration = self._function(
            "migration",
            "Applies the ledger's SQL migrations (Pulumi, at deploy) and rotates the application secret",
            MIGRATION_HANDLER,
            MIGRATION_TIMEOUT_SECONDS,
            args.migration_log_group,
            self.migration_role,
            self.migration_role_policy,
            {
                "DB_CLUSTER_ARN": args.cluster_arn,
                "DB_MASTER_SECRET_ARN": args.master_secret_arn,
                "DB_APP_SECRET_ARN": self.app_secret.arn,
                "DB_NAME": args.database_name,
            },
        )
        self.migration_run = aws.lambda_.Invocation(
            f"{name}-migrate",
            function_name=self.migration.name,
            input=json.dumps({"migrationsDigest": digest}),
            # Runs again whenever a migration is added or edited; a failure fails the deployment.
            triggers={"migrationsDigest": digest},
            opts=child_options(self, depends_on=[*args.cluster_instances, self.migration]),
        )
        self.rotation_permission = aws.lambda_.Permission(
            f"{name}-rotation-permission",
            action="lambda:InvokeFunction",
            function=self.migration.name,
            principal=args.target.service_principal("secretsmanager"),
            source_arn=self.app_secret.arn,
            opts=child,
        )
        self.app_secret_rotation = aws.secretsmanager.SecretRotation(
            f"{name}-app-secret-rotation",
            secret_id=self.app_secret.id,
            rotation_lambda_arn=self.migration.arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=SECRET_ROTATION_DAYS
            ),
            # A rotation starts from the secret's current value, which the migration run writes first.
            opts=child_options(self, depends_on=[self.migration_run, self.rotation_permission]),
        )

        self.writer_role, self.writer_role_policy = self._role(
            "writer",
            "Execution role of the ledger writer",
            pulumi.Output.all(
                stream_arn=args.table_stream_arn,
                cluster_arn=args.cluster_arn,
                app_secret_arn=self.app_secret.arn,
                queue_arn=self.dead_letter_queue.arn,
                data_key_arn=args.kms_key_arn,
            ).apply(
                lambda arns: json.dumps(
                    writer_role_policy(args.target, log_group_name=self.log_group_name("writer"), **arns)
                )
            ),
        )
        self.writer = self._function(
            "writer",
            "Copies the orders table's stream into the ledger",
            WRITER_HANDLER,
            WRITER_TIMEOUT_SECONDS,
            args.writer_log_group,
            self.writer_role,
            self.writer_role_policy,
            {
                "DB_CLUSTER_ARN": args.cluster_arn,
                "DB_SECRET_ARN": self.app_secret.arn,
                "DB_NAME": args.database_name,
                "DEAD_LETTER_QUEUE_URL": self.dead_letter_queue.url,
                "LOG_LEVEL": args.log_level,
            },
        )
        self.stream_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-stream",
            event_source_arn=args.table_stream_arn,
            function_name=self.writer.arn,
            starting_position="TRIM_HORIZON",
            batch_size=BATCH_SIZE,
            maximum_batching_window_in_seconds=BATCHING_WINDOW_SECONDS,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=MAXIMUM_RETRY_ATTEMPTS,
            maximum_record_age_in_seconds=MAXIMUM_RECORD_AGE_SECONDS,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=self.dead_letter_queue.arn
                )
            ),
            tags=tags.plain(names.resource("ledger-stream")),
            # The ledger table must exist before the first record arrives.
            opts=child_options(self, depends_on=[self.migration_run, self.writer_role_policy]),
        )
        self.register_outputs(
            {
                "writerName": self.writer.name,
                "migrationFunctionName": self.migration.name,
                "deadLetterQueueUrl": self.dead_letter_queue.url,
                "appSecretArn": self.app_secret.arn,
            }
        )

    def function_name(self, purpose: str) -> str:
        return self._args.names.ledger_function(purpose)

    def log_group_name(self, purpose: str) -> str:
        return self._args.names.ledger_log_group(purpose)

    def _role(
        self, purpose: str, description: str, policy: pulumi.Output[str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        name, args = self._name, self._args
        role_name = args.names.resource(f"ledger-{purpose}-role")
        role = aws.iam.Role(
            f"{name}-{purpose}-role",
            name=role_name,
            description=description,
            assume_role_policy=json.dumps(service_trust_policy("lambda", args.target)),
            tags=args.tags.plain(role_name),
            opts=child_options(self),
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-{purpose}-role-policy", role=role.id, policy=policy, opts=child_options(self)
        )
        return role, role_policy

    def _function(
        self,
        purpose: str,
        description: str,
        handler: str,
        timeout_seconds: int,
        log_group: aws.cloudwatch.LogGroup,
        role: aws.iam.Role,
        role_policy: aws.iam.RolePolicy,
        variables: dict[str, pulumi.Input[str]],
    ) -> aws.lambda_.Function:
        args = self._args
        return aws.lambda_.Function(
            f"{self._name}-{purpose}",
            name=self.function_name(purpose),
            description=description,
            role=role.arn,
            runtime=RUNTIME,
            handler=handler,
            code=args.code,
            architectures=["arm64"],
            memory_size=WRITER_MEMORY_MB,
            timeout=timeout_seconds,
            kms_key_arn=args.kms_key_arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=list(args.subnet_ids), security_group_ids=[args.security_group_id]
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=log_group.name,
                application_log_level=LAMBDA_LOG_LEVELS[args.log_level],
                system_log_level="INFO",
            ),
            tags=args.tags.sensitive(self.function_name(purpose)),
            opts=child_options(self, depends_on=[log_group, role_policy]),
        )
