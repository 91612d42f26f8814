"""The policy-document evaluator: who a statement lets act after its conditions, and what actions and
resources its patterns mean against the real IAM catalogue."""

from __future__ import annotations

import ipaddress
import json

import pytest
from policy_harness import ACCOUNT, U
from trading_policies import evaluator, iam_catalog
from trading_policies.documents import Principal, parse_policy
from trading_policies.evaluator import (
    ACCOUNT as ACCOUNT_KIND,
)
from trading_policies.evaluator import (
    CANONICAL_USER,
    EVERYONE,
    FEDERATED,
    SCOPED,
    SERVICE,
    UNKNOWN_CALLER,
    UNPLACED,
    Caller,
)
from trading_policies.values import UNKNOWN

OTHER = "999999999999"
ORG = "o-a1b2c3d4e5"


def statement(principal="*", action="kms:Decrypt", condition=None, resource="*", **extra):
    raw = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}
    if condition is not None:
        raw["Condition"] = condition
    document = parse_policy(json.dumps({"Statement": [raw]}), principals_required=True)
    assert document.errors == ()
    return document.statements[0]


def identity(action, resource="*", negated=False):
    raw = {"Effect": "Allow", ("NotAction" if negated else "Action"): action, "Resource": resource}
    if isinstance(resource, dict):
        raw.pop("Resource")
        raw.update(resource)
    document = parse_policy(json.dumps({"Statement": [raw]}), principals_required=False)
    assert document.errors == ()
    return document.statements[0]


def kinds(found):
    return [(c.kind, c.account) for c in found]


def callers(principal="*", condition=None):
    return evaluator.callers(statement(principal, condition=condition))


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (Principal("*", "*"), (EVERYONE, None, False)),
        (Principal("AWS", "*"), (EVERYONE, None, False)),
        (Principal("AWS", UNKNOWN), (UNKNOWN_CALLER, None, False)),
        (Principal("AWS", ACCOUNT), (ACCOUNT_KIND, ACCOUNT, True)),
        (Principal("AWS", f"arn:aws:iam::{ACCOUNT}:root"), (ACCOUNT_KIND, ACCOUNT, True)),
        (Principal("AWS", f"arn:aws:iam::{OTHER}:role/r"), (ACCOUNT_KIND, OTHER, False)),
        (Principal("AWS", f"arn:aws:sts::{OTHER}:assumed-role/r/s"), (ACCOUNT_KIND, OTHER, False)),
        (Principal("AWS", f"arn:aws:s3:::{OTHER}"), (UNPLACED, None, False)),
        (Principal("AWS", "arn:aws:iam::aws:policy/x"), (UNPLACED, None, False)),
        # An {"AWS": ...} principal spelled like a service is no service, and the reverse.
        (Principal("AWS", "logs.us-east-1.amazonaws.com"), (UNPLACED, None, False)),
        (Principal("Service", f"arn:aws:iam::{ACCOUNT}:root"), (SERVICE, None, False)),
        (Principal("Service", ACCOUNT), (SERVICE, None, False)),
        (Principal("Federated", f"arn:aws:iam::{ACCOUNT}:root"), (FEDERATED, ACCOUNT, False)),
        (Principal("Federated", "cognito-identity.amazonaws.com"), (FEDERATED, None, False)),
        (Principal("CanonicalUser", ACCOUNT), (CANONICAL_USER, None, False)),
    ],
)
def test_each_principal_is_judged_by_its_type_and_value(principal, expected):
    caller = evaluator.classify(principal)
    assert (caller.kind, caller.account, caller.root) == expected
    assert caller.principal == principal
    assert caller.label == principal.render()


def test_the_account_itself_is_only_its_root_or_bare_id_of_that_account():
    root = evaluator.classify(Principal("AWS", ACCOUNT))
    role = evaluator.classify(Principal("AWS", f"arn:aws:iam::{ACCOUNT}:role/r"))
    assert root.is_account(ACCOUNT)
    assert not root.is_account(OTHER)
    assert not root.is_account(None)
    assert not role.is_account(ACCOUNT)
    assert not evaluator.classify(Principal("Service", ACCOUNT)).is_account(ACCOUNT)
    assert not Caller(ACCOUNT_KIND, "x", None, root=True).is_account(None)


