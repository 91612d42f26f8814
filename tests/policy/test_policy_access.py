"""Every other place a policy document lives, judged by the evaluator: role trust policies, identity
policies that put resource-scoped actions on every resource, KMS grants, VPC endpoint policies and
Secrets Manager policies. Each has a compliant, a non-compliant, a preview (unknown) and an unreadable
case."""

from __future__ import annotations

import json

import pytest
from policy_harness import ACCOUNT, R, U, run

OTHER = "999999999999"
ELSEWHERE = (
    f"granteePrincipal arn:aws:iam::{OTHER}:{{}} is in account {OTHER}, not the key's account {ACCOUNT}: the "
    "grant opens the key to another account where the key policy does not show it"
)
TRUST = "iam-role-trust-not-public"
SCOPED = "iam-no-wildcard-resource"
GRANT = "kms-grant-restricted"
ENDPOINT = "vpc-endpoint-policy-not-open"
SECRET = "secretsmanager-policy-not-public"
REGION = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}


def faults(rule, resource, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0]
        for d in run(rule, [resource], config)
    ]


def levels(rule, resource):
    return [d.level for d in run(rule, [resource])]


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trusting(principal, condition=None, action="sts:AssumeRole"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return R("aws:iam/role:Role", "role", {"assumeRolePolicy": doc(statement)})


# ---- role trust policies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "condition", "action"),
    [
        ({"AWS": "*"}, None, "sts:AssumeRole"),
        ("*", {"Bool": {"aws:SecureTransport": "true"}}, "sts:AssumeRole"),
        ({"AWS": ["*"]}, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}, "sts:*"),
        ({"Federated": "cognito-identity.amazonaws.com"}, None, "sts:AssumeRoleWithWebIdentity"),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "*"}},
            "sts:AssumeRoleWithWebIdentity",
        ),
    ],
)
def test_a_role_any_account_can_assume_is_a_violation(principal, condition, action):
    (fault,) = faults(TRUST, trusting(principal, condition, action))
    assert fault.startswith("trust policy Statement[0] allows")
    assert "can assume the role" in fault


def test_a_web_identity_trust_whose_application_is_a_pattern_is_a_violation():
    role = trusting(
        {"Federated": "accounts.google.com"},
        {"StringLike": {"accounts.google.com:aud": "*.apps.googleusercontent.com"}},
        "sts:AssumeRoleWithWebIdentity",
    )
    assert levels(TRUST, role) == ["mandatory"]
    assert faults(TRUST, role) == [
        'trust policy Statement[0] allows {"Federated": "accounts.google.com"} Action '
        "[sts:AssumeRoleWithWebIdentity] with a Condition on accounts.google.com:aud that binds no caller to "
        "an account, organisation or source, so any AWS account (or any user of the identity provider) can "
        "assume the role"
    ]


@pytest.mark.parametrize(
    ("principal", "condition", "action"),
    [
        ({"Service": "lambda.amazonaws.com"}, None, "sts:AssumeRole"),
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, None, "sts:AssumeRole"),
        ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, "sts:AssumeRole"),
        ("*", None, "sts:TagSession"),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/trading:*"}},
            "sts:AssumeRoleWithWebIdentity",
        ),
        ({"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"}, None, "sts:AssumeRoleWithSAML"),
    ],
)
def test_a_role_only_named_callers_can_assume_passes(principal, condition, action):
    assert faults(TRUST, trusting(principal, condition, action)) == []


def test_trust_policies_unknown_unreadable_or_absent():
    assert levels(TRUST, R("aws:iam/role:Role", "role", {"assumeRolePolicy": U})) == ["advisory"]
    (fault,) = faults(TRUST, R("aws:iam/role:Role", "role", {"assumeRolePolicy": "{"}))
    assert fault.startswith("assumeRolePolicy is unreadable: policy document is not valid JSON")
    resource_in_trust = doc(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}
    )
    (fault,) = faults(TRUST, R("aws:iam/role:Role", "role", {"assumeRolePolicy": resource_in_trust}))
    assert "has a Resource, which a trust policy must not have" in fault
    assert faults(TRUST, R("aws:iam/role:Role", "role", {})) == []


POOL = "aws:cognito/identityPool:IdentityPool"
GUEST_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {
            "cognito-identity.amazonaws.com:aud": "us-east-1:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
        },
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
    },
}


@pytest.mark.parametrize("guests", [True, "true"])
def test_an_identity_pool_with_guest_access_hands_its_role_to_anyone(guests):
    # The role's trust names the pool (aud), so it passes; the pool gives anonymous callers its credentials.
    assert faults(TRUST, R("aws:iam/role:Role", "guest", {"assumeRolePolicy": doc(GUEST_TRUST)})) == []
    pool = R(POOL, "pool", {"identityPoolName": "app", "allowUnauthenticatedIdentities": guests})
    assert levels(TRUST, pool) == ["mandatory"]
    assert faults(TRUST, pool) == [
        "allowUnauthenticatedIdentities is true, so anyone on the internet, signed in nowhere, gets "
        "temporary AWS credentials of the pool's unauthenticated role (its trust's "
        "cognito-identity.amazonaws.com:aud names this pool, which hands them to everyone)"
    ]


def test_an_identity_pool_for_signed_in_users_passes_and_an_unknown_guest_setting_is_a_note():
    assert faults(TRUST, R(POOL, "pool", {"identityPoolName": "app"})) == []
    assert faults(TRUST, R(POOL, "pool", {"allowUnauthenticatedIdentities": False})) == []
    (note,) = run(TRUST, [R(POOL, "pool", {"allowUnauthenticatedIdentities": U})])
    assert note.level == "advisory"
    assert "whether anyone can get credentials cannot be checked until" in note.message
    assert "'pool'.allowUnauthenticatedIdentities is known" in note.message


# ---- identity policies: resource-scoped actions on every resource -------------------------------


def identity(*statements, type_="aws:iam/rolePolicy:RolePolicy"):
    return R(type_, "policy", {"policy": doc(*statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, "Condition": REGION, **extra}


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        (allow("dynamodb:GetItem"), "dynamodb:GetItem on *"),
        (
            allow(["s3:GetObject", "ec2:DescribeSubnets"], "arn:aws:*:*:*:*"),
            "s3:GetObject on arn:aws:*:*:*:*",
        ),
        (allow("kms:Decr*", "arn:*"), "kms:Decrypt on arn:*"),
        (allow("ec2:CreateNetworkInterface", ["arn:aws:s3:::b", "*"]), "ec2:CreateNetworkInterface on *"),
        (
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "NotResource": "arn:aws:s3:::b"},
            "secretsmanager:GetSecretValue on NotResource arn:aws:s3:::b",
        ),
    ],
)
def test_actions_that_take_resource_arns_on_every_resource_are_violations(statement, shown):
    (fault,) = faults(SCOPED, identity(statement))
    assert fault == (
        f"Statement[0] of policy allows {shown}; these actions take resource ARNs, so name the resources "
        "they need"
    )


def test_many_scoped_actions_are_summarised():
    (fault,) = faults(SCOPED, identity(allow("dynamodb:*")))
    assert " and " in fault
    assert "more on *" in fault


