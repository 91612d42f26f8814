"""The ledger: stream consumer with partial batch responses and a dead-letter queue on the data key, the
migration function invoked on the migrations' digest, and least-privilege roles."""

import json

import pulumi
import pulumi_aws as aws
import pytest
from stack_harness import ACCOUNT, BASE_TAGS, PCI_TAGS, PROJECT_ROOT, component_context, run_program

from components.conventions import AwsTarget
from components.function import NETWORK_DESCRIBE_ACTIONS, NETWORK_INTERFACE_ACTIONS, code_archive
from components.ledger import (
    MIGRATION_TIMEOUT_SECONDS,
    SECRET_ROTATION_DAYS,
    WRITER_TIMEOUT_SECONDS,
    Ledger,
    LedgerArgs,
    migration_role_policy,
    migrations_digest,
    writer_role_policy,
)

TARGET = AwsTarget(account_id=ACCOUNT, region="us-east-1")
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/trading-orders-dev/stream/2026-12-01T00:00:00.000"
CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:trading-db-dev"
MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-x-AbCdEf"
APP_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:trading-ledger-app-dev-1-AbCdEf"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:trading-ledger-dlq-dev"
MIGRATIONS = PROJECT_ROOT / "app" / "ledger" / "migrations"


def _statements(policy):
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_the_writer_may_read_the_stream_insert_as_the_application_and_dead_letter():
    policy = writer_role_policy(
        TARGET,
        stream_arn=STREAM_ARN,
        cluster_arn=CLUSTER_ARN,
        app_secret_arn=APP_SECRET_ARN,
        queue_arn=QUEUE_ARN,
        data_key_arn=KEY_ARN,
        log_group_name="/aws/lambda/trading-ledger-writer-dev",
    )
    statements = _statements(policy)
    assert statements["OrdersStream"] == (
        [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        ],
        [STREAM_ARN],
    )
    assert statements["DataApi"] == (["rds-data:ExecuteStatement"], [CLUSTER_ARN])
    assert statements["ApplicationSecret"] == (["secretsmanager:GetSecretValue"], [APP_SECRET_ARN])
    assert statements["DeadLetterQueue"] == (["sqs:SendMessage"], [QUEUE_ARN])
    assert statements["DataKey"] == (["kms:Decrypt", "kms:GenerateDataKey"], [KEY_ARN])
    # As the orders API's: EC2's Describe calls on "*", the others scoped to the stack's region and account.
    assert statements["VpcDescribeNetwork"] == (NETWORK_DESCRIBE_ACTIONS, ["*"])
    assert statements["VpcNetworkInterfaces"] == (
        NETWORK_INTERFACE_ACTIONS,
        ["arn:aws:ec2:us-east-1:123456789012:*/*"],
    )
    assert MASTER_ARN not in json.dumps(policy)
    for statement in policy["Statement"]:
        assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == "us-east-1"


def test_only_the_migration_function_may_read_the_master_secret():
    policy = migration_role_policy(
        TARGET,
        cluster_arn=CLUSTER_ARN,
        master_secret_arn=MASTER_ARN,
        app_secret_arn=APP_SECRET_ARN,
        data_key_arn=KEY_ARN,
        log_group_name="/aws/lambda/trading-ledger-migration-dev",
    )
    statements = _statements(policy)
    assert statements["MasterSecret"] == (["secretsmanager:GetSecretValue"], [MASTER_ARN])
    # Its first value, and every rotation: the migration function is the secret's rotation function.
    assert statements["ApplicationSecret"] == (
        [
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ],
        [APP_SECRET_ARN],
    )
    assert statements["DataApi"][0] == [
        "rds-data:ExecuteStatement",
        "rds-data:BeginTransaction",
        "rds-data:CommitTransaction",
        "rds-data:RollbackTransaction",
    ]


