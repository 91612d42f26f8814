"""Aurora and DynamoDB checks against moto's RDS and DynamoDB responses."""

from __future__ import annotations

import copy

from integration import checks


def test_aurora_cluster(stack):
    o = stack["outputs"]
    assert (
        checks.check_aurora_cluster(stack["clusters"], o["clusterIdentifier"], o["expected"], o["dataKeyArn"])
        == []
    )


def test_faulty_aurora_cluster(stack):
    o = stack["outputs"]
    problems = checks.check_aurora_cluster(
        stack["clusters"], "trading-db-bad", o["expected"], o["dataKeyArn"]
    )
    text = "\n".join(problems)
    assert f"expected '{o['dataKeyArn']}'" in text
    for fragment in (
        "StorageEncrypted is False, expected True",
        "KmsKeyId is 'default_kms_key_id'",  # what moto reports for an unencrypted cluster
        "DeletionProtection is False, expected True",
        "IAMDatabaseAuthenticationEnabled is False, expected True",
        "HttpEndpointEnabled is False, expected True",
        "Serverless v2 MinCapacity is 1.0, expected 0.5 (auroraMinCapacity)",
        "Serverless v2 MaxCapacity is 8.0, expected 4 (auroraMaxCapacity)",
        "does not export the postgresql log to CloudWatch Logs",
        "master password secret is encrypted with None",
    ):
        assert fragment in text
    assert all(problem.startswith("Aurora cluster trading-db-bad: ") for problem in problems)


def test_deletion_protection_follows_the_stack(stack):
    o = stack["outputs"]
    expected = {**o["expected"], "deletionProtection": False}
    assert checks.check_aurora_cluster(
        stack["clusters"], o["clusterIdentifier"], expected, o["dataKeyArn"]
    ) == ["Aurora cluster trading-db-qa: DeletionProtection is True, expected False"]


def test_missing_cluster_and_scaling(stack):
    o = stack["outputs"]
    assert checks.check_aurora_cluster({"DBClusters": []}, "c", o["expected"], o["dataKeyArn"]) == [
        "Aurora cluster c: not found"
    ]
    response = copy.deepcopy(stack["clusters"])
    for cluster in response["DBClusters"]:
        cluster.pop("ServerlessV2ScalingConfiguration", None)
    problems = checks.check_aurora_cluster(response, o["clusterIdentifier"], o["expected"], o["dataKeyArn"])
    assert problems == [
        "Aurora cluster trading-db-qa: Serverless v2 MinCapacity is None, expected 0.5 (auroraMinCapacity)",
        "Aurora cluster trading-db-qa: Serverless v2 MaxCapacity is None, expected 4 (auroraMaxCapacity)",
    ]


def test_aurora_instances(stack):
    assert checks.check_aurora_instances(stack["instances"], stack["outputs"]["clusterIdentifier"]) == []


def test_faulty_aurora_instances(stack):
    assert checks.check_aurora_instances(stack["instances"], "trading-db-bad") == [
        "Aurora instance trading-db-bad-2: DBInstanceClass is 'db.r6g.large', expected 'db.serverless'",
        "Aurora instance trading-db-bad-2: PubliclyAccessible is True, expected False",
    ]
    assert checks.check_aurora_instances(stack["instances"], "none") == [
        "Aurora cluster none: has no instances, expected at least one db.serverless"
    ]


def test_orders_table(stack):
    o = stack["outputs"]
    table = o["ordersTableName"]
    assert checks.check_orders_table(stack["table"], o["dataKeyArn"], deletion_protection=True) == []
    assert checks.check_point_in_time_recovery(stack["backups"], table, expected=True) == []
    assert checks.check_time_to_live(stack["ttl"], table) == []


def test_faulty_table(stack):
    o = stack["outputs"]
    problems = checks.check_orders_table(stack["bad_table"], o["dataKeyArn"], deletion_protection=True)
    assert problems == [
        "DynamoDB table trading-orders-bad: BillingMode is 'PROVISIONED', expected 'PAY_PER_REQUEST'",
        "DynamoDB table trading-orders-bad: SSEStatus is None, expected 'ENABLED'",
        "DynamoDB table trading-orders-bad: SSEType is None, expected 'KMS'",
        f"DynamoDB table trading-orders-bad: KMSMasterKeyArn is None, expected '{o['dataKeyArn']}'",
        "DynamoDB table trading-orders-bad: DeletionProtectionEnabled is False, expected True",
        "DynamoDB table trading-orders-bad: key schema [{'AttributeName': 'id', 'KeyType': 'HASH'}], "
        "expected hash key orderId only",
    ]
    assert checks.check_point_in_time_recovery(stack["bad_backups"], "trading-orders-bad", expected=True) == [
        "DynamoDB table trading-orders-bad: point-in-time recovery is 'DISABLED', expected enabled=True"
    ]
    assert checks.check_time_to_live(stack["bad_ttl"], "trading-orders-bad") == [
        "DynamoDB table trading-orders-bad: TTL is 'ENABLED' on 'ttl', expected ENABLED on 'expiresAt'"
    ]


def test_pitr_may_be_off_when_the_stack_says_so(stack):
    assert checks.check_point_in_time_recovery(stack["bad_backups"], "t", expected=False) == []
    assert checks.check_point_in_time_recovery(stack["backups"], "t", expected=False) == [
        "DynamoDB table t: point-in-time recovery is 'ENABLED', expected enabled=False"
    ]
