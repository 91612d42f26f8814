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


DSG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


@pytest.mark.parametrize(
    ("type_", "props", "direction"),
    [
        (
            INGRESS_RULE,
            {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "10.0.0.0/8"},
            "ingress",
        ),
        (EGRESS_RULE, {"ipProtocol": "-1", "referencedSecurityGroupId": "sg-1"}, "egress"),
        (SG_RULE, {"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}, "ingress"),
        (
            SG_RULE,
            {"type": U, "protocol": "-1", "fromPort": 0, "toPort": 0, "self": True},
            "ingress or egress",
        ),
    ],
)
def test_a_standalone_rule_on_the_default_security_group_opens_it(type_, props, direction):
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    group = R(DSG, "dsg", {"vpcId": U}, deps={"vpcId": [vpc]})
    rule = R(type_, "r", {"securityGroupId": U, **props}, deps={"securityGroupId": [group]})
    (diag,) = run("vpc-default-security-group-closed", [vpc, group, rule])
    assert diag.urn == vpc.urn
    assert (
        f"default security group 'dsg' gets the {direction} rule 'r' ({type_}), which opens the group AWS "
        "puts every resource in by default"
    ) in diag.message
    # The same rule on the VPC's own security group leaves the default group closed.
    own = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"vpcId": U}, deps={"vpcId": [vpc]})
    rule.deps = {"securityGroupId": [own]}
    assert run("vpc-default-security-group-closed", [vpc, group, own, rule]) == []


def test_a_standalone_rule_matched_by_the_default_groups_id_counts():
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"})
    group = R(DSG, "dsg", {"id": "sg-default", "vpcId": "vpc-1", "ingress": [], "egress": []})
    rule = R(
        EGRESS_RULE, "out", {"securityGroupId": "sg-default", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}
    )
    assert faults("vpc-default-security-group-closed", [vpc, group, rule]) == [
        f"default security group 'dsg' gets the egress rule 'out' ({EGRESS_RULE}), which opens the group AWS "
        "puts every resource in by default"
    ]
    assert faults("vpc-default-security-group-closed", [vpc, group]) == []


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
            ["ingress[0] admits 0.0.0.0/0 on tcp ports 80-443"],
        ),
        (
            ingress(protocol="6", fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/0"]),
            {"allowedPublicPorts": [443]},
            ["ingress[0] admits 0.0.0.0/0 on tcp ports 0-65535"],
        ),
        (
            ingress(protocol="-1", fromPort=0, toPort=0, ipv6CidrBlocks=["::/0"]),
            None,
            ["ingress[0] admits ::/0 on all ports"],
        ),
        (
            ingress(protocol="icmp", fromPort=-1, toPort=-1, cidrBlocks=["0.0.0.0/0"]),
            None,
            ["ingress[0] admits 0.0.0.0/0 on all icmp traffic"],
        ),
        (ingress(protocol="tcp", fromPort=5432, toPort=5432, cidrBlocks=["10.0.0.0/16", "bad"]), None, []),
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
            ["ingress rule 'r' admits 0.0.0.0/0 on tcp port 3389"],
        ),
        (
            R(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                {"ipProtocol": "all", "cidrIpv6": "::/0"},
            ),
            None,
            ["ingress rule 'r' admits ::/0 on all ports"],
        ),
        (
            R(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                {"ipProtocol": "tcp", "fromPort": U, "toPort": U, "cidrIpv4": "0.0.0.0/0"},
            ),
            None,
            ["ingress rule 'r' admits 0.0.0.0/0 on tcp ports 0-65535"],
        ),
        (
            R(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                {"ipProtocol": U, "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"},
            ),
            None,
            ["ingress rule 'r' admits 0.0.0.0/0 on all ports"],
        ),
    ],
)
def test_public_ingress(resource, config, expected):
    found = [
        f.split(", so anyone")[0] for f in faults("ec2-security-group-no-public-ingress", [resource], config)
    ]
    assert found == expected


HALVES = {
    "ipv4": (
        ("cidrBlocks", "cidrIpv4"),
        ["0.0.0.0/1", "128.0.0.0/1"],
        "0.0.0.0/0 (as 0.0.0.0/1 + 128.0.0.0/1)",
    ),
    "ipv6": (("ipv6CidrBlocks", "cidrIpv6"), ["::/1", "8000::/1"], "::/0 (as ::/1 + 8000::/1)"),
}


