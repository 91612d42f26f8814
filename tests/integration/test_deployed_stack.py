"""Checks of a deployed stack, run right after `pulumi up`: what AWS reports must match what the stack meant.

Run: `pulumi stack output --json > outputs.json`, then
`PULUMI_OUTPUTS_FILE=outputs.json pytest tests/integration -m integration -o addopts=""` with credentials for
the stack's account. Region, account and every identifier come from the outputs; nothing is hard-coded.
Without the outputs file, every test here is skipped with one reason.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from . import checks
from .signing import send, signed_request

pytestmark = pytest.mark.integration

OUTPUTS_VARIABLE = "PULUMI_OUTPUTS_FILE"
WRITE_VARIABLE = "INTEGRATION_WRITE_ORDERS"
LEDGER_DEADLINE_SECONDS = 60
LEDGER_POLL_SECONDS = 3


def _load_outputs() -> dict[str, Any]:
    location = os.environ.get(OUTPUTS_VARIABLE)
    how = f"run `pulumi stack output --json > outputs.json` after `pulumi up` and set {OUTPUTS_VARIABLE}"
    if not location:
        pytest.skip(
            f"deployed-stack checks skipped: {OUTPUTS_VARIABLE} is not set ({how})", allow_module_level=True
        )
    path = Path(location)
    if not path.is_file():
        pytest.skip(
            f"deployed-stack checks skipped: {OUTPUTS_VARIABLE}={location} is not a file ({how})",
            allow_module_level=True,
        )
    try:
        outputs = json.loads(path.read_text())
    except ValueError as error:
        raise pytest.UsageError(f"{OUTPUTS_VARIABLE}={location} is not JSON ({error}): {how}") from None
    if not isinstance(outputs, dict):
        raise pytest.UsageError(f"{OUTPUTS_VARIABLE}={location} is not a JSON object of stack outputs: {how}")
    return outputs


OUTPUTS = _load_outputs()


def assert_ok(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def outputs() -> dict[str, Any]:
    problems = checks.check_outputs(OUTPUTS)
    if problems:
        pytest.fail("stack outputs are incomplete:\n" + "\n".join(problems), pytrace=False)
    return OUTPUTS


@pytest.fixture(scope="module")
def session(outputs):
    return boto3.Session(region_name=outputs["region"])


@pytest.fixture(scope="module")
def client(session):
    return session.client


@pytest.fixture(scope="module")
def partition(outputs) -> str:
    return checks.partition_of(outputs["dataKeyArn"])


def log_group_arn(outputs, partition, name: str) -> str:
    return f"arn:{partition}:logs:{outputs['region']}:{outputs['accountId']}:log-group:{name}"


def test_outputs_are_complete():
    assert_ok(checks.check_outputs(OUTPUTS))


def test_credentials_are_for_the_stack_account(client, outputs):
    account = client("sts").get_caller_identity()["Account"]
    assert account == outputs["accountId"], (
        f"credentials are for account {account} but the stack is in {outputs['accountId']}: "
        "use credentials for the stack's account"
    )


# --- network


def test_vpc(client, outputs):
    assert_ok(checks.check_vpc(client("ec2").describe_vpcs(VpcIds=[outputs["vpcId"]]), outputs["vpcId"]))


def test_subnets(client, outputs):
    ids = outputs["privateSubnetIds"] + outputs["isolatedSubnetIds"] + outputs["publicSubnetIds"]
    response = client("ec2").describe_subnets(SubnetIds=ids)
    assert_ok(
        checks.check_subnets(
            response,
            outputs["vpcId"],
            outputs["privateSubnetIds"],
            outputs["isolatedSubnetIds"],
            outputs["publicSubnetIds"],
        )
    )


def test_routes(client, outputs):
    response = client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [outputs["vpcId"]]}])
    assert_ok(
        checks.check_route_tables(
            response, outputs["privateSubnetIds"], outputs["isolatedSubnetIds"], outputs["publicSubnetIds"]
        )
    )


def test_flow_logs(client, outputs):
    response = client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [outputs["vpcId"]]}]
    )
    assert_ok(checks.check_flow_logs(response, outputs["vpcId"], outputs["logGroupNames"]["flowLogs"]))


# --- Aurora


def test_aurora_cluster(client, outputs):
    response = client("rds").describe_db_clusters(DBClusterIdentifier=outputs["clusterIdentifier"])
    assert_ok(
        checks.check_aurora_cluster(
            response, outputs["clusterIdentifier"], outputs["expected"], outputs["dataKeyArn"]
        )
    )


def test_aurora_instances(client, outputs):
    response = client("rds").describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [outputs["clusterIdentifier"]]}]
    )
    assert_ok(checks.check_aurora_instances(response, outputs["clusterIdentifier"]))


# --- DynamoDB


def test_orders_table(client, outputs):
    dynamodb = client("dynamodb")
    table = outputs["ordersTableName"]
    assert_ok(
        checks.flatten(
            [
                checks.check_orders_table(
                    dynamodb.describe_table(TableName=table),
                    outputs["dataKeyArn"],
                    outputs["expected"]["deletionProtection"],
                ),
                checks.check_point_in_time_recovery(
                    dynamodb.describe_continuous_backups(TableName=table),
                    table,
                    outputs["expected"]["pointInTimeRecovery"],
                ),
                checks.check_time_to_live(dynamodb.describe_time_to_live(TableName=table), table),
            ]
        )
    )


# --- S3


@pytest.mark.parametrize("bucket_output", ["dataBucketName", "accessLogsBucketName"])
def test_bucket(client, outputs, partition, bucket_output):
    s3 = client("s3")
    bucket = outputs[bucket_output]
    key = outputs["dataKeyArn"] if bucket_output == "dataBucketName" else None
    try:
        public_access = s3.get_public_access_block(Bucket=bucket)
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchPublicAccessBlockConfiguration":
            raise
        public_access = None
    try:
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        policy = None
    assert_ok(
        checks.flatten(
            [
                checks.check_bucket_encryption(s3.get_bucket_encryption(Bucket=bucket), bucket, key),
                checks.check_bucket_versioning(s3.get_bucket_versioning(Bucket=bucket), bucket),
                checks.check_public_access_block(public_access, bucket),
                checks.check_tls_only_policy(policy, bucket, partition),
            ]
        )
    )


# --- function and API


def test_function(client, outputs):
    configuration = client("lambda").get_function_configuration(FunctionName=outputs["functionName"])
    assert_ok(
        checks.check_function(
            configuration,
            vpc_id=outputs["vpcId"],
            private_subnet_ids=outputs["privateSubnetIds"],
            data_key_arn=outputs["dataKeyArn"],
            log_group_name=outputs["logGroupNames"]["function"],
            table_name=outputs["ordersTableName"],
            cluster_arn=outputs["clusterArn"],
        )
    )


def test_api_stage(client, outputs, partition):
    stage = client("apigateway").get_stage(restApiId=outputs["apiId"], stageName=outputs["apiStageName"])
    assert_ok(
        checks.check_api_stage(
            stage, log_group_arn(outputs, partition, outputs["logGroupNames"]["apiAccess"])
        )
    )


def test_api_methods_require_iam(client, outputs):
    response = client("apigateway").get_resources(restApiId=outputs["apiId"], embed=["methods"], limit=500)
    assert_ok(checks.check_api_methods(response))


def order_url(outputs, order_id: str | None = None) -> str:
    base = outputs["apiUrl"].rstrip("/") + "/orders"
    return base if order_id is None else f"{base}/{order_id}"


def test_unsigned_request_is_refused(outputs):
    status, _, body = send(urllib.request.Request(order_url(outputs, str(uuid.uuid4())), method="GET"))
    assert status == 403, f"an unsigned GET answered {status} {body[:200]!r}, expected 403 from AWS_IAM auth"


def test_signed_request_reaches_the_function(session, outputs):
    credentials = session.get_credentials().get_frozen_credentials()
    request = signed_request("GET", order_url(outputs, str(uuid.uuid4())), outputs["region"], credentials)
    status, headers, body = send(request)
    assert_ok(checks.check_api_response(status, headers, body, want_status=404))
    assert json.loads(body)["error"]["code"] == "OrderNotFound"


@pytest.mark.skipif(
    os.environ.get(WRITE_VARIABLE) != "1",
    reason=f"writes a test order into the orders table: set {WRITE_VARIABLE}=1 to run it (dev/staging)",
)
def test_signed_order_round_trip(session, outputs):
    credentials = session.get_credentials().get_frozen_credentials()
    order = {
        "clientOrderId": f"integration-{uuid.uuid4().hex}",
        "symbol": "TEST",
        "side": "BUY",
        "quantity": 1,
        "limitPrice": "0.01",
        "timeInForce": "IOC",
    }
    body = json.dumps(order).encode()
    headers = {"Content-Type": "application/json"}

    def post():
        return send(signed_request("POST", order_url(outputs), outputs["region"], credentials, body, headers))

    status, response_headers, created = post()
    assert_ok(checks.check_api_response(status, response_headers, created, want_status=201))
    status, response_headers, replay = post()
    assert_ok(checks.check_api_response(status, response_headers, replay, want_status=200))
    assert json.loads(replay) == json.loads(created)
    order_id = json.loads(created)["orderId"]
    status, response_headers, fetched = send(
        signed_request("GET", order_url(outputs, order_id), outputs["region"], credentials)
    )
    assert_ok(checks.check_api_response(status, response_headers, fetched, want_status=200))
    assert json.loads(fetched) == json.loads(created)
    # The ledger follows the table's stream: the order must be listed within a minute.
    listing = order_url(outputs) + "?symbol=TEST&limit=100"
    deadline = time.monotonic() + LEDGER_DEADLINE_SECONDS
    while True:
        status, _, listed = send(signed_request("GET", listing, outputs["region"], credentials))
        problems = checks.check_listing_has_order(status, listed, json.loads(created))
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(LEDGER_POLL_SECONDS)
    assert_ok(problems)


def test_ledger_dead_letter_queue_is_empty(client, outputs):
    url = outputs["ledgerDeadLetterQueueUrl"]
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert_ok(checks.check_dead_letter_queue(attributes, url, outputs["dataKeyArn"]))


# --- logs and keys


@pytest.mark.parametrize("group", checks.LOG_GROUP_KEYS)
def test_log_group(client, outputs, group):
    name = outputs["logGroupNames"][group]
    response = client("logs").describe_log_groups(logGroupNamePrefix=name)
    expected = outputs["expected"]
    assert_ok(
        checks.check_log_group(
            response, name, expected["logRetentionDays"], outputs["logsKeyArn"], expected["logEncryption"]
        )
    )


@pytest.mark.parametrize("key_output", ["dataKeyArn", "logsKeyArn"])
def test_key(client, outputs, partition, key_output):
    kms = client("kms")
    key_arn = outputs[key_output]
    policy = kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    problems = checks.flatten(
        [
            checks.check_key(
                kms.describe_key(KeyId=key_arn), kms.get_key_rotation_status(KeyId=key_arn), key_arn
            ),
            checks.check_key_policy(policy, key_arn, outputs["accountId"], partition),
        ]
    )
    if key_output == "logsKeyArn":
        problems += checks.check_logs_key_policy(
            policy, key_arn, outputs["accountId"], outputs["region"], partition
        )
    assert_ok(problems)
