"""aws:iam/getPolicyDocument: the JSON the provider builds from the arguments."""

import json
import zlib

import pytest

from preflight.policy_document import PolicyDocumentError, build


def doc(args):
    return json.loads(build(args)["json"])


def test_defaults_single_values_and_reverse_sorted_lists():
    result = build(
        {
            "statements": [
                {
                    "actions": ["s3:GetObject", "s3:PutObject", "s3:GetObject"],
                    "resources": ["arn:aws:s3:::b/*"],
                }
            ]
        }
    )
    assert result["version"] == "2012-10-17"
    assert json.loads(result["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
        ],
    }
    # Indented by two spaces like Go's MarshalIndent; the minified form has no whitespace.
    assert result["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect"')
    assert result["minifiedJson"] == json.dumps(json.loads(result["json"]), separators=(",", ":"))
    assert result["id"] == str(zlib.crc32(result["json"].encode()))


def test_field_order_follows_the_provider():
    text = build(
        {
            "statements": [
                {
                    "sid": "All",
                    "effect": "Deny",
                    "notActions": ["iam:*"],
                    "notResources": ["arn:a", "arn:b"],
                    "notPrincipals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}],
                    "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
                }
            ],
            "policyId": "MyPolicy",
        }
    )["minifiedJson"]
    assert text == (
        '{"Version":"2012-10-17","Id":"MyPolicy","Statement":[{"Sid":"All","Effect":"Deny","NotAction":"iam:*",'
        '"NotResource":["arn:b","arn:a"],"NotPrincipal":{"AWS":"arn:aws:iam::1:root"},'
        '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
    )


def test_principals_by_type_and_the_wildcard_principal():
    statement = doc(
        {
            "statements": [
                {
                    "actions": ["kms:*"],
                    "principals": [
                        {"type": "Service", "identifiers": ["logs.amazonaws.com"]},
                        {"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
                        {"type": "AWS", "identifiers": ["arn:aws:iam::3:root"]},
                        {"type": "Federated", "identifiers": ["cognito-identity.amazonaws.com"]},
                    ],
                },
                {"actions": ["s3:GetObject"], "principals": [{"type": "*", "identifiers": ["*"]}]},
                {"actions": ["s3:GetObject"], "principals": [{"type": "AWS", "identifiers": ["*"]}]},
            ]
        }
    )["Statement"]
    assert statement[0]["Principal"] == {
        "AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root", "arn:aws:iam::3:root"],
        "Federated": "cognito-identity.amazonaws.com",
        "Service": "logs.amazonaws.com",
    }
    assert list(statement[0]["Principal"]) == ["AWS", "Federated", "Service"]
    assert statement[1]["Principal"] == "*"
    assert statement[2]["Principal"] == {"AWS": "*"}


def test_conditions_merge_per_test_and_keep_value_order():
    statement = doc(
        {
            "statements": [
                {
                    "actions": ["kms:Decrypt"],
                    "conditions": [
                        {
                            "test": "StringEquals",
                            "variable": "aws:RequestedRegion",
                            "values": ["us-east-1", "eu-west-1"],
                        },
                        {
                            "test": "ArnLike",
                            "variable": "kms:EncryptionContext:aws:logs:arn",
                            "values": ["arn:x"],
                        },
                        {"test": "StringEquals", "variable": "aws:PrincipalAccount", "values": ["1"]},
                        {"test": "StringEquals", "variable": "aws:RequestedRegion", "values": ["ap-south-1"]},
                    ],
                }
            ]
        }
    )["Statement"][0]
    assert statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:x"},
        "StringEquals": {
            "aws:PrincipalAccount": "1",
            "aws:RequestedRegion": ["us-east-1", "eu-west-1", "ap-south-1"],
        },
    }


def test_policy_variables_and_go_html_escaping():
    result = build(
        {
            "statements": [
                {
                    "actions": ["s3:ListBucket"],
                    "resources": ["arn:aws:s3:::b/home/&{aws:username}"],
                    "conditions": [
                        {"test": "StringLike", "variable": "s3:prefix", "values": ["<&{aws:username}>"]}
                    ],
                }
            ]
        }
    )
    assert "${aws:username}" in result["json"]
    assert "\\u003c${aws:username}\\u003e" in result["json"]
    with pytest.raises(PolicyDocumentError, match="not supported in document version 2008-10-17"):
        build({"version": "2008-10-17", "statements": [{"resources": ["&{aws:username}"]}]})