@pytest.mark.parametrize("family", sorted(HALVES))
@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_a_group_open_to_the_world_in_pieces_is_open_to_the_world(family, direction):
    (inline_key, rule_key), halves, world = HALVES[family]
    policy = (
        "ec2-security-group-no-public-ingress"
        if direction == "ingress"
        else "ec2-security-group-no-unrestricted-egress"
    )
    rule_type = (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
        if direction == "ingress"
        else "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
    )
    port = {"protocol": "tcp", "fromPort": 22, "toPort": 22}
    # Both halves in one inline rule.
    one = R("aws:ec2/securityGroup:SecurityGroup", "sg", {direction: [{**port, inline_key: halves}]})
    assert [f.split(", so")[0] for f in faults(policy, [one])] == [
        f"{direction}[0] {_verb(direction)} {world} on tcp port 22"
    ]
    # One half inline, the other in a standalone rule linked by property dependency.
    group = R("aws:ec2/securityGroup:SecurityGroup", "sg", {direction: [{**port, inline_key: [halves[0]]}]})
    half = R(
        rule_type,
        "half",
        {"securityGroupId": U, "ipProtocol": "tcp", "fromPort": 20, "toPort": 30, rule_key: halves[1]},
        deps={"securityGroupId": [group]},
    )
    (diag,) = run(policy, [group, half])
    assert diag.urn == group.urn
    assert f"{direction}[0] + {direction} rule 'half' together" in diag.message
    assert f"{world} on tcp port 22," in diag.message
    # Two standalone rules of a group the stack does not declare, matched by its id: reported on both.
    rules = [
        R(rule_type, f"half-{i}", {"securityGroupId": "sg-0abc", "ipProtocol": "-1", rule_key: cidr})
        for i, cidr in enumerate(halves)
    ]
    diags = run(policy, rules)
    assert sorted(d.urn.rsplit("::", 1)[1] for d in diags) == ["half-0", "half-1"]
    assert all(f"{world} on all ports" in d.message for d in diags)
    # Halves on different ports never add up to the world on any one port.
    apart = [
        R(
            rule_type,
            f"apart-{i}",
            {"securityGroupId": "sg-0abc", "ipProtocol": "tcp", "fromPort": p, "toPort": p, rule_key: cidr},
        )
        for i, (cidr, p) in enumerate(zip(halves, (22, 23), strict=True))
    ]
    assert run(policy, apart) == []


def _verb(direction):
    return "admits" if direction == "ingress" else "lets traffic out to"


def test_overlapping_port_ranges_are_judged_port_by_port():
    group = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 0, "toPort": 1000, "cidrBlocks": ["0.0.0.0/1"]},
                {"protocol": "tcp", "fromPort": 443, "toPort": 2000, "cidrBlocks": ["128.0.0.0/1"]},
                {"protocol": "udp", "fromPort": 0, "toPort": 65535, "cidrBlocks": ["128.0.0.0/1"]},
                {"protocol": "-1", "cidrBlocks": ["10.0.0.0/8"]},
            ]
        },
    )
    (fault,) = faults("ec2-security-group-no-public-ingress", [group], {"allowedPublicPorts": [80]})
    assert fault.startswith(
        "ingress[0] + ingress[1] together admit 0.0.0.0/0 (as 0.0.0.0/1 + 128.0.0.0/1) on tcp ports 443-1000"
    )


def test_all_traffic_to_half_and_tcp_to_the_other_half_is_open_on_those_ports():
    group = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "egress": [
                {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/1"]},
                {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["128.0.0.0/1"]},
                {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
            ]
        },
    )
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-unrestricted-egress", [group])]
    # Port 443 is open to the world too, but allowed by default.
    assert found == [
        "egress[0] + egress[1] together let traffic out to 0.0.0.0/0 (as 0.0.0.0/1 + 128.0.0.0/1) on tcp "
        "port 8080"
    ]


@pytest.mark.parametrize(
    ("egress", "config", "expected"),
    [
        ({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}, None, []),
        (
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
            {"allowedPorts": []},
            ["egress[0] lets traffic out to 0.0.0.0/0 on tcp port 443"],
        ),
        (
            {"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
            None,
            ["egress[0] lets traffic out to ::/0 on all ports"],
        ),
        ({"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/16"]}, None, []),
        ({"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-1"]}, None, []),
    ],
)
def test_unrestricted_egress(egress, config, expected):
    group = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"egress": [egress]})
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-unrestricted-egress", [group], config)]
    assert found == expected