@pytest.mark.parametrize(
    "principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}, {"AWS": ["*", f"arn:aws:iam::{ACCOUNT}:root"]}]
)
def test_every_spelling_of_everyone_is_everyone(principal):
    assert EVERYONE in [c.kind for c in callers(principal)]
    assert any(c.public for c in callers(principal))


def test_not_principal_with_allow_is_everyone():
    raw = {"Effect": "Allow", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"}
    (parsed,) = parse_policy(json.dumps({"Statement": raw}), principals_required=True).statements
    assert kinds(evaluator.callers(parsed)) == [(EVERYONE, None)]


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:SecureTransport": "true"}},
        {"StringLike": {"aws:Referer": "https://example.com/*"}},
        {"StringEquals": {"aws:UserAgent": "curl"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/1", "8000::/1"]}},
        {"IpAddress": {"aws:SourceIp": "not-an-address"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}},
        {"IpAddress": {"aws:SourceIp": ["11.0.0.0/8", "12.0.0.0/8"]}},
        {"IpAddress": {"aws:SourceIp": "2600::/31"}},
        # All of IPv4 but one address, in 32 ranges.
        {
            "IpAddress": {
                "aws:SourceIp": [
                    str(n)
                    for n in ipaddress.ip_network("0.0.0.0/0").address_exclude(
                        ipaddress.ip_network("203.0.113.7/32")
                    )
                ]
            }
        },
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"StringLike": {"aws:PrincipalAccount": "*"}},
        {"StringLike": {"aws:PrincipalAccount": "12345678901?"}},
        {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
        {"StringNotEquals": {"aws:PrincipalAccount": OTHER}},
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG}},
        {"ForAnyValue:StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}},
        # StringLike matches the whole ARN: "*" in the partition also matches
        # "aws:iam::<other>:user/" of a user whose path is "/:iam::<account>:/" (paths may hold colons).
        {"StringLike": {"aws:PrincipalArn": f"arn:*:iam::{ACCOUNT}:*"}},
        {"StringLike": {"aws:PrincipalArn": f"arn:aws:?am::{ACCOUNT}:*"}},
        {"StringLike": {"aws:SourceArn": f"arn:aws:*:{ACCOUNT}:*"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::"}},
        {"ArnLike": {"aws:SourceArn": "not-an-arn"}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}},
        {"StringLike": {"aws:SourceVpce": "vpce-*"}},
        {"StringLike": {"kms:ViaService": "*.amazonaws.com"}},
        {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "false"}},
        {"BoolIfExists": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        {"NumericLessThan": {"aws:PrincipalAccount": 5}},
        {"StringEquals": {"aws:PrincipalTag/team": "trading"}},
        {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}},
        {"StringEquals": {"aws:SourceIp": "10.0.0.1"}},
        {"IpAddress": {"aws:SourceIp": U}},
        # The values are alternatives: a known one that binds no one ("*" under StringLike, the caller's own
        # value) opens the statement, whatever the one not known yet turns out to be.
        {"StringLike": {"aws:PrincipalAccount": ["*", U]}},
        {"StringEquals": {"aws:PrincipalAccount": [U, "${aws:PrincipalAccount}"]}},
        {"ArnLike": {"aws:PrincipalArn": [U, "arn:aws:iam::*:role/x"]}},
        {"StringLike": {"aws:SourceVpce": [U, "vpce-*"]}},
    ],
)
def test_conditions_that_bind_no_caller_leave_everyone_everyone(condition):
    (caller,) = callers("*", condition)
    assert caller.kind == EVERYONE
    assert evaluator.public_statements(
        parse_policy(
            json.dumps(
                {
                    "Statement": {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": condition,
                    }
                }
            ),
            principals_required=True,
        )
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}, [(ACCOUNT_KIND, ACCOUNT)]),
        (
            {"StringEquals": {"AWS:SOURCEACCOUNT": [ACCOUNT, OTHER]}},
            [(ACCOUNT_KIND, ACCOUNT), (ACCOUNT_KIND, OTHER)],
        ),
        ({"StringLike": {"kms:CallerAccount": ACCOUNT}}, [(ACCOUNT_KIND, ACCOUNT)]),
        ({"StringEquals": {"aws:SourceOwner": ACCOUNT}}, [(ACCOUNT_KIND, ACCOUNT)]),
        # StringEquals reads "*" literally: it names no account but the one spelled "*".
        ({"StringEquals": {"aws:PrincipalAccount": "*"}}, [(ACCOUNT_KIND, "*")]),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}}, [(ACCOUNT_KIND, ACCOUNT)]),
        # ArnLike matches each of the six parts on its own: a wildcard partition cannot reach the account.
        ({"ArnLike": {"aws:PrincipalArn": f"arn:*:iam::{ACCOUNT}:*"}}, [(ACCOUNT_KIND, ACCOUNT)]),
        ({"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"}}, [(ACCOUNT_KIND, ACCOUNT)]),
        (
            {"ArnEquals": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{OTHER}:log-group:x"}},
            [(ACCOUNT_KIND, OTHER)],
        ),
        ({"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/a"}}, [(ACCOUNT_KIND, ACCOUNT)]),
        ({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/a"}}, [(SCOPED, None)]),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::trading-bucket"}}, [(SCOPED, None)]),
        (
            {
                "StringEquals": {"aws:PrincipalAccount": [ACCOUNT, OTHER]},
                "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"},
            },
            [(ACCOUNT_KIND, ACCOUNT)],
        ),
        ({"StringEquals": {"aws:PrincipalOrgID": ORG}}, [(SCOPED, None)]),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, [(SCOPED, None)]),
        ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-ab12/*"}}, [(SCOPED, None)]),
        # ForAnyValue: on a key with one value is the plain operator, and false without the key (AWS writes
        # organisation-wide CloudWatch sink policies so).
        ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ORG}}, [(SCOPED, None)]),
        ({"ForAnyValue:StringEquals": {"aws:PrincipalAccount": ACCOUNT}}, [(ACCOUNT_KIND, ACCOUNT)]),
        ({"StringEquals": {"aws:SourceVpce": "vpce-0123"}}, [(SCOPED, None)]),
        ({"StringEquals": {"aws:SourceVpc": "vpc-0123"}}, [(SCOPED, None)]),
        ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}, [(SCOPED, None)]),
        # A /8 of public addresses at most; private ranges are not the internet's.
        ({"IpAddress": {"aws:SourceIp": ["11.0.0.0/8"]}}, [(SCOPED, None)]),
        # A /64 of public IPv6 is one network, not the internet (a /32 is the limit).
        ({"IpAddress": {"aws:SourceIp": ["2600:1f18:1234:5678::/64"]}}, [(SCOPED, None)]),
        (
            {"IpAddress": {"aws:SourceIp": ["11.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]}},
            [(SCOPED, None)],
        ),
        ({"StringEquals": {"aws:PrincipalAccount": U}}, [(UNKNOWN_CALLER, None)]),
        ({"StringEquals": {"aws:PrincipalArn": [U, "arn:aws:iam::1:role/r"]}}, [(UNKNOWN_CALLER, None)]),
        (U, [(UNKNOWN_CALLER, None)]),
    ],
)
def test_conditions_that_bind_the_caller_narrow_everyone(condition, expected):
    found = callers({"AWS": "*"}, condition)
    assert kinds(found) == expected
    assert not any(c.public for c in found)


def test_a_binding_names_the_conditions_it_ignored_and_why():
    bound = evaluator.binding(
        statement(condition={"Bool": {"aws:SecureTransport": "true"}, "StringLike": {"aws:Referer": "x"}})
    )
    assert not bound.restricts
    assert evaluator.why_open(bound) == (
        "with a Condition on aws:Referer, aws:SecureTransport that binds no caller to an account, "
        "organisation or source"
    )
    assert evaluator.why_open(evaluator.binding(statement())) == "without a Condition"
    (caller,) = callers("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}})
    assert caller.label == f'"*" limited by aws:PrincipalOrgID {ORG}'
    (caller,) = callers({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})
    assert caller.label == f"any principal of account {ACCOUNT}"
    (caller,) = callers({"AWS": "*"}, U)
    assert caller.label == '{"AWS": "*"} limited by a condition not known until deployed'


def test_grant_and_service_conditions_are_recorded_for_the_rules_that_need_them():
    grants = evaluator.binding(statement(condition={"Bool": {"kms:GrantIsForAWSResource": True}}))
    assert grants.grants_for_aws_resources
    assert not grants.restricts
    assert not evaluator.binding(
        statement(condition={"Bool": {"kms:GrantIsForAWSResource": "false"}})
    ).grants_for_aws_resources
    via = evaluator.binding(
        statement(condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
    )
    assert via.via_service
    assert not via.restricts
    assert evaluator.binding(statement(condition=U)).grants_for_aws_resources


def test_a_service_is_bound_by_its_source_or_by_the_encryption_context_it_sends():
    logs = {"Service": "logs.us-east-1.amazonaws.com"}
    context = {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}
    }
    (caller,) = callers(logs, context)
    assert (caller.kind, caller.account) == (SERVICE, ACCOUNT)
    assert caller.label == f'{{"Service": "logs.us-east-1.amazonaws.com"}} of account {ACCOUNT}'
    (caller,) = callers(logs, {"StringEquals": {"aws:SourceAccount": OTHER}, **context})
    assert caller.account == OTHER
    (caller,) = callers(
        logs, {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:*:log-group:*"}}
    )
    assert (caller.kind, caller.account) == (SERVICE, None)
    (caller,) = callers(logs, {"StringEquals": {"aws:SourceVpce": "vpce-1"}})
    assert caller.kind == SCOPED
    (caller,) = callers(logs)
    assert (caller.kind, caller.account) == (SERVICE, None)
    # The caller writes the encryption context: for anyone else it binds nothing.
    (caller,) = callers("*", context)
    assert caller.kind == EVERYONE


GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("principal", "condition", "public"),
    [
        ({"Federated": "cognito-identity.amazonaws.com"}, None, True),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}},
            False,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": "*"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEqualsIfExists": {"cognito-identity.amazonaws.com:aud": "p"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringNotEquals": {"cognito-identity.amazonaws.com:aud": "p"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:iss": "p"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"accounts.google.com:aud": "p"}},
            True,
        ),
        # A user id is the same in that user's tokens for every application, an attacker's too.
        ({"Federated": "accounts.google.com"}, {"StringEquals": {"accounts.google.com:sub": "1234"}}, True),
        (
            {"Federated": "accounts.google.com"},
            {"StringEquals": {"accounts.google.com:aud": "app.apps"}},
            False,
        ),
        (
            {"Federated": "www.amazon.com"},
            {"StringEquals": {"www.amazon.com:user_id": "amzn1.account"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}},
            False,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
            None,
            True,
        ),
        ({"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"}, None, False),
        # Login with Amazon: anyone with an Amazon account, unless the application is named.
        ({"Federated": "www.amazon.com"}, None, True),
        (
            {"Federated": "www.amazon.com"},
            {"StringEquals": {"www.amazon.com:app_id": "amzn1.application"}},
            False,
        ),
        ({"Federated": "graph.facebook.com"}, {"StringEquals": {"graph.facebook.com:app_id": "1234"}}, False),
        ({"Federated": "graph.facebook.com"}, {"StringEquals": {"graph.facebook.com:aud": "1234"}}, True),
        # "authenticated" says someone signed in to some identity pool, of any account.
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
            True,
        ),
        # GitHub's issuer serves every repository and a workflow picks its own audience: only a subject whose
        # owner is literal binds the trust.
        (
            {"Federated": GITHUB},
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            True,
        ),
        ({"Federated": GITHUB}, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}, True),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*/app:*"}},
            True,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "*:org/app"}},
            True,
        ),
        (
            {"Federated": GITHUB},
            {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}},
            False,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:org/app:*", "repo:*"]}},
            True,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repository_owner:org:*"}},
            False,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repository_owner_id:1234"}},
            False,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repository_owner:*"}},
            True,
        ),
        (
            {"Federated": GITHUB + "/acme"},
            {"StringEquals": {"token.actions.githubusercontent.com/acme:aud": "sts.amazonaws.com"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com"},
            {"StringLike": {"gitlab.com:sub": "project_path:group/app:*"}},
            False,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com"},
            {"StringEquals": {"gitlab.com:aud": "x"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/app.terraform.io"},
            {"StringLike": {"app.terraform.io:sub": "organization:*:project:p:*"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/app.terraform.io"},
            {"StringLike": {"app.terraform.io:sub": "organization:acme:project:*"}},
            False,
        ),
        # Buildkite: one issuer for every organisation, and a job asks for the audience it likes.
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/agent.buildkite.com"},
            {"StringEquals": {"agent.buildkite.com:aud": "sts.amazonaws.com"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/agent.buildkite.com"},
            {"StringLike": {"agent.buildkite.com:sub": "organization:*:pipeline:deploy:*"}},
            True,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/agent.buildkite.com"},
            {
                "StringLike": {
                    "agent.buildkite.com:sub": "organization:acme:pipeline:deploy:ref:refs/heads/main:*"
                }
            },
            False,
        ),
        (
            {"Federated": "accounts.google.com"},
            {"StringEquals": {"accounts.google.com:aud": "${accounts.google.com:aud}"}},
            True,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:${aws:PrincipalTag/o}/app:*"}},
            True,
        ),
        # On a shared issuer only sub binds: an audience written like a subject is still the job's choice.
        (
            {"Federated": GITHUB},
            {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "repo:acme/app:ref:refs/heads/main"
                }
            },
            True,
        ),
        # An open provider's application claim with a set operator binds nothing.
        (
            {"Federated": "accounts.google.com"},
            {"ForAnyValue:StringEquals": {"accounts.google.com:aud": "app.apps.googleusercontent.com"}},
            True,
        ),
        # Anyone registers an application with an open provider: a pattern names the attacker's too.
        (
            {"Federated": "accounts.google.com"},
            {"StringLike": {"accounts.google.com:aud": "*.apps.googleusercontent.com"}},
            True,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringLike": {"cognito-identity.amazonaws.com:aud": "us-east-1:*"}},
            True,
        ),
        (
            {"Federated": "graph.facebook.com"},
            {"StringEquals": {"graph.facebook.com:app_id": "1${graph.facebook.com:id}"}},
            True,
        ),
        # Under StringEquals a "*" is a character: the condition names one application (of no one).
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:*"}},
            False,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {
                "StringLike": {
                    "cognito-identity.amazonaws.com:aud": "us-east-1:0a1b2c3d-0000-1111-2222-333344445555"
                }
            },
            False,
        ),
        # An issuer of the firm's own (an EKS cluster here) serves only it: its audience or subject binds.
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},
            {
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:app:api"
                }
            },
            False,
        ),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},
            {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}},
            False,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            False,
        ),
    ],
)
def test_web_identity_federation_is_public_unless_the_audience_or_subject_is_named(
    principal, condition, public
):
    assert any(c.public for c in callers(principal, condition)) is public


