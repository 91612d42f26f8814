"""KMS rules: unconditional grants, account access (lock-out), rotation; random key policies never crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_fixtures import data_key_policy, logs_statement, root_statement
from policy_harness import ACCOUNT, FUZZ, R, U, run
from test_policy_documents import DOCUMENTS

GRANTS = "kms-key-policy-no-unconditional-grants"
ACCESS = "kms-key-policy-keeps-account-access"
ROTATION = "kms-key-rotation-enabled"


def key(*statements, type_="aws:kms/key:Key", **props):
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    field = {"keyId": U} if type_.endswith("KeyPolicy") else {}
    return R(type_, "key", {"policy": policy, **field, **props})


def faults(name, resource, config=None):
    return [d.message.split("\n", 1)[1] for d in run(name, [resource], config)]


def allow(principal, action, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize("action", ["kms:CreateGrant", "kms:*", "*", "kms:Create*", "KMS:*grant"])
def test_any_action_that_includes_create_grant_needs_a_condition(action):
    (fault,) = faults(
        GRANTS, key(root_statement(), allow({"AWS": "arn:aws:iam::123456789012:role/app"}, action))
    )
    assert 'Statement[1] allows {"AWS": "arn:aws:iam::123456789012:role/app"}' in fault
    assert "that includes kms:CreateGrant" in fault


def test_grants_with_a_condition_the_account_root_and_other_actions_are_fine():
    assert faults(GRANTS, R("aws:kms/key:Key", "key", {"policy": data_key_policy()})) == []
    statements = [
        root_statement(),
        allow({"AWS": ACCOUNT}, "kms:*"),
        allow({"Service": "logs.us-east-1.amazonaws.com"}, "kms:Decrypt"),
        allow(
            {"AWS": "arn:aws:iam::123456789012:role/app"},
            "kms:CreateGrant",
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"},
    ]
    assert faults(GRANTS, key(*statements)) == []


def test_everyone_without_a_condition_is_a_violation_whatever_the_action():
    (fault,) = faults(GRANTS, key(root_statement(), allow({"AWS": "*"}, "kms:Decrypt")))
    assert 'allows {"AWS": "*"} Action [kms:Decrypt] without a Condition, so every AWS account' in fault
    (fault,) = faults(
        GRANTS,
        key(
            root_statement(),
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": ROOT_OTHER},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ),
    )
    assert "NotPrincipal" in fault


ROOT_OTHER = "arn:aws:iam::999999999999:root"


def test_another_accounts_root_is_not_the_account():
    (fault,) = faults(GRANTS, key(root_statement(), allow({"AWS": ROOT_OTHER}, "kms:*")))
    assert ROOT_OTHER in fault
    assert faults(GRANTS, key(allow({"AWS": ROOT_OTHER}, "kms:*")), {"accountId": "999999999999"}) == []


def test_account_is_inferred_from_any_root_when_none_administers_the_key():
    statements = [allow({"AWS": ROOT_OTHER}, "kms:Decrypt"), allow({"AWS": ROOT_OTHER}, "kms:CreateGrant")]
    assert faults(GRANTS, key(*statements)) == []
    (fault,) = faults(GRANTS, key(allow({"AWS": "arn:aws:iam::123456789012:role/x"}, "kms:CreateGrant")))
    assert "role/x" in fault


def test_unknown_principals_are_not_judged_and_key_policy_resources_are_checked():
    assert faults(GRANTS, key(root_statement(), allow(U, "kms:*"))) == []
    (fault,) = faults(
        GRANTS,
        key(
            root_statement(),
            allow({"Service": "logs.amazonaws.com"}, "kms:CreateGrant"),
            type_="aws:kms/keyPolicy:KeyPolicy",
        ),
    )
    assert (
        "aws:kms/keyPolicy:KeyPolicy 'key'"
        in run(GRANTS, [key(allow("*", "kms:*"), type_="aws:kms/keyPolicy:KeyPolicy")])[0].message
    )
    assert "logs.amazonaws.com" in fault


def test_a_key_without_a_policy_gets_the_default_policy_and_passes():
    assert faults(GRANTS, R("aws:kms/key:Key", "key", {})) == []
    assert faults(ACCESS, R("aws:kms/key:Key", "key", {"policy": ""})) == []


def test_a_key_policy_unknown_at_preview_is_an_advisory_note_not_a_silent_pass():
    # Red-team b07: policy=pulumi.Output.json_dumps({... [ROOT, {"Principal": {"AWS": role.arn}, ...}]})
    # reaches the policy as one unknown value at preview.
    for name, severity in ((GRANTS, "CRITICAL"), (ACCESS, "HIGH")):
        (diag,) = run(name, [R("aws:kms/key:Key", "k", {"policy": U, "enableKeyRotation": True})])
        assert diag.level == "advisory"
        assert diag.message.split("\n", 1)[1].startswith(
            f"[unknown at preview] [{severity}] aws:kms/key:Key 'k': the key policy cannot be checked until "
            "aws:kms/key:Key 'k'.policy is known (it is built from values computed during deployment); "
            "preview with preflight --mode update or check after the first deployment. Fix: "
        )


def test_a_partly_unknown_key_policy_is_judged_on_what_is_known():
    unknown_statements = json.dumps({"Version": "2012-10-17", "Statement": U})
    assert [d.level for d in run(ACCESS, [R("aws:kms/key:Key", "k", {"policy": unknown_statements})])] == [
        "advisory"
    ]
    partly = json.dumps({"Statement": [root_statement(), U, allow("*", "kms:Decrypt")]})
    diags = run(GRANTS, [R("aws:kms/key:Key", "k", {"policy": partly})])
    assert [d.level for d in diags] == ["advisory", "mandatory"]
    assert "so every AWS account can use the key" in diags[1].message
    assert run(ACCESS, [R("aws:kms/key:Key", "k", {"policy": partly})]) == []


def test_the_account_root_must_be_able_to_administer_the_key():
    (fault,) = faults(ACCESS, key(logs_statement()))
    assert (
        "no Allow statement gives the account (arn:aws:iam::<account>:root) kms:* or kms:PutKeyPolicy"
        in fault
    )
    assert faults(ACCESS, key(allow({"AWS": ACCOUNT}, ["kms:PutKeyPolicy", "kms:Describe*"]))) == []
    (fault,) = faults(ACCESS, key(root_statement()), {"accountId": "999999999999"})
    assert "arn:aws:iam::999999999999:root" in fault
    assert faults(ACCESS, key(allow({"AWS": U}, "kms:*"))) == []
    assert (
        faults(
            ACCESS,
            key(
                allow({"Service": "x.amazonaws.com"}, "kms:*"),
                allow({"AWS": "arn:aws:iam::1:role/r"}, "kms:*"),
            ),
        )
        != []
    )


def test_a_deny_on_put_key_policy_locks_everyone_out():
    deny = {
        "Sid": "NoChanges",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:PutKeyPolicy",
        "Resource": "*",
    }
    (fault,) = faults(ACCESS, key(root_statement(), deny))
    assert "statement 'NoChanges' (Statement[1]) denies \"*\" kms:PutKeyPolicy without a Condition" in fault
    deny_root = {
        "Effect": "Deny",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert len(faults(ACCESS, key(root_statement(), deny_root))) == 1
    conditioned = {**deny, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    assert faults(ACCESS, key(root_statement(), conditioned)) == []
    assert faults(ACCESS, key(root_statement(), {**deny, "Action": "kms:Decrypt"})) == []
    assert (
        faults(ACCESS, key(root_statement(), {**deny, "Principal": {"AWS": "arn:aws:iam::1:role/r"}})) == []
    )


def test_bypassing_the_lock_out_check_is_a_violation():
    (fault,) = faults(ACCESS, key(root_statement(), bypassPolicyLockoutSafetyCheck=True))
    assert "bypassPolicyLockoutSafetyCheck is true" in fault
    (fault,) = faults(ACCESS, R("aws:kms/key:Key", "key", {"bypassPolicyLockoutSafetyCheck": "true"}))
    assert "bypassPolicyLockoutSafetyCheck" in fault


def test_unreadable_key_policies_are_violations_of_both_policy_rules():
    broken = R("aws:kms/key:Key", "key", {"policy": "{not json"})
    for name in (GRANTS, ACCESS):
        (fault,) = faults(name, broken)
        assert "key policy is unreadable: policy document is not valid JSON" in fault


def test_a_wildcard_inside_a_principal_is_a_policy_aws_refuses_not_a_narrow_grant():
    # "arn:aws:iam::*:root" reads as "every account" to a person and as no account to a matcher; AWS refuses
    # the policy (MalformedPolicyDocument), so the deployment would fail: both rules say so before.
    statement = {**root_statement(), "Sid": "AnyAccount", "Principal": {"AWS": "arn:aws:iam::*:root"}}
    wildcard = R(
        "aws:kms/key:Key",
        "key",
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": [root_statement(), statement]})},
    )
    for name in (GRANTS, ACCESS):
        (fault,) = faults(name, wildcard)
        assert (
            'key policy is unreadable: Statement[1].Principal.AWS names "arn:aws:iam::*:root", but AWS '
            in fault
        )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"enableKeyRotation": True}, []),
        ({"enableKeyRotation": "true", "rotationPeriodInDays": 90}, []),
        ({}, ["enableKeyRotation is <not set>; it must be true"]),
        ({"enableKeyRotation": "yes"}, ["enableKeyRotation is 'yes'; it must be true"]),
        (
            {"enableKeyRotation": True, "rotationPeriodInDays": 30},
            ["rotationPeriodInDays is 30; AWS accepts whole days from 90 to 2560"],
        ),
        (
            {"enableKeyRotation": True, "rotationPeriodInDays": "soon"},
            ["rotationPeriodInDays is 'soon'; AWS accepts whole days from 90 to 2560"],
        ),
        ({"customerMasterKeySpec": "RSA_2048"}, []),
        ({"keyUsage": "GENERATE_VERIFY_MAC"}, []),
        ({"customKeyStoreId": "cks-1"}, []),
        (
            {
                "customKeyStoreId": "",
                "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
                "keyUsage": "ENCRYPT_DECRYPT",
            },
            ["enableKeyRotation is <not set>; it must be true"],
        ),
        ({"customerMasterKeySpec": U}, []),
    ],
)
def test_rotation(props, expected):
    found = [
        f.split(": ", 1)[1].split(". Fix:")[0] for f in faults(ROTATION, R("aws:kms/key:Key", "key", props))
    ]
    assert found == expected


def test_rotation_does_not_apply_to_key_policy_resources():
    assert run(ROTATION, [R("aws:kms/keyPolicy:KeyPolicy", "kp", {"policy": "{}", "keyId": "k"})]) == []


@FUZZ
@settings(max_examples=100, deadline=None)
@given(document=DOCUMENTS, as_json=st.booleans())
def test_random_key_policies_never_crash_and_garbage_is_reported(document, as_json):
    policy = json.dumps(document) if as_json else document
    resource = R("aws:kms/key:Key", "key", {"policy": policy})
    for name in (GRANTS, ACCESS):
        for diag in run(name, [resource]):
            unknown_note = "\n[unknown at preview] " in diag.message
            assert diag.level == ("advisory" if unknown_note else "mandatory")
            assert "aws:kms/key:Key 'key'" in diag.message
