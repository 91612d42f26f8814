"""IAM identity-policy rules: wildcard actions and region restriction; random documents never crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from policy_harness import FUZZ, R, U, run
from test_policy_documents import DOCUMENTS

REGION = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def policy(*statements, type_="aws:iam/policy:Policy"):
    return R(type_, "p", {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})})


def allow(action, resource="*", condition=None, **extra):
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(
    ("action", "flagged"),
    [
        ("*", "every service (Action [*])"),
        ("s3:*", "s3 (Action [s3:*])"),
        (["dynamodb:GetItem", "kms:*"], "kms (Action [dynamodb:GetItem, kms:*])"),
        ("IAM:?*", "iam (Action [IAM:?*])"),
        (["sqs:*?", "kms:*", "s3:Get*"], "kms, sqs (Action [sqs:*?, kms:*, s3:Get*])"),
        ("newservice:*", "newservice (Action [newservice:*])"),
        ("s3:Get*", None),
        ("kms:Create*", None),
        ("dynamodb:PutItem", None),
    ],
)
def test_wildcard_actions_by_what_they_cover(action, flagged):
    found = faults("iam-no-wildcard-actions", [policy(allow(action, condition=REGION))])
    assert found == (
        [f"Statement[0] of policy allows every action of {flagged}; list the actions the workload calls"]
        if flagged
        else []
    )


def test_not_action_and_deny_statements():
    (fault,) = faults(
        "iam-no-wildcard-actions", [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    )
    assert "uses NotAction with Allow" in fault
    assert (
        faults("iam-no-wildcard-actions", [policy({"Effect": "Deny", "Action": "*", "Resource": "*"})]) == []
    )


def test_role_inline_policies_user_and_group_policies():
    role = R(
        "aws:iam/role:Role",
        "r",
        {
            "inlinePolicies": [
                {"name": "", "policy": ""},
                {"name": "app", "policy": json.dumps({"Statement": [allow("s3:*")]})},
                "junk",
                {"policy": json.dumps({"Statement": [allow("ec2:*")]})},
            ]
        },
    )
    found = faults("iam-no-wildcard-actions", [role])
    assert found[0].startswith("Statement[0] of inline policy 'app' allows every action of s3")
    assert found[1].startswith("Statement[0] of inlinePolicies[3] allows every action of ec2")
    assert faults("iam-no-wildcard-actions", [R("aws:iam/role:Role", "r", {"inlinePolicies": U})]) == []
    for type_ in (
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
        "aws:iam/rolePolicy:RolePolicy",
    ):
        assert faults("iam-no-wildcard-actions", [policy(allow("*"), type_=type_)])
    assert faults("iam-no-wildcard-actions", [R("aws:iam/policy:Policy", "p", {})]) == []


def test_a_whole_service_split_between_statements_and_inline_policies():
    # IAM adds up the statements of a document and the inline policies of a role: iam:A* to iam:M* in one
    # and iam:N* to iam:Z* in another allow all of IAM in the account, which no statement does alone.
    first, second = [f"iam:{c}*" for c in "ABCDEFGHIJKLM"], [f"iam:{c}*" for c in "NOPQRSTUVWXYZ"]
    scope = "arn:aws:iam::123456789012:*"
    assert faults("iam-no-wildcard-actions", [policy(allow(first, scope), allow(second, scope))]) == [
        "Statement[0] of policy and Statement[1] of policy together allow every action of iam; list the "
        "actions the workload calls"
    ]
    role = R(
        "aws:iam/role:Role",
        "r",
        {
            "inlinePolicies": [
                {"name": name, "policy": json.dumps({"Statement": [allow(actions, scope)]})}
                for name, actions in (("a", first), ("b", ["s3:GetObject"]), ("c", second))
            ]
        },
    )
    (diagnostic,) = run("iam-no-wildcard-actions", [role])
    assert diagnostic.level == "mandatory"
    assert (
        "Statement[0] of inline policy 'a' and Statement[0] of inline policy 'c' together allow every action "
        "of iam" in diagnostic.message
    )
    assert faults("iam-no-wildcard-actions", [policy(allow(first[1:], scope), allow(second, scope))]) == []


def test_unreadable_identity_policies():
    (fault,) = faults("iam-region-restricted", [R("aws:iam/policy:Policy", "p", {"policy": "nope"})])
    assert fault.startswith("policy is unreadable: policy document is not valid JSON")
    (fault,) = faults(
        "iam-no-wildcard-actions",
        [policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})],
    )
    assert (
        fault == "policy is unreadable: Statement[0] has a Principal, which an identity policy must not have"
    )


@pytest.mark.parametrize(
    "statement",
    [
        allow("ec2:CreateNetworkInterface", condition=REGION),
        # One region, however the operator spells it.
        allow(
            "xray:PutTraceSegments",
            condition={"ForAnyValue:StringLike": {"aws:RequestedRegion": ["us-east-1"]}},
        ),
        allow("ec2:DescribeVpcs", condition={"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}),
        allow(
            "ec2:DescribeVpcs",
            condition={"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-1"]}},
        ),
        allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        allow("s3:GetObject", ["arn:aws:s3:::trading-data/*", "arn:aws:s3:::trading-data"]),
        # The caller's own name is one bucket per caller, wherever it stands.
        allow("s3:GetObject", "arn:aws:s3:::${aws:username}/*"),
        allow(["iam:PassRole", "sts:GetCallerIdentity"]),
        allow("sts:AssumeRole", "arn:aws:iam::123456789012:role/x"),
        allow("ssm:GetParameter", U),
        allow("ssm:GetParameter", condition=U),
        allow("ec2:DescribeVpcs", condition={"StringEquals": {"aws:RequestedRegion": [U]}}),
    ],
)
def test_region_restricted_statements(statement):
    assert faults("iam-region-restricted", [policy(statement)]) == []


WITHOUT = "without an aws:RequestedRegion condition"


def several(operator, values):
    return f"with an aws:RequestedRegion condition ({operator} [{values}]) that does not name a single region"


@pytest.mark.parametrize(
    ("statement", "unscoped", "why"),
    [
        (allow("ec2:DescribeVpcs"), "'*'", WITHOUT),
        (
            allow("logs:PutLogEvents", "arn:aws:logs:*:123456789012:log-group:x"),
            "'arn:aws:logs:*:123456789012:log-group:x'",
            WITHOUT,
        ),
        (allow("s3:ListAllMyBuckets", "arn:aws:s3:::*"), "'arn:aws:s3:::*'", WITHOUT),
        # Every bucket name has a character: "?*", "*?" and "??*" name every bucket as "*" does.
        (allow("s3:GetObject", "arn:aws:s3:::?*"), "'arn:aws:s3:::?*'", WITHOUT),
        (allow("s3:GetObject", "arn:aws:s3:::*?/*"), "'arn:aws:s3:::*?/*'", WITHOUT),
        (allow("s3:GetObject", "arn:aws:s3:::??*/*"), "'arn:aws:s3:::??*/*'", WITHOUT),
        (allow("s3:GetObject", "not-an-arn"), "'not-an-arn'", WITHOUT),
        # A bucket name the request fills in (a header, a tag) is any bucket, in any region.
        (
            allow("s3:GetObject", "arn:aws:s3:::${aws:UserAgent}/*"),
            "'arn:aws:s3:::${aws:UserAgent}/*'",
            WITHOUT,
        ),
        (
            allow("s3:ListBucket", "arn:aws:s3:::${aws:PrincipalTag/bucket}"),
            "'arn:aws:s3:::${aws:PrincipalTag/bucket}'",
            WITHOUT,
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "*"}}),
            "'*'",
            several("StringLike", "*"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "*-*"}}),
            "'*'",
            several("StringLike", "*-*"),
        ),
        # Patterns that match regions on every continent, in one geography, or several regions of one area.
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "*-1"}}),
            "'*'",
            several("StringLike", "*-1"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "?s-*"}}),
            "'*'",
            several("StringLike", "?s-*"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": ["us-*", "*"]}}),
            "'*'",
            several("StringLike", "us-*, *"),
        ),
        (
            allow(
                "xray:PutTraceSegments", condition={"ForAnyValue:StringLike": {"aws:RequestedRegion": "us-*"}}
            ),
            "'*'",
            several("ForAnyValue:StringLike", "us-*"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "eu-west-?"}}),
            "'*'",
            several("StringLike", "eu-west-?"),
        ),
        # Every geography, or a list of regions: with no allowedRegions, a condition names one region.
        (
            allow(
                "dynamodb:GetItem",
                "arn:aws:dynamodb:*:*:table/*",
                condition={"StringLike": {"aws:RequestedRegion": ["us-*", "eu-*", "ap-*", "sa-*", "ca-*"]}},
            ),
            "'arn:aws:dynamodb:*:*:table/*'",
            several("StringLike", "us-*, eu-*, ap-*, sa-*, ca-*"),
        ),
        (
            allow(
                "ec2:DescribeVpcs",
                condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2", "eu-west-1"]}},
            ),
            "'*'",
            several("StringEquals", "us-east-1, us-west-2, eu-west-1"),
        ),
        # Not a region's name: a policy variable that is the requested region itself, or a wildcard that
        # StringEquals reads literally.
        (
            allow(
                "ec2:DescribeVpcs",
                condition={"StringEquals": {"aws:RequestedRegion": "${aws:RequestedRegion}"}},
            ),
            "'*'",
            several("StringEquals", "${aws:RequestedRegion}"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringEquals": {"aws:RequestedRegion": "us-*"}}),
            "'*'",
            several("StringEquals", "us-*"),
        ),
        (
            allow("ec2:DescribeVpcs", condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}),
            "'*'",
            WITHOUT,
        ),
        (
            {"Effect": "Allow", "Action": "ec2:DescribeVpcs", "NotResource": "arn:aws:ec2:us-east-1:1:vpc/x"},
            "NotResource arn:aws:ec2:us-east-1:1:vpc/x",
            WITHOUT,
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "'*'", WITHOUT),
    ],
)
def test_unrestricted_statements(statement, unscoped, why):
    (diag,) = run("iam-region-restricted", [policy(statement)])
    assert diag.level == "mandatory"
    (fault,) = faults("iam-region-restricted", [policy(statement)])
    assert fault.endswith(f" on {unscoped} {why}, and that resource is not pinned to a region")


def test_allowed_regions_narrow_conditions_and_arns():
    config = {"allowedRegions": ["eu-west-1"]}
    assert faults("iam-region-restricted", [policy(allow("ec2:DescribeVpcs", condition=REGION))], config)
    assert faults(
        "iam-region-restricted",
        [policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t"))],
        config,
    )
    ok = allow(
        "dynamodb:GetItem",
        "arn:aws:dynamodb:eu-west-1:1:table/t",
        condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    )
    assert faults("iam-region-restricted", [policy(ok)], config) == []
    assert faults(
        "iam-region-restricted",
        [policy(allow("ec2:X", condition={"StringEquals": {"aws:RequestedRegion": 5}}))],
    )


def test_allowed_regions_let_a_condition_name_several_of_them():
    config = {"allowedRegions": ["us-east-1", "us-west-2"]}
    pair = allow(
        "ec2:DescribeVpcs", condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}
    )
    assert faults("iam-region-restricted", [policy(pair)], config) == []
    outside = allow(
        "ec2:DescribeVpcs", condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
    )
    (diag,) = run("iam-region-restricted", [policy(outside)], config)
    assert diag.level == "mandatory"
    assert faults("iam-region-restricted", [policy(outside)], config) == [
        "Statement[0] of policy allows Action [ec2:DescribeVpcs] on '*' with an aws:RequestedRegion "
        "condition (StringEquals [us-east-1, eu-west-1]) whose values are not all regions of "
        "allowedRegions (us-east-1, us-west-2), and that resource is not pinned to a region"
    ]
    # A pattern covers regions outside the list, and those AWS opens later.
    geography = allow("ec2:DescribeVpcs", condition={"StringLike": {"aws:RequestedRegion": "us-*"}})
    assert faults("iam-region-restricted", [policy(geography)], config)


@FUZZ
@settings(max_examples=100, deadline=None)
@given(document=DOCUMENTS)
def test_random_identity_policies_never_crash(document):
    resources = [R("aws:iam/rolePolicy:RolePolicy", "rp", {"role": "r", "policy": json.dumps(document)})]
    for rule in ("iam-no-wildcard-actions", "iam-region-restricted"):
        for diag in run(rule, resources):
            assert diag.level == "mandatory"
            assert "'rp'" in diag.message


MANAGED = "arn:aws:iam::aws:policy/"
ADMIN = MANAGED + "AdministratorAccess"


def attached(arn):
    return (
        f"attaches the AWS managed policy {arn}, which allows every action of whole services "
        '("*", "<service>:*" or a full-access grant)'
    )


@pytest.mark.parametrize(
    "name",
    [
        # Real names, however AWS joins them: "_FullAccess", "FullAccessV2", "FullAccessPolicy_v2", ...
        "AWSLambda_FullAccess",
        "AWSCloudTrail_FullAccess",
        "AmazonECS_FullAccess",
        "AmazonS3FullAccess",
        "CloudWatchFullAccessV2",
        "AmazonEMRFullAccessPolicy_v2",
        "AdministratorAccess",
        "AdministratorAccess-Amplify",
        "PowerUserAccess",
        "job-function/DatabaseAdministrator",
        "AmazonAPIGatewayAdministrator",
        # Outside the families, their documents allow "<service>:*" all the same.
        "SecretsManagerReadWrite",
        "service-role/AWSGlueServiceRole",
        "job-function/DataScientist",
    ],
)
def test_aws_managed_policies_that_allow_whole_services(name):
    arn = MANAGED + name
    resource = R("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {"role": "r", "policyArn": arn})
    assert faults("iam-no-wildcard-actions", [resource]) == [attached(arn)]
    gov = "arn:aws-us-gov:iam::aws:policy/" + name
    assert faults("iam-no-wildcard-actions", [R(resource.type, "a", {"role": "r", "policyArn": gov})])


@pytest.mark.parametrize(
    "arn",
    [
        MANAGED + "service-role/AWSLambdaBasicExecutionRole",
        MANAGED + "service-role/AWSLambdaVPCAccessExecutionRole",
        MANAGED + "AWSXRayDaemonWriteAccess",
        MANAGED + "ReadOnlyAccess",
        # A customer managed policy of the same name: its document is read where the stack declares it.
        "arn:aws:iam::123456789012:policy/AdministratorAccess",
        "AdministratorAccess",
    ],
)
def test_scoped_managed_policies_pass(arn):
    resource = R("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {"role": "r", "policyArn": arn})
    assert faults("iam-no-wildcard-actions", [resource]) == []


@pytest.mark.parametrize(
    ("type_", "prop", "others"),
    [
        ("aws:iam/role:Role", "managedPolicyArns", {}),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "policyArn", {"role": "r"}),
        ("aws:iam/userPolicyAttachment:UserPolicyAttachment", "policyArn", {"user": "u"}),
        ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "policyArn", {"group": "g"}),
        ("aws:iam/policyAttachment:PolicyAttachment", "policyArn", {"roles": ["r"], "users": ["u"]}),
        (
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            "policyArns",
            {"roleName": "r"},
        ),
        (
            "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
            "policyArns",
            {"userName": "u"},
        ),
        (
            "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
            "policyArns",
            {"groupName": "g"},
        ),
        (
            "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment",
            "managedPolicyArn",
            {"instanceArn": "i", "permissionSetArn": "p"},
        ),
        (
            "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive",
            "managedPolicyArns",
            {"instanceArn": "i", "permissionSetArn": "p"},
        ),
        (
            "aws:quicksight/iamPolicyAssignment:IamPolicyAssignment",
            "policyArn",
            {"assignmentName": "a", "assignmentStatus": "ENABLED", "identities": {"users": ["analyst"]}},
        ),
    ],
)
def test_every_resource_that_attaches_managed_policies_is_read(type_, prop, others):
    def attaching(*arns):
        return R(type_, "a", {**others, prop: list(arns) if prop.endswith("Arns") else arns[0]})

    scoped = MANAGED + "service-role/AWSLambdaBasicExecutionRole"
    assert faults("iam-no-wildcard-actions", [attaching(ADMIN, U, scoped)]) == [attached(ADMIN)]
    assert faults("iam-no-wildcard-actions", [attaching(scoped, U)]) == []
    assert faults("iam-no-wildcard-actions", [attaching(U)]) == []
    assert faults("iam-no-wildcard-actions", [R(type_, "a", {**others, prop: U})]) == []


def test_permission_set_inline_policies_are_identity_policies():
    document = json.dumps({"Statement": [allow("*")]})
    resource = R(
        "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
        "ps",
        {"instanceArn": "i", "permissionSetArn": "p", "inlinePolicy": document},
    )
    (fault,) = faults("iam-no-wildcard-actions", [resource])
    assert fault == (
        "Statement[0] of inlinePolicy allows every action of every service (Action [*]); list the actions "
        "the workload calls"
    )
    (fault,) = faults("iam-region-restricted", [resource])
    assert fault.startswith(
        "Statement[0] of inlinePolicy allows Action [*] on '*' without an aws:RequestedRegion"
    )
