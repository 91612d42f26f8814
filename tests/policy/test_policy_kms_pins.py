"""The KMS rules' exact findings and edges, each pinned where mutation testing (tools/mutation.py) showed
that a changed operator, constant or argument went unnoticed by the broader tests in test_policy_kms.py."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import root_statement
from policy_harness import ACCOUNT, R, U, run

GRANTS = "kms-key-policy-no-unconditional-grants"
ACCESS = "kms-key-policy-keeps-account-access"
GRANT = "kms-grant-restricted"
ROTATION = "kms-key-rotation-enabled"
OTHER = "999999999999"


def key(*statements, **props):
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return R("aws:kms/key:Key", "key", {"policy": policy, **props})


def findings(name, resources, config=None):
    """What each violation says about its resource, without the rule's description and fix."""
    return [
        d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix: ", 1)[0]
        for d in run(name, resources, config)
    ]


def role(name):
    return {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{name}"}


def test_each_statement_that_passes_create_grant_on_is_its_own_finding_with_its_actions_shown():
    statements = [
        root_statement(),
        {
            "Sid": "A",
            "Effect": "Allow",
            "Principal": role("a"),
            "Action": ["kms:CreateGrant", U],
            "Resource": "*",
        },
        {"Sid": "B", "Effect": "Allow", "Principal": role("b"), "Action": "kms:*", "Resource": "*"},
    ]
    assert findings(GRANTS, [key(*statements)]) == [
        f'statement \'A\' (Statement[1]) allows {{"AWS": "arn:aws:iam::{ACCOUNT}:role/a"}} Action '
        "[kms:CreateGrant, <unknown>] with no Condition that limits grants; that includes kms:CreateGrant, "
        'so the principal can hand the key on to anyone. Add a Condition such as "Bool": '
        '{"kms:GrantIsForAWSResource": "true"} or kms:ViaService, or narrow the actions',
        f'statement \'B\' (Statement[2]) allows {{"AWS": "arn:aws:iam::{ACCOUNT}:role/b"}} Action [kms:*] '
        "with no Condition that limits grants; that includes kms:CreateGrant, so the principal can hand the "
        'key on to anyone. Add a Condition such as "Bool": {"kms:GrantIsForAWSResource": "true"} or '
        "kms:ViaService, or narrow the actions",
    ]


def test_a_public_statement_shows_every_principal_it_names_and_not_principal_as_such():
    statements = [
        root_statement(),
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/a", ACCOUNT]},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
    ]
    assert findings(GRANTS, [key(*statements)]) == [
        f'Statement[1] allows NotPrincipal {{"AWS": "arn:aws:iam::{ACCOUNT}:role/a"}}, {{"AWS": "{ACCOUNT}"}}'
        " Action [kms:Decrypt] without a Condition, so every AWS account can use the key"
    ]


def test_bypassing_the_lock_out_check_and_losing_the_root_are_each_said_in_full():
    allow_role = {"Effect": "Allow", "Principal": role("a"), "Action": "kms:Decrypt", "Resource": "*"}
    assert findings(ACCESS, [key(allow_role, bypassPolicyLockoutSafetyCheck=True)]) == [
        "bypassPolicyLockoutSafetyCheck is true, which skips the AWS check that stops a key policy from "
        "locking the account out of the key",
        "no Allow statement gives the account (arn:aws:iam::<account>:root) kms:* or kms:PutKeyPolicy, so "
        "AWS rejects the policy (lock-out safety check) or, if bypassed, nobody can manage the key again",
    ]


def test_denying_another_accounts_root_is_no_lock_out_once_the_stacks_account_is_known():
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "kms:PutKeyPolicy",
        "Resource": "*",
    }
    assert findings(ACCESS, [key(root_statement(), deny)], {"accountId": ACCOUNT}) == []
    # Without the account, any root may be the stack's own: the deny is taken as a lock-out.
    assert findings(ACCESS, [key(root_statement(), deny)]) == [
        f'Statement[1] denies {{"AWS": "arn:aws:iam::{OTHER}:root"}} kms:PutKeyPolicy without a Condition, '
        "so nobody can change the key policy again"
    ]


def test_a_grant_whose_key_is_unknown_names_the_property_it_waits_for():
    grant = R(
        "aws:kms/grant:Grant",
        "g",
        {"keyId": U, "granteePrincipal": f"arn:aws:iam::{OTHER}:role/x", "operations": ["Decrypt"]},
    )
    assert findings(GRANT, [grant], {"accountId": ""}) == [
        "whether the grantee is in the key's account cannot be checked until aws:kms/grant:Grant 'g'.keyId "
        "is known (it is built from values computed during deployment); preview with preflight --mode "
        "update or check after the first deployment"
    ]


@pytest.mark.parametrize("grantee", ["logs.us-east-1.amazonaws.com", "arn:aws:s3:::bucket"])
def test_a_grantee_that_is_no_account_is_not_judged_as_another_account(grantee):
    grant = R(
        "aws:kms/grant:Grant",
        "g",
        {
            "keyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            "granteePrincipal": grantee,
            "operations": ["Decrypt"],
        },
    )
    assert findings(GRANT, [grant]) == []


@pytest.mark.parametrize(("days", "accepted"), [(89, False), (90, True), (2560, True), (2561, False)])
def test_the_rotation_period_is_accepted_from_90_to_2560_days_inclusive(days, accepted):
    found = findings(ROTATION, [key(root_statement(), enableKeyRotation=True, rotationPeriodInDays=days)])
    assert found == (
        [] if accepted else [f"rotationPeriodInDays is {days}; AWS accepts whole days from 90 to 2560"]
    )


def test_every_account_that_may_lack_its_root_is_named_with_its_root():
    third = "111122223333"
    other_root = {"AWS": f"arn:aws:iam::{OTHER}:root"}
    deployers = {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/deploy", f"arn:aws:iam::{third}:role/ops"]}
    admins = [
        {"Effect": "Allow", "Principal": other_root, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": deployers, "Action": "kms:PutKeyPolicy", "Resource": "*"},
    ]
    (fault,) = findings(ACCESS, [key(*admins)])
    assert f"if it is {third} or {ACCOUNT}, no Allow statement gives its root " in fault
    assert f"(arn:aws:iam::{third}:root, arn:aws:iam::{ACCOUNT}:root) kms:* or kms:PutKeyPolicy" in fault


def test_every_statement_whose_effect_is_unknown_is_named_in_one_note():
    unknown = [
        {"Effect": U, "Principal": role(n), "Action": "kms:Decrypt", "Resource": "*", "Sid": n} for n in "ab"
    ]
    notes = [d.message for d in run(GRANTS, [key(root_statement(), *unknown)]) if d.level == "advisory"]
    (note,) = notes
    assert (
        "may use the key through statement 'a' (Statement[1]), statement 'b' (Statement[2]) cannot be" in note
    )


def test_denying_a_service_spelled_like_the_root_locks_nobody_out():
    # {"Service": "arn:aws:iam::<account>:root"} names no service AWS has: the Deny stops no administrator.
    deny = {
        "Effect": "Deny",
        "Principal": {"Service": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert findings(ACCESS, [key(root_statement(), deny)]) == []
    deny["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    (fault,) = findings(ACCESS, [key(root_statement(), deny)])
    assert "denies" in fault
    assert "kms:PutKeyPolicy without a Condition, so nobody can change the key policy again" in fault
