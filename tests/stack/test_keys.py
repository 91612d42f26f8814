"""The KMS keys: policies that AWS accepts and CloudWatch Logs can use, rotation, aliases, protection."""

import pytest
from stack_harness import ACCOUNT, BASE_TAGS, PCI_TAGS, component_context, run_program

from components.conventions import AwsTarget
from components.keys import Keys, KeysArgs, data_key_policy, logs_key_policy

TARGET = AwsTarget(account_id=ACCOUNT, region="us-east-1")
LOG_GROUPS = ["/aws/lambda/trading-orders-dev", "/aws/vpc/trading-dev/flow-logs"]


def statements_by_sid(policy):
    return {statement["Sid"]: statement for statement in policy["Statement"]}


@pytest.mark.parametrize("policy", [data_key_policy(TARGET), logs_key_policy(TARGET, LOG_GROUPS)])
def test_every_key_policy_keeps_the_account_root_as_administrator(policy):
    assert policy["Version"] == "2012-10-17"
    assert statements_by_sid(policy)["AccountAdministersKey"] == {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


@pytest.mark.parametrize("policy", [data_key_policy(TARGET), logs_key_policy(TARGET, LOG_GROUPS)])
def test_no_statement_lets_others_use_the_key_without_a_condition(policy):
    # Only reading the key's metadata (DynamoDB's documented statement) goes without a condition.
    read_only = {"kms:Describe*", "kms:Get*", "kms:List*"}
    for statement in policy["Statement"]:
        if statement["Principal"] != {"AWS": TARGET.root_arn} and not set(statement["Action"]) <= read_only:
            assert statement["Condition"], statement["Sid"]


def test_data_key_lets_dynamodb_read_its_metadata_only():
    statement = statements_by_sid(data_key_policy(TARGET))["DynamoDbReadsKeyMetadata"]
    assert statement == {
        "Sid": "DynamoDbReadsKeyMetadata",
        "Effect": "Allow",
        "Principal": {"Service": "dynamodb.amazonaws.com"},
        "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
        "Resource": "*",
    }


def test_logs_key_lets_cloudwatch_logs_of_this_region_use_it_for_the_stacks_log_groups_only():
    statement = statements_by_sid(logs_key_policy(TARGET, LOG_GROUPS))["CloudWatchLogsForStackLogGroups"]

    assert statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert statement["Action"] == [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
    ]
    assert statement["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": [
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/trading-orders-dev",
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/trading-dev/flow-logs",
            ]
        }
    }
    assert not any("CreateGrant" in action for action in statement["Action"])


def test_data_key_service_use_is_scoped_by_via_service_and_caller_account():
    statements = statements_by_sid(data_key_policy(TARGET, services=("rds", "dynamodb")))
    scope = {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": ["rds.us-east-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com"],
    }

    use = statements["ServiceUseForThisAccount"]
    assert (use["Principal"], use["Condition"]) == ({"AWS": "*"}, {"StringEquals": scope})
    assert "kms:CreateGrant" not in use["Action"]
    grants = statements["GrantsOnlyForAwsResources"]
    assert grants["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert grants["Condition"] == {"StringEquals": scope, "Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_data_key_serves_the_services_that_store_the_stacks_data():
    via = statements_by_sid(data_key_policy(TARGET))["ServiceUseForThisAccount"]["Condition"]["StringEquals"]

    assert via["kms:ViaService"] == [
        f"{service}.us-east-1.amazonaws.com"
        for service in ("dynamodb", "lambda", "rds", "s3", "secretsmanager")
    ]


def _keys(protect: bool, keep_data_key: bool = False):
    target, names, tags = component_context()
    args = KeysArgs(
        target=target,
        names=names,
        tags=tags,
        log_group_names=LOG_GROUPS,
        deletion_window_days=14,
        protect=protect,
        keep_data_key=keep_data_key,
    )
    return run_program(lambda: Keys("keys", args))


def test_keys_component_declares_two_rotating_keys_with_their_policies():
    run = _keys(protect=False)
    data, logs = run.named("keys-data"), run.named("keys-logs")

    for key in (data, logs):
        assert key.type == "aws:kms/key:Key"
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["rotationPeriodInDays"] == 365
        assert key.inputs["deletionWindowInDays"] == 14
        assert key.inputs["keyUsage"] == "ENCRYPT_DECRYPT"
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        assert key.inputs["bypassPolicyLockoutSafetyCheck"] is False
        assert (key.protect, key.retain_on_delete) == (False, False)
        assert key.parent == run.one("trading:keys:Keys").urn
    assert data.json("policy") == data_key_policy(TARGET)
    assert logs.json("policy") == logs_key_policy(TARGET, LOG_GROUPS)
    assert data.inputs["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-data-dev"}


def test_keys_component_gives_each_key_its_alias():
    run = _keys(protect=False)

    aliases = {alias.inputs["name"]: alias for alias in run.of_type("aws:kms/alias:Alias")}
    assert set(aliases) == {"alias/trading-data-dev", "alias/trading-logs-dev"}
    assert aliases["alias/trading-data-dev"].property_dependencies["targetKeyId"] == [
        run.named("keys-data").urn
    ]


def test_protected_keys_survive_a_destroy():
    run = _keys(protect=True)

    for key in run.of_type("aws:kms/key:Key"):
        assert (key.protect, key.retain_on_delete) == (True, True)
    for alias in run.of_type("aws:kms/alias:Alias"):
        assert (alias.protect, alias.retain_on_delete) == (False, False)


def test_the_data_key_outlives_a_destroy_that_keeps_a_final_snapshot():
    # A kept snapshot encrypted with a key scheduled for deletion becomes unreadable once the window ends.
    run = _keys(protect=False, keep_data_key=True)

    assert (run.named("keys-data").protect, run.named("keys-data").retain_on_delete) == (True, True)
    assert (run.named("keys-logs").protect, run.named("keys-logs").retain_on_delete) == (False, False)
