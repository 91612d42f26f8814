"""log-group-kms-key-allows-logs: exact findings, and every way a log group can name its key, each pinned
where mutation testing (tools/mutation.py) showed a change went unnoticed by test_policy_logs.py."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import logs_key_policy, logs_statement, root_statement
from policy_harness import ACCOUNT, R, U, run

RULE = "log-group-kms-key-allows-logs"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
NO_POLICY = (
    "KMS key 'key' has no key policy, so AWS applies its default policy, which does not let "
    "logs.{}.amazonaws.com use the key: creating the log group fails with AccessDeniedException"
)
NO_STATEMENT = (
    "KMS key 'key' has no Allow statement for logs.us-east-1.amazonaws.com; creating the log group fails "
    "with AccessDeniedException"
)
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


def findings(resources, config=None):
    """What each violation says about its log group, without the rule's description and fix."""
    return [
        d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix:")[0]
        for d in run(RULE, resources, config)
    ]


def group(key=None, name="group", **props):
    props = {"name": "/x", "kmsKeyId": U, **props}
    return R(LOG_GROUP, name, props, deps={"kmsKeyId": [key]} if key is not None else {})


def statements(*extra):
    return json.dumps({"Statement": [root_statement(), *extra]})


def test_a_log_group_without_a_provider_region_is_in_the_stacks_region():
    key = R(KEY, "key", {"policy": logs_key_policy()}, provider={"region": "eu-west-1"})
    log_group = group(key)
    log_group.provider = None
    assert findings([key, log_group], {"region": "us-east-1"}) == [
        "KMS key 'key' is in eu-west-1 but the log group is in us-east-1; CloudWatch Logs needs a key in its "
        "region"
    ]


def test_a_key_spelled_symmetric_default_is_symmetric():
    key = R(KEY, "key", {"policy": logs_key_policy(), "customerMasterKeySpec": "SYMMETRIC_DEFAULT"})
    assert findings([key, group(key)]) == []


def test_an_empty_key_policy_is_the_default_policy_and_an_unknown_region_is_shown_as_such():
    key = R(KEY, "key", {"policy": ""}, provider=None)
    log_group = group(key)
    log_group.provider = None
    assert findings([key, log_group], {"region": ""}) == [NO_POLICY.format("<region>")]


@pytest.mark.parametrize(
    ("key_props", "alias_target"),
    [
        ({"keyId": KEY_ID}, None),
        ({"id": KEY_ID}, None),
        ({"arn": KEY_ARN}, None),
        ({"keyId": KEY_ID}, KEY_ID),
        ({"id": KEY_ID}, KEY_ID),
        ({"arn": KEY_ARN}, KEY_ARN),
    ],
)
def test_a_key_named_by_a_literal_id_arn_or_alias_is_found(key_props, alias_target):
    key = R(KEY, "key", {"policy": "", **key_props})
    reference = next(iter(key_props.values()))
    resources = [key]
    if alias_target is not None:
        resources.append(
            R("aws:kms/alias:Alias", "alias", {"name": "alias/logs", "targetKeyId": alias_target})
        )
        reference = "alias/logs"
    resources.append(group(kmsKeyId=reference))
    assert findings(resources) == [NO_POLICY.format("us-east-1")]


@pytest.mark.parametrize("key_props", [{"keyId": KEY_ID}, {"id": KEY_ID}, {"arn": KEY_ARN}])
def test_a_key_policy_resource_naming_its_key_by_a_literal_replaces_the_keys_own(key_props):
    key = R(KEY, "key", dict(key_props))
    policy = R(
        "aws:kms/keyPolicy:KeyPolicy",
        "policy",
        {"keyId": next(iter(key_props.values())), "policy": statements()},
    )
    assert findings([key, policy, group(key)]) == [NO_STATEMENT]


def test_a_log_group_without_a_key_is_skipped_and_the_next_one_still_checked():
    key = R(KEY, "key", {"policy": statements()})
    assert findings([group(name="plain", kmsKeyId=""), key, group(key)]) == [NO_STATEMENT]


def test_every_fault_of_a_statement_that_is_too_narrow_and_misscoped_is_said():
    scoped = logs_statement(
        Action=["kms:Encrypt*"],
        Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:*"}},
    )
    key = R(KEY, "key", {"policy": statements(scoped)})
    where = "statement 'AllowCloudWatchLogs' (Statement[1]) of KMS key 'key'"
    assert findings([key, group(key)], {"accountId": ACCOUNT}) == [
        f"{where} scopes kms:EncryptionContext:aws:logs:arn to 'arn:aws:logs:us-east-1:*', which is not a "
        "CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)",
        f"{where} limits kms:EncryptionContext:aws:logs:arn to values that do not match this log group "
        f"(arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/x), so CloudWatch Logs cannot use the key for it",
        "KMS key 'key' does not allow logs.us-east-1.amazonaws.com kms:Decrypt, kms:ReEncryptFrom, "
        "kms:ReEncryptTo, kms:GenerateDataKey, kms:DescribeKey; CloudWatch Logs needs kms:Encrypt*, "
        "kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*",
    ]


def test_string_equals_on_the_log_groups_exact_arn_scopes_the_key_to_it():
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/x"
    exact = logs_statement(Condition={"StringEquals": {"kms:EncryptionContext:aws:logs:arn": arn}})
    key = R(KEY, "key", {"policy": statements(exact)})
    assert findings([key, group(key)], {"accountId": ACCOUNT}) == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("arn:aws:logs:*:*:log-group:*", "does not name this stack's region (a single region)"),
        (
            "arn:aws:logs:us-east-1:*:log-group:*",
            "does not name this stack's account (a single 12-digit account)",
        ),
    ],
)
def test_without_a_known_region_or_account_the_scope_must_still_name_a_single_one(value, problem):
    scoped = logs_statement(Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": value}})
    # No root statement either: nothing in the policy names the account.
    key = R(KEY, "key", {"policy": json.dumps({"Statement": [scoped]})}, provider=None)
    log_group = group(key)
    log_group.provider = None if "*:*" in value else {"region": "us-east-1"}
    assert findings([key, log_group], {"region": "", "accountId": ""}) == [
        f"statement 'AllowCloudWatchLogs' (Statement[0]) of KMS key 'key' scopes "
        f"kms:EncryptionContext:aws:logs:arn to '{value}', which {problem}"
    ]