# A pattern with only wildcards for the account and the name names every resource of the type in every
# account: for an action on that type it is the same as "*".
@pytest.mark.parametrize(
    ("statement", "shown", "matched"),
    [
        (allow("kms:Decrypt", "arn:aws:kms:*:*:key/*"), "kms:Decrypt on arn:aws:kms:*:*:key/*", "kms key"),
        (allow("kms:Decrypt", "arn:*:kms:*:*:*"), "kms:Decrypt on arn:*:kms:*:*:*", "kms key"),
        (allow("kms:Decrypt", "arn:aws:kms:*"), "kms:Decrypt on arn:aws:kms:*", "kms key"),
        (allow("kms:Decrypt", "arn:aws:*:*:*:key/*"), "kms:Decrypt on arn:aws:*:*:*:key/*", "kms key"),
        (
            allow("kms:Decrypt", "arn:aws:kms:*:????????????:key/*"),
            "kms:Decrypt on arn:aws:kms:*:????????????:key/*",
            "kms key",
        ),
        # The region is iam-region-restricted's concern: every account's keys in one region are no better.
        (
            allow("kms:Decrypt", "arn:aws:kms:us-east-1:*:key/*"),
            "kms:Decrypt on arn:aws:kms:us-east-1:*:key/*",
            "kms key",
        ),
        (allow("s3:GetObject", "arn:aws:s3:::*"), "s3:GetObject on arn:aws:s3:::*", "s3 object"),
        (allow("s3:GetObject", "arn:aws:s3:::*/*"), "s3:GetObject on arn:aws:s3:::*/*", "s3 object"),
        (allow("s3:GetObject", "arn:aws:s3:::?*"), "s3:GetObject on arn:aws:s3:::?*", "s3 object"),
        (
            allow("s3:ListBucket", ["arn:aws:s3:::trading-data", "arn:aws:s3:::??*"]),
            "s3:ListBucket on arn:aws:s3:::??*",
            "s3 bucket",
        ),
        (
            allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/*"),
            "dynamodb:GetItem on arn:aws:dynamodb:*:*:table/*",
            "dynamodb table",
        ),
        (
            allow("dynamodb:Query", "arn:aws:dynamodb:*:*:table/*/index/*"),
            "dynamodb:Query on arn:aws:dynamodb:*:*:table/*/index/*",
            "dynamodb index",
        ),
        (
            allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*"),
            "secretsmanager:GetSecretValue on arn:aws:secretsmanager:*:*:secret:*",
            "secretsmanager Secret",
        ),
        (allow("iam:PassRole", "arn:aws:iam::*:role/*"), "iam:PassRole on arn:aws:iam::*:role/*", "iam role"),
        # The resource's own account, or a tag the request sets, is whatever the request makes it.
        (
            allow("kms:Decrypt", "arn:aws:kms:*:${aws:ResourceAccount}:key/*"),
            "kms:Decrypt on arn:aws:kms:*:${aws:ResourceAccount}:key/*",
            "kms key",
        ),
        (
            allow("s3:GetObject", "arn:aws:s3:::${aws:RequestTag/bucket}/*"),
            "s3:GetObject on arn:aws:s3:::${aws:RequestTag/bucket}/*",
            "s3 object",
        ),
    ],
)
def test_a_pattern_that_matches_every_resource_of_the_type_is_a_violation(statement, shown, matched):
    assert levels(SCOPED, identity(statement)) == ["mandatory"]
    assert faults(SCOPED, identity(statement)) == [
        f"Statement[0] of policy allows {shown}, which matches any {matched} of any account; these actions "
        "take resource ARNs, so name the resources they need"
    ]


def test_a_type_wide_pattern_lists_the_types_it_matches():
    (fault,) = faults(SCOPED, identity(allow(["s3:GetObject", "s3:GetBucketPolicy"], "arn:aws:s3:::*")))
    assert fault.startswith(
        "Statement[0] of policy allows s3:GetBucketPolicy, s3:GetObject on arn:aws:s3:::*, which matches any "
        "s3 bucket or s3 object of any account"
    )


ACCOUNT_DIGITS = [f"arn:aws:kms:*:{digit}*:key/*" for digit in "0123456789"]
BUCKET_INITIALS = [f"arn:aws:s3:::{initial}*" for initial in "abcdefghijklmnopqrstuvwxyz0123456789"]


@pytest.mark.parametrize(
    ("patterns", "shown", "matched"),
    [
        (
            ACCOUNT_DIGITS,
            "kms:Decrypt on 10 patterns (arn:aws:kms:*:0*:key/*, arn:aws:kms:*:1*:key/* and 8 more)",
            "kms key",
        ),
        # Nine of the ten first digits: 90% of all accounts is not naming resources either.
        (
            ACCOUNT_DIGITS[1:],
            "kms:Decrypt on 9 patterns (arn:aws:kms:*:1*:key/*, arn:aws:kms:*:2*:key/* and 7 more)",
            "kms key",
        ),
        # Accounts split on their last digit, and a pattern naming its account does not count.
        (
            [f"arn:aws:kms:*:*{digit}:key/*" for digit in "012345"] + [f"arn:aws:kms:*:{ACCOUNT}:key/*"],
            "kms:Decrypt on 6 patterns (arn:aws:kms:*:*0:key/*, arn:aws:kms:*:*1:key/* and 4 more)",
            "kms key",
        ),
    ],
)
def test_patterns_that_together_match_most_accounts_are_a_violation(patterns, shown, matched):
    assert faults(SCOPED, identity(allow("kms:Decrypt", patterns))) == [
        f"Statement[0] of policy allows {shown}, which together match more than half of all {matched} ARNs "
        "of any account; these actions take resource ARNs, so name the resources they need"
    ]


def test_patterns_each_naming_one_account_digit_and_one_key_initial_count_one_by_one():
    # Each matches about 1/360 of all keys: 200 of them match more than half, 150 do not.
    pairs = [
        f"arn:aws:kms:*:{d}*:key/{c}*" for d in "123456789" for c in "bcdefghijklmnopqrstuvwxyz123456789"
    ]
    (fault,) = faults(SCOPED, identity(allow("kms:Decrypt", pairs[:200])))
    assert "on 200 patterns (arn:aws:kms:*:1*:key/b*, arn:aws:kms:*:1*:key/c* and 198 more)" in fault
    assert faults(SCOPED, identity(allow("kms:Decrypt", pairs[:150]))) == []


def test_bucket_names_split_by_their_first_character_are_a_violation():
    (fault,) = faults(SCOPED, identity(allow("s3:ListBucket", BUCKET_INITIALS)))
    assert fault.startswith("Statement[0] of policy allows s3:ListBucket on 36 patterns (arn:aws:s3:::a*, ")
    assert "together match more than half of all s3 bucket ARNs" in fault


@pytest.mark.parametrize(
    "patterns",
    [
        ACCOUNT_DIGITS[:5],  # half of all accounts, not more
        BUCKET_INITIALS[:18],
        # Literal accounts, even ones that repeat a digit, name their accounts.
        [f"arn:aws:kms:*:{digit * 12}:key/*" for digit in "0123456789"],
        ["arn:aws:kms:*:${aws:PrincipalAccount}:key/*"] * 6,
        [f"arn:aws:s3:::trading-{name}/*" for name in "abcdefgh"],
    ],
)
def test_patterns_that_leave_most_resources_out_pass(patterns):
    assert faults(SCOPED, identity(allow(["kms:Decrypt", "s3:GetObject", "s3:ListBucket"], patterns))) == []


def test_patterns_split_between_statements_and_inline_policies_are_pooled():
    # IAM adds up the statements of a document: one account digit per statement names every key too.
    split = identity(*(allow("kms:Decrypt", pattern) for pattern in ACCOUNT_DIGITS))
    assert levels(SCOPED, split) == ["mandatory"]
    assert faults(SCOPED, split) == [
        "Statement[0] of policy, Statement[1] of policy and 8 more statements together allow kms:Decrypt on "
        "10 patterns (arn:aws:kms:*:0*:key/*, arn:aws:kms:*:1*:key/* and 8 more), which together match more "
        "than half of all kms key ARNs of any account; these actions take resource ARNs, so name the "
        "resources they need"
    ]
    role = R(
        "aws:iam/role:Role",
        "policy",
        {
            "inlinePolicies": [
                {"name": "low", "policy": doc(allow("s3:ListBucket", BUCKET_INITIALS[:18]))},
                # Statements that name their resources, or whose actions take no bucket, add nothing.
                {"name": "named", "policy": doc(allow("kms:Decrypt", f"arn:aws:kms:*:{ACCOUNT}:key/*"))},
                {"name": "vpcs", "policy": doc(allow("ec2:DescribeVpcs", BUCKET_INITIALS[18:]))},
                {
                    "name": "high",
                    "policy": doc(allow(["s3:ListBucket", "kms:Decrypt"], BUCKET_INITIALS[18:])),
                },
            ]
        },
    )
    (fault,) = faults(SCOPED, role)
    assert fault.startswith(
        "Statement[0] of inline policy 'low' and Statement[0] of inline policy 'high' together allow "
        "s3:ListBucket on 36 patterns (arn:aws:s3:::a*, arn:aws:s3:::b* and 34 more), which together match "
        "more than half of all s3 bucket ARNs"
    )
    # A statement flagged on its own is reported alone, and half of all accounts is not most of them.
    flagged = identity(allow("kms:Decrypt", "*"), allow("kms:Decrypt", ACCOUNT_DIGITS[5:]))
    assert faults(SCOPED, flagged) == [
        "Statement[0] of policy allows kms:Decrypt on *; these actions take resource ARNs, so name the "
        "resources they need"
    ]


def test_single_resource_types_and_actions_without_resource_types_are_not_split():
    # ec2:Describe* takes no resource ARN; /restapis in a region is one resource, whatever lists it.
    regions = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1")
    paths = [f"arn:aws:apigateway:{region}::/restapis" for region in regions]  # six: enough to be sampled
    statement = allow(["ec2:DescribeSubnets", "apigateway:GET"], paths)
    assert faults(SCOPED, identity(statement)) == []


@pytest.mark.parametrize(
    "statement",
    [
        allow(["ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "xray:PutTraceSegments"]),
        allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"),
        allow("ec2:CreateNetworkInterface", f"arn:aws:ec2:us-east-1:{ACCOUNT}:*/*"),
        # Pinned to an account, or naming the resources.
        allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"),
        allow("kms:Decrypt", "arn:aws:kms:*:${aws:PrincipalAccount}:key/*"),
        allow("s3:GetObject", "arn:aws:s3:::trading-home/${aws:username}/*"),
        allow("kms:Decrypt", "arn:aws:kms:*:*:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        allow("s3:GetObject", ["arn:aws:s3:::trading-data/*", "arn:aws:s3:::trading-*/reports/*"]),
        allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:*"),
        # "*/*" names objects, not buckets: s3:ListBucket on it is allowed on nothing.
        allow("s3:ListBucket", "arn:aws:s3:::*/*"),
        # A type whose ARN has no account and no name is one resource.
        allow("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis"),
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
        allow(U),
    ],
)
def test_scoped_resources_and_actions_without_resource_types_pass(statement):
    assert faults(SCOPED, identity(statement)) == []


ESCALATES = (
    "Statement[0] of policy allows {actions} on {pattern}, which matches every {kind} of its account; these "
    "actions hand out the privileges of what they act on (pass, assume or rewrite a role, a user's "
    "credentials or policies, a managed policy's version), an administrator's too, so name the roles, "
    "users, groups or policies they need"
)


# Pinned to the account, a pattern that names every role (user, group, policy) still reaches the
# administrators' own: passing, assuming or rewriting any role of the account is taking its privileges.
@pytest.mark.parametrize(
    ("action", "pattern", "actions", "kind"),
    [
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*", "iam:PassRole", "role"),
        ("IAM:passrole", f"arn:aws:iam::{ACCOUNT}:role/?*", "iam:PassRole", "role"),
        ("iam:Pass*", f"arn:aws:iam::{ACCOUNT}:*", "iam:PassRole", "role"),
        ("iam:PassRole", f"arn:*:iam::{ACCOUNT}:role*", "iam:PassRole", "role"),
        ("iam:PassRole", "arn:aws:iam::${aws:PrincipalAccount}:role/*", "iam:PassRole", "role"),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*", "sts:AssumeRole", "role"),
        (
            ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:GetRole"],
            f"arn:aws:iam::{ACCOUNT}:role/*",
            "iam:AttachRolePolicy, iam:PutRolePolicy, iam:UpdateAssumeRolePolicy",
            "role",
        ),
        (
            ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
            f"arn:aws:iam::{ACCOUNT}:policy/*",
            "iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion",
            "policy",
        ),
        (
            ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
            f"arn:aws:iam::{ACCOUNT}:user/*",
            "iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile",
            "user",
        ),
        (
            ["iam:AttachUserPolicy", "iam:PutUserPolicy"],
            f"arn:aws:iam::{ACCOUNT}:user/*",
            "iam:AttachUserPolicy, iam:PutUserPolicy",
            "user",
        ),
        ("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/*", "iam:AddUserToGroup", "group"),
        # A "?" in the account stands for one digit of it.
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT[:-1]}?:role/*", "iam:PassRole", "role"),
    ],
)
def test_escalation_actions_on_every_role_or_user_of_the_account_are_violations(
    action, pattern, actions, kind
):
    statement = allow(action, pattern)
    assert levels(SCOPED, identity(statement)) == ["mandatory"]
    assert faults(SCOPED, identity(statement)) == [
        ESCALATES.format(actions=actions, pattern=pattern, kind=kind)
    ]


def test_an_escalation_pattern_after_a_resource_not_known_at_preview_is_still_read():
    pattern = f"arn:aws:iam::{ACCOUNT}:role/*"
    assert faults(SCOPED, identity(allow("iam:PassRole", [U, pattern]))) == [
        ESCALATES.format(actions="iam:PassRole", pattern=pattern, kind="role")
    ]


def test_action_wildcards_and_not_action_reach_pass_role_on_every_role():
    pattern = f"arn:aws:iam::{ACCOUNT}:role/*"
    (fault,) = faults(SCOPED, identity(allow("iam:*Role*", pattern)))
    assert fault.startswith("Statement[0] of policy allows iam:AttachRolePolicy, ")
    assert f"on {pattern}, which matches every role of its account" in fault
    # iam:PassedToService limits where the role goes, not which role: an administrator's role still goes.
    passed = allow(
        "iam:PassRole", pattern, Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    )
    assert faults(SCOPED, identity(passed)) == [
        ESCALATES.format(actions="iam:PassRole", pattern=pattern, kind="role")
    ]
    (fault,) = faults(SCOPED, identity({"Effect": "Allow", "NotAction": "s3:*", "Resource": pattern}))
    assert "iam:PassRole" in fault
    assert "which matches every role of its account" in fault


@pytest.mark.parametrize(
    "statement",
    [
        allow(
            "iam:PassRole",
            f"arn:aws:iam::{ACCOUNT}:role/service-role/lambda-*",
            Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/trading-app-*"),
        allow("sts:AssumeRole", [f"arn:aws:iam::{ACCOUNT}:role/deployer", f"arn:aws:iam::{ACCOUNT}:role/ci"]),
        allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"),
        # Reading roles hands out nothing; AddUserToGroup acts on the group, not the user.
        allow(["iam:GetRole", "iam:ListRolePolicies"], f"arn:aws:iam::{ACCOUNT}:role/*"),
        allow("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:user/*"),
    ],
)
def test_escalation_actions_on_named_or_path_scoped_resources_pass(statement):
    assert faults(SCOPED, identity(statement)) == []


ROLE_INITIALS = "abcdefghijklmnopqrstuvwxyz0123456789"
SPLIT_ESCALATES = (
    "{actions} on {count} patterns ({first}, {second} and {more} more), which together match more than "
    "half of the {kind} names of their account; these actions hand out the privileges of what they act on, "
    "an administrator's too, so name the roles, users, groups or policies they need"
)


def pieces(kind, initials, account=ACCOUNT, template="{}*"):
    return [f"arn:aws:iam::{account}:{kind}/{template.format(c)}" for c in initials]


# role/* in pieces is still every role of the account: one pattern per initial (in either case: matching is
# case-sensitive and names are not), or per second character after "?".
@pytest.mark.parametrize(
    ("action", "patterns", "actions", "kind"),
    [
        ("iam:PassRole", pieces("role", ROLE_INITIALS), "iam:PassRole", "role"),
        ("iam:PassRole", pieces("role", ROLE_INITIALS.upper()), "iam:PassRole", "role"),
        ("sts:AssumeRole", pieces("role", ROLE_INITIALS, template="?{}*"), "sts:AssumeRole", "role"),
        (
            "iam:PassRole",
            pieces("role", ROLE_INITIALS[:20], account="${aws:PrincipalAccount}"),
            "iam:PassRole",
            "role",
        ),
        ("iam:CreateAccessKey", pieces("user", ROLE_INITIALS), "iam:CreateAccessKey", "user"),
        # Patterns open to any account match the account's roles too, and the caller's own account is the
        # stack's: half of the pieces pinned to it by id and half by variable are every role of it.
        (
            "iam:PassRole",
            pieces("role", ROLE_INITIALS[:18]) + pieces("role", ROLE_INITIALS[18:], account="*"),
            "iam:PassRole",
            "role",
        ),
        (
            "iam:PassRole",
            pieces("role", ROLE_INITIALS[:18])
            + pieces("role", ROLE_INITIALS[18:], account="${aws:PrincipalAccount}"),
            "iam:PassRole",
            "role",
        ),
    ],
)
def test_escalation_patterns_that_together_match_most_of_the_account_are_violations(
    action, patterns, actions, kind
):
    statement = allow([action, "iam:GetRole"], patterns)
    assert levels(SCOPED, identity(statement)) == ["mandatory"]
    assert faults(SCOPED, identity(statement)) == [
        "Statement[0] of policy allows "
        + SPLIT_ESCALATES.format(
            actions=actions,
            count=len(patterns),
            first=patterns[0],
            second=patterns[1],
            more=len(patterns) - 2,
            kind=kind,
        )
    ]


def test_escalation_pieces_across_statements_and_inline_policies_are_pooled():
    role = R(
        "aws:iam/role:Role",
        "policy",
        {
            "inlinePolicies": [
                {"name": "low", "policy": doc(allow("iam:PassRole", pieces("role", ROLE_INITIALS[:18])))},
                {"name": "high", "policy": doc(allow("sts:AssumeRole", pieces("role", ROLE_INITIALS[18:])))},
            ]
        },
    )
    assert levels(SCOPED, role) == ["mandatory"]
    assert faults(SCOPED, role) == [
        "Statement[0] of inline policy 'low' and Statement[0] of inline policy 'high' together allow "
        + SPLIT_ESCALATES.format(
            actions="iam:PassRole, sts:AssumeRole",
            count=36,
            first=f"arn:aws:iam::{ACCOUNT}:role/a*",
            second=f"arn:aws:iam::{ACCOUNT}:role/b*",
            more=34,
            kind="role",
        )
    ]


@pytest.mark.parametrize(
    "statement",
    [
        # Half of the initials is not most of the roles (the check samples, with a more-than-half threshold).
        allow("iam:PassRole", pieces("role", ROLE_INITIALS[:18])),
        # Name prefixes, the caller's own name and exact names match a few roles each.
        allow(
            ["iam:PassRole", "sts:AssumeRole"],
            pieces(
                "role", ["service-role/lambda-", "trading-", "${aws:username}-", "ci-", "deploy-", "app-"]
            ),
        ),
        allow("sts:AssumeRole", pieces("role", ["deployer", "ci", "a", "b", "c", "d", "e"], template="{}")),
        # Reading roles hands out nothing, and pieces in two accounts are half of each.
        allow("iam:GetRole", pieces("role", ROLE_INITIALS)),
        allow(
            "iam:PassRole",
            pieces("role", ROLE_INITIALS[:18]) + pieces("role", ROLE_INITIALS[18:], account=OTHER),
        ),
    ],
)
def test_escalation_patterns_that_leave_most_of_the_account_out_pass(statement):
    assert faults(SCOPED, identity(statement)) == []


def test_scoped_resource_rule_reads_every_identity_policy_and_reports_unreadable_ones():
    role = R(
        "aws:iam/role:Role",
        "role",
        {"inlinePolicies": [{"name": "app", "policy": doc(allow("sqs:SendMessage"))}]},
    )
    (fault,) = faults(SCOPED, role)
    assert fault.startswith("Statement[0] of inline policy 'app' allows sqs:SendMessage on *")
    (fault,) = faults(SCOPED, R("aws:iam/policy:Policy", "p", {"policy": "[1]"}))
    assert fault == "policy is unreadable: policy document must be a JSON object, got a list"


# ---- KMS grants ---------------------------------------------------------------------------------


def grant(**props):
    return R("aws:kms/grant:Grant", "grant", {"operations": ["Decrypt"], **props})


@pytest.mark.parametrize(
    ("props", "config", "expected"),
    [
        ({"granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app", "keyId": U}, {"accountId": ACCOUNT}, []),
        (
            {
                "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app",
                "keyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            },
            None,
            [],
        ),
        (
            {
                "granteePrincipal": f"arn:aws:iam::{OTHER}:role/app",
                "keyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            },
            None,
            [ELSEWHERE.format("role/app")],
        ),
        (
            {"granteePrincipal": f"arn:aws:iam::{OTHER}:root", "keyId": "k"},
            {"accountId": ACCOUNT},
            [ELSEWHERE.format("root")],
        ),
        (
            {"granteePrincipal": f"arn:aws:iam::{OTHER}:role/app", "keyId": "k"},
            None,
            [
                f"whether account {OTHER} of granteePrincipal arn:aws:iam::{OTHER}:role/app is the key's "
                "account cannot be checked: keyId 'k' is a key id or alias, not an ARN, and neither the "
                "policy config accountId nor the provider (assumed role, allowedAccountIds) names the "
                "account; give keyId the key's ARN or set accountId"
            ],
        ),
        ({"granteePrincipal": "dynamodb.amazonaws.com", "keyId": "k"}, {"accountId": ACCOUNT}, []),
        (
            {"granteePrincipal": U, "keyId": "k"},
            {"accountId": ACCOUNT},
            [
                "whether the grantee is in the key's account cannot be checked until aws:kms/grant:Grant "
                "'grant'.granteePrincipal is known (it is built from values computed during deployment); "
                "preview with preflight --mode update or check after the first deployment"
            ],
        ),
        (
            {"granteePrincipal": "*", "keyId": "k"},
            None,
            ['granteePrincipal is "*", which KMS refuses and which would give the key to everyone'],
        ),
        (
            {
                "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app",
                "operations": ["Decrypt", "CreateGrant"],
            },
            {"accountId": ACCOUNT},
            [
                "operations include CreateGrant, so the grantee can hand the key on to anyone with grants "
                "of its own, which no key policy shows"
            ],
        ),
    ],
)
def test_grants(props, config, expected):
    assert faults(GRANT, grant(**props), config) == expected


def test_a_grant_whose_key_is_unknown_at_preview_is_a_note():
    diags = run(GRANT, [grant(granteePrincipal=f"arn:aws:iam::{OTHER}:role/app", keyId=U)])
    assert [d.level for d in diags] == ["advisory"]
    assert "whether the grantee is in the key's account cannot be checked until" in diags[0].message


# ---- VPC endpoint policies ----------------------------------------------------------------------


def endpoint(*statements, type_="aws:ec2/vpcEndpoint:VpcEndpoint"):
    return R(type_, "endpoint", {"policy": doc(*statements)})


def everyone(action="*", resource="*", condition=None):
    statement = {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(
    "type_", ["aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"]
)
def test_an_endpoint_open_to_every_caller_and_resource_is_a_violation(type_):
    (fault,) = faults(
        ENDPOINT, endpoint(everyone(condition={"Bool": {"aws:SecureTransport": "true"}}), type_=type_)
    )
    assert "so credentials of any account can use the endpoint to reach any account's resources" in fault
    (fault,) = faults(ENDPOINT, endpoint(everyone(condition={"StringLike": {"aws:ResourceAccount": "*"}})))
    assert "endpoint policy Statement[0]" in fault


@pytest.mark.parametrize(
    "statement",
    [
        everyone(condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),
        everyone(condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT}}),
        everyone(condition={"StringEquals": {"s3:ResourceAccount": ACCOUNT}}),
        everyone("s3:GetObject", f"arn:aws:s3:::trading-data-{ACCOUNT}/*"),
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": "*",
            "Resource": "*",
        },
    ],
)
def test_an_endpoint_that_binds_callers_or_resources_passes(statement):
    assert faults(ENDPOINT, endpoint(statement)) == []


ANY_ACCOUNT = "so credentials of any account can use the endpoint to reach any account's resources"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            everyone("s3:*", ["arn:aws:s3:::*", "arn:aws:s3:::*/*"]),
            'endpoint policy Statement[0] allows "*" Action [s3:*] on arn:aws:s3:::* without a Condition',
        ),
        (
            everyone("s3:GetObject", [f"arn:aws:s3:::trading-data-{ACCOUNT}/*", "arn:aws:s3:::trading-*/*"]),
            'endpoint policy Statement[0] allows "*" Action [s3:GetObject] on arn:aws:s3:::trading-*/* '
            "without a Condition",
        ),
        (
            everyone("dynamodb:*", "arn:aws:dynamodb:us-east-1:*:table/orders"),
            'endpoint policy Statement[0] allows "*" Action [dynamodb:*] on '
            "arn:aws:dynamodb:us-east-1:*:table/orders without a Condition",
        ),
        (
            everyone(condition={"StringLike": {"aws:ResourceOrgID": "o-*"}}),
            'endpoint policy Statement[0] allows "*" Action [*] on * with a Condition on aws:ResourceOrgID '
            "that binds no caller to an account, organisation or source; its StringLike aws:ResourceOrgID "
            "o-* binds no specific account or organisation",
        ),
        (
            everyone(condition={"StringLike": {"aws:ResourceAccount": "*0*"}}),
            'endpoint policy Statement[0] allows "*" Action [*] on * with a Condition on aws:ResourceAccount '
            "that binds no caller to an account, organisation or source; its StringLike aws:ResourceAccount "
            "*0* binds no specific account or organisation",
        ),
        (
            everyone(condition={"StringLike": {"aws:ResourceAccount": [ACCOUNT, "12345678901?"]}}),
            f"its StringLike aws:ResourceAccount {ACCOUNT}, 12345678901? binds no specific account",
        ),
        (
            everyone(condition={"StringEqualsIfExists": {"aws:ResourceAccount": ACCOUNT}}),
            f"its StringEqualsIfExists aws:ResourceAccount {ACCOUNT} binds no specific account",
        ),
        (
            everyone(condition={"ForAllValues:StringEquals": {"aws:ResourceAccount": ACCOUNT}}),
            f"its ForAllValues:StringEquals aws:ResourceAccount {ACCOUNT} binds no specific account",
        ),
        (
            everyone(condition={"StringEquals": {"aws:ResourceOrgPaths": "*/r-ab12/*"}}),
            "its StringEquals aws:ResourceOrgPaths */r-ab12/* binds no specific account",
        ),
        (
            everyone(condition={"StringNotEquals": {"aws:ResourceAccount": "999999999999"}}),
            "its StringNotEquals aws:ResourceAccount 999999999999 binds no specific account",
        ),
        (
            everyone(condition={"StringEquals": {"aws:ResourceAccount": ["", ACCOUNT]}}),
            f"its StringEquals aws:ResourceAccount , {ACCOUNT} binds no specific account",
        ),
        (
            everyone(condition={"StringEquals": {"aws:ResourceAccount": True}}),
            "its StringEquals aws:ResourceAccount True binds no specific account",
        ),
        # A variable is the caller's value, or the resource's own, which every resource matches.
        (
            everyone(condition={"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}),
            "its StringEquals aws:ResourceAccount ${aws:PrincipalAccount} binds no specific account",
        ),
        (
            everyone(condition={"StringEquals": {"aws:ResourceAccount": "${aws:ResourceAccount}"}}),
            "its StringEquals aws:ResourceAccount ${aws:ResourceAccount} binds no specific account",
        ),
        # The caller tied to the account (or organisation) of the resource it reaches: any caller reaches
        # its own account's buckets.
        (
            everyone(condition={"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}),
            'endpoint policy Statement[0] allows "*" Action [*] on * with a Condition; its '
            "aws:PrincipalAccount ${aws:ResourceAccount} binds the caller only to the account or "
            "organisation of the resource it reaches, which is any caller's own",
        ),
        (
            everyone(
                condition={
                    "StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"},
                    "Bool": {"aws:SecureTransport": "true"},
                }
            ),
            'allows "*" Action [*] on * with a Condition on aws:SecureTransport that binds no caller to an '
            "account, organisation or source; its aws:PrincipalOrgID ${aws:ResourceOrgID} binds the caller "
            "only to the account or organisation of the resource it reaches, which is any caller's own",
        ),
        # Every request through the endpoint comes from its VPC, through the endpoint itself.
        (
            everyone(condition={"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}),
            'endpoint policy Statement[0] allows "*" Action [*] on * with a Condition; its aws:SourceVpce '
            "vpce-0123456789abcdef0 names the network that every request through the endpoint comes from",
        ),
        (
            everyone(
                condition={
                    "StringEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"},
                    "StringLike": {"aws:SourceVpce": "vpce-*"},
                }
            ),
            "with a Condition on aws:SourceVpce that binds no caller to an account, organisation or source; "
            "its aws:SourceVpc vpc-0123456789abcdef0 names the network that every request through the "
            "endpoint comes from",
        ),
        (
            everyone("s3:*", "arn:aws:s3:::${aws:PrincipalAccount}-exports/*"),
            "on arn:aws:s3:::${aws:PrincipalAccount}-exports/* without a Condition",
        ),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "NotResource": "arn:aws:s3:::mine/*"},
            'endpoint policy Statement[0] allows "*" Action [s3:*] on NotResource arn:aws:s3:::mine/* '
            "without a Condition",
        ),
    ],
)
def test_an_endpoint_that_reaches_any_accounts_resources_is_a_violation(statement, expected):
    (fault,) = faults(ENDPOINT, endpoint(statement))
    assert expected in fault
    assert fault.endswith(f"{ANY_ACCOUNT} and carry data out of the VPC")


@pytest.mark.parametrize(
    "statement",
    [
        # The stack's own buckets, by literal name (the object key may be a pattern).
        everyone("s3:*", [f"arn:aws:s3:::trading-data-{ACCOUNT}", f"arn:aws:s3:::trading-data-{ACCOUNT}/*"]),
        everyone("dynamodb:*", f"arn:aws:dynamodb:*:{ACCOUNT}:table/*"),
        everyone("s3:*", ["arn:aws:s3:::*"], {"StringEquals": {"aws:ResourceAccount": [ACCOUNT]}}),
        everyone(condition={"StringLike": {"aws:ResourceAccount": ACCOUNT}}),
        everyone(condition={"StringEquals": {"aws:ResourceAccount": int(ACCOUNT)}}),
        everyone(condition={"StringEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}}),
        everyone(condition={"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}),
        everyone("s3:*", "not-an-arn"),
    ],
)
def test_an_endpoint_bound_to_specific_resources_passes(statement):
    assert faults(ENDPOINT, endpoint(statement)) == []


def test_an_endpoint_resource_or_condition_unknown_at_preview_counts_as_the_stacks():
    policy = {"Version": "2012-10-17", "Statement": [everyone("s3:*", ["arn:aws:s3:::*"])]}
    policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:ResourceAccount": U}}
    assert faults(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"policy": policy})) == []
    policy["Statement"][0] = everyone("s3:*", [U, f"arn:aws:s3:::trading-data-{ACCOUNT}/*"])
    assert faults(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"policy": policy})) == []


def test_endpoint_policies_absent_unknown_or_unreadable():
    assert faults(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {})) == []
    assert faults(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"policy": ""})) == []
    assert levels(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"policy": U})) == ["advisory"]
    (fault,) = faults(ENDPOINT, R("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"policy": "{}"}))
    assert fault == "the endpoint policy is unreadable: policy document has no Statement"


# ---- Secrets Manager policies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_", ["aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretPolicy:SecretPolicy"]
)
def test_a_secret_policy_open_to_everyone_is_a_violation(type_):
    statement = everyone("secretsmanager:GetSecretValue", condition={"StringLike": {"aws:UserAgent": "*"}})
    (fault,) = faults(SECRET, R(type_, "secret", {"policy": doc(statement)}))
    assert fault.startswith('secret policy Statement[0] allows "*" Action [secretsmanager:GetSecretValue]')
    assert fault.endswith("so any AWS account can reach the secret")


def test_a_secret_policy_for_named_callers_passes_and_garbage_does_not():
    named = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    assert faults(SECRET, R("aws:secretsmanager/secret:Secret", "s", {"policy": doc(named)})) == []
    assert faults(SECRET, R("aws:secretsmanager/secret:Secret", "s", {})) == []
    assert levels(SECRET, R("aws:secretsmanager/secret:Secret", "s", {"policy": U})) == ["advisory"]
    (fault,) = faults(SECRET, R("aws:secretsmanager/secretPolicy:SecretPolicy", "s", {"policy": "null"}))
    assert fault.startswith("the secret's resource policy is unreadable")


@pytest.mark.parametrize(
    ("condition", "passes"),
    [
        (None, False),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:appflow:*:*:*"}}, False),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, True),
        ({"ArnEquals": {"aws:SourceArn": f"arn:aws:appflow:us-east-1:{ACCOUNT}:connectorprofile/crm"}}, True),
    ],
)
def test_a_service_reading_a_secret_must_be_bound_to_whose_resources_it_acts_for(condition, passes):
    # Unbound, the service reads the secret for any account's flow or profile: the confused deputy.
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "appflow.amazonaws.com"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        **({"Condition": condition} if condition else {}),
    }
    secret = R("aws:secretsmanager/secretPolicy:SecretPolicy", "s", {"policy": doc(statement)})
    if passes:
        assert faults(SECRET, secret) == []
        return
    assert levels(SECRET, secret) == ["mandatory"]
    assert faults(SECRET, secret) == [
        'secret policy Statement[0] allows {"Service": "appflow.amazonaws.com"} Action '
        "[secretsmanager:GetSecretValue] without an aws:SourceArn or aws:SourceAccount naming an account, so "
        "any appflow resource in any account can reach the secret"
    ]


