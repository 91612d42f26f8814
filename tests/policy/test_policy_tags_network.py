"""Tagging, naming and VPC rules."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import BASE_TAGS, PCI_TAGS
from policy_harness import R, U, run


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def test_tags_come_from_tags_tags_all_and_provider_default_tags():
    bucket = R(
        "aws:s3/bucket:Bucket", "b", {"tags": {"Project": "trading"}, "tagsAll": {"ManagedBy": "pulumi"}}
    )
    bucket.provider = {"region": "us-east-1", "defaultTags": json.dumps({"tags": {"Environment": "dev"}})}
    assert faults("required-tags", [bucket]) == []
    bucket.provider = {"defaultTags": {"tags": {"Environment": "dev"}}}
    assert faults("required-tags", [bucket]) == []
    bucket.provider = {"defaultTags": "{broken"}
    assert faults("required-tags", [bucket]) == ["is missing the tag(s) Environment"]
    bucket.props["tags"] = U
    assert faults("required-tags", [bucket]) == ["is missing the tag(s) Environment, Project"]


def test_required_tag_keys_and_values_are_configurable():
    table = R("aws:dynamodb/table:Table", "t", {"tags": {**BASE_TAGS, "ManagedBy": "terraform", "Owner": ""}})
    config = {"requiredTags": ["Owner"], "allowedValues": {"ManagedBy": ["pulumi"]}}
    assert faults("required-tags", [table], config) == [
        "is missing the tag(s) Owner",
        "tag ManagedBy is 'terraform'; allowed: pulumi",
    ]


def test_only_taggable_resources_need_tags():
    assert faults("required-tags", [R("aws:s3/bucketPolicy:BucketPolicy", "p", {"policy": "{}"})]) == []
    assert faults("required-tags", [R("aws:ssm/parameter:Parameter", "p", {"tags": {}})]) == [
        "is missing the tag(s) Environment, Project, ManagedBy"
    ]
    assert faults("required-tags", [R("random:index/randomId:RandomId", "r", {"tags": {}})]) == []


def test_pci_scope_tags_values_and_types():
    wrong = R("aws:kms/key:Key", "k", {"tags": {**PCI_TAGS, "DataClassification": "public"}})
    assert faults("pci-scope-tags", [wrong]) == [
        "tag DataClassification is 'public'; allowed: confidential, restricted"
    ]
    assert faults("pci-scope-tags", [R("aws:ec2/vpc:Vpc", "v", {"tags": BASE_TAGS})]) == []
    config = {"resourceTypes": ["aws:ec2/vpc:Vpc"], "requiredTags": {"Scope": ["cde"]}}
    assert faults("pci-scope-tags", [R("aws:ec2/vpc:Vpc", "v", {"tags": BASE_TAGS})], config) == [
        "is missing the tag(s) Scope"
    ]


@pytest.mark.parametrize(
    ("type_", "props", "expected"),
    [
        ("aws:s3/bucket:Bucket", {"bucket": "trading-data-123456789012-us-east-1-dev"}, []),
        ("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/rds/cluster/trading-db-dev/postgresql"}, []),
        ("aws:kms/alias:Alias", {"name": "alias/trading-logs-dev"}, []),
        ("aws:rds/cluster:Cluster", {"clusterIdentifier": "trading-db-DEV"}, []),
        ("aws:sqs/queue:Queue", {"name": "tradingqueuedev"}, []),
        (
            "aws:lambda/function:Function",
            {"name": "trading-developer"},
            ["name 'trading-developer' does not contain the environment suffix 'dev'"],
        ),
        (
            "aws:iam/role:Role",
            {"namePrefix": "trading-role-"},
            ["namePrefix 'trading-role-' does not contain the environment suffix 'dev'"],
        ),
        ("aws:dynamodb/table:Table", {"name": "t-1a2b3c4"}, []),
        ("aws:dynamodb/table:Table", {}, []),
        ("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, []),
    ],
)
def test_physical_names_carry_the_environment_suffix(type_, props, expected):
    resource = R(type_, "t", {**props, "tags": BASE_TAGS})
    assert [
        f.split(" (e.g.")[0] for f in faults("physical-name-has-environment-suffix", [resource])
    ] == expected


def test_the_suffix_comes_from_config_and_must_match_the_environment_tag():
    table = R("aws:dynamodb/table:Table", "t", {"name": "trading-orders-prod", "tags": BASE_TAGS})
    found = faults("physical-name-has-environment-suffix", [table], {"environmentSuffix": "prod"})
    assert found == ["tag Environment is 'dev' but the environment suffix is 'prod'"]
    untagged = R("aws:dynamodb/table:Table", "t", {"name": "orders"})
    assert faults("physical-name-has-environment-suffix", [untagged]) == []
    assert faults("physical-name-has-environment-suffix", [untagged], {"environmentSuffix": "dev"})


def test_vpc_rules_match_by_id_and_report_open_default_groups():
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"})
    flow = R("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": "vpc-1"})
    group = R(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "dsg",
        {"vpcId": "vpc-1", "egress": [{"protocol": "-1"}]},
    )
    assert faults("vpc-flow-logs-enabled", [vpc, flow]) == []
    assert faults("vpc-default-security-group-closed", [vpc, group]) == [
        "default security group 'dsg' has 1 egress rule(s)"
    ]
    (fault,) = faults("vpc-default-security-group-closed", [vpc])
    assert fault.startswith("does not manage its default security group")


def test_parents_link_children_when_nothing_else_does():
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {})
    flow = R("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": U}, parent=vpc)
    assert faults("vpc-flow-logs-enabled", [vpc, flow]) == []
    lonely = R("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": U})
    assert faults("vpc-flow-logs-enabled", [vpc, lonely])


def ingress(**rule):
    return R("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": [rule]})


@pytest.mark.parametrize(
    ("resource", "config", "expected"),
    [
        (
            ingress(protocol="tcp", fromPort=443, toPort=443, cidrBlocks=["0.0.0.0/0"]),
            {"allowedPublicPorts": [443]},
            [],
        ),
        (
            ingress(protocol="tcp", fromPort=80, toPort=443, cidrBlocks=["0.0.0.0/0"]),
            {"allowedPublicPorts": [443]},
            ["ingress[0] admits 0.0.0.0/0 on ports 80-443"],
        ),
        (
            ingress(protocol="tcp", fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/0"]),
            {"allowedPublicPorts": [443]},
            ["ingress[0] admits 0.0.0.0/0 on ports 0-65535"],
        ),
        (
            ingress(protocol="-1", fromPort=0, toPort=0, ipv6CidrBlocks=["::/0"]),
            None,
            ["ingress[0] admits ::/0 on all ports"],
        ),
        (ingress(protocol="tcp", fromPort=5432, toPort=5432, cidrBlocks=["10.0.0.0/16"]), None, []),
        (R("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": U}), None, []),
        (
            R(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "r",
                {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]},
            ),
            None,
            [],
        ),
        (
            R(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "r",
                {
                    "type": "ingress",
                    "protocol": "tcp",
                    "fromPort": 3389,
                    "toPort": 3389,
                    "cidrBlocks": ["0.0.0.0/0"],
                },
            ),
            None,
            ["rule admits 0.0.0.0/0 on port 3389"],
        ),
        (
            R(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                {"ipProtocol": "all", "cidrIpv6": "::/0"},
            ),
            None,
            ["rule admits ::/0 on all ports"],
        ),
        (
            R(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                {"ipProtocol": "tcp", "fromPort": U, "toPort": U, "cidrIpv4": "0.0.0.0/0"},
            ),
            None,
            ["rule admits 0.0.0.0/0 on all ports"],
        ),
    ],
)
def test_public_ingress(resource, config, expected):
    found = [
        f.split(", so anyone")[0] for f in faults("ec2-security-group-no-public-ingress", [resource], config)
    ]
    assert found == expected