def test_allowed_and_public_statements_read_allow_statements_once():
    document = parse_policy(
        json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*", "arn:aws:iam::1:role/r"]},
                        "Action": "s3:*",
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
                    },
                    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
                    {"Effect": "Allow", "Principal": {"AWS": ["*", "*"]}, "Action": "s3:*", "Resource": "*"},
                ]
            }
        ),
        principals_required=True,
    )
    assert [(a.statement.index, a.caller.kind) for a in evaluator.allowed(document)] == [
        (0, EVERYONE),
        (0, UNPLACED),
        (1, SCOPED),
        (3, EVERYONE),
        (3, EVERYONE),
    ]
    assert [s.index for s, _ in evaluator.public_statements(document)] == [0, 3]
    assert evaluator.describe_callers(a.caller for a in evaluator.allowed(document)) == (
        '{"AWS": "*"}, {"AWS": "arn:aws:iam::1:role/r"}, "*" limited by aws:PrincipalOrgID ' + ORG
    )


@pytest.mark.parametrize(
    ("pattern", "includes", "excludes"),
    [
        ("kms:CreateGrant", ["kms:CreateGrant"], ["kms:CreateKey"]),
        ("KMS:creategrant", ["kms:CreateGrant"], ["kms:ListGrants"]),
        ("kms:Create*", ["kms:CreateGrant", "kms:CreateKey", "kms:CreateAlias"], ["kms:Decrypt"]),
        ("kms:*Grant*", ["kms:CreateGrant", "kms:ListGrants", "kms:RetireGrant"], ["kms:Decrypt"]),
        ("iam:?*", ["iam:PassRole", "iam:CreateUser"], ["sts:AssumeRole"]),
        ("s3:*?", ["s3:GetObject"], ["kms:Decrypt"]),
        ("s?:GetObject", ["s3:GetObject"], ["s3:PutObject"]),
        ("*:PassRole", ["iam:PassRole"], ["iam:GetRole"]),
        ("*", ["iam:PassRole", "kms:Decrypt"], []),
        ("kms:CreateGrants", [], ["kms:CreateGrant"]),
        ("nosuchservice:*", [], ["kms:Decrypt"]),
        ("kms", [], ["kms:Decrypt"]),
    ],
)
def test_action_patterns_mean_the_catalogue_actions_they_cover(pattern, includes, excludes):
    covered = {a.full_name for a in iam_catalog.matching(pattern)}
    assert set(includes) <= covered
    assert not set(excludes) & covered


