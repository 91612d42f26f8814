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


ACROSS = "iam-no-wildcard-actions-across-policies"
FIRST_HALF = [f"iam:{c}*" for c in "ABCDEFGHIJKLM"]
SECOND_HALF = [f"iam:{c}*" for c in "NOPQRSTUVWXYZ"]
IAM_SCOPE = "arn:aws:iam::123456789012:*"
POLICY_ARN = "arn:aws:iam::123456789012:policy/ops/half"


def document(actions, *extra):
    return json.dumps({"Statement": [allow(actions, IAM_SCOPE), *extra]})


def across(resources):
    """(subject's logical name, fault) of each finding of the stack rule."""
    return [
        (d.urn.rsplit("::", 1)[1], d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0])
        for d in run(ACROSS, resources)
        if d.level == "mandatory"
    ]


def test_a_whole_service_split_between_two_role_policies_named_literally_in_any_case():
    # IAM adds up every identity policy of a principal; role names are unique in an account whatever their
    # case, so "APP" names the role "app".
    role = R("aws:iam/role:Role", "r", {"name": "app"})
    first = R("aws:iam/rolePolicy:RolePolicy", "a", {"role": "app", "policy": document(FIRST_HALF)})
    second = R("aws:iam/rolePolicy:RolePolicy", "b", {"role": "APP", "policy": document(SECOND_HALF)})
    assert across([role, first, second]) == [
        (
            "r",
            "Statement[0] of aws:iam/rolePolicy:RolePolicy 'a' and Statement[0] of "
            "aws:iam/rolePolicy:RolePolicy 'b' reach this role and together allow every action of iam, which "
            "none of them does alone; list the actions the workload calls",
        )
    ]
    assert run("iam-no-wildcard-actions", [role, first, second]) == []
    (diagnostic,) = run(ACROSS, [role, first, second])
    assert diagnostic.level == "mandatory"
    assert "[HIGH] aws:iam/role:Role 'r': " in diagnostic.message


def test_inline_policies_and_managed_policies_attached_by_output_at_preview():
    managed = R("aws:iam/policy:Policy", "p", {"arn": U, "name": U, "policy": document(SECOND_HALF)})
    role = R(
        "aws:iam/role:Role",
        "r",
        {"name": U, "inlinePolicies": [{"name": "app", "policy": document(FIRST_HALF)}]},
    )
    attachment = R(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "att",
        {"role": U, "policyArn": U},
        deps={"role": [role], "policyArn": [managed]},
    )
    assert across([managed, role, attachment]) == [
        (
            "r",
            "Statement[0] of inline policy 'app' of aws:iam/role:Role 'r' and Statement[0] of "
            "aws:iam/policy:Policy 'p' reach this role and together allow every action of iam, which none of "
            "them does alone; list the actions the workload calls",
        )
    ]
    # managedPolicyArns of the role itself, by output (a list with an unknown entry) or by literal ARN.
    listed = R(
        "aws:iam/role:Role",
        "r",
        {**role.props, "managedPolicyArns": [U]},
        deps={"managedPolicyArns": [managed]},
    )
    assert [name for name, _ in across([managed, listed])] == ["r"]
    known = R(
        "aws:iam/policy:Policy", "p", {"arn": POLICY_ARN, "name": "half", "policy": document(SECOND_HALF)}
    )
    literal = R("aws:iam/role:Role", "r", {**role.props, "managedPolicyArns": [POLICY_ARN]})
    assert [name for name, _ in across([known, literal])] == ["r"]
    # At preview the policy's ARN is unknown: the name in the ARN (policy names are unique in an account,
    # whatever their path and case) names it.
    unnamed = R("aws:iam/policy:Policy", "p", {"arn": U, "name": "HALF", "policy": document(SECOND_HALF)})
    assert [name for name, _ in across([unnamed, literal])] == ["r"]
    # Deployed: an attachment whose document is still unknown, or one of another service, adds nothing.
    assert (
        across(
            [
                managed,
                role,
                R("aws:iam/rolePolicy:RolePolicy", "x", {"role": U, "policy": U}, deps={"role": [role]}),
            ]
        )
        == []
    )