# ---- other services' resource policies ----------------------------------------------------------


RESOURCE = "resource-policy-not-public"
OPEN_SEND = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}


@pytest.mark.parametrize(
    ("type_", "prop", "guarded"),
    [
        ("aws:sqs/queue:Queue", "policy", "queue"),
        ("aws:sqs/queuePolicy:QueuePolicy", "policy", "queue"),
        ("aws:sns/topic:Topic", "policy", "topic"),
        ("aws:sns/topicPolicy:TopicPolicy", "policy", "topic"),
        ("aws:s3/accessPoint:AccessPoint", "policy", "access point and the bucket data behind it"),
        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy", "repository's images"),
        ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "policy", "event bus"),
        ("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyDocument", "account's log groups"),
        ("aws:glacier/vault:Vault", "accessPolicy", "vault's archives"),
        # A Vault Lock policy is a vault access policy that can be locked: immutable once completeLock.
        ("aws:glacier/vaultLock:VaultLock", "policy", "vault's archives"),
        ("aws:codeartifact/domainPermissions:DomainPermissions", "policyDocument", "domain"),
        ("aws:dynamodb/resourcePolicy:ResourcePolicy", "policy", "table's items (or its stream's records)"),
        ("aws:kinesis/resourcePolicy:ResourcePolicy", "policy", "stream's records"),
        (
            "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
            "repositoryPolicy",
            "images of every repository created from the template",
        ),
        (
            "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy",
            "deliveryDestinationPolicy",
            "log delivery destination",
        ),
    ],
)
def test_a_resource_policy_open_to_everyone_is_a_violation(type_, prop, guarded):
    (fault,) = faults(RESOURCE, R(type_, "res", {prop: doc(OPEN_SEND)}))
    assert fault == (
        f'{prop} Statement[0] allows "*" Action [sqs:SendMessage] without a Condition, so any AWS account '
        f"can reach the {guarded}"
    )