def test_the_catalogue_is_real_and_knows_which_actions_take_resource_arns():
    assert "kms" in iam_catalog.services()
    assert "s3" in iam_catalog.services()
    actions = {a.name: a for a in iam_catalog.actions_of("KMS")}
    assert actions["CreateGrant"].resource_scoped
    assert not actions["CreateKey"].resource_scoped
    assert iam_catalog.actions_of("nosuchservice") == ()
    assert len(iam_catalog.all_actions()) > 10_000
    assert iam_catalog.unknown_service_wildcard("newsvc:*") == "newsvc"
    assert iam_catalog.unknown_service_wildcard("NewSvc:?*") == "newsvc"
    for pattern in ("kms:*", "newsvc:Get*", "new*:*", "newsvc:??", "newsvc"):
        assert iam_catalog.unknown_service_wildcard(pattern) is None


@pytest.mark.parametrize(
    ("actions", "negated", "expected"),
    [
        ("*", False, ["every service"]),
        (["s3:GetObject", "*"], False, ["every service"]),
        ("iam:?*", False, ["iam"]),
        ("IAM:*", False, ["iam"]),
        (["kms:*", "s3:*?"], False, ["kms", "s3"]),
        ("kms:Create*", False, []),
        ("newsvc:*", False, ["newsvc"]),
        ("s3:GetObject", True, ["every service but s3:GetObject"]),
    ],
)
def test_whole_services_are_seen_however_the_patterns_spell_them(actions, negated, expected):
    assert evaluator.whole_services(identity(actions, negated=negated)) == expected