def test_every_resource_that_attaches_policies_to_a_principal_is_followed():
    managed = R(
        "aws:iam/policy:Policy", "p", {"arn": POLICY_ARN, "name": "half", "policy": document(SECOND_HALF)}
    )
    for kind, inline, links in (
        (
            "user",
            "aws:iam/userPolicy:UserPolicy",
            (
                (
                    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                    {"user": "alice", "policyArn": POLICY_ARN},
                ),
                (
                    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
                    {"userName": "alice", "policyArns": [POLICY_ARN]},
                ),
                ("aws:iam/policyAttachment:PolicyAttachment", {"users": ["alice"], "policyArn": POLICY_ARN}),
            ),
        ),
        (
            "group",
            "aws:iam/groupPolicy:GroupPolicy",
            (
                (
                    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
                    {"group": "alice", "policyArn": POLICY_ARN},
                ),
                (
                    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
                    {"groupName": "alice", "policyArns": [POLICY_ARN]},
                ),
                ("aws:iam/policyAttachment:PolicyAttachment", {"groups": ["alice"], "policyArn": POLICY_ARN}),
            ),
        ),
        (
            "role",
            "aws:iam/rolePolicy:RolePolicy",
            (
                (
                    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                    {"roleName": "alice", "policyArns": [POLICY_ARN]},
                ),
                ("aws:iam/policyAttachment:PolicyAttachment", {"roles": ["alice"], "policyArn": POLICY_ARN}),
            ),
        ),
    ):
        # The principal is not in the stack: the finding is on the first resource that reaches it.
        first = R(inline, "own", {kind: "alice", "policy": document(FIRST_HALF)})
        for type_, props in links:
            assert across([first, managed, R(type_, "att", props)]) == [
                (
                    "own",
                    f"Statement[0] of {inline} 'own' and Statement[0] of aws:iam/policy:Policy 'p' reach "
                    f"{kind} 'alice' and together allow every action of iam, which none of them does alone; "
                    "list the actions the workload calls",
                )
            ], type_


def test_a_user_holds_the_policies_of_its_groups():
    def group_policy(name, group, actions):
        return R("aws:iam/groupPolicy:GroupPolicy", name, {"group": group, "policy": document(actions)})

    user = R("aws:iam/user:User", "u", {"name": "alice"})
    ops = R("aws:iam/group:Group", "ops", {"name": "ops"})
    halves = [group_policy("g1", "ops", FIRST_HALF), group_policy("g2", "dev", SECOND_HALF)]
    for membership in (
        [
            R("aws:iam/groupMembership:GroupMembership", "m1", {"group": "ops", "users": ["alice"]}),
            R("aws:iam/groupMembership:GroupMembership", "m2", {"group": "dev", "users": ["alice", "bob"]}),
        ],
        [
            R(
                "aws:iam/userGroupMembership:UserGroupMembership",
                "m",
                {"user": U, "groups": ["ops", "dev"]},
                deps={"user": [user]},
            )
        ],
    ):
        assert across([user, ops, *halves, *membership]) == [
            (
                "u",
                "Statement[0] of aws:iam/groupPolicy:GroupPolicy 'g1' and Statement[0] of "
                "aws:iam/groupPolicy:GroupPolicy 'g2' reach this user and together allow every action of "
                "iam, which none of them does alone; list the actions the workload calls",
            )
        ]
    # A group that holds the service itself is reported once, on the group, not again on each member.
    both = [group_policy("g1", "ops", FIRST_HALF), group_policy("g2", "ops", SECOND_HALF)]
    member = R("aws:iam/groupMembership:GroupMembership", "m", {"group": "ops", "users": ["alice"]})
    assert [name for name, _ in across([user, ops, *both, member])] == ["ops"]


RESOURCE_ACROSS = "iam-no-wildcard-resource-across-policies"
INITIALS = "abcdefghijklmnopqrstuvwxyz0123456789"


def pass_roles(name, role, initials, account="123456789012", action="iam:PassRole"):
    resources = [f"arn:aws:iam::{account}:role/{c}*" for c in initials]
    return R(
        "aws:iam/rolePolicy:RolePolicy",
        name,
        {"role": role, "policy": json.dumps({"Statement": [allow(action, resources)]})},
    )