# Resource policies of further services: each AWS accepts with Principal "*" and judges as IAM does.
MORE_RESOURCE_POLICIES = [
    ("aws:s3tables/tableBucketPolicy:TableBucketPolicy", "resourcePolicy", "table bucket's tables"),
    ("aws:s3tables/tablePolicy:TablePolicy", "resourcePolicy", "table's data"),
    ("aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy", "policy", "vector bucket's vectors"),
    ("aws:s3control/bucketPolicy:BucketPolicy", "policy", "Outposts bucket's objects"),
    (
        "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy",
        "policy",
        "Access Grants instance and the S3 data its grants reach",
    ),
    ("aws:mediastore/containerPolicy:ContainerPolicy", "policy", "container's objects"),
    (
        "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy",
        "accessPolicy",
        "search domain's documents",
    ),
    ("aws:xray/resourcePolicy:ResourcePolicy", "policyDocument", "account's X-Ray traces"),
    ("aws:amp/resourcePolicy:ResourcePolicy", "policyDocument", "Prometheus workspace's metrics"),
    ("aws:redshift/resourcePolicy:ResourcePolicy", "policy", "Redshift cluster or namespace"),
    ("aws:redshiftserverless/resourcePolicy:ResourcePolicy", "policy", "snapshot's data"),
    (
        "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
        "resourcePolicy",
        "model package group's models",
    ),
    ("aws:msk/clusterPolicy:ClusterPolicy", "policy", "cluster's brokers and topics"),
    ("aws:opensearchingest/resourcePolicy:ResourcePolicy", "policy", "ingestion pipeline"),
    ("aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy", "policy", "AgentCore runtime or gateway"),
    ("aws:ecrpublic/repositoryPolicy:RepositoryPolicy", "policy", "public repository's images"),
    ("aws:codebuild/resourcePolicy:ResourcePolicy", "policy", "project's builds or report group's reports"),
    ("aws:acmpca/policy:Policy", "policy", "private CA and the certificates it signs"),
    ("aws:ses/identityPolicy:IdentityPolicy", "policy", "identity, to send email as it"),
    ("aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy", "policy", "identity, to send email as it"),
    (
        "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy",
        "policy",
        "phone number, sender ID or pool, to send messages from it",
    ),
    ("aws:schemas/registryPolicy:RegistryPolicy", "policy", "schema registry"),
    ("aws:networkfirewall/resourcePolicy:ResourcePolicy", "policy", "firewall policy or rule group"),
    ("aws:vpclattice/resourcePolicy:ResourcePolicy", "policy", "service network or service"),
    ("aws:oam/sinkPolicy:SinkPolicy", "policy", "monitoring account's sink"),
]