def test_legacy_egress_rules_count_for_their_group():
    group = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"id": "sg-1"})
    rule = R(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "out",
        {
            "type": "egress",
            "securityGroupId": "sg-1",
            "protocol": "udp",
            "fromPort": 53,
            "toPort": 53,
            "cidrBlocks": ["0.0.0.0/0"],
        },
    )
    (diag,) = run("ec2-security-group-no-unrestricted-egress", [group, rule])
    assert diag.urn == group.urn
    assert "egress rule 'out' lets traffic out to 0.0.0.0/0 on udp port 53" in diag.message


@pytest.mark.parametrize(
    ("type_", "props", "config", "expected"),
    [
        ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": True}, None, ["mapPublicIpOnLaunch is True"]),
        ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": "true"}, None, ["mapPublicIpOnLaunch is 'true'"]),
        ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False}, None, []),
        ("aws:ec2/subnet:Subnet", {}, None, []),
        (
            "aws:ec2/defaultSubnet:DefaultSubnet",
            {},
            None,
            ["mapPublicIpOnLaunch is not set (a default subnet maps public IPs)"],
        ),
        ("aws:ec2/defaultSubnet:DefaultSubnet", {"mapPublicIpOnLaunch": False}, None, []),
        (
            "aws:ec2/subnet:Subnet",
            {"mapPublicIpOnLaunch": True, "tags": {"Tier": "public"}},
            {"publicTier": {"Tier": ["public"]}},
            [],
        ),
        (
            "aws:ec2/subnet:Subnet",
            {"mapPublicIpOnLaunch": True, "tags": {"Tier": "private"}},
            {"publicTier": {"Tier": ["public"]}},
            ["mapPublicIpOnLaunch is True"],
        ),
        (
            "aws:ec2/subnet:Subnet",
            {"mapPublicIpOnLaunch": True, "tags": U},
            {"publicTier": {"Tier": ["public"]}},
            ["mapPublicIpOnLaunch is True"],
        ),
    ],
)
def test_subnets_assign_no_public_ips_outside_the_public_tier(type_, props, config, expected):
    found = [
        f.split(", so")[0]
        for f in faults("vpc-subnet-no-public-ip-on-launch", [R(type_, "s", props)], config)
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            {"Environment": 7, "Project": "trading", "ManagedBy": "pulumi"},
            ["tag Environment is 7, which is not a string tag value"],
        ),
        (
            {"Environment": "dev", "Project": ["trading"], "ManagedBy": True},
            [
                "tag Project is ['trading'], which is not a string tag value",
                "tag ManagedBy is True, which is not a string tag value",
            ],
        ),
        (
            {"Environment": "   ", "Project": "trading", "ManagedBy": None},
            ["is missing the tag(s) Environment, ManagedBy"],
        ),
        ({"Environment": "dev", "Project": "trading", "ManagedBy": U}, []),
    ],
)
def test_tag_values_that_are_not_strings_do_not_count(tags, expected):
    bucket = R("aws:s3/bucket:Bucket", "b", {"tags": tags})
    assert faults("required-tags", [bucket]) == expected


def test_allowed_tag_values_refuse_values_that_are_not_strings():
    key = R("aws:kms/key:Key", "k", {"tags": {**PCI_TAGS, "Compliance": {"PCI-DSS": True}}})
    assert faults("pci-scope-tags", [key]) == [
        "tag Compliance is {'PCI-DSS': True}, which is not a string tag value"
    ]
    table = R("aws:dynamodb/table:Table", "t", {"tags": {**BASE_TAGS, "Tier": 1}})
    assert faults("required-tags", [table], {"requiredTags": [], "allowedValues": {"Tier": ["gold"]}}) == [
        "tag Tier is 1, which is not a string tag value; allowed: gold"
    ]


def test_each_separate_open_port_range_is_one_finding_and_all_traffic_is_reported_once():
    group = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]},
                {"protocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrBlocks": ["0.0.0.0/0"]},
            ]
        },
    )
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-public-ingress", [group])]
    assert found == [
        "ingress[0] admits 0.0.0.0/0 on tcp port 22",
        "ingress[1] admits 0.0.0.0/0 on tcp port 3389",
    ]
    group.props["ingress"].append({"protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]})
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-public-ingress", [group])]
    assert found == ["ingress[2] admits 0.0.0.0/0 on all ports"]


def test_touching_and_overlapping_open_ranges_are_reported_as_one():
    group = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 80, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
                {"protocol": "tcp", "fromPort": 443, "toPort": 8080, "cidrBlocks": ["0.0.0.0/0"]},
            ]
        },
    )
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-public-ingress", [group])]
    assert found == ["ingress[0] + ingress[1] together admit 0.0.0.0/0 on tcp ports 80-8080"]