def test_role_pieces_split_between_two_role_policies_are_every_role_of_the_account():
    # iam-no-wildcard-resource reads each RolePolicy alone: half of the role names each.
    role = R("aws:iam/role:Role", "r", {"name": "app"})
    first = pass_roles("a", "app", INITIALS[:18])
    second = pass_roles("b", "APP", INITIALS[18:], action="sts:AssumeRole")
    assert run("iam-no-wildcard-resource", [role, first, second]) == []
    (diagnostic,) = run(RESOURCE_ACROSS, [role, first, second])
    assert diagnostic.level == "mandatory"
    assert diagnostic.urn.endswith("::r")
    assert (
        "Statement[0] of aws:iam/rolePolicy:RolePolicy 'a' and Statement[0] of aws:iam/rolePolicy:RolePolicy "
        "'b' reach this role and together allow iam:PassRole, sts:AssumeRole on 36 patterns "
        "(arn:aws:iam::123456789012:role/a*, arn:aws:iam::123456789012:role/b* and 34 more), which together "
        "match more than half of the role names of their account; these actions hand out the privileges of "
        "what they act on"
    ) in diagnostic.message


def test_key_accounts_split_between_a_group_and_its_member_are_added_up():
    def keys(name, type_, link, digits):
        resources = [f"arn:aws:kms:*:{d}*:key/*" for d in digits]
        document = json.dumps({"Statement": [allow("kms:Decrypt", resources)]})
        return R(type_, name, {link: "alice" if link == "user" else "ops", "policy": document})

    user = R("aws:iam/user:User", "u", {"name": "alice"})
    member = R("aws:iam/groupMembership:GroupMembership", "m", {"group": "ops", "users": ["alice"]})
    own = keys("own", "aws:iam/userPolicy:UserPolicy", "user", "01234")
    group = keys("grp", "aws:iam/groupPolicy:GroupPolicy", "group", "56789")
    (diagnostic,) = run(RESOURCE_ACROSS, [user, member, own, group])
    assert diagnostic.urn.endswith("::u")
    assert "which together match more than half of all kms key ARNs of any account" in diagnostic.message
    # A group whose own policies split the keys is told once; its members are not told again.
    ops = R("aws:iam/group:Group", "ops", {"name": "ops"})
    both = keys("grp2", "aws:iam/groupPolicy:GroupPolicy", "group", "01234")
    found = run(RESOURCE_ACROSS, [user, ops, member, both, group])
    assert [d.urn.rsplit("::", 1)[1] for d in found] == ["ops"]


def test_pieces_one_resource_splits_alone_or_that_leave_most_roles_out_are_not_added_up():
    role = R("aws:iam/role:Role", "r", {"name": "app"})
    # One RolePolicy that holds the split by itself is iam-no-wildcard-resource's finding, not this one's.
    whole = pass_roles("w", "app", INITIALS)
    assert [d.level for d in run("iam-no-wildcard-resource", [role, whole])] == ["mandatory"]
    assert run(RESOURCE_ACROSS, [role, whole, pass_roles("h", "app", INITIALS[:18])]) == []
    # Half of the names between them is not most of them; another account's role is another role.
    assert run(RESOURCE_ACROSS, [role, pass_roles("a", "app", "abc"), pass_roles("b", "app", "def")]) == []
    assert (
        run(
            RESOURCE_ACROSS, [role, pass_roles("a", "app", INITIALS[:18]), pass_roles("b", "other", INITIALS)]
        )
        == []
    )