def test_every_action_of_a_service_listed_one_by_one_is_the_whole_service():
    every = [a.full_name for a in iam_catalog.actions_of("sqs")]
    assert evaluator.whole_services(identity(every)) == ["sqs"]
    assert evaluator.whole_services(identity(every[1:])) == []


def test_whole_services_allowed_only_between_statements():
    every = [a.full_name for a in iam_catalog.actions_of("sqs")]
    halves = [identity(every[:3]), identity("kms:Decrypt"), identity(every[3:])]
    assert evaluator.whole_services_together(halves) == [("sqs", [0, 2])]
    # A service one statement allows whole is whole_services' finding, and NotAction is its own.
    assert evaluator.whole_services_together([identity("sqs:*"), identity(every[3:])]) == []
    assert evaluator.whole_services_together([identity("*"), identity("kms:Decrypt")]) == []
    assert evaluator.whole_services_together([identity(every[:3], negated=True), identity(every[3:])]) == []
    assert evaluator.whole_services_together([identity(every[1:]), identity(every[2:])]) == []


def test_not_action_allows_everything_it_does_not_name():
    allowed = {a.full_name for a in evaluator.allowed_actions(identity("kms:*", negated=True))}
    assert "s3:GetObject" in allowed
    assert "kms:Decrypt" not in allowed
    assert evaluator.allowed_actions(identity(U)) == ()


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("*", "*"),
        ("arn:*", "arn:*"),
        (["arn:aws:s3:::bucket", "arn:aws:*:*:*:*"], "arn:aws:*:*:*:*"),
        ("ARN:AWS:*", "ARN:AWS:*"),
        ("arn:aws-us-gov:*:*", "arn:aws-us-gov:*:*"),
        ("arn:*:*:*:*:*", "arn:*:*:*:*:*"),
        ("arn:aws:s3:::*", None),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/*", None),
        ("arn:aws", None),
        (U, None),
        ({"NotResource": "arn:aws:s3:::b"}, "NotResource arn:aws:s3:::b"),
    ],
)
def test_a_resource_that_names_everything_in_any_spelling(resource, expected):
    assert evaluator.unscoped_resource(identity("s3:GetObject", resource)) == expected


def test_actions_that_take_resource_arns_on_every_resource():
    found = evaluator.scoped_actions_on_everything(
        identity(["ec2:DescribeSubnets", "ec2:CreateNetworkInterface", "xray:PutTraceSegments"])
    )
    assert found == ("*", ["ec2:CreateNetworkInterface"])
    assert (
        evaluator.scoped_actions_on_everything(identity(["ec2:DescribeSubnets", "xray:PutTraceSegments"]))
        is None
    )
    assert (
        evaluator.scoped_actions_on_everything(identity("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k"))
        is None
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # The request supplies a variable's value, so a key compared with itself holds for every caller.
        ({"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}, None),
        ({"StringLike": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}, None),
        ({"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}}, None),
        ({"StringEquals": {"aws:PrincipalArn": "${ aws:principalarn }"}}, None),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:root"}}, None),
        ({"StringEquals": {"aws:SourceVpce": "${aws:SourceVpce}"}}, None),
        ({"StringEquals": {"aws:SourceVpce": "${aws:ResourceAccount}"}}, None),
        ({"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, "${aws:username}"]}}, None),
        # The resource's own account or organisation is not the caller's to choose: it binds.
        (
            {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
            (SCOPED, '"*" limited by aws:PrincipalAccount ${aws:ResourceAccount}'),
        ),
        (
            {"StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}},
            (SCOPED, '"*" limited by aws:PrincipalOrgID ${aws:ResourceOrgID}'),
        ),
        # ... where the variable stands in the account: a role named after the account is any account's.
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:ResourceAccount}"}}, None),
        ({"StringLike": {"aws:PrincipalArn": "*${aws:ResourceAccount}*"}}, None),
        ({"StringLike": {"aws:PrincipalAccount": ["${aws:ResourceAccount}", "*"]}}, None),
        (
            {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:ResourceAccount}:role/*"}},
            (SCOPED, '"*" limited by aws:PrincipalArn arn:aws:iam::${aws:ResourceAccount}:role/*'),
        ),
        # A variable after a literal account still leaves that account.
        (
            {"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"}},
            (ACCOUNT_KIND, f"any principal of account {ACCOUNT}"),
        ),
        (
            {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/${{aws:PrincipalTag/team}}-*"}},
            (ACCOUNT_KIND, f"any principal of account {ACCOUNT}"),
        ),
        # ArnLike matches part by part, so a wildcard partition cannot run into the account.
        (
            {"ArnLike": {"aws:PrincipalArn": f"arn:*:iam::{ACCOUNT}:role/${{aws:PrincipalTag/team}}"}},
            (ACCOUNT_KIND, f"any principal of account {ACCOUNT}"),
        ),
        # Every one of the resource's own keys at once still binds to the resource's own.
        (
            {
                "StringEquals": {
                    "aws:PrincipalOrgID": "${aws:ResourceOrgID}${aws:ResourceAccount}${aws:ResourceOrgPaths}"
                }
            },
            (
                SCOPED,
                '"*" limited by aws:PrincipalOrgID ${aws:ResourceOrgID}${aws:ResourceAccount}'
                "${aws:ResourceOrgPaths}",
            ),
        ),
        # ${*} is a literal "*", which names no account.
        ({"StringEquals": {"aws:PrincipalAccount": "${*}"}}, (ACCOUNT_KIND, "any principal of account ${*}")),
    ],
)
def test_a_policy_variable_binds_the_caller_only_to_what_the_caller_cannot_choose(condition, expected):
    (caller,) = callers("*", condition)
    if expected is None:
        assert caller.public
        return
    assert not caller.public
    assert (caller.kind, caller.label) == expected