@pytest.mark.parametrize(("type_", "prop", "guarded"), MORE_RESOURCE_POLICIES)
def test_more_services_resource_policies_open_to_everyone_are_violations(type_, prop, guarded):
    resource = R(type_, "res", {prop: doc({**OPEN_SEND, "Principal": {"AWS": "*"}})})
    assert levels(RESOURCE, resource) == ["mandatory"]
    assert faults(RESOURCE, resource) == [
        f'{prop} Statement[0] allows {{"AWS": "*"}} Action [sqs:SendMessage] without a Condition, so any '
        f"AWS account can reach the {guarded}"
    ]


@pytest.mark.parametrize(("type_", "prop", "guarded"), MORE_RESOURCE_POLICIES)
def test_more_services_resource_policies_bound_to_an_account_pass_and_unknown_ones_get_a_note(
    type_, prop, guarded
):
    bound = {**OPEN_SEND, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}
    assert faults(RESOURCE, R(type_, "res", {prop: doc(bound)})) == []
    assert faults(RESOURCE, R(type_, "res", {prop: doc({**OPEN_SEND, "Principal": {"AWS": OTHER}})})) == []
    (note,) = run(RESOURCE, [R(type_, "res", {prop: U})])
    assert note.level == "advisory"
    assert (
        f"the resource policy ({prop}) cannot be checked until {type_} 'res'.{prop} is known" in note.message
    )


def test_an_organisation_wide_sink_policy_as_aws_writes_it_passes():
    # CloudWatch cross-account observability: AWS's policy for "every account of my organisation" binds the
    # caller with ForAnyValue:StringEquals on aws:PrincipalOrgID (false without the key).
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["oam:CreateLink", "oam:UpdateLink"],
        "Resource": "*",
        "Condition": {
            "ForAllValues:StringEquals": {
                "oam:ResourceTypes": ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup"]
            },
            "ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        },
    }
    sink = "aws:oam/sinkPolicy:SinkPolicy"
    assert faults(RESOURCE, R(sink, "sink", {"sinkIdentifier": "arn", "policy": doc(statement)})) == []
    del statement["Condition"]["ForAnyValue:StringEquals"]  # only the resource types: any account may link
    assert levels(RESOURCE, R(sink, "sink", {"sinkIdentifier": "arn", "policy": doc(statement)})) == [
        "mandatory"
    ]


EFS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
EFS_CLIENT = [
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
]


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        (None, "without a Condition"),
        # Encryption in transit says how a client connects, not who it is.
        (
            {"Bool": {"aws:SecureTransport": "true"}},
            "with a Condition on aws:SecureTransport that binds no caller to an account, organisation or "
            "source",
        ),
        # Any user, any session of a role, any id, the caller's own id, a negated or IfExists test, and the id
        # AWS gave anonymous callers: none is one principal.
        *(
            (
                {operator: {"aws:userid": value}},
                "with a Condition on aws:userid that binds no caller to an account, organisation or source",
            )
            for operator, value in [
                ("StringLike", "AIDA*"),
                ("StringLike", "AROAEXAMPLE456:*"),
                ("StringLike", ["AIDAEXAMPLE123", "*"]),
                ("StringEquals", "${aws:userid}"),
                ("StringNotEquals", "AIDAEXAMPLE123"),
                ("StringEqualsIfExists", "AIDAEXAMPLE123"),
                ("StringEquals", ["AIDAEXAMPLE123", "Anonymous"]),
                ("StringEqualsIgnoreCase", "AIDAEXAMPLE123"),
                # The values are alternatives: a known one that matches everyone opens the file system,
                # whatever the one not known yet turns out to be.
                ("StringLike", ["*", U]),
                ("StringEquals", [U, "${aws:userid}"]),
                ("StringEquals", [U, "anonymous"]),
            ]
        ),
    ],
)
def test_an_efs_policy_open_to_every_client_is_a_violation(condition, why):
    statement = {**OPEN_SEND, "Action": EFS_CLIENT, **({"Condition": condition} if condition else {})}
    policy = R(EFS_POLICY, "fs", {"fileSystemId": "fs-0a1b", "policy": doc(statement)})
    assert levels(RESOURCE, policy) == ["mandatory"]
    assert faults(RESOURCE, policy) == [
        'policy Statement[0] allows "*" Action [elasticfilesystem:ClientMount, '
        f"elasticfilesystem:ClientWrite, elasticfilesystem:ClientRootAccess] {why}, so any AWS account can "
        "reach the file system's files"
    ]