def test_what_one_resource_allows_alone_and_other_accounts_are_not_added_up():
    role = R("aws:iam/role:Role", "r", {"name": "app"})
    # One resource that allows the service by itself is iam-no-wildcard-actions' finding, not this one's.
    whole = R(
        "aws:iam/rolePolicy:RolePolicy",
        "w",
        {"role": "app", "policy": document(FIRST_HALF, allow(SECOND_HALF, IAM_SCOPE))},
    )
    half = R("aws:iam/rolePolicy:RolePolicy", "h", {"role": "app", "policy": document(FIRST_HALF)})
    assert across([role, whole, half]) == []
    assert across([role, half]) == []
    # A role of the same name in another account is another role.
    other = {
        "region": "us-east-1",
        "assumeRole": json.dumps({"roleArn": "arn:aws:iam::210987654321:role/deploy"}),
    }
    elsewhere = R(
        "aws:iam/rolePolicy:RolePolicy", "e", {"role": "app", "policy": document(SECOND_HALF)}, provider=other
    )
    assert across([role, half, elsewhere]) == []
    # A policy ARN of another account, of another service or no ARN at all names none of the stack's policies.
    # (The policy's provider names its account; one that does not may be in any.)
    managed = R(
        "aws:iam/policy:Policy",
        "p",
        {"arn": U, "name": "half", "policy": document(SECOND_HALF)},
        provider={"region": "us-east-1", "allowedAccountIds": json.dumps(["123456789012"])},
    )
    for arn in ("arn:aws:iam::210987654321:policy/half", "arn:aws:s3:::half", "half"):
        attachment = R(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att", {"role": "app", "policyArn": arn}
        )
        assert across([role, half, managed, attachment]) == [], arn
    attachment.props["policyArn"] = "arn:aws:iam::123456789012:policy/half"
    assert [name for name, _ in across([role, half, managed, attachment])] == ["r"]
    # A reference unknown at preview with no dependency to follow names no principal.
    loose = R("aws:iam/rolePolicy:RolePolicy", "l", {"role": U, "policy": document(SECOND_HALF)})
    assert across([role, half, loose]) == []


SSO_INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
PERMISSION_SET_ARN = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
CUSTOMER_MANAGED = "aws:ssoadmin/customerManagedPolicyAttachment:CustomerManagedPolicyAttachment"
CUSTOMER_MANAGED_EXCLUSIVE = (
    "aws:ssoadmin/customerManagedPolicyAttachmentsExclusive:CustomerManagedPolicyAttachmentsExclusive"
)


SET_INLINE = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy"


def permission_set_inline(permission_set, actions):
    props = {"instanceArn": SSO_INSTANCE, "permissionSetArn": U, "inlinePolicy": document(actions)}
    deps = {"permissionSetArn": [permission_set]}
    if not isinstance(permission_set, R):
        props["permissionSetArn"], deps = permission_set, {}
    return R(SET_INLINE, "inline", props, deps=deps)


def test_a_permission_set_holds_its_inline_and_customer_managed_policies():
    # Identity Center provisions a permission set as a role in each account it is assigned to, with its
    # inline policy and the customer managed policies it names (by name and path, looked up in that
    # account): a stack Policy of that name and path is the one it gets where the stack deploys.
    permission_set = R(
        "aws:ssoadmin/permissionSet:PermissionSet",
        "ps",
        {"arn": U, "instanceArn": SSO_INSTANCE, "name": "ops"},
    )
    inline = permission_set_inline(permission_set, FIRST_HALF)
    managed = R("aws:iam/policy:Policy", "p", {"name": "half", "path": "/", "policy": document(SECOND_HALF)})
    attachment = R(
        CUSTOMER_MANAGED,
        "cmp",
        {
            "instanceArn": SSO_INSTANCE,
            "permissionSetArn": U,
            "customerManagedPolicyReference": {"name": "Half"},
        },
        deps={"permissionSetArn": [permission_set]},
    )
    assert across([permission_set, inline, managed, attachment]) == [
        (
            "ps",
            f"Statement[0] of inlinePolicy of {SET_INLINE} 'inline' and Statement[0] of "
            "aws:iam/policy:Policy 'p' reach this permission set and together allow every action of iam, "
            "which none of them does alone; list the actions the workload calls",
        )
    ]
    # By literal ARN, a set the stack does not declare: the finding is on the first resource that reaches it;
    # the exclusive attachment names several policies, by output at preview.
    pending = R("aws:iam/policy:Policy", "p", {"name": U, "policy": document(SECOND_HALF)})
    exclusive = R(
        CUSTOMER_MANAGED_EXCLUSIVE,
        "cmps",
        {
            "instanceArn": SSO_INSTANCE,
            "permissionSetArn": PERMISSION_SET_ARN,
            "customerManagedPolicyReferences": [{"name": "other"}, {"name": U, "path": "/"}],
        },
        deps={"customerManagedPolicyReferences": [pending]},
    )
    assert across([permission_set_inline(PERMISSION_SET_ARN, FIRST_HALF), pending, exclusive]) == [
        (
            "inline",
            f"Statement[0] of inlinePolicy of {SET_INLINE} 'inline' and Statement[0] of "
            f"aws:iam/policy:Policy 'p' reach permission set '{PERMISSION_SET_ARN}' and together allow "
            "every action of iam, which none of them does alone; list the actions the workload calls",
        )
    ]