def test_source_and_override_documents_merge_by_sid():
    source = json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "source-id",
            "Statement": [
                {"Sid": "Keep", "Effect": "Allow", "Action": ["b", "a"], "Resource": "*"},
                {"Sid": "Replace", "Effect": "Allow", "Action": "x", "Resource": "*"},
                {"Effect": "Allow", "Action": "y", "Principal": "*", "Resource": "*"},
            ],
        }
    )
    override = json.dumps(
        {
            "Statement": [
                {
                    "Sid": "Override",
                    "Effect": "Deny",
                    "Action": "z",
                    "Resource": "*",
                    "Principal": {"AWS": ["arn:1", "arn:2"], "Service": "s"},
                    "Condition": {
                        "Bool": {"aws:SecureTransport": False},
                        "StringEquals": {"a": ["1", "2"], "n": 5},
                        "StringLike": {"p": "home/"},
                    },
                },
                {"Sid": "Replace", "Effect": "Deny", "Action": "w", "Resource": "*", "Unknown": 1},
            ]
        }
    )
    result = doc(
        {
            "sourcePolicyDocuments": [source],
            "overridePolicyDocuments": [override],
            "statements": [{"sid": "Override", "actions": ["mine"]}, {"actions": ["anonymous"]}],
        }
    )
    assert result["Id"] == "source-id"
    assert [statement.get("Sid") for statement in result["Statement"]] == [
        "Keep",
        "Replace",
        None,
        "Override",
        None,
    ]
    assert result["Statement"][0]["Action"] == ["b", "a"]
    assert result["Statement"][1] == {"Sid": "Replace", "Effect": "Deny", "Action": "w", "Resource": "*"}
    assert result["Statement"][2]["Principal"] == "*"
    assert result["Statement"][3]["Principal"] == {"AWS": ["arn:2", "arn:1"], "Service": "s"}
    assert result["Statement"][3]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"},
        "StringEquals": {"a": ["1", "2"]},
        "StringLike": {"p": "home/"},
    }
    assert result["Statement"][4]["Action"] == "anonymous"


def test_older_version_from_a_source_is_upgraded_and_empty_documents_have_no_statement():
    source = json.dumps({"Version": "2008-10-17", "Statement": []})
    assert doc({"sourcePolicyDocuments": [source]}) == {"Version": "2012-10-17"}


def test_principal_lists_of_the_same_type_accumulate():
    statement = doc(
        {
            "statements": [
                {
                    "actions": ["a"],
                    "principals": [
                        {"type": "AWS", "identifiers": ["arn:1"]},
                        {"type": "AWS", "identifiers": ["arn:2"]},
                        {"type": "AWS", "identifiers": ["arn:3"]},
                    ],
                }
            ]
        }
    )["Statement"][0]
    assert statement["Principal"] == {"AWS": ["arn:1", "arn:2", "arn:3"]}


@pytest.mark.parametrize(
    ("args", "argument", "message"),
    [
        ({"version": "2020-01-01"}, "version", "expected version"),
        ({"sourceJson": "{}"}, "sourceJson", "not used"),
        ({"overrideJson": "{}"}, "overrideJson", "not used"),
        ({"statements": [{"sid": "bad-sid"}]}, "statements[0].sid", "alphanumeric"),
        ({"statements": [{"sid": "A"}, {"sid": "A"}]}, "statements[1].sid", "duplicate Sid (A)"),
        ({"statements": [{"effect": "Maybe"}]}, "statements[0].effect", "Allow or Deny"),
        ({"sourcePolicyDocuments": ["not json"]}, "sourcePolicyDocuments", "merging source document 0"),
        (
            {"overridePolicyDocuments": ['{"Statement": {}}']},
            "overridePolicyDocuments",
            "Statement is a list",
        ),
        (
            {"overridePolicyDocuments": ['{"Statement": [1]}']},
            "overridePolicyDocuments",
            "unreadable statement",
        ),
        (
            {
                "sourcePolicyDocuments": [
                    '{"Statement": [{"Sid": "S", "Effect": "Allow"}]}',
                    '{"Statement": [{"Sid": "S", "Effect": "Deny"}]}',
                ]
            },
            "sourcePolicyDocuments",
            "duplicate Sid (S) in source_policy_documents",
        ),
    ],
)
def test_invalid_arguments_are_rejected_like_the_provider(args, argument, message):
    with pytest.raises(PolicyDocumentError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        build(args)
    assert raised.value.argument == argument