@pytest.mark.parametrize(
    "condition",
    [
        # The console's "Prevent anonymous access" policy, which EFS itself counts as not public: only
        # clients that reach a mount target, in the file system's VPC.
        {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        {"Bool": {"elasticfilesystem:accessedviamounttarget": True}},
        {"StringEquals": {"aws:SourceVpc": "vpc-0a1b2c3d"}},
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        # One principal by its unique id (a user's, a role session's, the root's: the account id), which EFS
        # counts as not public; before, a false violation. A value the stack computes counts as one too.
        {"StringEquals": {"aws:userid": "AIDAEXAMPLE123"}},
        {"StringLike": {"aws:userid": ["AROAEXAMPLE456:deployer", ACCOUNT]}},
        {"StringEquals": {"aws:userid": U}},
    ],
)
def test_an_efs_policy_bound_to_mount_targets_or_a_vpc_or_an_account_passes(condition):
    statement = {**OPEN_SEND, "Action": EFS_CLIENT, "Condition": condition}
    assert faults(RESOURCE, R(EFS_POLICY, "fs", {"fileSystemId": "fs-0a1b", "policy": doc(statement)})) == []


def test_a_multi_region_access_point_policy_is_read_from_its_details():
    resource = R(
        "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy",
        "mrap",
        {"details": {"name": "mrap", "policy": doc(OPEN_SEND)}},
    )
    (fault,) = faults(RESOURCE, resource)
    assert fault.startswith('details.policy Statement[0] allows "*"')
    assert fault.endswith("can reach the multi-region access point and the bucket data behind it")


@pytest.mark.parametrize(
    "statement",
    [
        # A service that sends for one resource of the account (SNS to SQS, EventBridge to SNS).
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"}},
        },
        {**OPEN_SEND, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}},
        {**OPEN_SEND, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}},
        {**OPEN_SEND, "Effect": "Deny"},
    ],
)
def test_a_resource_policy_that_names_or_binds_its_callers_passes(statement):
    assert faults(RESOURCE, R("aws:sqs/queue:Queue", "q", {"policy": doc(statement)})) == []


SNS_SENDS = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage"}


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}},  # any topic of any account
        {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},  # the caller's own: anyone's
    ],
)
def test_a_service_that_may_act_for_any_accounts_resources_is_a_violation(condition):
    # Any account's SNS topic could send into the queue: the confused deputy.
    statement = {**SNS_SENDS, "Resource": "*", **({"Condition": condition} if condition else {})}
    queue_policy = R("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": doc(statement)})
    assert levels(RESOURCE, queue_policy) == ["mandatory"]
    assert faults(RESOURCE, queue_policy) == [
        'policy Statement[0] allows {"Service": "sns.amazonaws.com"} Action [sqs:SendMessage] without an '
        "aws:SourceArn or aws:SourceAccount naming an account, so any sns resource in any account can reach "
        "the queue"
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringEquals": {"aws:SourceAccount": int(ACCOUNT)}},  # IAM reads a number as its digits
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:*"}},
    ],
)
def test_a_service_bound_to_an_account_or_a_resource_passes(condition):
    statement = {**SNS_SENDS, "Resource": "*", "Condition": condition}
    assert faults(RESOURCE, R("aws:sns/topicPolicy:TopicPolicy", "t", {"policy": doc(statement)})) == []


def test_a_resource_policy_bound_by_a_policy_variable_is_still_public():
    condition = {"StringEquals": {"aws:SourceAccount": "${aws:SourceAccount}"}}
    (fault,) = faults(
        RESOURCE, R("aws:sns/topic:Topic", "t", {"policy": doc({**OPEN_SEND, "Condition": condition})})
    )
    assert "with a Condition on aws:SourceAccount that binds no caller" in fault


EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission"


def event_permission(**props):
    return R(EVENT_PERMISSION, "ep", {"statementId": "partners", **props})


def test_an_event_permission_for_every_account_is_a_violation_unless_an_organisation_binds_it():
    assert levels(RESOURCE, event_permission(principal="*")) == ["mandatory"]
    assert faults(RESOURCE, event_permission(principal="*")) == [
        'principal "*" may call events:PutEvents without a Condition, so any AWS account can reach the '
        "event bus"
    ]
    org = {"type": "StringEquals", "key": "aws:PrincipalOrgID", "value": "o-a1b2c3d4e5"}
    assert faults(RESOURCE, event_permission(principal="*", action="events:PutEvents", condition=org)) == []
    assert faults(RESOURCE, event_permission(principal="*", condition={**org, "value": U})) == []
    assert faults(RESOURCE, event_permission(principal=OTHER)) == []
    assert faults(RESOURCE, event_permission(principal=U, condition=org)) == []
    (note,) = run(RESOURCE, [event_permission(principal=U)])
    assert note.level == "advisory"
    assert "who can put events on the bus cannot be checked until" in note.message


def test_resource_policies_absent_unknown_or_unreadable():
    assert faults(RESOURCE, R("aws:sqs/queue:Queue", "q", {})) == []
    assert faults(RESOURCE, R("aws:sqs/queue:Queue", "q", {"policy": ""})) == []
    (diag,) = run(RESOURCE, [R("aws:sqs/queue:Queue", "q", {"policy": U})])
    assert diag.level == "advisory"
    assert "the resource policy (policy) cannot be checked until aws:sqs/queue:Queue 'q'.policy is known" in (
        diag.message
    )
    (fault,) = faults(RESOURCE, R("aws:sqs/queue:Queue", "q", {"policy": "{not json"}))
    assert fault.startswith("the resource policy (policy) is unreadable: ")


# ---- resource policies reached through an endpoint: private APIs, OpenSearch domains -------------------


API_POLICY = "apigateway-resource-policy-not-open"
REST_API = "aws:apigateway/restApi:RestApi"
INVOKE = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
VPCE = "vpce-0a1b2c3d4e5f60718"
# AWS's example for a private API: allow everyone, deny whatever does not come through the endpoint.
DENY_OTHER_ENDPOINTS = {
    **INVOKE,
    "Effect": "Deny",
    "Condition": {"StringNotEquals": {"aws:SourceVpce": VPCE}},
}


def rest_api(policy, types="PRIVATE", **props):
    configuration = {} if types is None else {"endpointConfiguration": {"types": types}}
    return R(REST_API, "api", {"name": "orders", **configuration, "policy": policy, **props})


def stack_faults(rule, resources):
    return [d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources)]


def test_a_private_api_any_accounts_endpoint_can_invoke_is_a_violation():
    (diag,) = run(API_POLICY, [rest_api(doc(INVOKE))])
    assert diag.level == "mandatory"
    assert stack_faults(API_POLICY, [rest_api(doc(INVOKE))]) == [
        'policy Statement[0] allows "*" Action [execute-api:Invoke] without a Condition and no Deny limits '
        "it to named VPC endpoints, VPCs or accounts, so any AWS account can invoke the private API through "
        "an execute-api VPC endpoint of its own"
    ]