def test_a_permission_set_gets_the_customer_managed_policy_of_its_path_in_each_account():
    permission_set = R("aws:ssoadmin/permissionSet:PermissionSet", "ps", {"arn": PERMISSION_SET_ARN})
    inline = permission_set_inline(PERMISSION_SET_ARN, FIRST_HALF)

    def reference(**path):
        props = {
            "permissionSetArn": PERMISSION_SET_ARN,
            "customerManagedPolicyReference": {"name": "half", **path},
        }
        return R(CUSTOMER_MANAGED, "cmp", props)

    def half(actions, path=None, account="123456789012", name="p"):
        provider = {"region": "us-east-1", "allowedAccountIds": json.dumps([account])}
        props = {"name": "half", "policy": document(actions), **({"path": path} if path else {})}
        return R("aws:iam/policy:Policy", name, props, provider=provider)

    # A policy of another path is another policy.
    assert across([permission_set, inline, half(SECOND_HALF, "/ops/"), reference()]) == []
    assert across([permission_set, inline, half(SECOND_HALF), reference(path="/ops/")]) == []
    assert [
        n for n, _ in across([permission_set, inline, half(SECOND_HALF, "/ops/"), reference(path="/ops/")])
    ] == ["ps"]
    # Policies of one name in two accounts reach the set's role in their own account only: they do not add up
    # with each other, each with the inline policy does.
    apart = [half(FIRST_HALF, name="a"), half(SECOND_HALF, account="210987654321", name="b"), reference()]
    assert across([permission_set, *apart]) == []
    (finding,) = across([permission_set, inline, *apart])
    assert finding == (
        "inline",
        f"Statement[0] of inlinePolicy of {SET_INLINE} 'inline' and Statement[0] of aws:iam/policy:Policy "
        "'b' reach permission set 'ps' in account '210987654321' and together allow every action of iam, "
        "which none of them does alone; list the actions the workload calls",
    )
    (finding,) = across([inline, *apart])
    assert f"reach permission set '{PERMISSION_SET_ARN}' in account '210987654321' and" in finding[1]


def split_finding(first, second, reached):
    return (
        f"Statement[0] of {first} and Statement[0] of {second} reach {reached} and together allow every "
        "action of iam, which none of them does alone; list the actions the workload calls"
    )


def test_a_user_named_only_by_literal_holds_its_groups_policies_and_an_empty_group_adds_nothing():
    # "bob" is not declared: the finding is on the first resource that reaches him. A group without
    # policies ("empty") is one of his groups all the same.
    own = R("aws:iam/userPolicy:UserPolicy", "own", {"user": "bob", "policy": document(FIRST_HALF)})
    devs = R("aws:iam/groupPolicy:GroupPolicy", "devs", {"group": "devs", "policy": document(SECOND_HALF)})
    member = R(
        "aws:iam/userGroupMembership:UserGroupMembership", "m", {"user": "bob", "groups": ["empty", "devs"]}
    )
    assert across([own, devs, member]) == [
        (
            "own",
            split_finding(
                "aws:iam/userPolicy:UserPolicy 'own'", "aws:iam/groupPolicy:GroupPolicy 'devs'", "user 'bob'"
            ),
        )
    ]
    # His own policies split the service while the group adds nothing.
    second = R("aws:iam/userPolicy:UserPolicy", "second", {"user": "bob", "policy": document(SECOND_HALF)})
    alone = R("aws:iam/userGroupMembership:UserGroupMembership", "m", {"user": "bob", "groups": ["empty"]})
    assert [name for name, _ in across([own, second, alone])] == ["own"]


