"""The orders function: VPC, tracing, encrypted environment, JSON logs into its declared group, a least
privilege role pinned to the region."""

import pulumi_aws as aws
import pytest
from stack_harness import ACCOUNT, BASE_TAGS, PCI_TAGS, PROJECT_ROOT, component_context, run_program

from components.conventions import AwsTarget
from components.function import (
    NETWORK_DESCRIBE_ACTIONS,
    NETWORK_INTERFACE_ACTIONS,
    Function,
    FunctionArgs,
    code_archive,
    function_role_policy,
)

TARGET = AwsTarget(account_id=ACCOUNT, region="us-east-1")
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/trading-orders-dev"
CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:trading-db-dev"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-x-AbCdEf"
LOG_GROUP = "/aws/lambda/trading-orders-dev"
LOG_GROUP_ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{LOG_GROUP}"


def _policy():
    return function_role_policy(
        TARGET,
        table_arn=TABLE_ARN,
        cluster_arn=CLUSTER_ARN,
        secret_arn=SECRET_ARN,
        data_key_arn=KEY_ARN,
        log_group_name=LOG_GROUP,
    )


def test_role_policy_names_exact_actions_on_exact_resources():
    statements = {s["Sid"]: (s["Action"], s["Resource"]) for s in _policy()["Statement"]}

    assert statements == {
        "OrdersTable": (["dynamodb:GetItem", "dynamodb:PutItem"], [TABLE_ARN]),
        "DataApi": (["rds-data:ExecuteStatement"], [CLUSTER_ARN]),
        "DatabaseSecret": (["secretsmanager:GetSecretValue"], [SECRET_ARN]),
        "DataKey": (["kms:Decrypt"], [KEY_ARN]),
        "FunctionLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [LOG_GROUP_ARN, f"{LOG_GROUP_ARN}:*"],
        ),
        "Tracing": (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
        "VpcDescribeNetwork": (NETWORK_DESCRIBE_ACTIONS, ["*"]),
        "VpcNetworkInterfaces": (NETWORK_INTERFACE_ACTIONS, ["arn:aws:ec2:us-east-1:123456789012:*/*"]),
    }


def test_every_statement_allows_only_in_the_stacks_region_and_names_no_wildcard_action():
    for statement in _policy()["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == "us-east-1"
        assert all("*" not in action for action in statement["Action"]), statement["Sid"]


APP = PROJECT_ROOT / "app"


def _function(log_level="INFO", reserved_concurrency=5):
    target, names, tags = component_context()

    def program() -> None:
        log_group = aws.cloudwatch.LogGroup("fn-logs", name=names.function_log_group, retention_in_days=30)
        Function(
            "function",
            FunctionArgs(
                target=target,
                names=names,
                tags=tags,
                code_directory=str(APP),
                subnet_ids=["subnet-private-1", "subnet-private-2"],
                security_group_id="sg-function",
                kms_key_arn=KEY_ARN,
                log_group=log_group,
                table_name="trading-orders-dev",
                table_arn=TABLE_ARN,
                cluster_arn=CLUSTER_ARN,
                secret_arn=SECRET_ARN,
                database_name="trading",
                reserved_concurrency=reserved_concurrency,
                memory_mb=256,
                timeout_seconds=10,
                log_level=log_level,
            ),
        )

    return run_program(program)


def test_function_runs_the_orders_api_in_the_private_subnets():
    function = _function().one("aws:lambda/function:Function").inputs

    assert function["name"] == "trading-orders-dev"
    assert function["handler"] == "orders_api.handler.handler"
    assert function["runtime"] in ("python3.12", "python3.13")
    assert function["code"] == {
        "assetArchive": {
            path.relative_to(APP).as_posix(): {"fileAsset": str(path)}
            for path in sorted(APP.rglob("*"))
            if path.suffix in (".py", ".sql")
        }
    }
    assert "orders_api/handler.py" in function["code"]["assetArchive"]
    assert "ledger/migrations/0001_orders_ledger.sql" in function["code"]["assetArchive"]

    assert function["vpcConfig"] == {
        "subnetIds": ["subnet-private-1", "subnet-private-2"],
        "securityGroupIds": ["sg-function"],
    }
    assert function["tracingConfig"] == {"mode": "Active"}
    assert function["kmsKeyArn"] == KEY_ARN
    assert function["reservedConcurrentExecutions"] == 5
    assert (function["memorySize"], function["timeout"]) == (256, 10)
    assert function["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-orders-dev"}


def test_without_reserved_concurrency_the_function_uses_the_unreserved_pool():
    # A new account's quota of 10 leaves nothing to reserve (Lambda keeps 100 unreserved): dev reserves none.
    function = _function(reserved_concurrency=None).one("aws:lambda/function:Function").inputs
    assert "reservedConcurrentExecutions" not in function


def test_the_code_archive_holds_the_python_sources_and_migrations_and_nothing_else(tmp_path):
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    (package / "migrations").mkdir()
    (package / "migrations" / "0001_a.sql").write_text("SELECT 1;\n")
    (package / "folder.sql").mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("x = 1\n")
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (package / "notes.txt").write_text("not code")

    archive = code_archive(str(tmp_path))

    assert sorted(archive.assets) == ["pkg/__init__.py", "pkg/migrations/0001_a.sql", "pkg/mod.py"]
    assert archive.assets["pkg/mod.py"].path == str(package / "mod.py")


def test_a_code_folder_without_sources_stops_the_program(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Python sources under"):
        code_archive(str(tmp_path))


def test_function_environment_is_what_the_orders_api_reads():
    variables = (
        _function(log_level="DEBUG").one("aws:lambda/function:Function").inputs["environment"]["variables"]
    )

    assert variables == {
        "ORDERS_TABLE_NAME": "trading-orders-dev",
        "LOG_LEVEL": "DEBUG",
        "DB_CLUSTER_ARN": CLUSTER_ARN,
        "DB_SECRET_ARN": SECRET_ARN,
        "DB_NAME": "trading",
    }


@pytest.mark.parametrize(
    ("level", "lambda_level"), [("DEBUG", "DEBUG"), ("WARNING", "WARN"), ("ERROR", "ERROR")]
)
def test_function_logs_json_into_its_declared_group(level, lambda_level):
    run = _function(log_level=level)
    function = run.one("aws:lambda/function:Function")

    assert function.inputs["loggingConfig"] == {
        "logFormat": "JSON",
        "logGroup": LOG_GROUP,
        "applicationLogLevel": lambda_level,
        "systemLogLevel": "INFO",
    }
    assert run.named("fn-logs").urn in function.dependencies
    assert run.one("aws:iam/rolePolicy:RolePolicy").urn in function.dependencies


def test_function_role_is_assumable_by_lambda_and_carries_the_policy():
    run = _function()
    role, policy = run.one("aws:iam/role:Role"), run.one("aws:iam/rolePolicy:RolePolicy")

    assert role.inputs["name"] == "trading-orders-role-dev"
    assert role.json("assumeRolePolicy")["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert policy.property_dependencies["role"] == [role.urn]
    assert policy.json("policy") == _policy()
    assert run.one("aws:lambda/function:Function").property_dependencies["role"] == [role.urn]
