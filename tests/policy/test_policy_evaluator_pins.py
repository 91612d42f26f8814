"""The evaluator's finer points, each pinned by the verdict or the exact words it gives.

Found by mutation testing (tools/mutation.py): each test here fails when one operator, constant or
argument of the evaluator is changed, where the broader tests in test_policy_evaluator.py did not notice.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from policy_harness import ACCOUNT, U
from trading_policies import awsfacts, evaluator
from trading_policies.documents import Principal, parse_policy
from trading_policies.evaluator import ACCOUNT as ACCOUNT_KIND
from trading_policies.evaluator import EVERYONE, FEDERATED, SCOPED, SERVICE, UNKNOWN_CALLER, Caller

OTHER = "999999999999"
ORG = "o-a1b2c3d4e5"
COGNITO = "cognito-identity.amazonaws.com"


def statement(principal="*", condition=None, action="kms:Decrypt", resource="*"):
    raw = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if condition is not None:
        raw["Condition"] = condition
    document = parse_policy(json.dumps({"Statement": [raw]}), principals_required=True)
    assert document.errors == ()
    return document.statements[0]


def callers(principal="*", condition=None):
    return evaluator.callers(statement(principal, condition))


def kinds(found):
    return [(c.kind, c.account) for c in found]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpc": U}},
        {"StringEquals": {"aws:SourceVpce": U}},
        {"StringEquals": {"aws:PrincipalOrgID": U}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": U}},
        {"ArnLike": {"aws:SourceArn": U}},
        {"StringEquals": {"aws:SourceAccount": U}},
    ],
)
def test_a_binding_key_whose_value_is_unknown_until_deployed_makes_the_caller_unknown(condition):
    assert kinds(callers("*", condition)) == [(UNKNOWN_CALLER, None)]


@pytest.mark.parametrize(
    "condition",
    [
        # A key that never binds the caller stays non-binding however its value turns out.
        {"StringEquals": {"aws:Referer": U}},
        {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": U}},
        # A binding key under an operator that cannot pin it (a date, a number) binds nothing either.
        {"DateGreaterThan": {"aws:SourceAccount": U}},
    ],
)
def test_an_unknown_value_under_a_key_or_operator_that_never_binds_leaves_everyone(condition):
    assert kinds(callers("*", condition)) == [(EVERYONE, None)]


def test_each_source_arn_of_an_exact_match_names_its_account():
    arns = [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:a", f"arn:aws:logs:us-east-1:{OTHER}:log-group:b"]
    found = callers({"AWS": "*"}, {"StringEquals": {"aws:SourceArn": arns}})
    assert kinds(found) == [(ACCOUNT_KIND, ACCOUNT), (ACCOUNT_KIND, OTHER)]


def test_an_exact_arn_without_an_account_is_a_named_source_not_an_account():
    found = callers("*", {"StringEquals": {"aws:SourceArn": ["arn:aws:s3:::a", "arn:aws:s3:::b"]}})
    assert [c.label for c in found] == ['"*" limited by aws:SourceArn arn:aws:s3:::a, arn:aws:s3:::b']
    assert kinds(found) == [(SCOPED, None)]


def test_every_scope_a_statement_is_limited_by_is_named():
    (caller,) = callers(
        "*", {"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"], "aws:PrincipalOrgID": ORG}}
    )
    assert caller.label == f'"*" limited by aws:SourceVpc vpc-1, vpc-2; aws:PrincipalOrgID {ORG}'


def test_a_range_written_with_host_bits_is_still_that_range():
    # IAM reads 10.1.2.3/8 as 10.0.0.0/8, a private range: it restricts as much as the range does.
    assert kinds(callers("*", {"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}})) == [(SCOPED, None)]
    assert kinds(callers("*", {"IpAddress": {"aws:SourceIp": "1.2.3.4/0"}})) == [(EVERYONE, None)]


def test_a_log_group_arn_without_an_account_does_not_bind_the_logs_service_to_one():
    logs = {"Service": "logs.us-east-1.amazonaws.com"}
    for value in ("arn:aws:logs:us-east-1::log-group:x", "arn:aws:logs:us-east-1:*:log-group:x"):
        found = callers(logs, {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": value}})
        assert found == (
            Caller(
                SERVICE,
                "logs.us-east-1.amazonaws.com",
                principal=Principal("Service", "logs.us-east-1.amazonaws.com"),
            ),
        )


def test_open_web_identity_is_a_public_federated_caller_that_keeps_its_principal():
    principal = {"Federated": COGNITO}
    (caller,) = callers(principal)
    assert caller == Caller(FEDERATED, COGNITO, None, open=True, principal=Principal("Federated", COGNITO))
    assert caller.label == f'{{"Federated": "{COGNITO}"}}'
    oidc = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    (caller,) = callers({"Federated": oidc})
    assert caller == Caller(FEDERATED, oidc, ACCOUNT, open=True, principal=Principal("Federated", oidc))


@pytest.mark.parametrize(
    ("condition", "public"),
    [
        # STS: without cognito-identity.amazonaws.com:aud, "a user from an unintended identity pool can
        # assume the role"; amr says only that someone signed in.
        ({"StringEquals": {f"{COGNITO}:amr": "authenticated"}}, True),
        ({"StringEquals": {f"{COGNITO}:AUD": "us-east-1:pool"}}, False),
        ({"ForAllValues:StringEquals": {f"{COGNITO}:aud": "us-east-1:pool"}}, True),
        # Only the claim itself counts: a longer key that ends in a claim's name is another key.
        ({"StringEquals": {f"{COGNITO}:x:aud": "us-east-1:pool"}}, True),
        ({"StringEquals": {f"{COGNITO}:aud:x": "us-east-1:pool"}}, True),
        ({"StringEquals": {f"{COGNITO}:aud": ["us-east-1:pool", "*"]}}, True),
        ({"StringLike": {f"{COGNITO}:aud": "?*"}}, True),
        ({"StringEquals": {f"{COGNITO}:aud": True}}, True),
        ({"StringEquals": {f"{COGNITO}:aud": "X"}}, False),
    ],
)
def test_web_identity_needs_an_exact_claim_key_and_a_value_that_is_not_only_wildcards(condition, public):
    assert any(c.public for c in callers({"Federated": COGNITO}, condition)) is public


def test_the_ignored_conditions_are_listed_alphabetically_whatever_their_case():
    bound = evaluator.binding(
        statement(condition={"Bool": {"aws:SecureTransport": "true"}, "StringLike": {"aws:referer": "x"}})
    )
    assert evaluator.why_open(bound) == (
        "with a Condition on aws:referer, aws:SecureTransport that binds no caller to an account, "
        "organisation or source"
    )


def test_what_not_action_and_not_resource_leave_open_is_named_in_full():
    raw = {
        "Effect": "Allow",
        "NotAction": ["iam:*", "kms:*"],
        "NotResource": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
    }
    (parsed,) = parse_policy(json.dumps({"Statement": raw}), principals_required=False).statements
    assert evaluator.whole_services(parsed) == ["every service but iam:*, kms:*"]
    assert evaluator.unscoped_resource(parsed) == "NotResource arn:aws:s3:::a, arn:aws:s3:::b"


@pytest.mark.parametrize(
    ("resource", "everything"),
    [
        # A partition pattern that covers the commercial partition covers every resource in it.
        ("arn:aws*:*", True),
        ("arn:a?s:*", True),
        ("arn:aws-*:*", False),
        ("arn:aws-cn:*", True),
        ("arn:aws", False),
    ],
)
def test_a_resource_pattern_is_read_in_the_partition_it_names(resource, everything):
    raw = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
    (parsed,) = parse_policy(json.dumps({"Statement": raw}), principals_required=False).statements
    assert (evaluator.unscoped_resource(parsed) == resource) is everything


def test_not_principal_is_everyone_shown_as_a_star():
    raw = {"Effect": "Allow", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"}
    (parsed,) = parse_policy(json.dumps({"Statement": raw}), principals_required=True).statements
    assert evaluator.callers(parsed) == (Caller(EVERYONE, "*"),)
    assert evaluator.describe_callers(evaluator.callers(parsed)) == "*"


def test_the_accounts_of_all_conditions_are_intersected_whatever_their_order():
    condition = {
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"},
        "StringEquals": {"aws:PrincipalAccount": [ACCOUNT, OTHER]},
    }
    assert kinds(callers({"AWS": "*"}, condition)) == [(ACCOUNT_KIND, ACCOUNT)]


def test_the_accounts_of_all_encryption_context_conditions_bind_a_service_together():
    logs = {"Service": "logs.us-east-1.amazonaws.com"}
    arn = "arn:aws:logs:us-east-1:{}:log-group:*"
    condition = {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": arn.format(ACCOUNT),
            "kms:EncryptionContext:other": [arn.format(ACCOUNT), arn.format(OTHER)],
        }
    }
    assert kinds(callers(logs, condition)) == [(SERVICE, ACCOUNT)]


def test_only_kms_via_service_marks_a_path_through_a_service():
    assert not evaluator.binding(
        statement(condition={"StringEquals": {"aws:PrincipalTag/team": "x"}})
    ).via_service


@pytest.mark.parametrize(
    ("network", "private"),
    [
        ("10.1.0.0/16", True),
        ("100.64.0.0/10", True),
        ("fd00::/8", True),
        ("0.0.0.0/0", False),
        ("0.0.0.0/1", False),
        ("::/0", False),
        ("10.0.0.0/7", False),  # 11.0.0.0/8 is public
        ("2001::/32", False),  # Teredo, routable though inside 2001::/23
        ("::ffff:0:0/96", False),
    ],
)
def test_what_counts_as_private_is_the_packs_own_list(network, private):
    assert awsfacts.is_private_network(ipaddress.ip_network(network)) is private


def test_the_internet_stays_public_whatever_pythons_ipaddress_calls_private(monkeypatch):
    # Before 3.11.10 and 3.12.4, ipaddress called 0.0.0.0/0 private (its first and last addresses are).
    monkeypatch.setattr(ipaddress.IPv4Network, "is_private", property(lambda _self: True))
    monkeypatch.setattr(ipaddress.IPv6Network, "is_private", property(lambda _self: True))
    for world in ("0.0.0.0/0", "::/0"):
        condition = {"IpAddress": {"aws:SourceIp": world}}
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": condition,
        }
        document = parse_policy(json.dumps({"Statement": [statement]}), principals_required=True)
        assert [s.index for s, _ in evaluator.public_statements(document)] == [0]