def test_every_reference_of_a_list_is_followed():
    # Groups and managed policies listed by outputs (preview) or by literal ARNs, an AWS managed policy
    # among them: each one counts, not the first or the last.
    user = R("aws:iam/user:User", "u", {"name": "alice"})
    ops, dev = (R("aws:iam/group:Group", name, {"name": name}) for name in ("ops", "dev"))
    halves = [
        R("aws:iam/groupPolicy:GroupPolicy", "g1", {"group": "ops", "policy": document(FIRST_HALF)}),
        R("aws:iam/groupPolicy:GroupPolicy", "g2", {"group": "dev", "policy": document(SECOND_HALF)}),
    ]
    member = R(
        "aws:iam/userGroupMembership:UserGroupMembership",
        "m",
        {"user": "alice", "groups": [U, U]},
        deps={"groups": [ops, dev]},
    )
    assert [name for name, _ in across([user, ops, dev, *halves, member])] == ["u"]
    arns = [f"arn:aws:iam::123456789012:policy/{name}" for name in ("first", "second")]
    managed = [
        R("aws:iam/policy:Policy", name, {"arn": arn, "name": name, "policy": document(actions)})
        for name, arn, actions in zip(("first", "second"), arns, (FIRST_HALF, SECOND_HALF), strict=True)
    ]
    literal = R(
        "aws:iam/role:Role",
        "r",
        {"name": "app", "managedPolicyArns": [arns[0], "arn:aws:iam::aws:policy/ReadOnlyAccess", arns[1]]},
    )
    assert across([*managed, literal]) == [
        ("r", split_finding("aws:iam/policy:Policy 'first'", "aws:iam/policy:Policy 'second'", "this role"))
    ]
    by_output = R(
        "aws:iam/role:Role",
        "r",
        {"name": "app", "managedPolicyArns": [U, U]},
        deps={"managedPolicyArns": managed},
    )
    assert [name for name, _ in across([*managed, by_output])] == ["r"]


def test_a_service_one_resource_allows_whole_does_not_hide_another_split_between_resources():
    # athena is whole in one resource (iam-no-wildcard-actions' finding); iam is split between two.
    athena = [allow([f"athena:{c}*" for c in half], "*") for half in ("ABCDEFGHIJKLM", "NOPQRSTUVWXYZ")]
    role = R("aws:iam/role:Role", "r", {"name": "app"})
    whole = R("aws:iam/rolePolicy:RolePolicy", "w", {"role": "app", "policy": document(FIRST_HALF, *athena)})
    half = R("aws:iam/rolePolicy:RolePolicy", "h", {"role": "app", "policy": document(SECOND_HALF)})
    assert across([role, whole, half]) == [
        (
            "r",
            split_finding(
                "aws:iam/rolePolicy:RolePolicy 'w'", "aws:iam/rolePolicy:RolePolicy 'h'", "this role"
            ),
        )
    ]


@pytest.mark.parametrize(
    ("first", "second", "pooled"),
    [
        # Two providers that pin one account name one role "app", whatever else they set.
        (
            {"allowedAccountIds": json.dumps(["123456789012"]), "profile": "ops"},
            {"allowedAccountIds": json.dumps(["123456789012"]), "profile": "ci"},
            True,
        ),
        # Without an account, the same credentials (in any order) are one account, others may not be.
        ({"profile": "ops", "accessKey": "AKIA1"}, {"accessKey": "AKIA1", "profile": "ops"}, True),
        ({"profile": "ops"}, {"profile": "ci"}, False),
        ({"profile": U}, {"profile": U}, True),
    ],
)
def test_a_role_named_only_by_literal_is_one_role_per_account(first, second, pooled):
    a = R(
        "aws:iam/rolePolicy:RolePolicy",
        "a",
        {"role": "app", "policy": document(FIRST_HALF)},
        provider={"region": "us-east-1", **first},
    )
    b = R(
        "aws:iam/rolePolicy:RolePolicy",
        "b",
        {"role": "app", "policy": document(SECOND_HALF)},
        provider={"region": "us-west-2", **second},
    )
    expected = [
        (
            "a",
            split_finding(
                "aws:iam/rolePolicy:RolePolicy 'a'", "aws:iam/rolePolicy:RolePolicy 'b'", "role 'app'"
            ),
        )
    ]
    assert across([a, b]) == (expected if pooled else [])


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