@pytest.mark.parametrize(
    "statements",
    [
        # The two ways AWS documents: a Condition on the Allow, or a Deny unless the endpoint matches.
        [{**INVOKE, "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}}}],
        [{**INVOKE, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0a1b2c3d"}}}],
        [DENY_OTHER_ENDPOINTS, INVOKE],
        [
            {**DENY_OTHER_ENDPOINTS, "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": [VPCE]}}},
            INVOKE,
        ],
        [
            {
                **DENY_OTHER_ENDPOINTS,
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            },
            INVOKE,
        ],
        # Every spelling of the whole API in the Deny.
        [{**DENY_OTHER_ENDPOINTS, "Resource": "execute-api:/*/*/*", "Action": "execute-api:*"}, INVOKE],
        # Only execute-api:Invoke lets a request in.
        [{**DENY_OTHER_ENDPOINTS, "Resource": "*"}, {**INVOKE, "Action": "*"}],
        [{**DENY_OTHER_ENDPOINTS, "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*/*"}, INVOKE],
        [{**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:*:*:*"}, INVOKE],
        [{**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/*"}, INVOKE],
        [{**DENY_OTHER_ENDPOINTS, "Condition": {}}, INVOKE],  # a Deny of every request leaves nothing open
        # AWS's template with a stage filled in: the Deny holds back every path the Allow names.
        [
            {**DENY_OTHER_ENDPOINTS, "Resource": "execute-api:/prod/*"},
            {**INVOKE, "Resource": ["execute-api:/prod/GET/orders", "execute-api:/prod/POST/*"]},
        ],
        [
            {**DENY_OTHER_ENDPOINTS, "Resource": "execute-api:/*/GET/*"},
            {**INVOKE, "Resource": ["execute-api:/prod/GET/orders", "execute-api:/dev/GET/orders/7"]},
        ],
        [
            {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:us-*:*:*/prod/GET/*"},
            {**INVOKE, "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3d4e5/prod/GET/orders"},
        ],
        [{**INVOKE, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}}],
        # Nothing that lets a request in.
        [{**INVOKE, "Action": ["execute-api:InvalidateCache", "s3:GetObject"]}],
    ],
)
def test_a_private_api_bound_to_its_endpoints_passes(statements):
    assert stack_faults(API_POLICY, [rest_api(doc(*statements), id="a1b2c3d4e5")]) == []


@pytest.mark.parametrize(
    "deny",
    [
        # A Deny that leaves some requests of any account open, or that is no Deny of this API at all.
        {**DENY_OTHER_ENDPOINTS, "Condition": {"StringNotLike": {"aws:SourceVpce": "vpce-*"}}},
        {**DENY_OTHER_ENDPOINTS, "Condition": {"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}},
        {**DENY_OTHER_ENDPOINTS, "Condition": {"Null": {"aws:SourceVpce": "true"}}},
        {**DENY_OTHER_ENDPOINTS, "Resource": "execute-api:/prod/*"},
        {**DENY_OTHER_ENDPOINTS, "Resource": "execute-api:/*/*/*/*"},
        {**DENY_OTHER_ENDPOINTS, "NotResource": "execute-api:/prod/*", "Resource": None},
        {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:us-east-1:*:zzzzzzzzzz/*"},
        {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:us-east-1:999999999999:*/*"},
        # Another region's or partition's APIs.
        {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:eu-west-1:*:*"},
        {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws-cn:execute-api:*:*:*/*"},
        {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:s3:::*"},
        {**DENY_OTHER_ENDPOINTS, "Resource": "not-an-arn"},
        {**DENY_OTHER_ENDPOINTS, "Action": "execute-api:InvalidateCache"},
        {**DENY_OTHER_ENDPOINTS, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
        {**DENY_OTHER_ENDPOINTS, "Principal": None, "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
        {**DENY_OTHER_ENDPOINTS, "Effect": "Allow"},
    ],
)
def test_a_deny_that_leaves_any_accounts_endpoints_in_binds_nothing(deny):
    deny = {k: v for k, v in deny.items() if v is not None}
    provider = {"region": "us-east-1", "allowedAccountIds": [ACCOUNT]}
    api = rest_api(doc(deny, INVOKE), id="a1b2c3d4e5")
    api.provider = provider
    (fault,) = [f for f in stack_faults(API_POLICY, [api]) if "Statement[1]" in f]
    assert fault.startswith('policy Statement[1] allows "*" Action [execute-api:Invoke] without a Condition')


@pytest.mark.parametrize(
    ("resources", "region"),
    [
        # The Allow names a stage the Deny leaves out, or a pattern that reaches past it.
        (["execute-api:/prod/GET/orders", "execute-api:/dev/GET/orders"], "us-east-1"),
        (["execute-api:/pro?/GET/orders"], "us-east-1"),
        (["execute-api:/*"], "us-east-1"),
        # A wildcard in place of the API id may run on into the path: "*/prod/*" matches ".../dev/prod/x".
        (["arn:aws:execute-api:us-east-1:*:*/prod/GET/orders"], "us-east-1"),
        # The API's own region is not the Deny's.
        (["execute-api:/prod/GET/orders"], "eu-west-1"),
    ],
)
def test_a_deny_of_some_paths_leaves_the_allows_other_paths_open(resources, region):
    deny = {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:us-east-1:*:*/prod/*"}
    api = rest_api(doc(deny, {**INVOKE, "Resource": resources}), id="a1b2c3d4e5", region=region)
    (diag,) = run(API_POLICY, [api])
    assert diag.level == "mandatory"
    assert stack_faults(API_POLICY, [api])[0].startswith(
        'policy Statement[1] allows "*" Action [execute-api:Invoke] without a Condition and no Deny limits'
    )


def test_a_deny_in_a_named_region_holds_when_the_apis_region_is_not_known():
    deny = {**DENY_OTHER_ENDPOINTS, "Resource": "arn:aws:execute-api:eu-west-1:*:*"}
    api = rest_api(doc(deny, INVOKE), id="a1b2c3d4e5")
    api.provider = {}
    assert stack_faults(API_POLICY, [api]) == []


def test_regional_and_edge_apis_are_left_to_their_methods_authorization():
    for types in ("REGIONAL", "EDGE", None):
        assert stack_faults(API_POLICY, [rest_api(doc(INVOKE), types=types)]) == []
    assert stack_faults(API_POLICY, [rest_api(doc(INVOKE), types=["private"])]) != []


def iam_method(api, verb="GET", authorization="AWS_IAM"):
    method = R(
        "aws:apigateway/method:Method",
        f"m-{verb}",
        {"restApi": U, "resourceId": U, "httpMethod": verb, "authorization": authorization},
    )
    method.deps = {"restApi": [api], "resourceId": [api]}
    return method


def test_a_policy_open_to_everyone_opens_iam_authorized_methods_to_every_account():
    # Cross-account IAM callers get in when both their IAM policy and the API's resource policy allow them.
    api = rest_api(doc(INVOKE), types="REGIONAL")
    found = run(API_POLICY, [api, iam_method(api), iam_method(api, "POST", "COGNITO_USER_POOLS")])
    assert [d.level for d in found] == ["mandatory"]
    assert stack_faults(API_POLICY, [api, iam_method(api)]) == [
        'policy Statement[0] allows "*" Action [execute-api:Invoke] without a Condition and the API '
        "authorizes GET / with AWS_IAM, which admits another account's principals whenever the resource "
        "policy allows them, so any AWS account can call those methods"
    ]
    assert stack_faults(API_POLICY, [api, iam_method(api, authorization="CUSTOM")]) == []
    bound = rest_api(doc({**INVOKE, "Principal": {"AWS": ACCOUNT}}), types="REGIONAL")
    assert stack_faults(API_POLICY, [bound, iam_method(bound)]) == []


def test_an_authorization_or_body_unknown_at_preview_may_hide_iam_methods():
    api = rest_api(doc(INVOKE), types="REGIONAL", id="a1b2c3d4e5")
    put = R("aws:apigateway/restApiPut:RestApiPut", "put", {"restApiId": "a1b2c3d4e5", "body": U})
    for resources, where in (
        ([api, iam_method(api, authorization=U)], "aws:apigateway/method:Method 'm-GET'.authorization"),
        ([api, put], "aws:apigateway/restApiPut:RestApiPut 'put'.body"),
        ([rest_api(doc(INVOKE), types="REGIONAL", body=U)], "aws:apigateway/restApi:RestApi 'api'.body"),
    ):
        # (A RestApiPut's unknown body is also a note of its own: the policy it may hold.)
        notes = run(API_POLICY, resources)
        assert {note.level for note in notes} == {"advisory"}
        assert any(
            "whether the API authorizes a method with AWS_IAM (which its open policy lets every account "
            f"call) cannot be checked until {where} is known" in note.message
            for note in notes
        )
    bound = rest_api(doc({**INVOKE, "Principal": {"AWS": ACCOUNT}}), types="REGIONAL")
    assert run(API_POLICY, [bound, iam_method(bound, authorization=U)]) == []


@pytest.mark.parametrize(
    "spec",
    [
        {
            "securityDefinitions": {"sigv4": {"type": "apiKey", "x-amazon-apigateway-authtype": "awsSigv4"}},
            "paths": {"/orders": {"get": {"security": [{"sigv4": []}]}, "post": {}}},
        },
        {
            "components": {"securitySchemes": {"iam": {"x-amazon-apigateway-authtype": "awsSigv4"}}},
            "security": [{"iam": []}],
            "paths": {"/orders": {"get": {}, "parameters": []}},
        },
        {"paths": {"/orders": {"get": {"x-amazon-apigateway-auth": {"type": "aws_iam"}}}}},
    ],
)
def test_iam_authorized_body_operations_count_too(spec):
    body = json.dumps({"openapi": "3.0.1", **spec})
    api = rest_api(doc(INVOKE), types="REGIONAL", body=body, id="a1b2c3d4e5")
    (fault,) = stack_faults(API_POLICY, [api])
    assert "the API authorizes GET /orders with AWS_IAM" in fault
    plain = rest_api(doc(INVOKE), types="REGIONAL", id="a1b2c3d4e5")
    put = R("aws:apigateway/restApiPut:RestApiPut", "put", {"restApiId": "a1b2c3d4e5", "body": body})
    (fault,) = stack_faults(API_POLICY, [plain, put])
    assert "the API authorizes GET /orders with AWS_IAM" in fault
    assert stack_faults(API_POLICY, [rest_api(doc(INVOKE), types="REGIONAL", body="{}")]) == []


def test_a_private_apis_policy_in_its_body_a_rest_api_policy_or_a_put_is_judged():
    body = json.dumps(
        {"openapi": "3.0.1", "paths": {}, "x-amazon-apigateway-policy": json.loads(doc(INVOKE))}
    )
    api = R(REST_API, "api", {"name": "orders", "endpointConfiguration": {"types": "PRIVATE"}, "body": body})
    (fault,) = stack_faults(API_POLICY, [api])
    assert fault.startswith('body\'s x-amazon-apigateway-policy Statement[0] allows "*"')
    # The policy argument overrides the body's.
    api.props["policy"] = doc({**INVOKE, "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}}})
    assert stack_faults(API_POLICY, [api]) == []
    # An empty policy argument overrides nothing: the provider leaves the body's policy in force.
    api.props["policy"] = ""
    (fault,) = run(API_POLICY, [api])
    assert fault.level == "mandatory"
    assert 'body\'s x-amazon-apigateway-policy Statement[0] allows "*"' in fault.message
    target = rest_api(None, id="a1b2c3d4e5")
    del target.props["policy"]
    policy = R("aws:apigateway/restApiPolicy:RestApiPolicy", "p", {"restApiId": U, "policy": doc(INVOKE)})
    policy.deps = {"restApiId": [target]}
    put = R("aws:apigateway/restApiPut:RestApiPut", "put", {"restApiId": "a1b2c3d4e5", "body": body})
    found = run(API_POLICY, [target, policy, put])
    assert [(d.level, d.urn.rsplit("::", 1)[1]) for d in found] == [("mandatory", "p"), ("mandatory", "put")]
    assert (
        stack_faults(API_POLICY, [target, R(put.type, "put", {"restApiId": "a1b2c3d4e5", "body": "{}"})])
        == []
    )


def test_a_private_api_policy_that_cannot_be_judged_yet_is_a_note():
    api = rest_api(doc(INVOKE), types=U)
    (note,) = run(API_POLICY, [api])
    assert note.level == "advisory"
    assert "whether the API is private cannot be checked until aws:apigateway/restApi:RestApi 'api'" in (
        note.message
    )
    (note,) = run(API_POLICY, [rest_api(U)])
    assert note.level == "advisory"
    assert "the API's resource policy cannot be checked until" in note.message
    (note,) = run(API_POLICY, [R(REST_API, "api", {"name": "orders", "body": U})])
    assert note.level == "advisory"
    assert "the x-amazon-apigateway-policy of its OpenAPI body" in note.message
    outside = R(
        "aws:apigateway/restApiPolicy:RestApiPolicy", "p", {"restApiId": "zz99", "policy": doc(INVOKE)}
    )
    (note,) = run(API_POLICY, [outside])
    assert note.level == "advisory"
    assert "REST API 'zz99', which is not in the stack: whether the API is private" in note.message
    (fault,) = stack_faults(API_POLICY, [rest_api("{not json")])
    assert fault.startswith("the API's resource policy (policy) is unreadable: ")
    assert stack_faults(API_POLICY, [rest_api("")]) == []


IAM_OPEN = (
    '{shown} Statement[0] allows "*" Action [execute-api:Invoke] without a Condition and the API authorizes '
    "{routes} with AWS_IAM, which admits another account's principals whenever the resource policy allows "
    "them, so any AWS account can call those methods"
)


def test_an_open_policy_from_a_body_a_rest_api_policy_or_a_put_opens_iam_methods_too():
    policy_in_body = json.dumps(
        {"openapi": "3.0.1", "paths": {}, "x-amazon-apigateway-policy": json.loads(doc(INVOKE))}
    )
    body_api = R(REST_API, "api", {"name": "orders", "endpointConfiguration": {"types": "REGIONAL"}})
    body_api.props["body"] = policy_in_body
    assert stack_faults(API_POLICY, [body_api, iam_method(body_api)]) == [
        IAM_OPEN.format(shown="body's x-amazon-apigateway-policy", routes="GET /")
    ]
    target = rest_api(None, types="REGIONAL", id="a1b2c3d4e5")
    del target.props["policy"]
    methods = [iam_method(target), iam_method(target, "POST")]
    policy = R(
        "aws:apigateway/restApiPolicy:RestApiPolicy", "p", {"restApiId": "a1b2c3d4e5", "policy": doc(INVOKE)}
    )
    assert stack_faults(API_POLICY, [target, *methods, policy]) == [
        IAM_OPEN.format(shown="policy", routes="GET /, POST /")
    ]
    put = R(
        "aws:apigateway/restApiPut:RestApiPut", "put", {"restApiId": "a1b2c3d4e5", "body": policy_in_body}
    )
    assert stack_faults(API_POLICY, [target, methods[0], put]) == [
        IAM_OPEN.format(shown="body's x-amazon-apigateway-policy", routes="GET /")
    ]


def test_notes_name_the_property_to_wait_for():
    def note(resources):
        (found,) = run(API_POLICY, resources)
        assert found.level == "advisory"
        return found.message.split("': ", 1)[1].split(" (", 1)[0]

    assert note([rest_api(doc(INVOKE), types=U)]) == (
        "whether the API is private cannot be checked until aws:apigateway/restApi:RestApi "
        "'api'.endpointConfiguration is known"
    )
    assert note([R(REST_API, "api", {"name": "orders", "body": U})]) == (
        "the x-amazon-apigateway-policy of its OpenAPI body cannot be checked until "
        "aws:apigateway/restApi:RestApi 'api'.body is known"
    )
    # A policy partly unknown: the statement not known yet may be the Deny that binds the open one.
    partly = json.dumps({"Version": "2012-10-17", "Statement": [INVOKE, U]})
    assert note([rest_api(partly)]) == (
        "the API's resource policy cannot be checked until aws:apigateway/restApi:RestApi 'api'.policy is "
        "known"
    )
    target = rest_api(None, id="a1b2c3d4e5")
    del target.props["policy"]
    policy = R("aws:apigateway/restApiPolicy:RestApiPolicy", "p", {"restApiId": "a1b2c3d4e5", "policy": U})
    assert note([target, policy]) == (
        "the API's resource policy cannot be checked until aws:apigateway/restApiPolicy:RestApiPolicy "
        "'p'.policy is known"
    )


def test_a_rest_api_policy_names_its_api_by_id_only():
    # AWS looks restApiId up as an id: the API's name there names no API of the stack.
    target = rest_api(None, id="a1b2c3d4e5")
    del target.props["policy"]
    by_name = R(
        "aws:apigateway/restApiPolicy:RestApiPolicy", "p", {"restApiId": "orders", "policy": doc(INVOKE)}
    )
    (found,) = run(API_POLICY, [target, by_name])
    assert found.level == "advisory"
    assert stack_faults(API_POLICY, [target, by_name]) == [
        "its policy lets everyone invoke REST API 'orders', which is not in the stack: whether the API is "
        "private, and so open to every account's VPC endpoints, cannot be checked"
    ]
    # Outside the stack too, a Deny of every other endpoint binds the policy.
    bound = R(
        "aws:apigateway/restApiPolicy:RestApiPolicy",
        "p",
        {"restApiId": "zz99", "policy": doc(DENY_OTHER_ENDPOINTS, INVOKE)},
    )
    assert run(API_POLICY, [bound]) == []


OPENSEARCH = "opensearch-access-policy-not-public"
DOMAIN = "aws:opensearch/domain:Domain"
SEARCH = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}
FGAC = {"enabled": True, "internalUserDatabaseEnabled": True}


def domain(policy, type_=DOMAIN, **props):
    return R(type_, "search", {"domainName": "search", "accessPolicies": policy, **props})


@pytest.mark.parametrize(
    ("props", "exposure"),
    [
        ({}, "no fine-grained access control"),
        ({"vpcOptions": {"subnetIds": []}}, "no fine-grained access control"),
        ({"advancedSecurityOptions": {"enabled": False}}, "no fine-grained access control"),
        (
            {"advancedSecurityOptions": {**FGAC, "anonymousAuthEnabled": True}},
            "fine-grained access control lets anonymous requests in (anonymousAuthEnabled)",
        ),
    ],
)
def test_a_public_domain_open_to_everyone_without_fine_grained_access_control_is_a_violation(props, exposure):
    for type_ in (DOMAIN, "aws:elasticsearch/domain:Domain"):
        (diag,) = run(OPENSEARCH, [domain(doc(SEARCH), type_, **props)])
        assert diag.level == "mandatory"
        assert stack_faults(OPENSEARCH, [domain(doc(SEARCH), type_, **props)]) == [
            'accessPolicies Statement[0] allows {"AWS": "*"} Action [es:*] without a Condition on a domain '
            f"with a public endpoint and {exposure}, so anyone on the internet can reach its indexes"
        ]


@pytest.mark.parametrize(
    ("statement", "props"),
    [
        # Behind the VPC and its security groups, or behind fine-grained access control: AWS's own advice.
        (SEARCH, {"vpcOptions": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}}),
        (SEARCH, {"vpcOptions": {"subnetIds": U}}),
        (SEARCH, {"advancedSecurityOptions": FGAC}),
        (SEARCH, {"advancedSecurityOptions": {**FGAC, "anonymousAuthEnabled": False}}),
        # An IP-based policy on a public domain.
        ({**SEARCH, "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}}, {}),
        ({**SEARCH, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/search"}}, {}),
        # No HTTP request to the domain: nothing it grants reaches the indexes.
        ({**SEARCH, "Action": ["es:DescribeDomain", "s3:GetObject"]}, {}),
    ],
)
def test_a_domain_behind_its_network_or_its_users_or_bound_callers_passes(statement, props):
    assert stack_faults(OPENSEARCH, [domain(doc(statement), **props)]) == []


def test_a_domain_policy_is_judged_with_its_domain():
    target = domain(None, advancedSecurityOptions={"enabled": False})
    del target.props["accessPolicies"]
    policy = R(
        "aws:opensearch/domainPolicy:DomainPolicy", "dp", {"domainName": U, "accessPolicies": doc(SEARCH)}
    )
    policy.deps = {"domainName": [target]}
    (fault,) = stack_faults(OPENSEARCH, [target, policy])
    assert fault.startswith(
        'accessPolicies Statement[0] allows {"AWS": "*"} Action [es:*] without a Condition'
    )
    assert run(OPENSEARCH, [target, policy])[0].urn.endswith("::dp")
    target.props["vpcOptions"] = {"subnetIds": ["subnet-1"]}
    assert stack_faults(OPENSEARCH, [target, policy]) == []
    legacy = R(
        "aws:elasticsearch/domainPolicy:DomainPolicy",
        "dp",
        {"domainName": "logs", "accessPolicies": doc(SEARCH)},
    )
    (note,) = run(OPENSEARCH, [legacy])
    assert note.level == "advisory"
    assert (
        "domain 'logs', which is not in the stack: whether the domain has a public endpoint" in note.message
    )


def test_a_domain_policy_that_cannot_be_judged_yet_is_a_note():
    (note,) = run(OPENSEARCH, [domain(doc(SEARCH), vpcOptions=U)])
    assert note.level == "advisory"
    assert "whether the domain is in a VPC cannot be checked until" in note.message
    (note,) = run(OPENSEARCH, [domain(doc(SEARCH), advancedSecurityOptions={"enabled": U})])
    assert note.level == "advisory"
    assert "whether fine-grained access control guards the domain cannot be checked" in note.message
    (note,) = run(OPENSEARCH, [domain(U)])
    assert note.level == "advisory"
    assert "the domain's access policy cannot be checked until" in note.message
    assert stack_faults(OPENSEARCH, [domain(doc({**SEARCH, "Effect": "Deny"}))]) == []
    (fault,) = stack_faults(OPENSEARCH, [domain(doc({**SEARCH, "Action": "es:ESHttpGet"}))])
    assert fault.startswith('accessPolicies Statement[0] allows {"AWS": "*"} Action [es:ESHttpGet] without')
    assert stack_faults(OPENSEARCH, [domain(None)]) == []


def test_a_domain_policys_notes_name_the_property_to_wait_for():
    def note(resources):
        (found,) = run(OPENSEARCH, resources)
        assert found.level == "advisory"
        return found.message.split("': ", 1)[1].split(" (", 1)[0]

    assert note([domain(doc(SEARCH), vpcOptions=U)]) == (
        f"whether the domain is in a VPC cannot be checked until {DOMAIN} 'search'.vpcOptions is known"
    )
    assert note([domain(doc(SEARCH), advancedSecurityOptions={"enabled": U})]) == (
        "whether fine-grained access control guards the domain cannot be checked until "
        f"{DOMAIN} 'search'.advancedSecurityOptions is known"
    )
    assert note([domain(U)]) == (
        f"the domain's access policy cannot be checked until {DOMAIN} 'search'.accessPolicies is known"
    )
    (fault,) = stack_faults(OPENSEARCH, [domain("{not json")])
    assert fault.startswith("the domain's access policy (accessPolicies) is unreadable: ")
    outside = R(
        "aws:opensearch/domainPolicy:DomainPolicy",
        "dp",
        {"domainName": "logs", "accessPolicies": doc(SEARCH)},
    )
    assert stack_faults(OPENSEARCH, [outside]) == [
        "its access policy lets everyone in to domain 'logs', which is not in the stack: whether the domain "
        "has a public endpoint without fine-grained access control cannot be checked"
    ]


def test_a_domain_policy_names_its_domain_by_its_literal_domain_name():
    target = domain(None, advancedSecurityOptions={"enabled": False})
    del target.props["accessPolicies"]
    policy = R(
        "aws:opensearch/domainPolicy:DomainPolicy",
        "dp",
        {"domainName": "search", "accessPolicies": doc(SEARCH)},
    )
    assert stack_faults(OPENSEARCH, [target, policy]) == [
        'accessPolicies Statement[0] allows {"AWS": "*"} Action [es:*] without a Condition on a domain with '
        "a public endpoint and no fine-grained access control, so anyone on the internet can reach its "
        "indexes"
    ]
