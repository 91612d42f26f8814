"""The policy-document parser and the unknown-safe value helpers, including random and malformed input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_harness import FUZZ, U
from pulumi_policy.proxy import unknown_checking_proxy
from trading_policies import values
from trading_policies.documents import Condition, Principal, glob_match, parse_policy
from trading_policies.values import ABSENT, UNKNOWN


def parse(document, principals_required=True):
    return parse_policy(
        document if isinstance(document, str) else json.dumps(document),
        principals_required=principals_required,
    )


def test_a_single_statement_and_string_fields_are_normalised_to_lists():
    doc = parse(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Sid": "One",
                "Effect": "Allow",
                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        }
    )
    (statement,) = doc.statements
    assert doc.errors == ()
    assert statement.actions == ("kms:Decrypt",)
    assert statement.resources == ("*",)
    assert statement.principals == (Principal("Service", "logs.us-east-1.amazonaws.com"),)
    assert statement.label == "statement 'One' (Statement[0])"
    assert statement.action_field == "Action"


@pytest.mark.parametrize(
    ("principal", "everyone"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ["arn:aws:iam::123456789012:root"]}, False),
        ({"Federated": "cognito-identity.amazonaws.com"}, False),
        ({"CanonicalUser": "abc"}, False),
        ({"Service": ["a.amazonaws.com", "b.amazonaws.com"]}, False),
    ],
)
def test_every_principal_form(principal, everyone):
    (statement,) = parse(
        {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:*", "Resource": "*"}]}
    ).statements
    assert statement.applies_to_everyone is everyone
    assert statement.principals


def test_not_principal_counts_as_everyone_and_renders():
    (statement,) = parse(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
                    "Action": "s3:*",
                    "Resource": "*",
                }
            ]
        }
    ).statements
    assert statement.applies_to_everyone
    assert statement.negated_principals
    assert Principal("*", "*").render() == '"*"'
    assert Principal("AWS", UNKNOWN).render() == '{"AWS": "<unknown>"}'


def test_action_matching_is_case_insensitive_with_wildcards_and_not_action_is_the_complement():
    (allow, negated) = parse(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": ["KMS:create*"], "Resource": "*"},
                {"Effect": "Allow", "Principal": "*", "NotAction": "kms:Decrypt", "Resource": "*"},
            ]
        }
    ).statements
    assert allow.covers_action("kms:CreateGrant") is True
    assert allow.covers_action("kms:Decrypt") is False
    assert negated.covers_action("kms:CreateGrant") is True
    assert negated.covers_action("kms:Decrypt") is False
    assert negated.action_field == "NotAction"
    assert glob_match("s3:Get?bject", "s3:GetObject")
    assert not glob_match("a.b", "axb")
    # A wildcard matches a newline (an S3 object key may hold one) in case-sensitive ARN matching too.
    for case_sensitive in (True, False):
        assert glob_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x\ny", case_sensitive=case_sensitive)
        assert glob_match("arn:aws:s3:::b/?", "arn:aws:s3:::b/\n", case_sensitive=case_sensitive)


def test_unknown_actions_are_unsure():
    doc = parse_policy(
        {"Statement": [{"Effect": "Allow", "Action": [UNKNOWN], "Resource": "*", "NotResource": None}]},
        principals_required=False,
    )
    assert doc.errors  # Resource and NotResource together
    (plain_unknown,) = parse_policy(
        {"Statement": [{"Effect": "Allow", "Action": [UNKNOWN], "Resource": "*"}]}, principals_required=False
    ).statements
    assert plain_unknown.covers_action("s3:GetObject") is UNKNOWN
    (negated,) = parse_policy(
        {"Statement": [{"Effect": "Allow", "NotAction": [UNKNOWN], "Resource": "*"}]},
        principals_required=False,
    ).statements
    assert negated.covers_action("s3:GetObject") is UNKNOWN


def test_condition_operators_keep_their_set_prefix_and_if_exists_suffix():
    (statement,) = parse(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {
                        "ForAnyValue:StringLikeIfExists": {"aws:RequestedRegion": ["us-*"]},
                        "Bool": {"aws:SecureTransport": False},
                    },
                }
            ]
        }
    ).statements
    region, secure = statement.conditions
    assert region.base_operator == "StringLike"
    assert region.if_exists
    assert region.key_is("AWS:requestedregion")
    assert secure.base_operator == "Bool"
    assert not secure.if_exists
    assert secure.values == (False,)
    assert statement.conditions_on("aws:securetransport") == (secure,)
    assert Condition("ForAllValues:StringEquals", "k", ("v",)).base_operator == "StringEquals"


def test_unknown_documents_statements_and_conditions():
    assert parse_policy(UNKNOWN, principals_required=True).unknown
    assert parse_policy({"Statement": UNKNOWN}, principals_required=True).unknown
    doc = parse_policy(
        json.dumps(
            {"Statement": [U, {"Effect": U, "Principal": U, "Action": "s3:*", "Resource": U, "Condition": U}]}
        ),
        principals_required=True,
    )
    assert doc.unknown
    assert doc.errors == ()
    (statement,) = doc.statements
    assert statement.effect is UNKNOWN
    assert statement.condition_unknown
    assert statement.has_condition
    assert statement.principals == (Principal("AWS", UNKNOWN),)
    doc = parse_policy(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"Bool": UNKNOWN},
                }
            ]
        },
        principals_required=True,
    )
    assert doc.statements[0].condition_unknown


BASE = {"Effect": "Allow", "Principal": "*", "Action": "a", "Resource": "*"}


def one(drop=(), **fields):
    statement = {key: value for key, value in {**BASE, **fields}.items() if key not in drop}
    return json.dumps({"Statement": [statement]})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "{not json",
            "policy document is not valid JSON: Expecting property name enclosed in double quotes at line 1 "
            "column 2",
        ),
        ("[" * 100000 + "]" * 100000, "policy document is not valid JSON: it is nested too deeply to read"),
        # Two equal keys: json keeps the last, another reader may keep the first.
        (
            '{"Statement": [{"Effect": "Allow", "Principal": "*", "Principal": {"AWS": "1"}}]}',
            'policy document is ambiguous: the key "Principal" appears twice in one object; '
            "write each key once",
        ),
        (
            '{"Statement": [], "Statement": []}',
            'policy document is ambiguous: the key "Statement" appears twice in one object; '
            "write each key once",
        ),
        ("[1, 2]", "policy document must be a JSON object, got a list"),
        ("42", "policy document must be a JSON object, got a number"),
        ('"text"', 'policy document must be a JSON object, got the string "text"'),
        ("null", "policy document must be a JSON object, got null"),
        ("{}", "policy document has no Statement"),
        ('{"Statement": []}', "policy document has an empty Statement list"),
        ('{"Statement": 5}', "Statement must be an object or a list of objects, got a number"),
        ('{"Version": "2020-01-01", "Statement": []}', 'policy Version is "2020-01-01"; use "2012-10-17"'),
        ('{"Statement": ["x"]}', 'Statement[0] must be an object, got the string "x"'),
        (one(drop=("Effect",)), 'Statement[0] has no Effect; use "Allow" or "Deny"'),
        (one(Effect="allow"), 'Statement[0].Effect is "allow"; use "Allow" or "Deny"'),
        (one(Sid=3), "Statement[0].Sid must be a string"),
        (one(drop=("Action",)), "Statement[0] has neither Action nor NotAction"),
        (one(NotAction="b"), "Statement[0] has both Action and NotAction; keep one"),
        (one(Action=[]), "Statement[0].Action is an empty list"),
        (one(Action=[1]), "Statement[0].Action must be a string or a list of strings, got a list"),
        (one(drop=("Resource",)), "Statement[0] has neither Resource nor NotResource"),
        (one(drop=("Principal",)), "Statement[0] has no Principal"),
        (one(NotPrincipal="*"), "Statement[0] has both Principal and NotPrincipal; keep one"),
        (
            one(Principal=[]),
            'Statement[0].Principal must be "*" or an object such as {"AWS": "..."}, got a list',
        ),
        (
            one(Principal={"Group": "x"}),
            'Statement[0].Principal has unknown principal type "Group"; use one of AWS, Service, Federated, '
            "CanonicalUser",
        ),
        *(
            (
                one(Principal={"AWS": ["arn:aws:iam::111122223333:root", principal]}),
                f'Statement[0].Principal.AWS names "{principal}", but AWS refuses a wildcard inside a '
                'principal; name the principals, or use "*" with a Condition on aws:PrincipalArn or '
                "aws:PrincipalAccount",
            )
            for principal in ("arn:aws:iam::*:root", "arn:aws:iam::111122223333:role/app-*", "11112222333?")
        ),
        *(
            (
                one(Principal={kind: value}),
                f'Statement[0].Principal.{kind} names "{value}", but AWS does not match principals by '
                f"wildcard; name the {noun}",
            )
            for kind, value, noun in (
                ("Federated", "*", "identity provider"),
                ("Service", "*", "service"),
                ("Service", "*.amazonaws.com", "service"),
                ("CanonicalUser", "?", "canonical user id"),
            )
        ),
        (one(Condition=[]), "Statement[0].Condition must be an object, got a list"),
        (
            one(Condition={"Bool": 1}),
            "Statement[0].Condition.Bool must be an object of condition keys to values",
        ),
        (
            one(Condition={"Bool": {"k": {}}}),
            "Statement[0].Condition.Bool.k must be a value or a list of values",
        ),
        (
            one(Condition={"Bool": {"k": []}}),
            "Statement[0].Condition.Bool.k must be a value or a list of values",
        ),
    ],
)
def test_malformed_documents_give_one_clear_error(document, message):
    doc = parse_policy(document, principals_required=True)
    assert message in doc.errors


def test_identity_policies_must_not_name_principals_and_absent_documents_are_errors():
    doc = parse(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
        principals_required=False,
    )
    assert doc.errors == ("Statement[0] has a Principal, which an identity policy must not have",)
    assert parse_policy(ABSENT, principals_required=False).errors == ("no policy document is set",)
    long_version = parse({"Version": "x" * 80, "Statement": []})
    assert f'policy Version is "{"x" * 56}...; use "2012-10-17"' in long_version.errors
    assert "a set" in parse_policy({1, 2}, principals_required=True).errors[0]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.just(U)
    | st.just("*"),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Sid",
    ]
)
FIELD_VALUES = st.one_of(
    JSON,
    st.sampled_from(["Allow", "Deny", "*", "kms:*", "kms:CreateGrant", "s3:*", "arn:aws:s3:::b/*"]),
    st.fixed_dictionaries(
        {}, optional={"AWS": JSON, "Service": JSON, "Federated": JSON, "CanonicalUser": JSON}
    ),
    st.dictionaries(
        st.sampled_from(["Bool", "ArnLike", "ForAnyValue:StringLikeIfExists"]),
        st.dictionaries(st.text(max_size=12), JSON, max_size=2),
        max_size=2,
    ),
)
STATEMENTS = st.dictionaries(KEYS, FIELD_VALUES, max_size=9)
DOCUMENTS = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"Statement": st.one_of(STATEMENTS, st.lists(STATEMENTS, max_size=4), JSON)},
        optional={"Version": JSON},
    ),
)


@FUZZ
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, as_json=st.booleans(), required=st.booleans())
def test_the_parser_never_raises_and_every_statement_is_well_formed(document, as_json, required):
    source = json.dumps(document) if as_json else document
    doc = parse_policy(source, principals_required=required)
    assert all(isinstance(error, str) and error for error in doc.errors)
    for statement in doc.statements:
        assert statement.effect in ("Allow", "Deny", UNKNOWN)
        assert statement.covers_action("kms:CreateGrant") in (True, False, UNKNOWN)
        assert all(isinstance(p, Principal) for p in statement.principals)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_is_parsed_or_reported(text):
    doc = parse_policy(text, principals_required=True)
    assert doc.statements or doc.errors or doc.unknown


def test_plain_unwraps_sdk_proxies_and_marks_unknowns():
    proxied = unknown_checking_proxy({"a": [U, {"b": U}], "c": "x", "d": 1})
    assert values.plain(proxied) == {"a": [UNKNOWN, {"b": UNKNOWN}], "c": "x", "d": 1}
    assert values.plain(b"raw") == b"raw"


def test_get_follows_paths_and_tells_absent_from_unknown():
    data = {"a": {"b": [1, None]}, "u": UNKNOWN, "n": None}
    assert values.get(data, "a", "b", 0) == 1
    assert values.get(data, "a", "b", 1) is ABSENT
    assert values.get(data, "a", "b", 5) is ABSENT
    assert values.get(data, "u", "x") is UNKNOWN
    assert values.get(data, "n") is ABSENT
    assert values.get(data, "a", 0) is ABSENT
    assert values.get(data, "missing") is ABSENT
    assert repr(ABSENT) == "ABSENT"


@pytest.mark.parametrize(
    ("raw", "as_bool", "as_number"),
    [
        (True, True, None),
        ("true", True, None),
        ("FALSE", False, None),
        (3, None, 3.0),
        ("7", None, 7.0),
        ("nan", None, None),
        ([1], None, None),
        (ABSENT, ABSENT, ABSENT),
        (UNKNOWN, UNKNOWN, UNKNOWN),
        ("x", None, None),
    ],
)
def test_bool_and_number_conversion(raw, as_bool, as_number):
    assert values.as_bool(raw) == as_bool
    assert values.as_number(raw) == as_number


def test_has_unknown_and_describe():
    assert values.has_unknown({"a": [1, UNKNOWN]})
    assert not values.has_unknown({"a": [1, "x"]})
    assert values.is_known("x")
    assert not values.is_known(UNKNOWN)
    assert values.describe(UNKNOWN) == "<unknown until apply>"
    assert values.describe(ABSENT) == "<not set>"
    assert values.describe("x") == "'x'"
    assert values.describe(3) == "3"
    assert values.describe("y" * 300).endswith("...")
    assert len(values.describe("y" * 300)) == 120


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (
            {"Statement": [], "Statment": []},
            'policy document has the unknown key "Statment"; use only Version, Id and Statement',
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*", "Conditions": {}}
                ]
            },
            'Statement[0] has the unknown key "Conditions"',
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEqual": {"aws:PrincipalAccount": "1"}},
                    }
                ]
            },
            'Statement[0].Condition has the unknown operator "StringEqual"',
        ),
    ],
)
def test_unknown_keys_and_operators_are_errors_never_skipped(document, error):
    assert error in parse(document).errors


@pytest.mark.parametrize(
    ("operator", "known"),
    [
        ("StringEquals", True),
        ("ForAnyValue:StringLike", True),
        ("ForAllValues:ArnNotLikeIfExists", True),
        ("NumericGreaterThanEqualsIfExists", True),
        ("Null", True),
        ("NullIfExists", False),
        ("ForAnyValue:ForAllValues:StringEquals", False),
        ("stringequals", False),
    ],
)
def test_condition_operators_are_the_ones_iam_accepts(operator, known):
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {operator: {"aws:PrincipalAccount": "1"}},
    }
    assert (parse({"Statement": [statement]}).errors == ()) is known


def test_trust_policies_have_no_resource():
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "x"}, "Action": "sts:AssumeRole"}]}
    parsed = parse_policy(json.dumps(trust), principals_required=True, resources_required=False)
    assert parsed.errors == ()
    assert parsed.statements[0].resources == ()
    trust["Statement"][0]["Resource"] = "*"
    assert parse_policy(json.dumps(trust), principals_required=True, resources_required=False).errors == (
        "Statement[0] has a Resource, which a trust policy must not have",
    )
