"""Each way around the pack an attacker would try, judged by meaning: these documents passed before the
evaluator (a Condition of any kind hid a public key or bucket, a replica key or a bucket the stack does
not declare went unread), and every spelling of one document gets one verdict."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_fixtures import root_statement
from policy_harness import ACCOUNT, FUZZ, R, run
from trading_policies import kms
from trading_policies.graph import Resource

GRANTS = "kms-key-policy-no-unconditional-grants"
PUBLIC_BUCKET = "s3-bucket-policy-no-public-allow"
OTHER = "999999999999"
NAME = f"trading-data-{ACCOUNT}-us-east-1-dev"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

# Conditions that restrict nothing: whoever calls, from any account, can meet them.
OPEN_CONDITIONS = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"aws:Referer": "https://trading.example.com/*"}},
    {"StringEquals": {"aws:UserAgent": "trading-client"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
    {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}},
    {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
    {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    {"StringLike": {"aws:PrincipalAccount": "*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
    {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    {"Bool": {"kms:GrantIsForAWSResource": "true"}},
]
EVERYONE = ["*", {"AWS": "*"}, {"AWS": ["*"]}]


def key_policy(*statements, type_="aws:kms/key:Key"):
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return R(type_, "key", {"policy": policy, **({"keyId": "k"} if type_.endswith("KeyPolicy") else {})})


def allow(principal, action, condition=None, **extra):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def blocking(name, resources, config=None):
    return [d.message for d in run(name, resources, config) if d.level == "mandatory"]


@pytest.mark.parametrize("condition", OPEN_CONDITIONS)
@pytest.mark.parametrize("principal", EVERYONE)
def test_a_public_key_is_public_whatever_condition_restricts_nothing(principal, condition):
    (message,) = blocking(GRANTS, [key_policy(root_statement(), allow(principal, "kms:Decrypt", condition))])
    assert "so every AWS account can use the key" in message
    assert "that binds no caller to an account, organisation or source" in message


def test_not_principal_under_a_time_condition_is_everyone():
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    }
    (message,) = blocking(GRANTS, [key_policy(root_statement(), statement)])
    assert "NotPrincipal" in message
    assert "every AWS account" in message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}},
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app-*"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    ],
)
def test_a_condition_that_binds_the_caller_keeps_the_key_private(condition):
    assert blocking(GRANTS, [key_policy(root_statement(), allow("*", "kms:Decrypt", condition))]) == []


@pytest.mark.parametrize(
    "type_",
    [
        "aws:kms/replicaKey:ReplicaKey",
        "aws:kms/externalKey:ExternalKey",
        "aws:kms/replicaExternalKey:ReplicaExternalKey",
        "aws:kms/keyPolicy:KeyPolicy",
    ],
)
def test_every_kind_of_key_is_read(type_):
    (message,) = blocking(GRANTS, [key_policy(root_statement(), allow({"AWS": ["*"]}, "kms:*"), type_=type_)])
    assert f"{type_} 'key'" in message


def test_grants_to_everyone_are_public_even_for_aws_resources_only():
    statement = allow({"AWS": "*"}, "kms:CreateGrant", {"Bool": {"kms:GrantIsForAWSResource": "true"}})
    (message,) = blocking(GRANTS, [key_policy(root_statement(), statement)])
    assert "every AWS account can use the key" in message


@pytest.mark.parametrize(
    "condition", [{"Bool": {"aws:SecureTransport": "true"}}, {"StringLike": {"aws:PrincipalAccount": "*"}}]
)
def test_another_account_with_create_grant_under_an_open_condition_can_pass_the_key_on(condition):
    statement = allow({"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:Create*", condition)
    (message,) = blocking(GRANTS, [key_policy(root_statement(), statement)])
    assert (
        f'{{"AWS": "arn:aws:iam::{OTHER}:root"}} Action [kms:Create*] with no Condition that limits grants'
        in message
    )


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"kms:GrantIsForAWSResource": True}},
        {"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"}},
    ],
)
def test_a_grant_limited_to_aws_resources_or_a_service_path_is_not_passed_on(condition):
    statement = allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, "kms:CreateGrant", condition)
    assert blocking(GRANTS, [key_policy(root_statement(), statement)]) == []


def test_a_service_passes_grants_on_unless_bound_to_the_account():
    logs = {"Service": "logs.us-east-1.amazonaws.com"}
    context = {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}
    }
    assert blocking(GRANTS, [key_policy(root_statement(), allow(logs, "kms:*", context))]) == []
    other = {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{OTHER}:log-group:*"}}
    (message,) = blocking(GRANTS, [key_policy(root_statement(), allow(logs, "kms:*", other))])
    assert f"of account {OTHER}" in message
    # With no root to tell the stack's account, a service bound to one account gets the benefit of the doubt.
    assert blocking(GRANTS, [key_policy(allow(logs, "kms:*", other))]) == []
    (message,) = blocking(GRANTS, [key_policy(allow(logs, "kms:*", other))], {"accountId": ACCOUNT})
    assert "kms:CreateGrant" in message


def test_a_root_named_only_in_a_deny_statement_is_not_the_stacks_account():
    deny_other = {
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    grant = allow({"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:CreateGrant")
    (message,) = blocking(GRANTS, [key_policy(deny_other, root_statement(), grant)])
    assert f"arn:aws:iam::{OTHER}:root" in message


def test_a_service_or_federated_principal_spelled_like_a_root_is_not_the_account():
    for kind in ("Service", "Federated"):
        impostor = allow({kind: f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*")
        (message,) = blocking(GRANTS, [key_policy(root_statement(), impostor)])
        assert f'{{"{kind}": "arn:aws:iam::{ACCOUNT}:root"}}' in message
        (lockout,) = blocking("kms-key-policy-keeps-account-access", [key_policy(impostor)])
        assert "no Allow statement gives the account" in lockout


def bucket_stack(*statements, declared=True):
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    bucket = R("aws:s3/bucket:Bucket", "data", {"bucket": NAME, "id": NAME})
    attached = R(BUCKET_POLICY, "policy", {"bucket": NAME, "policy": policy}, deps={"bucket": [bucket]})
    if not declared:
        return [R(BUCKET_POLICY, "foreign-policy", {"bucket": "someone-elses-bucket", "policy": policy})]
    return [bucket, attached]


@pytest.mark.parametrize("condition", OPEN_CONDITIONS[:6])
@pytest.mark.parametrize("principal", EVERYONE)
def test_a_public_bucket_policy_is_public_whatever_condition_restricts_nothing(principal, condition):
    statement = allow(principal, "s3:GetObject", condition, Resource=f"arn:aws:s3:::{NAME}/*")
    (message,) = blocking(PUBLIC_BUCKET, bucket_stack(statement))
    assert "which makes the bucket public" in message


def test_a_bucket_policy_on_a_bucket_the_stack_does_not_declare_is_judged_too():
    statement = allow(
        "*", "s3:GetObject", {"Bool": {"aws:SecureTransport": "true"}}, Resource="arn:aws:s3:::x/*"
    )
    (message,) = blocking(PUBLIC_BUCKET, bucket_stack(statement, declared=False))
    assert "aws:s3/bucketPolicy:BucketPolicy 'foreign-policy'" in message
    bound = allow("*", "s3:GetObject", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, Resource="*")
    assert blocking(PUBLIC_BUCKET, bucket_stack(bound, declared=False)) == []
    (message,) = blocking(PUBLIC_BUCKET, [R(BUCKET_POLICY, "foreign", {"bucket": "b", "policy": "{"})])
    assert "bucket policy 'foreign' is unreadable" in message


# ---- every spelling of one document gets one verdict ----------------------------------------------

PRINCIPALS = [
    "*",
    f"arn:aws:iam::{ACCOUNT}:root",
    f"arn:aws:iam::{OTHER}:root",
    f"arn:aws:iam::{ACCOUNT}:role/app",
]
ACTIONS = ["kms:Decrypt", "kms:CreateGrant", "kms:Create*", "kms:*", "kms:Describe*", "kms:?*", "kms:*Grant"]
CONDITIONS = [
    None,
    {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
    {"StringEquals": {"aws:PrincipalAccount": OTHER}},
    {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    {"StringLike": {"aws:PrincipalAccount": "*"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
]
STATEMENTS = st.fixed_dictionaries(
    {
        "principal": st.sampled_from(PRINCIPALS),
        "actions": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
        "condition": st.sampled_from(CONDITIONS),
    }
)


def spell(spec, everyone_form, case):
    principal = spec["principal"]
    if principal == "*":
        rendered = [{"AWS": "*"}, "*", {"AWS": ["*"]}][everyone_form]
    else:
        rendered = {"AWS": principal} if everyone_form % 2 else {"AWS": [principal]}
    actions = [case(a) for a in spec["actions"]]
    statement = {"Effect": "Allow", "Principal": rendered, "Action": actions, "Resource": "*"}
    if spec["condition"] is not None:
        statement["Condition"] = {
            op: {case(k): v for k, v in kv.items()} for op, kv in spec["condition"].items()
        }
    return statement


def verdict(statements):
    resource = Resource("aws:kms/key:Key", "k", "urn", {"policy": json.dumps({"Statement": statements})})
    found = [str(f) for f in kms.check_unconditional_grants(resource, {"accountId": ACCOUNT})]
    return ("every AWS account" in " ".join(found), "kms:CreateGrant, so" in " ".join(found))


def split(statement):
    return [{**statement, "Action": [action]} for action in statement["Action"]]


def with_open_condition(statement):
    condition = {op: dict(kv) for op, kv in statement.get("Condition", {}).items()}
    condition.setdefault("Bool", {})["aws:SecureTransport"] = "true"
    condition.setdefault("StringLike", {})["aws:UserAgent"] = "*"
    return {**statement, "Condition": condition}


@FUZZ
@settings(max_examples=150, deadline=None)
@given(specs=st.lists(STATEMENTS, min_size=1, max_size=3), form=st.integers(0, 2), upper=st.booleans())
def test_a_document_gets_one_verdict_in_every_spelling(specs, form, upper):
    plain = [spell(s, 0, str) for s in specs]
    expected = verdict([root_statement(), *plain])
    case = str.upper if upper else str.lower
    variants = {
        "split": [root_statement(), *[part for s in plain for part in split(s)]],
        "reordered": [root_statement(), *[{**s, "Action": s["Action"][::-1]} for s in reversed(plain)]],
        "everyone spelled otherwise": [root_statement(), *[spell(s, form, str) for s in specs]],
        "case": [root_statement(), *[spell(s, 0, case) for s in specs]],
        "open condition added": [root_statement(), *[with_open_condition(s) for s in plain]],
    }
    for name, statements in variants.items():
        assert verdict(statements) == expected, name
