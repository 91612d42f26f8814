"""check_outputs: the outputs file the live tests read is complete, typed and self-consistent."""

from __future__ import annotations

import copy

import pytest
from integration import checks


def test_outputs_of_the_compliant_stack_pass(stack):
    assert checks.check_outputs(stack["outputs"]) == []


def test_partition_comes_from_an_arn(stack):
    assert checks.partition_of(stack["outputs"]["dataKeyArn"]) == "aws"
    assert checks.partition_of("arn:aws-cn:kms:cn-north-1:123456789012:key/x") == "aws-cn"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"apiUrl": None}, "output apiUrl: missing or not a non-empty string (got None)"),
        ({"region": ""}, "output region: missing or not a non-empty string"),
        ({"publicSubnetIds": "subnet-1"}, "output publicSubnetIds: missing or not a list of ids"),
        ({"privateSubnetIds": [1]}, "output privateSubnetIds: missing or not a list of ids"),
        (
            {"isolatedSubnetIds": []},
            "output isolatedSubnetIds: empty, the stack must have subnets of this tier",
        ),
        ({"logGroupNames": ["x"]}, "output logGroupNames: missing or not an object"),
        ({"expected": None}, "output expected: missing or not an object"),
    ],
)
def test_missing_or_mistyped_outputs(stack, change, problem):
    outputs = {**copy.deepcopy(stack["outputs"]), **change}
    problems = checks.check_outputs(outputs)
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_missing_log_group_and_expected_keys(stack):
    outputs = copy.deepcopy(stack["outputs"])
    del outputs["logGroupNames"]["flowLogs"]
    outputs["expected"]["deletionProtection"] = "true"
    outputs["expected"]["logRetentionDays"] = True
    del outputs["expected"]["auroraMaxCapacity"]
    assert checks.check_outputs(outputs) == [
        "output logGroupNames.flowLogs: missing",
        "output expected.auroraMaxCapacity: missing or not int or float (got None)",
        "output expected.deletionProtection: missing or not bool (got 'true')",
        "output expected.logRetentionDays: missing or not int (got True)",
    ]


def test_arns_must_be_in_the_stack_region_and_account(stack):
    outputs = copy.deepcopy(stack["outputs"])
    outputs["dataKeyArn"] = outputs["dataKeyArn"].replace(outputs["region"], "us-east-1")
    outputs["functionArn"] = "trading-orders-qa"
    problems = checks.check_outputs(outputs)
    assert len(problems) == 2
    assert problems[0].startswith(
        "output functionArn='trading-orders-qa': not an ARN in region ap-southeast-2"
    )
    assert problems[1].startswith("output dataKeyArn=")


def test_names_must_end_with_the_environment_suffix(stack):
    outputs = {**copy.deepcopy(stack["outputs"]), "environmentSuffix": "prod"}
    problems = checks.check_outputs(outputs)
    assert (
        "output functionName='trading-orders-qa': does not end with the environment suffix '-prod'"
        in problems
    )
    assert len(problems) == 5