def test_the_digest_follows_the_migrations_names_and_bytes(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;\n")
    first = migrations_digest(str(tmp_path))
    assert first == migrations_digest(str(tmp_path))
    (tmp_path / "0001_a.sql").write_text("SELECT 2;\n")
    second = migrations_digest(str(tmp_path))
    (tmp_path / "0002_b.sql").write_text("SELECT 3;\n")
    assert len({first, second, migrations_digest(str(tmp_path))}) == 3
    with pytest.raises(FileNotFoundError, match="no migrations"):
        migrations_digest(str(tmp_path / "missing"))


def _ledger(preview=False):
    target, names, tags = component_context()
    captured = {}

    def program() -> None:
        writer_logs = aws.cloudwatch.LogGroup("writer-logs", name="/aws/lambda/trading-ledger-writer-dev")
        migration_logs = aws.cloudwatch.LogGroup(
            "migration-logs", name="/aws/lambda/trading-ledger-migration-dev"
        )
        instance = aws.s3.Bucket("stand-in-for-an-instance", bucket="x")
        ledger = Ledger(
            "ledger",
            LedgerArgs(
                target=target,
                names=names,
                tags=tags,
                code=code_archive(str(PROJECT_ROOT / "app")),
                migrations_directory=str(MIGRATIONS),
                subnet_ids=["subnet-private-1", "subnet-private-2"],
                security_group_id="sg-function",
                kms_key_arn=KEY_ARN,
                table_stream_arn=STREAM_ARN,
                cluster_arn=CLUSTER_ARN,
                master_secret_arn=MASTER_ARN,
                database_name="trading",
                cluster_instances=[instance],
                writer_log_group=writer_logs,
                migration_log_group=migration_logs,
                log_level="WARNING",
            ),
        )
        pulumi.export("secret", ledger.app_secret.arn)
        captured["ledger"] = ledger

    return run_program(program, preview=preview), captured["ledger"]


def test_the_dead_letter_queue_is_on_the_data_key_and_alarms_when_not_empty():
    run, _ = _ledger()
    queue = run.one("aws:sqs/queue:Queue").inputs
    assert queue["name"] == "trading-ledger-dlq-dev"
    assert queue["kmsMasterKeyId"] == KEY_ARN
    assert queue["messageRetentionSeconds"] == 14 * 86400
    alarm = run.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert (alarm["comparisonOperator"], alarm["threshold"], alarm["evaluationPeriods"]) == (
        "GreaterThanThreshold",
        0,
        1,
    )
    assert alarm["dimensions"] == {"QueueName": "trading-ledger-dlq-dev"}


def test_the_application_secret_is_on_the_data_key_with_a_prefix_name():
    run, _ = _ledger()
    secret = run.one("aws:secretsmanager/secret:Secret").inputs
    assert secret["kmsKeyId"] == KEY_ARN
    assert secret["namePrefix"] == "trading-ledger-app-dev-"
    assert "name" not in secret
    assert secret["recoveryWindowInDays"] == 7
    assert secret["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-ledger-app-dev"}


def test_secrets_manager_rotates_the_application_secret_through_the_migration_function():
    run, _ = _ledger()
    secret = run.one("aws:secretsmanager/secret:Secret")
    rotation = run.one("aws:secretsmanager/secretRotation:SecretRotation")
    assert rotation.property_dependencies["secretId"] == [secret.urn]
    assert rotation.inputs["rotationLambdaArn"].endswith(":function:trading-ledger-migration-dev")
    assert rotation.inputs["rotationRules"] == {"automaticallyAfterDays": SECRET_ROTATION_DAYS}
    # Rotation starts from the value the migration run writes, and needs leave to invoke the function.
    permission = run.one("aws:lambda/permission:Permission")
    assert {run.one("aws:lambda/invocation:Invocation").urn, permission.urn} <= set(rotation.dependencies)
    assert (permission.inputs["principal"], permission.inputs["action"]) == (
        "secretsmanager.amazonaws.com",
        "lambda:InvokeFunction",
    )
    assert permission.inputs["function"] == "trading-ledger-migration-dev"
    assert permission.property_dependencies["sourceArn"] == [secret.urn]


def test_the_stream_mapping_reports_partial_failures_and_sets_failures_aside():
    run, _ = _ledger()
    mapping = run.one("aws:lambda/eventSourceMapping:EventSourceMapping")
    inputs = mapping.inputs
    assert inputs["eventSourceArn"] == STREAM_ARN
    assert inputs["startingPosition"] == "TRIM_HORIZON"
    assert inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert inputs["bisectBatchOnFunctionError"] is True
    assert (inputs["batchSize"], inputs["maximumRetryAttempts"], inputs["maximumRecordAgeInSeconds"]) == (
        25,
        5,
        21600,
    )
    assert inputs["destinationConfig"]["onFailure"]["destinationArn"] == QUEUE_ARN
    assert mapping.property_dependencies["destinationConfig"] == [run.one("aws:sqs/queue:Queue").urn]
    assert inputs["functionName"].endswith(":function:trading-ledger-writer-dev")
    invocation = run.one("aws:lambda/invocation:Invocation")
    assert invocation.urn in mapping.dependencies


def test_the_functions_run_in_the_vpc_with_their_handlers_and_environment():
    run, _ = _ledger()
    functions = {f.inputs["name"]: f.inputs for f in run.of_type("aws:lambda/function:Function")}
    writer = functions["trading-ledger-writer-dev"]
    migration = functions["trading-ledger-migration-dev"]
    assert (writer["handler"], migration["handler"]) == ("ledger.writer.handler", "ledger.migrate.handler")
    assert (writer["timeout"], migration["timeout"]) == (WRITER_TIMEOUT_SECONDS, MIGRATION_TIMEOUT_SECONDS)
    for function in (writer, migration):
        assert function["vpcConfig"] == {
            "subnetIds": ["subnet-private-1", "subnet-private-2"],
            "securityGroupIds": ["sg-function"],
        }
        assert function["tracingConfig"] == {"mode": "Active"}
        assert function["kmsKeyArn"] == KEY_ARN
        assert function["loggingConfig"]["applicationLogLevel"] == "WARN"
        assert "ledger/migrations/0001_orders_ledger.sql" in function["code"]["assetArchive"]
    variables = writer["environment"]["variables"]
    assert variables["DB_CLUSTER_ARN"] == CLUSTER_ARN
    assert variables["DB_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert variables["DEAD_LETTER_QUEUE_URL"] == (
        "https://sqs.us-east-1.amazonaws.com/123456789012/trading-ledger-dlq-dev"
    )
    assert MASTER_ARN not in json.dumps(writer)
    assert migration["environment"]["variables"]["DB_MASTER_SECRET_ARN"] == MASTER_ARN


def test_migrations_run_when_their_digest_changes_after_the_cluster_has_instances():
    run, _ = _ledger()
    invocation = run.one("aws:lambda/invocation:Invocation")
    digest = migrations_digest(str(MIGRATIONS))
    assert invocation.inputs["triggers"] == {"migrationsDigest": digest}
    assert json.loads(invocation.inputs["input"]) == {"migrationsDigest": digest}
    assert invocation.inputs["functionName"] == "trading-ledger-migration-dev"
    assert run.one("aws:s3/bucket:Bucket").urn in invocation.dependencies


def test_the_roles_are_least_privilege_and_the_secret_arn_is_unknown_at_preview():
    run, _ = _ledger()
    policies = {p.name: p.json("policy") for p in run.of_type("aws:iam/rolePolicy:RolePolicy")}
    assert set(policies) == {"ledger-migration-role-policy", "ledger-writer-role-policy"}
    assert "MasterSecret" not in {s["Sid"] for s in policies["ledger-writer-role-policy"]["Statement"]}
    preview, _ = _ledger(preview=True)
    assert preview.outputs["secret"] == "<unknown>"
