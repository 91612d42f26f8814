"""CloudWatch Logs and KMS checks against moto's responses: retention, encryption, rotation, key policies."""

from __future__ import annotations

import json

import pytest
from integration import checks

ACCOUNT = "123456789012"
REGION = "ap-southeast-2"


@pytest.mark.parametrize("group", checks.LOG_GROUP_KEYS)
def test_log_groups(stack, group):
    o = stack["outputs"]
    name = o["logGroupNames"][group]
    assert checks.check_log_group(stack["log_groups"], name, 365, o["logsKeyArn"], encrypted=True) == []


def test_unmanaged_log_group(stack):
    key = stack["outputs"]["logsKeyArn"]
    name = "/aws/lambda/unmanaged"
    assert checks.check_log_group(stack["bad_log_groups"], name, 365, key, encrypted=True) == [
        f"log group {name}: retention None days, expected 365",
        f"log group {name}: encrypted with None, expected {key}",
    ]
    assert checks.check_log_group(stack["bad_log_groups"], name, 365, key, encrypted=False) == [
        f"log group {name}: retention None days, expected 365"
    ]
    assert checks.check_log_group(stack["bad_log_groups"], "/aws/lambda/gone", 365, key, encrypted=True) == [
        "log group /aws/lambda/gone: not found (AWS would create it unencrypted with infinite retention)"
    ]


@pytest.mark.parametrize("key", ["data_key", "logs_key"])
def test_stack_keys(stack, key):
    arn = stack[f"{key}_description"]["KeyMetadata"]["Arn"]
    assert checks.check_key(stack[f"{key}_description"], stack[f"{key}_rotation"], arn) == []
    assert checks.check_key_policy(stack[f"{key}_policy"], arn, ACCOUNT, "aws") == []


def test_logs_key_policy(stack):
    arn = stack["outputs"]["logsKeyArn"]
    assert checks.check_logs_key_policy(stack["logs_key_policy"], arn, ACCOUNT, REGION, "aws") == []


def test_faulty_key(stack):
    arn = stack["bad_key_description"]["KeyMetadata"]["Arn"]
    assert checks.check_key(stack["bad_key_description"], stack["bad_key_rotation"], arn) == [
        f"KMS key {arn}: KeyState is 'Disabled', expected 'Enabled'",
        f"KMS key {arn}: automatic rotation is off, expected on",
    ]
    assert checks.check_key_policy(stack["bad_key_policy"], arn, ACCOUNT, "aws") == [
        f"KMS key {arn}: policy does not let arn:aws:iam::{ACCOUNT}:root administer the key (kms:*)",
        f"KMS key {arn}: statement 0 allows Principal '*' without a condition",
        f"KMS key {arn}: OpenGrants allows ['kms:Create*'] to ['arn:aws:iam::{ACCOUNT}:role/app'] without a "
        "condition (scope grants with kms:GrantIsForAWSResource)",
    ]
    # Its logs statement names another region, and the data key has none at all.
    for policy in (stack["bad_key_policy"], stack["data_key_policy"]):
        assert checks.check_logs_key_policy(policy, arn, ACCOUNT, REGION, "aws") == [
            f"KMS key {arn}: no statement allows logs.{REGION}.amazonaws.com the actions kms:Encrypt, "
            "kms:Decrypt, kms:ReEncryptFrom, kms:GenerateDataKey, kms:DescribeKey under ArnLike/ArnEquals "
            f"kms:EncryptionContext:aws:logs:arn scoped to arn:aws:logs:{REGION}:{ACCOUNT}:*"
        ]


def test_aws_managed_key_is_refused():
    description = {"KeyMetadata": {"KeyState": "Enabled", "KeyManager": "AWS"}}
    assert checks.check_key(description, {"KeyRotationEnabled": True}, "k") == [
        "KMS key k: KeyManager is 'AWS', expected 'CUSTOMER'"
    ]


def logs_policy(**changes):
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": [f"logs.{REGION}.amazonaws.com"]},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
            "ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/x"
            }
        },
    }
    statement.update(changes)
    return json.dumps({"Statement": [statement]})


def test_logs_statement_forms():
    assert checks.check_logs_key_policy(logs_policy(), "k", ACCOUNT, REGION, "aws") == []
    for changes in (
        {"Effect": "Deny"},
        {"Action": ["kms:Encrypt", "kms:Decrypt"]},
        {"Condition": None},
        {"Condition": {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": "x"}}},
        {"Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:*:*"}}},
        {"Principal": {"Service": "logs.amazonaws.com"}},
        {"Principal": "*"},
    ):
        assert checks.check_logs_key_policy(logs_policy(**changes), "k", ACCOUNT, REGION, "aws") != [], (
            changes
        )


def test_key_policy_forms():
    root = f"arn:aws:iam::{ACCOUNT}:root"
    admin = {"Effect": "Allow", "Principal": {"AWS": [root]}, "Action": ["kms:*"], "Resource": "*"}
    scoped_grant = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    account_grant = {
        "Effect": "Allow",
        "Principal": {"AWS": ACCOUNT},
        "Action": "kms:CreateGrant",
        "Resource": "*",
    }
    plain_use = {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Decrypt"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    document = json.dumps({"Statement": [admin, scoped_grant, account_grant, plain_use, deny]})
    assert checks.check_key_policy(document, "k", ACCOUNT, "aws") == []
    conditional_admin = json.dumps(
        {"Statement": {**admin, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}
    )
    assert checks.check_key_policy(conditional_admin, "k", ACCOUNT, "aws") == [
        f"KMS key k: policy does not let {root} administer the key (kms:*)"
    ]
    wildcard = json.dumps({"Statement": [admin, {**scoped_grant, "Action": "*", "Condition": None}]})
    assert checks.check_key_policy(wildcard, "k", ACCOUNT, "aws") == [
        f"KMS key k: statement 1 allows ['*'] to ['arn:aws:iam::{ACCOUNT}:role/app'] without a condition "
        "(scope grants with kms:GrantIsForAWSResource)"
    ]
    assert checks.check_key_policy("", "k", ACCOUNT, "aws") == [
        f"KMS key k: policy does not let {root} administer the key (kms:*)"
    ]


def test_flatten_keeps_order():
    assert checks.flatten([["a"], [], ["b", "c"]]) == ["a", "b", "c"]
