"""Naming and tagging conventions: one source for every physical name and tag set."""

import pulumi
from stack_harness import ACCOUNT, run_program

from components.conventions import AwsTarget, Names, Tags, child_options, name_limits


def test_names_end_with_the_environment_suffix():
    names = Names(suffix="dev", region="us-east-1", account_id=ACCOUNT)

    assert names.function == "trading-orders-dev"
    assert names.table == "trading-orders-dev"
    assert names.cluster == "trading-db-dev"
    assert names.db_instance(2) == "trading-db-2-dev"
    assert names.final_snapshot == "trading-db-final-dev"
    assert names.api == "trading-api-dev"
    assert names.api_stage == "dev"
    assert names.vpc == "trading-dev"
    assert names.key_alias("data") == "alias/trading-data-dev"
    assert (names.function_role, names.flow_logs_role, names.api_cloudwatch_role) == (
        "trading-orders-role-dev",
        "trading-flow-logs-role-dev",
        "trading-apigw-logs-role-dev",
    )
    assert names.api_cloudwatch_role_prefix == "trading-apigw-logs-role-dev-"


def test_bucket_names_carry_account_region_and_suffix():
    names = Names(suffix="prod", region="eu-west-1", account_id=ACCOUNT)

    assert names.data_bucket == "trading-data-123456789012-eu-west-1-prod"
    assert names.access_logs_bucket == "trading-access-logs-123456789012-eu-west-1-prod"


def test_log_group_names_follow_the_services_conventions():
    names = Names(suffix="dev", region="us-east-1", account_id=ACCOUNT)

    assert names.function_log_group == "/aws/lambda/trading-orders-dev"
    assert names.api_access_log_group == "/aws/apigateway/trading-api-dev/access"
    assert names.database_log_group == "/aws/rds/cluster/trading-db-dev/postgresql"
    assert names.flow_logs_log_group == "/aws/vpc/trading-dev/flow-logs"


def test_name_limits_cover_the_tight_aws_limits():
    limits = {what: limit for what, _, limit in name_limits(Names("dev", "us-east-1", ACCOUNT))}

    assert limits["S3 bucket name"] == 63
    assert limits["IAM role name"] == 64
    assert limits["Lambda function name"] == 64
    assert limits["RDS instance identifier"] == 63
    assert ("RDS instance identifier", "trading-db-15-dev", 63) in name_limits(
        Names("dev", "us-east-1", ACCOUNT)
    )


def test_target_builds_arns_and_service_names_for_its_partition():
    target = AwsTarget(
        account_id=ACCOUNT,
        region="cn-north-1",
        partition="aws-cn",
        dns_suffix="amazonaws.com.cn",
        reverse_dns_prefix="cn.com.amazonaws",
    )

    assert target.root_arn == "arn:aws-cn:iam::123456789012:root"
    assert target.arn("s3", "bucket", regional=False, account=False) == "arn:aws-cn:s3:::bucket"
    assert target.log_group_arn("/x") == "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/x"
    assert target.regional_service("logs") == "logs.cn-north-1.amazonaws.com.cn"
    assert target.service_principal("lambda") == "lambda.amazonaws.com.cn"
    assert target.endpoint_service("s3") == "cn.com.amazonaws.cn-north-1.s3"


def test_tags_add_a_name_and_the_pci_scope_only_where_asked():
    tags = Tags(base={"Environment": "dev"})

    assert tags.plain() == {"Environment": "dev"}
    assert tags.plain("x") == {"Environment": "dev", "Name": "x"}
    assert tags.sensitive("x") == {
        "Environment": "dev",
        "Name": "x",
        "Compliance": "PCI-DSS",
        "DataClassification": "confidential",
    }


def test_child_options_parent_the_child_and_keep_it_only_when_asked():
    captured = {}

    def program() -> None:
        parent = pulumi.ComponentResource("trading:test:Parent", "parent")
        captured["plain"] = child_options(parent)
        captured["kept"] = child_options(parent, keep=True, depends_on=[parent])
        captured["parent"] = parent

    run_program(program)

    assert captured["plain"].parent is captured["parent"]
    assert (captured["plain"].protect, captured["plain"].retain_on_delete) == (False, False)
    assert (captured["kept"].protect, captured["kept"].retain_on_delete) == (True, True)
    assert captured["kept"].depends_on == [captured["parent"]]
