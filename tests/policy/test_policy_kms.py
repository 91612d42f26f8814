"""KMS rules: unconditional grants, account access (lock-out), rotation; random key policies never crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_fixtures import data_key_policy, logs_key_policy, logs_statement, root_statement
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


def test_two_account_roots_with_full_control_cannot_both_be_the_account():
    # Nothing tells which root is the stack's: one of them is another account, whichever it is.
    (fault,) = faults(GRANTS, key(root_statement(), allow({"AWS": ROOT_OTHER}, "kms:*")))
    assert "the key policy lets principals of accounts 123456789012, 999999999999 use the key" in fault
    (fault,) = faults(
        GRANTS, key(root_statement(), allow({"AWS": ROOT_OTHER}, "kms:*")), {"accountId": ACCOUNT}
    )
    assert ROOT_OTHER in fault
    assert "account 999999999999 is not the stack's account 123456789012 (from the policy config" in fault
    assert faults(GRANTS, key(allow({"AWS": ROOT_OTHER}, "kms:*")), {"accountId": "999999999999"}) == []


def test_a_policy_nobody_can_administer_is_left_to_the_lock_out_rule():
    # AWS refuses it (no caller of the key's account may call PutKeyPolicy), so whose account it names is
    # moot; kms-key-policy-keeps-account-access blocks it.
    statements = [allow({"AWS": ROOT_OTHER}, "kms:Decrypt"), allow({"AWS": ROOT_OTHER}, "kms:CreateGrant")]
    assert faults(GRANTS, key(*statements)) == []
    assert len(faults(ACCESS, key(*statements))) == 1
    (fault,) = faults(GRANTS, key(allow({"AWS": "arn:aws:iam::123456789012:role/x"}, "kms:CreateGrant")))
    assert "role/x" in fault


def test_unknown_principals_are_a_note_and_key_policy_resources_are_checked():
    (diag,) = run(GRANTS, [key(root_statement(), allow(U, "kms:*"))])
    assert diag.level == "advisory"
    assert (
        "'key': whether anyone outside the stack's account may use the key through Statement[1] cannot be "
        "checked until aws:kms/key:Key 'key'.policy is known (it is built from values computed during "
        "deployment)" in diag.message
    )
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


def test_an_action_not_known_at_preview_is_a_note_where_it_may_be_create_grant_or_put_key_policy():
    # Action=[..., other.action]: the action not known yet may be kms:CreateGrant (or kms:PutKeyPolicy).
    config = {"accountId": ACCOUNT}
    app = allow({"AWS": "arn:aws:iam::123456789012:role/app"}, ["kms:Decrypt", U])
    for statement in (app, dict(app, Action=U), dict(app, NotAction=["kms:Decrypt", U], Action=None)):
        statement = {k: v for k, v in statement.items() if v is not None}
        (diag,) = run(GRANTS, [key(root_statement(), statement)], config)
        assert diag.level == "advisory"
        assert (
            "'key': whether Statement[1] let a principal other than the account call kms:CreateGrant without "
            "a Condition that limits grants cannot be checked until aws:kms/key:Key 'key'.policy is known"
            in diag.message
        )
    limited = dict(app, Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}})
    assert run(GRANTS, [key(root_statement(), limited)], config) == []
    root = dict(root_statement(), Action=[U])
    assert run(GRANTS, [key(root)], config) == []
    (diag,) = run(ACCESS, [key(root)], config)
    assert diag.level == "advisory"
    assert (
        "'key': whether arn:aws:iam::123456789012:root may call kms:PutKeyPolicy (an Action of its "
        "statement) cannot be checked until aws:kms/key:Key 'key'.policy is known" in diag.message
    )
    assert run(ACCESS, [key(root, root_statement())], config) == []


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
    assert faults(ACCESS, key(root_statement(), {**deny, "Principal": {"Service": "x.amazonaws.com"}})) == []


def test_bypassing_the_lock_out_check_is_a_violation():
    (fault,) = faults(ACCESS, key(root_statement(), bypassPolicyLockoutSafetyCheck=True))
    assert "bypassPolicyLockoutSafetyCheck is true" in fault
    (fault,) = faults(ACCESS, R("aws:kms/key:Key", "key", {"bypassPolicyLockoutSafetyCheck": "true"}))
    assert "bypassPolicyLockoutSafetyCheck" in fault


def test_a_bypass_not_known_at_preview_is_a_note_and_proves_no_account():
    # bypass_policy_lockout_safety_check=<an Output>: AWS may yet skip the check, so a policy that only
    # another account's root may administer does not prove that account is the stack's.
    later = "cannot be checked until aws:kms/key:Key 'key'.bypassPolicyLockoutSafetyCheck is known"
    foreign = key(root_statement() | {"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}})
    foreign.props["bypassPolicyLockoutSafetyCheck"] = U
    (diag,) = run(GRANTS, [foreign])
    assert diag.level == "advisory"
    assert f"'key': whether account {OTHER} of the key policy is the stack's account {later}" in diag.message
    (diag,) = run(ACCESS, [foreign])
    assert diag.level == "advisory"
    assert f"'key': whether the lock-out safety check is skipped {later}" in diag.message
    both = key(root_statement(), allow({"AWS": f"arn:aws:iam::{OTHER}:role/x"}, "kms:Decrypt"))
    both.props["bypassPolicyLockoutSafetyCheck"] = U
    (fault,) = verdicts(GRANTS, both)
    assert fault == (
        "mandatory",
        f"the key policy lets principals of accounts {ACCOUNT}, {OTHER} use the key, and which one is the "
        "stack's account cannot be told (bypassPolicyLockoutSafetyCheck is not known until deployment, so "
        f"AWS may not check it), so at least one of them is another account: {SET_ACCOUNT}",
    )
    own = key(root_statement(), bypassPolicyLockoutSafetyCheck=U)
    assert run(GRANTS, [own], {"accountId": ACCOUNT}) == []
    assert [d.level for d in run(ACCESS, [own], {"accountId": ACCOUNT})] == ["advisory"]


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


# ---- whose account: never the key policy's say ---------------------------------------------------

OTHER = "999999999999"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
PROOF = "from AWS's lock-out check: only its principals may administer the key"
SET_ACCOUNT = "set the policy config accountId (or the provider's allowedAccountIds) to the stack's account"


def verdicts(name, resource, config=None):
    """(level, what the violation says about the resource) for each violation, without the fix."""
    return [
        (d.level, d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix: ", 1)[0])
        for d in run(name, [resource], config)
    ]


@pytest.mark.parametrize(
    ("resource", "arn", "shown"),
    [
        ({"Resource": "arn:aws:dynamodb:*"}, None, "Resource [arn:aws:dynamodb:*]"),
        (
            {"Resource": [f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app"]},
            None,
            f"Resource [arn:aws:kms:us-east-1:{ACCOUNT}:alias/app]",
        ),
        (
            {"Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/other"},
            KEY_ARN,
            f"Resource [arn:aws:kms:us-east-1:{ACCOUNT}:key/other]",
        ),
        ({"NotResource": "*"}, None, "NotResource [*]"),
        ({"NotResource": KEY_ARN}, KEY_ARN, f"NotResource [{KEY_ARN}]"),
    ],
)
def test_a_root_statement_on_other_resources_keeps_no_access_to_the_key(resource, arn, shown):
    # In a key policy "*" is the key and an ARN is itself: a root statement on "arn:aws:dynamodb:*" gives the
    # root nothing on the key (AWS's lock-out check does not count it either), while a deployer statement
    # keeps the policy acceptable to AWS.
    root = {k: v for k, v in root_statement().items() if k != "Resource"} | resource
    deployer = allow({"AWS": DEPLOYER}, "kms:*", {"Bool": {"kms:GrantIsForAWSResource": "true"}})
    policy = key(root, deployer, **({"arn": arn} if arn else {}))
    assert verdicts(ACCESS, policy, {"accountId": ACCOUNT}) == [
        (
            "mandatory",
            f"no Allow statement gives the account (arn:aws:iam::{ACCOUNT}:root) kms:* or kms:PutKeyPolicy "
            f"(statement 'EnableRoot' (Statement[0]) names it on {shown}, which is not this key: in a key "
            'policy the key is Resource "*"), so AWS rejects the policy (lock-out safety check) or, if '
            "bypassed, nobody can manage the key again",
        )
    ]


@pytest.mark.parametrize(
    "resource",
    [
        {"Resource": f"arn:aws:kms:*:{ACCOUNT}:key/*"},
        {"Resource": ["arn:aws:s3:::x", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"]},
        {"Resource": U},
        {"Resource": "arn:*"},
        {"NotResource": "arn:aws:s3:::x"},
        {"NotResource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/other"},
    ],
)
def test_a_root_statement_that_may_name_the_key_keeps_access(resource):
    # Without the key's ARN (a new key at preview), an ARN that may be the key's counts.
    root = {k: v for k, v in root_statement().items() if k != "Resource"} | resource
    assert run(ACCESS, [key(root)], {"accountId": ACCOUNT}) == []
    on_the_key = {k: v for k, v in root_statement().items() if k != "Resource"} | {"Resource": KEY_ARN}
    assert run(ACCESS, [key(on_the_key, arn=KEY_ARN)], {"accountId": ACCOUNT}) == []


UNMET = (
    "no Allow statement gives the account (arn:aws:iam::{account}:root) kms:* or kms:PutKeyPolicy under a "
    "Condition its administrators meet: statement 'EnableRoot' (Statement[0]) names it under a Condition on "
    "{keys}, which they may never meet (only aws:PrincipalAccount or kms:CallerAccount naming the account, "
    "aws:PrincipalArn, aws:userid or aws:PrincipalType matching all its principals, what every direct call "
    "over TLS carries, or a key it lacks (kms:ViaService, aws:SourceArn...) left optional is sure to hold), "
    "so the account cannot manage the key through IAM"
)


@pytest.mark.parametrize(
    ("condition", "keys"),
    [
        ({"StringEquals": {"aws:PrincipalAccount": OTHER}}, "aws:PrincipalAccount"),
        ({"StringEquals": {"kms:CallerAccount": int(OTHER)}}, "kms:CallerAccount"),
        ({"StringNotEquals": {"aws:PrincipalAccount": [OTHER, ACCOUNT]}}, "aws:PrincipalAccount"),
        ({"StringLike": {"kms:CallerAccount": "9*"}}, "kms:CallerAccount"),
        ({"StringEquals": {"kms:CallerAccount": [True, 1.5]}}, "kms:CallerAccount"),
        ({"StringEquals": {"aws:PrincipalAccount": "${aws:UserName}"}}, "aws:PrincipalAccount"),
        ({"StringNotEquals": {"aws:PrincipalAccount": "${aws:UserName}"}}, "aws:PrincipalAccount"),
        ({"ArnEquals": {"aws:PrincipalAccount": ACCOUNT}}, "aws:PrincipalAccount"),
        ({"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}}, "aws:CurrentTime"),
        ({"Null": {"aws:PrincipalArn": "true"}}, "aws:PrincipalArn"),
        ({"Null": {"aws:PrincipalAccount": "true"}}, "aws:PrincipalAccount"),
        ({"Bool": {"aws:ViaAWSService": "true"}}, "aws:ViaAWSService"),
        ({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, "kms:ViaService"),
        (
            {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            "kms:CallerAccount, kms:ViaService",
        ),
        # StringEquals reads "*" as itself; a direct call carries no aws:SourceAccount, and aws:SourceIp
        # may be absent only on some calls (through a VPC endpoint).
        ({"StringEquals": {"kms:CallerAccount": "1234*"}}, "kms:CallerAccount"),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, "aws:SourceAccount"),
        ({"Null": {"aws:SourceIp": "true"}}, "aws:SourceIp"),
        # A pattern of some roles, or one on another policy variable, is not every principal of the account.
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app-*"}}, "aws:PrincipalArn"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:username}:*"}}, "aws:PrincipalArn"),
        ({"ArnLike": {"aws:PrincipalArn": True}}, "aws:PrincipalArn"),
        # Keys are named in the order of their lower-case spelling, whatever case the policy wrote.
        (
            {"Bool": {"aws:ViaAWSService": "true"}, "StringEquals": {"KMS:ViaService": "s3.amazonaws.com"}},
            "aws:ViaAWSService, KMS:ViaService",
        ),
        # One user, users only, a pattern that misses the root's id (the account id) or a role session, a
        # principal type short of one an administrator may be, a variable the request may leave empty.
        ({"StringEquals": {"aws:userid": "AIDAEXAMPLE123"}}, "aws:userid"),
        ({"StringLike": {"aws:userid": "AIDA*"}}, "aws:userid"),
        ({"StringEquals": {"aws:userid": "*"}}, "aws:userid"),
        ({"StringLike": {"aws:userid": "?????????????*"}}, "aws:userid"),
        ({"StringLike": {"aws:userid": "${aws:username}*"}}, "aws:userid"),
        ({"StringNotLike": {"aws:userid": "AIDABREAKGLASS"}}, "aws:userid"),
        ({"StringEquals": {"aws:PrincipalType": "User"}}, "aws:PrincipalType"),
        ({"StringEquals": {"aws:PrincipalType": ["Account", "User", "AssumedRole"]}}, "aws:PrincipalType"),
        (
            {"StringEquals": {"aws:PrincipalType": ["account", "user", "federateduser", "assumedrole"]}},
            "aws:PrincipalType",
        ),
        ({"StringNotEquals": {"aws:PrincipalType": "FederatedUser"}}, "aws:PrincipalType"),
        ({"StringNotLike": {"aws:PrincipalType": "${aws:username}"}}, "aws:PrincipalType"),
        # The caller's own type with more text around it is no type.
        ({"StringEquals": {"aws:PrincipalType": "${aws:PrincipalType}-x"}}, "aws:PrincipalType"),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalType": "x${aws:PrincipalType}"}}, "aws:PrincipalType"),
        ({"StringLike": {"aws:PrincipalType": "${aws:PrincipalType}?"}}, "aws:PrincipalType"),
        ({"StringNotEquals": {"aws:PrincipalType": "${aws:PrincipalType}"}}, "aws:PrincipalType"),
        ({"StringLike": {"aws:RequestedRegion": "us-*"}}, "aws:RequestedRegion"),
        ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, "aws:RequestedRegion"),
        ({"Bool": {"aws:SecureTransport": "false"}}, "aws:SecureTransport"),
        ({"StringEquals": {"aws:SecureTransport": "true"}}, "aws:SecureTransport"),
        ({"Bool": {"aws:PrincipalIsAWSService": True}}, "aws:PrincipalIsAWSService"),
        # A time to come, a time that ends, a value that is no time, an operator that compares no times.
        ({"DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}, "aws:CurrentTime"),
        ({"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}, "aws:CurrentTime"),
        ({"NumericLessThan": {"aws:EpochTime": 32503680000}}, "aws:EpochTime"),
        ({"DateGreaterThan": {"aws:CurrentTime": ["yesterday", True]}}, "aws:CurrentTime"),
        ({"NumericGreaterThan": {"aws:EpochTime": float("inf")}}, "aws:EpochTime"),
        ({"DateEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "aws:CurrentTime"),
        # aws:CurrentTime is a date, which a Numeric operator cannot read, and a Numeric operator reads its
        # value as a number, which a date is not: neither ever matches.
        ({"NumericGreaterThan": {"aws:CurrentTime": 0}}, "aws:CurrentTime"),
        ({"NumericNotEquals": {"aws:CurrentTime": "1"}}, "aws:CurrentTime"),
        ({"NumericGreaterThan": {"aws:EpochTime": "2001-01-01T00:00:00Z"}}, "aws:EpochTime"),
    ],
)
@pytest.mark.parametrize("principal", [f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT])
@pytest.mark.parametrize("config", [{"accountId": ACCOUNT}, None])
def test_a_root_statement_under_a_condition_the_administrators_may_not_meet_keeps_no_access(
    condition, keys, principal, config
):
    # A Condition that never holds for a person of the account (another account, only through a service,
    # a time long past, a key every request has being absent) leaves the account no way to manage the key.
    root = root_statement() | {"Principal": {"AWS": principal}, "Condition": condition}
    assert verdicts(ACCESS, key(root), config) == [("mandatory", UNMET.format(account=ACCOUNT, keys=keys))]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        {"StringEquals": {"kms:CallerAccount": [OTHER, int(ACCOUNT)]}},
        {"ForAnyValue:StringLike": {"kms:CallerAccount": "1234*"}},
        {"StringEqualsIfExists": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
        {"StringEquals": {"kms:CallerAccount": "${aws:PrincipalAccount}"}},
        {"StringNotEquals": {"aws:PrincipalAccount": OTHER}},
        {"Null": {"kms:CallerAccount": "false"}},
    ],
)
def test_a_root_statement_bound_to_the_account_itself_keeps_access(condition):
    root = root_statement() | {"Condition": condition}
    assert run(ACCESS, [key(root)], {"accountId": ACCOUNT}) == []
    assert run(ACCESS, [key(root)]) == []


@pytest.mark.parametrize(
    ("condition", "keys"),
    [
        ({"StringEquals": {"aws:userid": "${aws:userid}"}}, "aws:userid"),
        ({"StringLike": {"aws:RequestedRegion": "${aws:RequestedRegion}*"}}, "aws:RequestedRegion"),
        ({"StringEquals": {"aws:PrincipalType": "${aws:PrincipalType}"}}, "aws:PrincipalType"),
        ({"StringEquals": {"kms:CallerAccount": ["${aws:PrincipalAccount}", 7]}}, "kms:CallerAccount"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}, "aws:PrincipalArn"),
    ],
)
@pytest.mark.parametrize("version", [{"Version": "2008-10-17"}, {}])
def test_a_policy_variable_is_literal_text_in_a_document_of_the_old_version(condition, keys, version):
    # Under Version 2008-10-17, also the Version of a document that names none, IAM reads "${aws:userid}" as
    # that text, which no administrator's id is: the root statement holds for no one, and a Deny under it
    # denies no one.
    root = root_statement() | {"Condition": condition}
    old = R("aws:kms/key:Key", "key", {"policy": json.dumps(version | {"Statement": [root]})})
    assert verdicts(ACCESS, old, {"accountId": ACCOUNT}) == [
        ("mandatory", UNMET.format(account=ACCOUNT, keys=keys))
    ]
    assert run(ACCESS, [key(root)], {"accountId": ACCOUNT}) == []
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": condition}
    old_deny = R(
        "aws:kms/key:Key", "key", {"policy": json.dumps(version | {"Statement": [root_statement(), deny]})}
    )
    assert run(ACCESS, [old_deny], {"accountId": ACCOUNT}) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": U}},
        {"StringNotEquals": {"aws:PrincipalAccount": [OTHER, U]}},
        {"StringEquals": {"kms:CallerAccount": U, "aws:PrincipalAccount": ACCOUNT}},
        {"Null": {"aws:PrincipalAccount": U}},
        U,
        {"ArnLike": {"aws:PrincipalArn": U}},
        {"StringLike": {"aws:userid": ["AIDA*", U]}},
        {"StringEquals": {"aws:PrincipalType": ["Account", "User", U]}},
        {"StringNotEquals": {"aws:PrincipalType": ["Anonymous", U]}},
        {"DateGreaterThan": {"aws:CurrentTime": U}},
        {"NumericGreaterThan": {"aws:EpochTime": [0, U]}},
    ],
)
def test_a_root_condition_not_known_at_preview_is_a_note(condition):
    root = root_statement() | {"Condition": condition}
    (diag,) = run(ACCESS, [key(root)], {"accountId": ACCOUNT})
    assert diag.level == "advisory"
    assert (
        f"'key': whether arn:aws:iam::{ACCOUNT}:root may call kms:PutKeyPolicy (a Condition value of its "
        "statement) cannot be checked until aws:kms/key:Key 'key'.policy is known" in diag.message
    )
    # A value not known yet cannot make a Condition on another key one the administrators meet.
    other = root_statement() | {"Condition": {"StringEquals": {"kms:ViaService": U}}}
    assert verdicts(ACCESS, key(other), {"accountId": ACCOUNT}) == [
        ("mandatory", UNMET.format(account=ACCOUNT, keys="kms:ViaService"))
    ]


def test_a_deny_under_a_condition_the_administrators_always_meet_locks_everyone_out():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": OTHER}},
    }
    assert verdicts(ACCESS, key(root_statement(), deny)) == [
        (
            "mandatory",
            'Statement[1] denies "*" kms:PutKeyPolicy under a Condition on aws:PrincipalAccount that the '
            "account's administrators always meet, so nobody can change the key policy again",
        )
    ]
    # The usual guard, which denies only other accounts, and a Deny not known yet, lock no one out.
    guard = deny | {"Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}}
    assert run(ACCESS, [key(root_statement(), guard)]) == []
    later = deny | {"Condition": {"StringEquals": {"aws:PrincipalAccount": U}}}
    assert run(ACCESS, [key(root_statement(), later)]) == []


@pytest.mark.parametrize(
    ("condition", "keys"),
    [
        # The red-team input: a Condition every caller of the account meets, on another key than its account.
        ({"StringLike": {"aws:PrincipalArn": "*"}}, "aws:PrincipalArn"),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"}}, "aws:PrincipalArn"),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:ResourceAccount}:*"}}, "aws:PrincipalArn"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}, "aws:PrincipalArn"),
        # Every principal ARN of the account has an "r" in its name ("root", "role/...", "user/...").
        ({"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*r*"}}, "aws:PrincipalArn"),
        ({"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:role/break-glass"}}, "aws:PrincipalArn"),
        # A variable after another account's id still names only that account's principals.
        (
            {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:user/${{aws:username}}"}},
            "aws:PrincipalArn",
        ),
        ({"Null": {"aws:PrincipalArn": "false"}}, "aws:PrincipalArn"),
        # An administrator calls PutKeyPolicy directly: kms:ViaService is not in the request.
        ({"Null": {"kms:ViaService": "true"}}, "kms:ViaService"),
        ({"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, "kms:ViaService"),
        # Nor does it carry the source of a service's call for a resource, tags, or what only another
        # operation carries: a negated operator, ForAllValues or Null "true" on them holds for everyone (the
        # usual confused-deputy guard, written with Principal "*", denies every administrator).
        ({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}, "aws:SourceAccount"),
        ({"ArnNotLike": {"AWS:SourceArn": f"arn:aws:s3:::bucket-{ACCOUNT}"}}, "AWS:SourceArn"),
        ({"Null": {"aws:SourceOrgID": "true"}}, "aws:SourceOrgID"),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner"]}}, "aws:TagKeys"),
        ({"StringNotEqualsIfExists": {"aws:RequestTag/Owner": "ops"}}, "aws:RequestTag/Owner"),
        ({"StringNotEquals": {"kms:EncryptionContext:tenant": "a"}}, "kms:EncryptionContext:tenant"),
        ({"ForAllValues:StringLike": {"kms:GrantOperations": "Decrypt"}}, "kms:GrantOperations"),
        # Every signed request carries the caller's unique id and principal type, and the Region it calls.
        ({"StringLike": {"aws:userid": "*"}}, "aws:userid"),
        ({"StringLike": {"aws:userid": "${aws:userid}"}}, "aws:userid"),
        ({"StringEquals": {"aws:userid": "${aws:userid}"}}, "aws:userid"),
        ({"StringLike": {"aws:userid": ["AIDA*", "????????????*"]}}, "aws:userid"),
        ({"StringLike": {"aws:PrincipalType": "*"}}, "aws:PrincipalType"),
        (
            {
                "StringEquals": {
                    "aws:PrincipalType": ["Account", "User", "FederatedUser", "AssumedRole", "Anonymous"]
                }
            },
            "aws:PrincipalType",
        ),
        (
            {
                "StringEqualsIgnoreCase": {
                    "aws:PrincipalType": ["ACCOUNT", "user", "FederatedUser", "assumedrole"]
                }
            },
            "aws:PrincipalType",
        ),
        ({"StringEquals": {"aws:PrincipalType": "${aws:PrincipalType}"}}, "aws:PrincipalType"),
        ({"StringLike": {"aws:PrincipalType": "${aws:PrincipalType}*"}}, "aws:PrincipalType"),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalType": "${aws:principaltype}"}}, "aws:PrincipalType"),
        ({"StringNotEquals": {"aws:PrincipalType": ["Anonymous", 7]}}, "aws:PrincipalType"),
        # No caller's type is its own type with more text around it.
        ({"StringNotEquals": {"aws:PrincipalType": "${aws:PrincipalType}-x"}}, "aws:PrincipalType"),
        ({"StringLike": {"aws:RequestedRegion": "*"}}, "aws:RequestedRegion"),
        (
            {"Null": {"aws:RequestedRegion": "false", "aws:EpochTime": "false"}},
            "aws:EpochTime, aws:RequestedRegion",
        ),
        # KMS takes TLS connections only, and an administrator calls it directly, as no service.
        ({"Bool": {"aws:SecureTransport": "true"}}, "aws:SecureTransport"),
        ({"BoolIfExists": {"aws:ViaAWSService": False}}, "aws:ViaAWSService"),
        ({"Bool": {"aws:PrincipalIsAWSService": ["false"]}}, "aws:PrincipalIsAWSService"),
        # A time long past, however written; every time but one.
        ({"DateGreaterThan": {"aws:CurrentTime": "1970-01-01T00:00:00Z"}}, "aws:CurrentTime"),
        (
            {"DateGreaterThanEquals": {"aws:CurrentTime": ["2999-01-01", "2001-01-01T00:00:00"]}},
            "aws:CurrentTime",
        ),
        ({"NumericGreaterThan": {"aws:EpochTime": 0}}, "aws:EpochTime"),
        ({"DateGreaterThan": {"aws:EpochTime": "978307200"}}, "aws:EpochTime"),
        ({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "aws:CurrentTime"),
    ],
)
def test_a_deny_under_a_condition_every_caller_of_the_account_meets_locks_everyone_out(condition, keys):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": condition}
    assert verdicts(ACCESS, key(root_statement(), deny), {"accountId": ACCOUNT}) == [
        (
            "mandatory",
            f'Statement[1] denies "*" kms:PutKeyPolicy under a Condition on {keys} that the account\'s '
            "administrators always meet, so nobody can change the key policy again",
        )
    ]


@pytest.mark.parametrize(
    "condition",
    [
        # A break-glass role kept out of the Deny, a pattern of some roles, a value not known yet, another
        # variable, a ViaService required or a ForAnyValue over it (false without the key): not everyone.
        {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/break-glass"}},
        {
            "ArnNotLike": {
                "aws:PrincipalArn": [f"arn:aws:iam::{OTHER}:root", "arn:aws:iam::${aws:username}:x"]
            }
        },
        {"ArnNotLike": {"aws:PrincipalArn": "arn:${aws:username}:iam::999999999999:root"}},
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app-*"}},
        {"ArnLike": {"aws:PrincipalArn": f"ARN:AWS:IAM::{ACCOUNT}:*"}},  # case-sensitive: matches no one
        # Patterns that spare the root user (4 characters), a user named "ab", a break-glass role.
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:?????*"}},
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*r???*"}},
        {"StringNotLike": {"aws:PrincipalArn": "*break-glass*"}},
        {"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:root"}},
        {"ArnLike": {"aws:PrincipalArn": U}},
        {"ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{OTHER}:root", U]}},
        {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::${aws:username}:*", True]}},
        {"DateGreaterThan": {"aws:PrincipalArn": "2020-01-01T00:00:00Z"}},
        {"Null": {"aws:PrincipalArn": "true"}},
        {"Null": {"aws:SourceIp": "false"}},
        {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"ForAnyValue:StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": "Owner"}},
        {"Null": {"aws:CalledVia": "false"}},
        # One user id, users only, a type that spares federated users or one with a variable, a value not
        # known yet, a pattern that spares the root, a Region, a connection or caller KMS never sees.
        {"StringEquals": {"aws:userid": "AIDAEXAMPLE123"}},
        {"StringLike": {"aws:userid": "AIDA*"}},
        {"StringLike": {"aws:userid": U}},
        {"StringEquals": {"aws:PrincipalType": "User"}},
        {"StringLike": {"aws:PrincipalType": ["*User", "Account"]}},
        {"StringNotEquals": {"aws:PrincipalType": ["Anonymous", "FederatedUser"]}},
        {"StringNotEquals": {"aws:PrincipalType": "${aws:username}"}},
        {"StringNotEquals": {"aws:PrincipalType": ["Anonymous", U]}},
        {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        {"Bool": {"aws:SecureTransport": "false"}},
        {"Bool": {"aws:ViaAWSService": "true"}},
        {"Null": {"aws:MultiFactorAuthPresent": "false"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        # A time long past, a window that never opens, a time not known yet.
        {"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}},
        {
            "DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"},
            "DateLessThan": {"aws:EpochTime": 0},
        },
        {"DateGreaterThan": {"aws:CurrentTime": U}},
        # A Numeric operator on the date aws:CurrentTime, or given a date, never matches.
        {"NumericGreaterThan": {"aws:CurrentTime": 0}},
        {"NumericGreaterThanEquals": {"aws:EpochTime": "2001-01-01T00:00:00Z"}},
    ],
)
def test_a_deny_that_spares_some_callers_of_the_account_locks_no_one_out(condition):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": condition}
    assert run(ACCESS, [key(root_statement(), deny)], {"accountId": ACCOUNT}) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEqualsIfExists": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"ForAllValues:StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"Null": {"kms:ViaService": "true", "aws:PrincipalAccount": "false"}},
        {"StringLike": {"aws:PrincipalArn": "*"}},
        {"StringNotEquals": {"aws:SourceAccount": OTHER}},
        {"ArnNotLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::*"}},
        # Before, these too read as never met, though every administrator's direct call meets them.
        {"StringLike": {"aws:userid": "*"}},
        {"StringEquals": {"aws:PrincipalType": ["Account", "User", "FederatedUser", "AssumedRole"]}},
        {"StringNotEquals": {"aws:PrincipalType": "Anonymous"}},
        {"StringLike": {"aws:RequestedRegion": "?????????*"}},
        {"Bool": {"aws:SecureTransport": "true", "aws:PrincipalIsAWSService": "false"}},
        {"Bool": {"aws:ViaAWSService": "false"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}},
        {"NumericGreaterThanEquals": {"aws:EpochTime": "0"}, "Null": {"aws:userid": "false"}},
    ],
)
def test_a_root_statement_under_a_condition_every_direct_caller_meets_keeps_access(condition):
    # Before, these read as never met: a mandatory violation for a key its administrators can manage.
    root = root_statement() | {"Condition": condition}
    assert run(ACCESS, [key(root)], {"accountId": ACCOUNT}) == []


@pytest.mark.parametrize(
    "condition",
    [
        # A time bomb: from 2999 on nobody can manage the key; and a lock-out until 2999.
        {"DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}},
        {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00+00:00"}},
        {"NumericLessThanEquals": {"aws:EpochTime": 32503680000}, "StringLike": {"aws:userid": "*"}},
    ],
)
def test_a_deny_the_administrators_will_all_meet_for_a_time_locks_them_out_for_that_time(condition):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": condition}
    keys = ", ".join(
        sorted(condition[next(iter(condition))] | condition.get("StringLike", {}), key=str.lower)
    )
    assert verdicts(ACCESS, key(root_statement(), deny), {"accountId": ACCOUNT}) == [
        (
            "mandatory",
            f'Statement[1] denies "*" kms:PutKeyPolicy under a Condition on {keys} that the account\'s '
            "administrators all meet for a time, so for that time nobody can change the key policy",
        )
    ]


def test_the_lock_out_message_names_every_root_statement_at_fault_and_no_other():
    via = {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    unmet = [root_statement() | {"Condition": via}, root_statement() | {"Sid": "Again", "Condition": via}]
    assert verdicts(ACCESS, key(*unmet), {"accountId": ACCOUNT}) == [
        (
            "mandatory",
            UNMET.format(account=ACCOUNT, keys="kms:ViaService").replace(
                "statement 'EnableRoot' (Statement[0])",
                "statement 'EnableRoot' (Statement[0]), statement 'Again' (Statement[1])",
            ),
        )
    ]
    # A deployer statement on another resource does not name the root: the root's own statement is at fault.
    deployer = allow({"AWS": DEPLOYER}, "kms:*") | {"Resource": "arn:aws:dynamodb:*"}
    assert verdicts(ACCESS, key(unmet[0], deployer), {"accountId": ACCOUNT}) == [
        ("mandatory", UNMET.format(account=ACCOUNT, keys="kms:ViaService"))
    ]
    elsewhere = [root_statement() | {"Resource": "arn:aws:dynamodb:*"}, allow({"AWS": ACCOUNT}, "kms:*")]
    elsewhere[1]["Resource"] = "arn:aws:s3:::x"
    assert verdicts(ACCESS, key(*elsewhere, deployer), {"accountId": ACCOUNT}) == [
        (
            "mandatory",
            f"no Allow statement gives the account (arn:aws:iam::{ACCOUNT}:root) kms:* or kms:PutKeyPolicy "
            "(statement 'EnableRoot' (Statement[0]), Statement[1] names it on Resource [arn:aws:dynamodb:*], "
            'which is not this key: in a key policy the key is Resource "*"), so AWS rejects the policy '
            "(lock-out safety check) or, if bypassed, nobody can manage the key again",
        )
    ]


def foreign_admin_beside_our_deployer():
    # The key policy of the report: another account's root gets kms:*, and our deployer role keeps
    # PutKeyPolicy so that AWS's lock-out check passes.
    return [
        allow({"AWS": ROOT_OTHER}, "kms:*"),
        allow({"AWS": DEPLOYER}, ["kms:PutKeyPolicy", "kms:Describe*", "kms:Get*"]),
    ]


def test_another_account_with_full_control_beside_our_deployer_is_blocked_by_both_rules():
    resource = key(*foreign_admin_beside_our_deployer(), enableKeyRotation=True)
    assert verdicts(GRANTS, resource) == [
        (
            "mandatory",
            f"the key policy lets principals of accounts {ACCOUNT}, {OTHER} use the key, and which one is "
            f"the stack's account cannot be told (principals of accounts {ACCOUNT}, {OTHER} may all "
            f"administer the key), so at least one of them is another account: {SET_ACCOUNT}",
        )
    ]
    assert verdicts(ACCESS, resource) == [
        (
            "mandatory",
            f"principals of accounts {ACCOUNT}, {OTHER} may administer the key and which one is the stack's "
            f"account cannot be told; if it is {ACCOUNT}, no Allow statement gives its root "
            f"(arn:aws:iam::{ACCOUNT}:root) kms:* or kms:PutKeyPolicy, so the account cannot manage the key "
            f"through IAM: {SET_ACCOUNT}",
        )
    ]


def test_once_the_key_arn_is_known_the_other_account_is_named_as_outside():
    resource = key(*foreign_admin_beside_our_deployer(), arn=KEY_ARN)
    assert verdicts(GRANTS, resource) == [
        (
            "mandatory",
            f'Statement[0] allows {{"AWS": "{ROOT_OTHER}"}} Action [kms:*] with no Condition that limits '
            "grants; that includes kms:CreateGrant, so the principal can hand the key on to anyone. Add a "
            'Condition such as "Bool": {"kms:GrantIsForAWSResource": "true"} or kms:ViaService, or narrow '
            f"the actions; account {OTHER} is not the stack's account {ACCOUNT} (from its arn), so another "
            "account can use the key",
        )
    ]
    assert verdicts(ACCESS, resource) == [
        (
            "mandatory",
            f"no Allow statement gives the account (arn:aws:iam::{ACCOUNT}:root) kms:* or kms:PutKeyPolicy, "
            "so AWS rejects the policy (lock-out safety check) or, if bypassed, nobody can manage the key "
            "again",
        )
    ]


@pytest.mark.parametrize(
    "statement",
    [
        allow({"AWS": ROOT_OTHER}, "kms:Decrypt"),
        allow({"AWS": OTHER}, ["kms:Decrypt", "kms:DescribeKey"]),
        allow({"AWS": f"arn:aws:iam::{OTHER}:role/reader"}, "kms:Decrypt"),
        allow("*", "kms:Decrypt", {"StringEquals": {"kms:CallerAccount": OTHER}}),
        allow({"AWS": "*"}, "kms:Decrypt", {"StringEquals": {"aws:PrincipalAccount": OTHER}}),
    ],
)
def test_any_use_by_another_account_is_outside_the_account_the_lock_out_check_proves(statement):
    # Only our root may administer the key, and AWS refuses a key policy its own account cannot
    # administer: the key is in 123456789012, so the other account is outside it, whatever it may do.
    ((level, fault),) = verdicts(GRANTS, key(root_statement(), statement))
    assert level == "mandatory"
    assert fault.startswith("Statement[1] allows ")
    assert fault.endswith(
        f": account {OTHER} is not the stack's account {ACCOUNT} ({PROOF}), so another account can use the "
        "key"
    )


def test_a_service_bound_to_another_accounts_resources_is_outside_the_account():
    # CloudWatch Logs of account 999999999999 would encrypt that account's log groups with our key.
    statement = logs_statement(account=OTHER)
    ((_, fault),) = verdicts(GRANTS, key(root_statement(), statement))
    assert fault == (
        "statement 'AllowCloudWatchLogs' (Statement[1]) allows "
        f'{{"Service": "logs.us-east-1.amazonaws.com"}} of account {OTHER} Action [kms:Encrypt*, '
        "kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, "
        f"kms:Describe*]: account {OTHER} is not the stack's account {ACCOUNT} ({PROOF}), so another account "
        "can use the key"
    )


@pytest.mark.parametrize(
    ("props", "provider", "source"),
    [
        ({}, None, "the policy config accountId"),
        ({"arn": KEY_ARN}, None, "its arn"),
        ({"primaryKeyArn": KEY_ARN}, None, "its primaryKeyArn"),
        ({}, {"allowedAccountIds": json.dumps([ACCOUNT])}, "the provider's allowedAccountIds"),
        ({}, {"allowedAccountIds": [ACCOUNT, "not-an-account"]}, "the provider's allowedAccountIds"),
        (
            {},
            {
                "assumeRoles": json.dumps(
                    [{"roleArn": f"arn:aws:iam::{OTHER}:role/hub"}, {"roleArn": DEPLOYER}]
                )
            },
            f"the provider's assumed role {DEPLOYER}",
        ),
        ({}, {"assumeRole": {"roleArn": DEPLOYER}}, f"the provider's assumed role {DEPLOYER}"),
        (
            {},
            {"assumeRoleWithWebIdentity": json.dumps({"roleArn": DEPLOYER})},
            f"the provider's assumed role {DEPLOYER}",
        ),
        # An empty roleArn is no role: the chain goes on to the next block that names one.
        (
            {},
            {"assumeRole": {"roleArn": ""}, "assumeRoleWithWebIdentity": {"roleArn": DEPLOYER}},
            f"the provider's assumed role {DEPLOYER}",
        ),
    ],
)
def test_the_account_comes_from_config_the_keys_own_arns_or_the_provider(props, provider, source):
    # The policy names only the other account, so the lock-out check alone would take it as the key's.
    resource = key(allow({"AWS": ROOT_OTHER}, "kms:*"), **props)
    resource.provider = {"region": "us-east-1", **(provider or {})}
    config = {} if props or provider else {"accountId": ACCOUNT}
    ((_, fault),) = verdicts(GRANTS, resource, config)
    assert fault.endswith(
        f"; account {OTHER} is not the stack's account {ACCOUNT} (from {source}), so another account can use "
        "the key"
    )
    ((_, fault),) = verdicts(ACCESS, resource, config)
    assert fault.startswith(f"no Allow statement gives the account (arn:aws:iam::{ACCOUNT}:root)")
    assert verdicts(GRANTS, key(root_statement(), **props), config) == []


def test_a_key_policy_resource_takes_the_account_from_its_key_arn():
    resource = R(
        "aws:kms/keyPolicy:KeyPolicy",
        "kp",
        {
            "keyId": KEY_ARN,
            "policy": json.dumps(
                {"Statement": [root_statement(), allow({"AWS": ROOT_OTHER}, "kms:Encrypt")]}
            ),
        },
    )
    ((_, fault),) = verdicts(GRANTS, resource)
    assert fault.endswith(
        f"account {OTHER} is not the stack's account {ACCOUNT} (from its keyId), so another account can use "
        "the key"
    )


@pytest.mark.parametrize(
    "provider",
    [
        {"assumeRoles": json.dumps([{"roleArn": DEPLOYER}, {"roleArn": U}])},
        {"assumeRoles": U, "assumeRole": {"roleArn": DEPLOYER}},
        {"assumeRole": "{not json"},
        {"assumeRole": {"roleArn": "arn:aws:kms:us-east-1:123456789012:key/x"}},
        {"allowedAccountIds": "[not json"},
        {"allowedAccountIds": 42},
    ],
)
def test_a_provider_that_does_not_pin_one_account_tells_nothing(provider):
    # A role not known yet may be another account's: the earlier role of a chain is not where it ends.
    resource = key(allow({"AWS": ROOT_OTHER}, "kms:*"))
    resource.provider = {"region": "us-east-1", **provider}
    assert verdicts(GRANTS, resource) == []


def test_accounts_outside_the_providers_allowed_accounts_are_outside():
    resource = key(
        root_statement(), allow({"AWS": ROOT_OTHER}, "kms:*"), allow({"AWS": "111111111111"}, "kms:*")
    )
    resource.provider = {"allowedAccountIds": json.dumps([ACCOUNT, "111111111111"])}
    found = [fault for _, fault in verdicts(GRANTS, resource)]
    assert len(found) == 2
    assert found[0].endswith(
        f"; account {OTHER} is not among the provider's allowedAccountIds (111111111111, {ACCOUNT}), so "
        "another account can use the key"
    )
    assert found[1].startswith(
        f"the key policy lets principals of accounts 111111111111, {ACCOUNT} use the key"
    )
    # The lock-out check then tells the account among the allowed ones.
    resource = key(root_statement(), allow({"AWS": ROOT_OTHER}, "kms:*"))
    resource.provider = {"allowedAccountIds": [ACCOUNT, "111111111111"]}
    ((_, fault),) = verdicts(GRANTS, resource)
    assert fault.endswith(
        f"account {OTHER} is not the stack's account {ACCOUNT} ({PROOF}), so another account can use the key"
    )
    assert verdicts(ACCESS, resource) == []


@pytest.mark.parametrize(
    ("statement", "props", "why"),
    [
        (
            allow("*", "kms:PutKeyPolicy", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            {},
            '(Statement[1] lets "*" limited by aws:PrincipalOrgID o-a1b2c3d4e5 administer the key, which '
            "ties it to no one account)",
        ),
        (
            allow({"AWS": "AROAEXAMPLEROLEID"}, "kms:PutKeyPolicy"),
            {},
            '(Statement[1] lets {"AWS": "AROAEXAMPLEROLEID"} administer the key, which ties it to no one '
            "account)",
        ),
        (
            allow({"AWS": ROOT_OTHER}, "kms:Decrypt"),
            {"bypassPolicyLockoutSafetyCheck": True},
            "(bypassPolicyLockoutSafetyCheck is true, so AWS does not check who may administer the key)",
        ),
    ],
)
def test_one_account_the_lock_out_check_does_not_prove_cannot_pass_as_the_stacks(statement, props, why):
    # Someone not tied to the named account may administer the key: it may be created in any account.
    resource = key(allow({"AWS": ROOT_OTHER}, "kms:*"), statement, **props)
    assert verdicts(GRANTS, resource) == [
        (
            "mandatory",
            f"the key policy lets principals of account {OTHER} use the key, but whether {OTHER} is the "
            f"stack's account cannot be told {why}: {SET_ACCOUNT}",
        )
    ]


def test_a_principal_not_known_yet_stops_the_proof_with_a_note_and_several_accounts_still_block():
    statements = [root_statement(), allow({"AWS": U}, "kms:PutKeyPolicy")]
    assert [level for level, _ in verdicts(GRANTS, key(*statements))] == ["advisory"]
    assert verdicts(ACCESS, key(*statements)) == []
    found = verdicts(GRANTS, key(*statements, allow({"AWS": ROOT_OTHER}, "kms:Decrypt")))
    assert [level for level, _ in found] == ["advisory", "mandatory"]
    assert found[1][1].startswith(
        f"the key policy lets principals of accounts {ACCOUNT}, {OTHER} use the key, and which one is the "
        "stack's account cannot be told (a principal that may administer the key is not known until "
        "deployment)"
    )
    unknown_effect = {**root_statement(), "Effect": U, "Sid": "Maybe"}
    found = verdicts(GRANTS, key(root_statement(), unknown_effect, allow({"AWS": ROOT_OTHER}, "kms:Decrypt")))
    assert found[0] == (
        "advisory",
        "whether anyone outside the stack's account may use the key through statement 'Maybe' "
        "(Statement[1]) cannot be checked until aws:kms/key:Key "
        "'key'.policy is known (it is built from values computed during deployment); preview with preflight "
        "--mode update or check after the first deployment",
    )


def test_several_accounts_in_a_policy_nobody_can_administer_still_block():
    statements = [allow({"AWS": ROOT_OTHER}, "kms:Decrypt"), allow({"AWS": DEPLOYER}, "kms:Decrypt")]
    ((_, fault),) = verdicts(GRANTS, key(*statements))
    assert "cannot be told (no principal of an account may administer the key)" in fault


def test_the_projects_own_key_policies_pass_in_preview_and_update():
    # The data and logs keys of components/keys.py, as their fixtures build them from the caller identity.
    for policy in (data_key_policy(), logs_key_policy()):
        for props in ({}, {"arn": KEY_ARN}):
            resource = R("aws:kms/key:Key", "key", {"policy": policy, "enableKeyRotation": True, **props})
            assert run(GRANTS, [resource]) == []
            assert run(ACCESS, [resource]) == []


# ---- grants ----------------------------------------------------------------------------------------

GRANT = "kms-grant-restricted"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def grant(provider=None, **props):
    resource = R(
        "aws:kms/grant:Grant", "g", {"keyId": KEY_ID, "operations": ["Decrypt", "GenerateDataKey"], **props}
    )
    resource.provider = {"region": "us-east-1", **(provider or {})}
    return resource


def test_a_grant_on_a_bare_key_id_to_another_account_is_a_note_not_a_silent_pass():
    # CreateGrant takes a key id or alias name, which names no account: nothing tells whether
    # 999999999999 is the key's. Grants to the stack's own roles look the same, so it cannot block.
    found = verdicts(GRANT, grant(granteePrincipal=f"arn:aws:iam::{OTHER}:role/x"))
    assert found == [
        (
            "advisory",
            f"whether account {OTHER} of granteePrincipal arn:aws:iam::{OTHER}:role/x is the key's account "
            f"cannot be checked: keyId '{KEY_ID}' is a key id or alias, not an ARN, and neither the policy "
            "config accountId nor the provider (assumed role, allowedAccountIds) names the account; give "
            "keyId the key's ARN or set accountId",
        )
    ]


@pytest.mark.parametrize(
    ("provider", "config"),
    [
        ({"allowedAccountIds": json.dumps([ACCOUNT])}, None),
        ({"assumeRoles": json.dumps([{"roleArn": DEPLOYER}])}, None),
        (None, {"accountId": ACCOUNT}),
    ],
)
def test_a_grant_to_another_account_blocks_once_the_config_or_the_provider_names_the_account(
    provider, config
):
    other = grant(provider, granteePrincipal=f"arn:aws:iam::{OTHER}:role/x")
    assert verdicts(GRANT, other, config) == [
        (
            "mandatory",
            f"granteePrincipal arn:aws:iam::{OTHER}:role/x is in account {OTHER}, not the key's account "
            f"{ACCOUNT}: the grant opens the key to another account where the key policy does not show it",
        )
    ]
    own = grant(provider, granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app", retiringPrincipal=DEPLOYER)
    assert verdicts(GRANT, own, config) == []


def test_a_grants_retiring_principal_is_judged_like_its_grantee():
    retiring = grant(
        granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app",
        retiringPrincipal=f"arn:aws:iam::{OTHER}:root",
        keyId=KEY_ARN,
    )
    assert verdicts(GRANT, retiring) == [
        (
            "mandatory",
            f"retiringPrincipal arn:aws:iam::{OTHER}:root is in account {OTHER}, not the key's account "
            f"{ACCOUNT}: another account can retire the grant, where the key policy does not show it",
        )
    ]
    # Two accounts with nothing to tell the key's: one of them is another account.
    retiring.props["keyId"] = KEY_ID
    ((level, fault),) = verdicts(GRANT, retiring)
    assert (level, fault) == (
        "mandatory",
        f"granteePrincipal is in account {ACCOUNT} and retiringPrincipal in account {OTHER}, so one of them "
        f"is outside the key's account, which nothing tells (keyId '{KEY_ID}' names no account): "
        f"{SET_ACCOUNT}",
    )
    alone = grant(retiringPrincipal=f"arn:aws:iam::{OTHER}:root", keyId=U)
    ((level, fault),) = verdicts(GRANT, alone)
    assert level == "advisory"
    assert fault.startswith("whether the retiring principal is in the key's account cannot be checked until")


def test_a_grant_outside_the_providers_allowed_accounts_blocks():
    other = grant(
        {"allowedAccountIds": [ACCOUNT, "111111111111"]}, granteePrincipal=f"arn:aws:iam::{OTHER}:role/x"
    )
    assert verdicts(GRANT, other) == [
        (
            "mandatory",
            f"granteePrincipal arn:aws:iam::{OTHER}:role/x is in account {OTHER}: account {OTHER} is not "
            f"among the provider's allowedAccountIds (111111111111, {ACCOUNT}); the grant opens the key to "
            "another account where the key policy does not show it",
        )
    ]


LATER = "preview with preflight --mode update or check after the first deployment"


@pytest.mark.parametrize(
    ("prop", "who"), [("granteePrincipal", "grantee"), ("retiringPrincipal", "retiring principal")]
)
def test_a_grant_principal_unknown_at_preview_is_a_note_naming_it(prop, who):
    # grantee_principal=role.arn: the role may be in any account, the key's or another.
    props = {"granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app", prop: U}
    assert verdicts(GRANT, grant(**props), {"accountId": ACCOUNT}) == [
        (
            "advisory",
            f"whether the {who} is in the key's account cannot be checked until aws:kms/grant:Grant "
            f"'g'.{prop} is known (it is built from values computed during deployment); {LATER}",
        )
    ]


def test_a_known_principal_of_another_account_blocks_beside_an_unknown_one():
    other = grant(granteePrincipal=U, retiringPrincipal=f"arn:aws:iam::{OTHER}:root")
    assert [level for level, _ in verdicts(GRANT, other, {"accountId": ACCOUNT})] == ["advisory", "mandatory"]
    blocked = grant(granteePrincipal=U, operations=["CreateGrant"])
    assert [level for level, _ in verdicts(GRANT, blocked, {"accountId": ACCOUNT})] == ["mandatory"]


def test_a_grant_already_blocked_gets_no_note():
    blocked = grant(granteePrincipal=f"arn:aws:iam::{OTHER}:role/x", operations=["Decrypt", "CreateGrant"])
    assert [level for level, _ in verdicts(GRANT, blocked)] == ["mandatory"]
    blocked.props["keyId"] = U
    assert [level for level, _ in verdicts(GRANT, blocked)] == ["mandatory"]


@pytest.mark.parametrize("operations", [U, ["Decrypt", U]])
def test_grant_operations_not_known_at_preview_are_a_note(operations):
    # operations=[..., other.operation]: the operation not known yet may be CreateGrant.
    own = grant(granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app", operations=operations, keyId=KEY_ARN)
    assert verdicts(GRANT, own) == [
        (
            "advisory",
            "whether the grant passes on CreateGrant cannot be checked until aws:kms/grant:Grant "
            f"'g'.operations is known (it is built from values computed during deployment); {LATER}",
        )
    ]
    own.props["operations"] = ["CreateGrant", U]
    assert [level for level, _ in verdicts(GRANT, own)] == ["mandatory"]
