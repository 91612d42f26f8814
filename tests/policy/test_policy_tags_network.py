"""Tagging, naming and VPC rules."""

from __future__ import annotations

import ipaddress
import json
from ipaddress import ip_network

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


DSG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


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


def test_an_adopted_default_vpc_needs_a_flow_log_and_a_closed_default_group():
    # AWS runs a default VPC as any other: it logs nothing without a flow log and its default group is open.
    vpc = R("aws:ec2/defaultVpc:DefaultVpc", "default", {"id": "vpc-0a1b2c3d", "cidrBlock": "172.31.0.0/16"})
    (flow_log,) = run("vpc-flow-logs-enabled", [vpc])
    assert (flow_log.level, flow_log.urn) == ("mandatory", vpc.urn)
    assert (
        "[MEDIUM] aws:ec2/defaultVpc:DefaultVpc 'default': has no aws.ec2.FlowLog, so network traffic to and "
        "from the VPC is not recorded. Fix: Add aws.ec2.FlowLog("
    ) in flow_log.message
    (group,) = run("vpc-default-security-group-closed", [vpc])
    assert (group.level, group.urn) == ("mandatory", vpc.urn)
    assert (
        "[MEDIUM] aws:ec2/defaultVpc:DefaultVpc 'default': does not manage its default security group, which "
        "keeps AWS's rules allowing all traffic between its members and all outbound traffic. Fix:"
    ) in group.message
    # Attached by its id, as for an ec2.Vpc.
    flow = R("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": "vpc-0a1b2c3d"})
    closed = R(DSG, "dsg", {"vpcId": U, "ingress": [], "egress": []}, deps={"vpcId": [vpc]})
    assert run("vpc-flow-logs-enabled", [vpc, flow]) == []
    assert run("vpc-default-security-group-closed", [vpc, closed]) == []
    closed.props["egress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]
    assert faults("vpc-default-security-group-closed", [vpc, closed]) == [
        "default security group 'dsg' has 1 egress rule(s)"
    ]


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


def test_a_standalone_rule_on_the_vpcs_default_security_group_id_counts():
    # vpc.default_security_group_id names the same group as the DefaultSecurityGroup that adopts it.
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    group = R(DSG, "dsg", {"vpcId": U, "ingress": [], "egress": []}, deps={"vpcId": [vpc]})
    rule = R(
        INGRESS_RULE,
        "in",
        {"securityGroupId": U, "ipProtocol": "-1", "cidrIpv4": "10.0.0.0/8"},
        deps={"securityGroupId": [vpc]},
    )
    expected = (
        f"its default security group (defaultSecurityGroupId) gets the ingress rule 'in' ({INGRESS_RULE}), "
        "which opens the group AWS puts every resource in by default"
    )
    diags = run("vpc-default-security-group-closed", [vpc, group, rule])
    assert [(d.level, d.urn) for d in diags] == [("mandatory", vpc.urn)]
    assert faults("vpc-default-security-group-closed", [vpc, group, rule]) == [expected]
    # At update the rule's id is the VPC's defaultSecurityGroupId.
    vpc.props.update(id="vpc-1", defaultSecurityGroupId="sg-default")
    group.props.update(vpcId="vpc-1", id="sg-default")
    rule.props["securityGroupId"], rule.deps = "sg-default", {}
    assert len(faults("vpc-default-security-group-closed", [vpc, group, rule])) == 1
    # A rule whose id also depends on a security group of its own belongs to that group.
    own = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"vpcId": U}, deps={"vpcId": [vpc]})
    rule.props["securityGroupId"], rule.deps = U, {"securityGroupId": [vpc, own]}
    assert faults("vpc-default-security-group-closed", [vpc, group, own, rule]) == []


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


# Two ranges, each at most a /8 of IPv4 (a /32 of IPv6) of public addresses, more than that together.
HALVES = {
    "ipv4": (
        ("cidrBlocks", "cidrIpv4"),
        ["11.0.0.0/8", "12.0.0.0/8"],
        "11.0.0.0/8 + 12.0.0.0/8 (more public addresses than a /8 of 0.0.0.0/0)",
    ),
    "ipv6": (
        ("ipv6CidrBlocks", "cidrIpv6"),
        ["2600::/32", "2601::/32"],
        "2600::/32 + 2601::/32 (more public addresses than a /32 of ::/0)",
    ),
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
                {"protocol": "tcp", "fromPort": 0, "toPort": 1000, "cidrBlocks": ["11.0.0.0/8"]},
                {"protocol": "tcp", "fromPort": 443, "toPort": 2000, "cidrBlocks": ["12.0.0.0/8"]},
                {"protocol": "udp", "fromPort": 0, "toPort": 65535, "cidrBlocks": ["12.0.0.0/8"]},
                {"protocol": "-1", "cidrBlocks": ["10.0.0.0/8"]},
            ]
        },
    )
    (fault,) = faults("ec2-security-group-no-public-ingress", [group], {"allowedPublicPorts": [80]})
    assert fault.startswith(
        "ingress[0] + ingress[1] together admit 11.0.0.0/8 + 12.0.0.0/8 (more public addresses than a /8 of "
        "0.0.0.0/0) on tcp ports 443-1000"
    )


def test_all_traffic_to_half_and_tcp_to_the_other_half_is_open_on_those_ports():
    group = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {
            "egress": [
                {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["11.0.0.0/8"]},
                {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["12.0.0.0/8"]},
                {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
            ]
        },
    )
    found = [f.split(", so")[0] for f in faults("ec2-security-group-no-unrestricted-egress", [group])]
    # Port 443 is open to the world too, but allowed by default.
    assert found == [
        "egress[0] + egress[1] together let traffic out to 11.0.0.0/8 + 12.0.0.0/8 (more public addresses "
        "than a /8 of 0.0.0.0/0) on tcp port 8080"
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
    ("policy", "direction"),
    [
        ("ec2-security-group-no-public-ingress", "ingress"),
        ("ec2-security-group-no-unrestricted-egress", "egress"),
    ],
)
def test_a_legacy_rule_whose_type_is_unknown_is_a_note_both_ways(policy, direction):
    # type computed from another resource: the rule may open either direction once deployed.
    group = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"id": "sg-1"})
    source = R("random:index/randomShuffle:RandomShuffle", "pick", {})
    rule = R(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "r",
        {
            "type": U,
            "securityGroupId": "sg-1",
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
            "cidrBlocks": ["0.0.0.0/0"],
        },
        deps={"type": [source]},
    )
    (diag,) = run(policy, [group, source, rule])
    assert (diag.level, diag.urn) == ("advisory", group.urn)
    assert f"whether {direction} rule 'r' " in diag.message
    assert (
        "on all ports cannot be checked until aws:ec2/securityGroupRule:SecurityGroupRule 'r'.type is known"
        in (diag.message)
    )
    rule.props["cidrBlocks"] = ["10.0.0.0/8"]
    assert run(policy, [group, source, rule]) == []


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


# ---- prefix lists and CIDRs unknown at preview --------------------------------------------------------

PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "ec2-security-group-no-public-ingress"
EGRESS = "ec2-security-group-no-unrestricted-egress"
SSH = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}
PREVIEW = "preview with preflight --mode update or check after the first deployment"


def prefix_list(*cidrs, name="office", **props):
    entries = [{"cidr": c} for c in cidrs]
    return R(PREFIX_LIST, name, {"addressFamily": "IPv4", "maxEntries": 5, "entries": entries, **props})


def messages(rule, resources, config=None):
    """(level, resource name, fault) of each diagnostic."""
    return [
        (d.level, d.urn.rsplit("::", 1)[1], d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix:")[0])
        for d in run(rule, resources, config)
    ]


def test_a_declared_prefix_list_counts_as_its_cidrs_by_dependency():
    plist = prefix_list("0.0.0.0/0", id=U)
    group = R(SG, "sg", {"id": U})
    rule = R(
        INGRESS_RULE,
        "ssh",
        {"securityGroupId": U, "prefixListId": U, **SSH},
        deps={"securityGroupId": [group], "prefixListId": [plist]},
    )
    assert messages(INGRESS, [plist, group, rule]) == [
        (
            "mandatory",
            "sg",
            "ingress rule 'ssh' (prefix list 'office') admits 0.0.0.0/0 on tcp port 22, so anyone on the "
            "internet can reach it",
        )
    ]
    # The same list with the office's range only, or on a port the config allows, passes.
    assert run(INGRESS, [prefix_list("203.0.113.0/24", id=U), group, rule]) == []
    assert run(INGRESS, [plist, group, rule], {"allowedPublicPorts": [22]}) == []


def test_a_declared_prefix_list_is_found_by_its_literal_id_with_its_entry_resources():
    plist = prefix_list(id="pl-0123456789abcdef0")
    plist.props.pop("entries")
    halves = [
        R(PREFIX_LIST_ENTRY, f"half-{i}", {"prefixListId": U, "cidr": cidr}, deps={"prefixListId": [plist]})
        for i, cidr in enumerate(["0.0.0.0/1", "128.0.0.0/1"])
    ]
    group = R(
        SG,
        "sg",
        {"egress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "prefixListIds": [plist.props["id"]]}]},
    )
    assert messages(EGRESS, [plist, *halves, group]) == [
        (
            "mandatory",
            "sg",
            "egress[0] (prefix list 'office') lets traffic out to 0.0.0.0/0 (as 0.0.0.0/1 + 128.0.0.0/1) on "
            "tcp port 22, so anything in the group can send data anywhere on the internet",
        )
    ]


def test_a_legacy_rule_names_prefix_lists_in_a_list():
    plist = prefix_list("::/0", addressFamily="IPv6", id=U)
    rule = R(
        SG_RULE,
        "r",
        {"type": "ingress", "securityGroupId": "sg-0abc", "prefixListIds": [U], "protocol": "-1"},
        deps={"prefixListIds": [plist]},
    )
    assert messages(INGRESS, [plist, rule]) == [
        (
            "mandatory",
            "r",
            "ingress rule 'r' (prefix list 'office') admits ::/0 on all ports, so anyone on "
            "the internet can reach it",
        )
    ]


def test_the_stacks_entries_of_a_prefix_list_it_does_not_declare_count():
    entry = R(PREFIX_LIST_ENTRY, "anyone", {"prefixListId": "pl-0feedbeef", "cidr": "0.0.0.0/0"})
    rule = R(INGRESS_RULE, "ssh", {"securityGroupId": "sg-0abc", "prefixListId": "pl-0feedbeef", **SSH})
    assert messages(INGRESS, [entry, rule]) == [
        (
            "mandatory",
            "ssh",
            "ingress rule 'ssh' (prefix list 'pl-0feedbeef') admits 0.0.0.0/0 on tcp port "
            "22, so anyone on the internet can reach it",
        )
    ]


def test_aws_managed_prefix_lists_pass():
    # An S3 gateway endpoint's list, by literal id or through the endpoint's output, as the stack does it.
    endpoint = R("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"prefixListId": U})
    group = R(SG, "sg", {"id": U, "egress": [{"protocol": "-1", "prefixListIds": ["pl-63a5400a"]}]})
    rule = R(
        EGRESS_RULE,
        "to-s3",
        {"securityGroupId": U, "prefixListId": U, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443},
        deps={"securityGroupId": [group], "prefixListId": [endpoint]},
    )
    unrelated = prefix_list("0.0.0.0/0", id="pl-0other")
    assert run(EGRESS, [endpoint, group, rule, unrelated], {"allowedPorts": []}) == []


def test_inline_prefix_lists_the_engine_links_to_several_rules_are_a_note():
    plist = prefix_list("0.0.0.0/0", id=U)
    inline = [{"protocol": "tcp", "fromPort": p, "toPort": p, "prefixListIds": [U]} for p in (22, 3389)]
    group = R(SG, "sg", {"ingress": inline}, deps={"ingress": [plist]})
    found = messages(INGRESS, [plist, group])
    assert [(level, text.split(" cannot be checked")[0]) for level, _, text in found] == [
        ("advisory", "whether ingress[0] (prefix list 'office') admits 0.0.0.0/0 on tcp port 22"),
        ("advisory", "whether ingress[1] (prefix list 'office') admits 0.0.0.0/0 on tcp port 3389"),
    ]
    assert found[0][2].endswith(
        f"until {SG} 'sg'.ingress is known (it depends on {PREFIX_LIST} 'office'); {PREVIEW}"
    )
    # One rule with an unknown list id: the list is its own. A list another rule names by id is not.
    group.props["ingress"] = [
        inline[0],
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "prefixListIds": ["pl-1"]},
    ]
    plist.props["id"] = "pl-1"
    assert [(level, text.split(",")[0]) for level, _, text in messages(INGRESS, [plist, group])] == [
        ("mandatory", "ingress[1] (prefix list 'office') admits 0.0.0.0/0 on tcp port 80")
    ]
    plist.props["id"] = U
    group.props["ingress"] = [
        inline[0],
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
    ]
    assert [(level, text.split(",")[0]) for level, _, text in messages(INGRESS, [plist, group])] == [
        ("mandatory", "ingress[0] (prefix list 'office') admits 0.0.0.0/0 on tcp port 22")
    ]


@pytest.mark.parametrize(
    ("resources", "unknown"),
    [
        (
            [
                R(
                    SG,
                    "sg",
                    {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": [U]}]},
                )
            ],
            f"{SG} 'sg'.ingress is known (it is built from values computed during deployment)",
        ),
        (
            [
                g := R(SG, "sg", {"id": U}),
                R(
                    INGRESS_RULE,
                    "ssh",
                    {"securityGroupId": U, "cidrIpv4": U, **SSH},
                    deps={"securityGroupId": [g]},
                ),
            ],
            f"{INGRESS_RULE} 'ssh'.cidrIpv4 is known (it is built from values computed during deployment)",
        ),
        (
            [
                p := prefix_list(id=U, entries=U),
                g := R(SG, "sg", {"id": U}),
                R(
                    INGRESS_RULE,
                    "ssh",
                    {"securityGroupId": U, "prefixListId": U, **SSH},
                    deps={"securityGroupId": [g], "prefixListId": [p]},
                ),
            ],
            f"{PREFIX_LIST} 'office'.entries is known (it is built from values computed during deployment)",
        ),
        (
            [
                p := prefix_list(id=U),
                n := R("aws:ec2/natGateway:NatGateway", "nat", {"publicIp": U}),
                R(
                    PREFIX_LIST_ENTRY,
                    "e",
                    {"prefixListId": U, "cidr": U},
                    deps={"prefixListId": [p], "cidr": [n]},
                ),
                g := R(SG, "sg", {"id": U}),
                R(
                    INGRESS_RULE,
                    "ssh",
                    {"securityGroupId": U, "prefixListId": U, **SSH},
                    deps={"securityGroupId": [g], "prefixListId": [p]},
                ),
            ],
            f"{PREFIX_LIST_ENTRY} 'e'.cidr is known (it depends on aws:ec2/natGateway:NatGateway 'nat')",
        ),
    ],
)
def test_a_cidr_unknown_at_preview_is_a_note_never_silence(resources, unknown):
    (diag,) = run(INGRESS, resources)
    assert diag.level == "advisory"
    assert diag.urn.endswith("::sg")
    assert "[unknown at preview] [CRITICAL]" in diag.message
    assert "': whether " in diag.message
    assert "admits 0.0.0.0/0 on tcp port 22 cannot be checked until " in diag.message
    assert f"{unknown}; {PREVIEW}" in diag.message


def test_an_unknown_cidr_on_an_allowed_port_is_no_note_and_a_known_open_port_still_blocks():
    egress = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": [U]}]
    assert run(EGRESS, [R(SG, "sg", {"egress": egress})]) == []
    ingress = [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": [U]},
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"]},
        {"protocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrBlocks": [U, "0.0.0.0/0"]},
    ]
    found = [
        (level, text.split(" cannot be checked")[0].split(", so")[0])
        for level, _, text in messages(INGRESS, [R(SG, "sg", {"ingress": ingress})])
    ]
    assert found == [
        ("mandatory", "ingress[2] admits 0.0.0.0/0 on tcp port 3389"),
        ("advisory", "whether ingress[0] admits ::/0 on all ports"),
        ("mandatory", "ingress[1] admits ::/0 on tcp port 22"),
    ]


ALL_BUT_ONE = [str(n) for n in ip_network("0.0.0.0/0").address_exclude(ip_network("203.0.113.7/32"))]


@pytest.mark.parametrize(
    ("cidrs", "expected"),
    [
        # Half the internet, or all of it but one address (32 ranges), is the internet.
        (["0.0.0.0/1"], "ingress[0] admits 0.0.0.0/1 (more public addresses than a /8 of 0.0.0.0/0)"),
        (ALL_BUT_ONE, "ingress[0] admits 0.0.0.0/1 + 128.0.0.0/2 + 192.0.0.0/5 + "),
        # A /8 of public addresses, or any private ranges, are peers.
        (["11.0.0.0/8"], None),
        (["11.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], None),
        (["fd00::/8", "2600::/32"], None),
    ],
)
def test_a_large_share_of_the_internet_is_the_internet(cidrs, expected):
    ipv4 = [c for c in cidrs if ":" not in c]
    ipv6 = [c for c in cidrs if ":" in c]
    rule = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ipv4, "ipv6CidrBlocks": ipv6}
    group = R("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": [rule]})
    found = faults("ec2-security-group-no-public-ingress", [group])
    if expected is None:
        assert found == []
    else:
        (fault,) = found
        assert fault.startswith(expected)
        assert "on tcp port 22" in fault


# ---- a whole list of rules unknown at preview ---------------------------------------------------------


@pytest.mark.parametrize(("rule", "direction"), [(INGRESS, "ingress"), (EGRESS, "egress")])
def test_a_list_of_rules_the_program_computes_is_one_note_and_the_providers_own_list_is_none(rule, direction):
    # The program builds the whole list from another resource's outputs: any rule may be in it.
    source = R("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    group = R(SG, "sg", {direction: U}, deps={direction: [source]})
    config = {"allowedPublicPorts" if direction == "ingress" else "allowedPorts": [443]}
    assert messages(rule, [source, group], config) == [
        (
            "advisory",
            "sg",
            f"whether {direction} admits 0.0.0.0/0 on all ports cannot be checked until "
            f"aws:ec2/securityGroup:SecurityGroup 'sg'.{direction} is known (it depends on aws:ec2/vpc:Vpc "
            f"'vpc'); {PREVIEW}",
        )
        if direction == "ingress"
        else (
            "advisory",
            "sg",
            f"whether {direction} lets traffic out to 0.0.0.0/0 on all ports cannot be checked until "
            f"aws:ec2/securityGroup:SecurityGroup 'sg'.{direction} is known (it depends on aws:ec2/vpc:Vpc "
            f"'vpc'); {PREVIEW}",
        )
    ]
    # Unknown without depending on anything: the list the provider reads back for a group whose program
    # set none, which holds only the standalone rules, judged on their own.
    group.deps = {}
    assert run(rule, [source, group], config) == []
    opened = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}
    standalone = R(
        INGRESS_RULE if direction == "ingress" else EGRESS_RULE,
        "ssh",
        {"securityGroupId": U, **opened},
        deps={"securityGroupId": [group]},
    )
    ((level, name, text),) = messages(rule, [source, group, standalone], config)
    assert (level, name) == ("mandatory", "sg")
    assert text.startswith(f"{direction} rule 'ssh' ")


def test_a_prefix_list_of_either_family_unknown_at_preview_is_one_note():
    plist = R(PREFIX_LIST, "office", {"maxEntries": 5, "entries": U}, deps={"entries": [R(SG, "x", {})]})
    group = R(
        SG, "sg", {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "prefixListIds": [U]}]}
    )
    group.deps = {"ingress": [plist]}
    ((level, name, text),) = messages(INGRESS, [plist, group])
    assert (level, name) == ("advisory", "sg")
    assert text.startswith("whether ingress[0] (prefix list 'office') admits 0.0.0.0/0 on tcp port 22 cannot")


def test_a_default_security_group_whose_rules_the_program_computes_is_a_note():
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"})
    source = R("aws:ec2/subnet:Subnet", "peer", {"cidrBlock": "10.1.0.0/24"})
    group = R(DSG, "dsg", {"vpcId": "vpc-1", "ingress": U, "egress": []}, deps={"ingress": [source]})
    (diag,) = run("vpc-default-security-group-closed", [vpc, source, group])
    assert diag.level == "advisory"
    assert diag.urn == vpc.urn
    assert (
        f"whether default security group 'dsg' has ingress rules cannot be checked until {DSG} 'dsg'.ingress "
        f"is known (it depends on aws:ec2/subnet:Subnet 'peer'); {PREVIEW}"
    ) in diag.message
    group.deps = {}
    assert run("vpc-default-security-group-closed", [vpc, source, group]) == []


def test_the_default_security_group_of_a_vpc_outside_the_stack_is_judged_on_itself():
    ingress = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]
    group = R(DSG, "dsg", {"id": "sg-default", "vpcId": "vpc-existing", "ingress": ingress, "egress": []})
    rule = R(
        EGRESS_RULE, "out", {"securityGroupId": "sg-default", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}
    )
    diags = run("vpc-default-security-group-closed", [group, rule])
    assert [d.urn for d in diags] == [group.urn, group.urn]
    assert [d.message.split("'dsg': ", 1)[1].split(". Fix:")[0] for d in diags] == [
        "default security group 'dsg' has 1 ingress rule(s)",
        f"default security group 'dsg' gets the egress rule 'out' ({EGRESS_RULE}), which opens the group AWS "
        "puts every resource in by default",
    ]
    closed = R(DSG, "dsg", {"vpcId": "vpc-existing", "ingress": [], "egress": []})
    assert run("vpc-default-security-group-closed", [closed]) == []


def test_an_open_group_stays_open_whatever_pythons_ipaddress_calls_private(monkeypatch):
    # Before 3.11.10 and 3.12.4, ipaddress called 0.0.0.0/0 private (its first and last addresses are).
    monkeypatch.setattr(ipaddress.IPv4Network, "is_private", property(lambda _self: True))
    group = R(
        SG,
        "sg",
        {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
    )
    assert messages(INGRESS, [group]) == [
        (
            "mandatory",
            "sg",
            "ingress[0] admits 0.0.0.0/0 on tcp port 22, so anyone on the internet can reach it",
        )
    ]


def test_a_directory_bucket_is_tagged_and_in_pci_scope_like_any_bucket():
    express = R("aws:s3/directoryBucket:DirectoryBucket", "express", {"bucket": "trading--use1-az4--x-s3"})
    assert faults("required-tags", [express]) == ["is missing the tag(s) Environment, Project, ManagedBy"]
    (fault,) = faults("pci-scope-tags", [express])
    assert fault.startswith("is missing the tag(s) Compliance")


# ---- public IP addresses asked for by instances and launch templates -----------------------------------

PUBLIC_IP = "ec2-instance-no-public-ip"


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            R("aws:ec2/instance:Instance", "i", {"associatePublicIpAddress": True}),
            [
                "associatePublicIpAddress is True, so the instance gets a public IP address that the "
                "internet can reach wherever a security group lets it"
            ],
        ),
        (
            R("aws:ec2/launchConfiguration:LaunchConfiguration", "lc", {"associatePublicIpAddress": "TRUE"}),
            [
                "associatePublicIpAddress is 'TRUE', so the instance gets a public IP address that the "
                "internet can reach wherever a security group lets it"
            ],
        ),
        (
            R(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "lt",
                {
                    "networkInterfaces": [
                        {"associatePublicIpAddress": "false"},
                        {"associatePublicIpAddress": "true"},
                    ]
                },
            ),
            [
                "networkInterfaces[1].associatePublicIpAddress is 'true', so every instance launched from "
                "the template gets a public IP address"
            ],
        ),
        (R("aws:ec2/instance:Instance", "i", {"associatePublicIpAddress": False}), []),
        (R("aws:ec2/instance:Instance", "i", {}), []),
        (R("aws:ec2/instance:Instance", "i", {"associatePublicIpAddress": U}), []),
        (R("aws:ec2/launchTemplate:LaunchTemplate", "lt", {"networkInterfaces": U}), []),
        (R("aws:ec2/launchTemplate:LaunchTemplate", "lt", {}), []),
        (
            R("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "spot", {"associatePublicIpAddress": True}),
            [
                "associatePublicIpAddress is True, so the instance gets a public IP address that the "
                "internet can reach wherever a security group lets it"
            ],
        ),
        # A spot fleet launches instances from each launch specification; an ECS task set runs tasks as a
        # service does.
        (
            R(
                "aws:ec2/spotFleetRequest:SpotFleetRequest",
                "fleet",
                {
                    "launchSpecifications": [
                        {"ami": "ami-1", "associatePublicIpAddress": False},
                        {"ami": "ami-1", "associatePublicIpAddress": True},
                        {"ami": "ami-1", "associatePublicIpAddress": U},
                    ]
                },
            ),
            [
                "launchSpecifications[1].associatePublicIpAddress is True, so every instance the fleet "
                "launches from it gets a public IP address"
            ],
        ),
        (R("aws:ec2/spotFleetRequest:SpotFleetRequest", "fleet", {"launchSpecifications": U}), []),
        (
            R(
                "aws:ecs/taskSet:TaskSet",
                "ts",
                {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": True}},
            ),
            [
                "networkConfiguration.assignPublicIp is True, so each task gets a public IP address that the "
                "internet can reach wherever a security group lets it"
            ],
        ),
        (R("aws:ecs/taskSet:TaskSet", "ts", {"networkConfiguration": {"assignPublicIp": False}}), []),
        # An Elastic IP attached to an instance or an interface, even one not known until deployment.
        (
            R("aws:ec2/eip:Eip", "eip", {"domain": "vpc", "instance": U}),
            [
                "instance attaches the Elastic IP to instance one computed during deployment, which gives it "
                "a public IP address that the internet can reach wherever a security group lets it"
            ],
        ),
        (
            R(
                "aws:ec2/eipAssociation:EipAssociation",
                "assoc",
                {"allocationId": U, "networkInterfaceId": "eni-1"},
            ),
            [
                "networkInterfaceId attaches the Elastic IP to network interface 'eni-1', which gives it a "
                "public IP address that the internet can reach wherever a security group lets it"
            ],
        ),
        # An Elastic IP for a NAT gateway (allocation_id) or not attached yet.
        (R("aws:ec2/eip:Eip", "nat-eip", {"domain": "vpc", "instance": ""}), []),
        (R("aws:ec2/eipAssociation:EipAssociation", "assoc", {"allocationId": "eipalloc-1"}), []),
        (
            R(
                "aws:ecs/service:Service",
                "svc",
                {"networkConfiguration": {"subnets": ["s"], "assignPublicIp": True}},
            ),
            [
                "networkConfiguration.assignPublicIp is True, so each task gets a public IP address that the "
                "internet can reach wherever a security group lets it"
            ],
        ),
        (R("aws:ecs/service:Service", "svc", {"networkConfiguration": {"assignPublicIp": False}}), []),
        (R("aws:ecs/service:Service", "svc", {}), []),
    ],
)
def test_an_instance_or_template_that_asks_for_a_public_ip_is_a_violation(resource, expected):
    assert faults(PUBLIC_IP, [resource]) == expected
    assert all(d.level == "mandatory" for d in run(PUBLIC_IP, [resource]))


# -- IPv6 addresses of subnets and the routes they take ---------------------------------------------------

IPV6 = "vpc-subnet-no-public-ipv6"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
REACHED = "so each instance can be reached from the internet"
GIVES = "assignIpv6AddressOnCreation gives its instances IPv6 addresses"


def ipv6_network(subnet_props=None, *, routes=None, route=None, associate=True, gateway=None):
    """A VPC, an internet gateway and a subnet giving IPv6 addresses, associated with table 'rt'."""
    vpc = R(VPC, "vpc", {"id": "vpc-1", "defaultRouteTableId": "rtb-main"})
    igw = gateway or R(IGW, "igw", {"id": "igw-1", "vpcId": "vpc-1"})
    subnet = R(
        SUBNET,
        "private",
        {"id": "subnet-1", "vpcId": "vpc-1", "assignIpv6AddressOnCreation": True, **(subnet_props or {})},
    )
    table = R(TABLE, "rt", {"id": "rtb-1", "vpcId": "vpc-1", "routes": routes or []})
    resources = [vpc, igw, subnet, table]
    if associate:
        resources.append(R(ASSOCIATION, "assoc", {"subnetId": "subnet-1", "routeTableId": "rtb-1"}))
    if route is not None:
        resources.append(R(ROUTE, "r", {"routeTableId": "rtb-1", **route}))
    return resources


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        # An inline route of the subnet's own table; by the gateway's id or a literal igw- id.
        (
            ipv6_network(routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]),
            f"{GIVES}, and route table 'rt' routes ::/0 to an internet gateway, {REACHED}",
        ),
        (
            ipv6_network(
                {"ipv6Native": True}, route={"destinationIpv6CidrBlock": "2000::/3", "gatewayId": "igw-9"}
            ),
            "assignIpv6AddressOnCreation and ipv6Native give its instances IPv6 addresses, and route table "
            f"'rt' routes 2000::/3 to an internet gateway, {REACHED}",
        ),
        # The internet in pieces is the internet.
        (
            ipv6_network(
                routes=[
                    {"ipv6CidrBlock": "::/1", "gatewayId": "igw-1"},
                    {"ipv6CidrBlock": "8000::/1", "gatewayId": "igw-1"},
                ]
            ),
            f"{GIVES}, and route table 'rt' routes ::/0 to an internet gateway, {REACHED}",
        ),
    ],
)
def test_a_private_subnet_whose_ipv6_routes_reach_an_internet_gateway_is_a_violation(network, expected):
    (found,) = run(IPV6, network)
    assert (found.level, found.urn) == ("mandatory", network[2].urn)
    assert faults(IPV6, network) == [expected]


def test_a_route_linked_to_the_gateway_by_its_output_counts():
    resources = ipv6_network(associate=False)
    igw, table = resources[1], resources[3]
    resources += [
        R(ASSOCIATION, "assoc", {"subnetId": "subnet-1", "routeTableId": U}, deps={"routeTableId": [table]}),
        R(
            ROUTE,
            "r",
            {"routeTableId": U, "destinationIpv6CidrBlock": "::/0", "gatewayId": U},
            deps={"routeTableId": [table], "gatewayId": [igw]},
        ),
    ]
    assert [d.level for d in run(IPV6, resources)] == ["mandatory"]


def test_an_inline_gateway_unknown_at_preview_is_the_internet_gateway_the_routes_depend_on():
    resources = ipv6_network(routes=[{"ipv6CidrBlock": "::/0", "gatewayId": U}])
    resources[3].deps = {"routes": [resources[1]]}
    assert [d.level for d in run(IPV6, resources)] == ["mandatory"]


@pytest.mark.parametrize(
    "network",
    [
        # Egress only, a peer's range, an IPv4 default route, no IPv6 at all, or the public tier.
        ipv6_network(routes=[{"ipv6CidrBlock": "::/0", "egressOnlyGatewayId": "eigw-1"}]),
        ipv6_network(routes=[{"ipv6CidrBlock": "2600:1f18::/32", "gatewayId": "igw-1"}]),
        ipv6_network(
            routes=[
                {"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"},
                {"ipv6CidrBlock": "not a cidr", "gatewayId": "igw-1"},
            ]
        ),
        ipv6_network(
            {"assignIpv6AddressOnCreation": False}, routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]
        ),
        ipv6_network({"tags": {"Tier": "public"}}, routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]),
        ipv6_network(route={"destinationIpv6CidrBlock": "::/0", "transitGatewayId": "tgw-1"}),
        ipv6_network(routes=[{"ipv6CidrBlock": "::/0", "gatewayId": U}]),  # no gateway dependency: a VPN's
        ipv6_network(routes=["not a route"]),
    ],
)
def test_ipv6_routes_that_do_not_reach_the_internet_through_a_gateway_pass(network):
    assert run(IPV6, network, {"publicTier": {"Tier": ["public"]}}) == []


def test_without_an_association_the_subnet_takes_its_vpcs_main_route_table():
    igw_route = {"destinationIpv6CidrBlock": "::/0", "gatewayId": "igw-1"}
    # Routes named by the VPC's defaultRouteTableId, or its mainRouteTableId (the same table).
    resources = [
        *ipv6_network(associate=False),
        R(ROUTE, "main-r", {"routeTableId": "rtb-main", **igw_route}),
    ]
    by_main_id = ipv6_network(associate=False)
    by_main_id[0].props["mainRouteTableId"] = "rtb-main2"
    by_main_id.append(R(ROUTE, "main-r", {"routeTableId": "rtb-main2", **igw_route}))
    assert faults(IPV6, by_main_id) == faults(IPV6, resources)
    assert faults(IPV6, resources) == [
        "assignIpv6AddressOnCreation gives its instances IPv6 addresses, and VPC 'vpc''s main route table "
        f"routes ::/0 to an internet gateway, {REACHED}"
    ]
    # A DefaultRouteTable adopted for the VPC.
    default = R(
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "main",
        {
            "id": "rtb-main",
            "defaultRouteTableId": "rtb-main",
            "routes": [{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}],
        },
    )
    (fault,) = faults(IPV6, [*ipv6_network(associate=False), default])
    assert "route table 'main' routes ::/0" in fault
    # A table made main by a MainRouteTableAssociation; the table 'rt' has the route.
    main = R(
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "m",
        {"vpcId": "vpc-1", "routeTableId": "rtb-1"},
    )
    resources = [
        *ipv6_network(associate=False, routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]),
        main,
    ]
    (fault,) = faults(IPV6, resources)
    assert "route table 'rt' routes ::/0" in fault


@pytest.mark.parametrize(
    ("resources", "where"),
    [
        (
            [R(SUBNET, "private", {"vpcId": "vpc-elsewhere", "assignIpv6AddressOnCreation": True})],
            "the main route table of VPC 'vpc-elsewhere'",
        ),
        (
            [
                R(SUBNET, "private", {"id": "subnet-1", "assignIpv6AddressOnCreation": True}),
                R(ASSOCIATION, "a", {"subnetId": "subnet-1", "routeTableId": "rtb-shared"}),
            ],
            "route table 'rtb-shared'",
        ),
        (
            [
                R(VPC, "vpc", {"id": "vpc-1"}),
                R(SUBNET, "private", {"vpcId": "vpc-1", "assignIpv6AddressOnCreation": True}),
                R(
                    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
                    "m",
                    {"vpcId": "vpc-1", "routeTableId": "rtb-shared"},
                ),
            ],
            "route table 'rtb-shared'",
        ),
    ],
)
def test_a_route_table_outside_the_stack_is_a_note(resources, where):
    (found,) = run(IPV6, resources)
    assert found.level == "advisory"
    assert faults(IPV6, resources) == [
        f"{GIVES} and its routes are those of {where}, which is not in the stack: whether they reach an "
        "internet gateway cannot be checked"
    ]


def test_values_unknown_at_preview_make_a_note_not_a_pass():
    # A destination the program computes is taken as the internet; a setting it computes, as on.
    unknown_destination = ipv6_network(route={"destinationIpv6CidrBlock": U, "gatewayId": "igw-1"})
    unknown_destination[-1].deps = {"destinationIpv6CidrBlock": [unknown_destination[0]]}
    unknown_inline = ipv6_network(routes=[{"ipv6CidrBlock": U, "gatewayId": "igw-1"}])
    unknown_setting = ipv6_network(
        {"assignIpv6AddressOnCreation": U}, routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]
    )
    later = "preview with preflight --mode update or check after the first deployment"
    for network in (unknown_destination, unknown_inline, unknown_setting):
        assert [d.level for d in run(IPV6, network)] == ["advisory"]
    assert faults(IPV6, unknown_destination) == [
        f"whether route table 'rt' routes the internet to an internet gateway ({GIVES}) cannot be checked "
        f"until aws:ec2/route:Route 'r'.destinationIpv6CidrBlock is known (it depends on aws:ec2/vpc:Vpc "
        f"'vpc'); {later}"
    ]
    assert faults(IPV6, unknown_inline)[0].startswith(
        f"whether route table 'rt' routes the internet to an internet gateway ({GIVES}) cannot be checked "
        "until aws:ec2/routeTable:RouteTable 'rt'.routes is known"
    )
    assert faults(IPV6, unknown_setting)[0].startswith(
        "whether aws:ec2/subnet:Subnet 'private' gives its instances IPv6 addresses that route table 'rt' "
        "routes to an internet gateway cannot be checked until aws:ec2/subnet:Subnet "
        "'private'.assignIpv6AddressOnCreation is known"
    )
    # Not known, and no internet route either way: nothing to say.
    assert run(IPV6, ipv6_network({"assignIpv6AddressOnCreation": U})) == []


INSTANCE = "aws:ec2/instance:Instance"
ENI = "aws:ec2/networkInterface:NetworkInterface"
OPEN_ROUTES = [{"ipv6CidrBlock": "::/0", "gatewayId": "igw-1"}]


@pytest.mark.parametrize(
    ("asker", "asks"),
    [
        (R(INSTANCE, "app", {"subnetId": "subnet-1", "ipv6AddressCount": 1}), "ipv6AddressCount gives"),
        (R(ENI, "app", {"subnetId": "subnet-1", "ipv6Addresses": ["2600:1f18::10"]}), "ipv6Addresses gives"),
        (
            R(
                INSTANCE,
                "app",
                {"subnetId": "subnet-1", "ipv6AddressCount": "2", "ipv6Addresses": ["2600::1"]},
            ),
            "ipv6AddressCount and ipv6Addresses give",
        ),
    ],
)
def test_an_instance_asking_for_ipv6_addresses_in_a_subnet_routed_to_the_internet_is_a_violation(asker, asks):
    # The subnet assigns none by default, so only the instance is at fault.
    network = [*ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES), asker]
    (found,) = run(IPV6, network)
    assert (found.level, found.urn) == ("mandatory", asker.urn)
    assert faults(IPV6, network) == [
        f"{asks} it IPv6 addresses in subnet 'private', and route table 'rt' routes ::/0 to an internet "
        "gateway, so it can be reached from the internet"
    ]


@pytest.mark.parametrize(
    ("props", "subnet_props"),
    [
        ({"subnetId": "subnet-1", "ipv6AddressCount": 0, "ipv6Addresses": []}, {}),
        (
            {"ipv6AddressCount": 1},
            {},
        ),  # no subnet: the default VPC's, which has no IPv6 unless the stack says
        ({"subnetId": "subnet-1", "ipv6AddressCount": 1}, {"tags": {"Tier": "public"}}),
        ({"subnetId": "subnet-1", "ipv6AddressCount": "many"}, {}),
    ],
)
def test_instances_without_ipv6_or_in_the_public_tier_pass(props, subnet_props):
    network = [
        *ipv6_network({"assignIpv6AddressOnCreation": False, **subnet_props}, routes=OPEN_ROUTES),
        R(INSTANCE, "app", props),
    ]
    assert run(IPV6, network, {"publicTier": {"Tier": ["public"]}}) == []


def test_an_instance_whose_subnet_or_count_is_not_known_gets_a_note():
    elsewhere = R(INSTANCE, "app", {"subnetId": "subnet-other", "ipv6AddressCount": 1})
    assert faults(IPV6, [elsewhere]) == [
        "ipv6AddressCount gives it IPv6 addresses in subnet 'subnet-other', which is not in the stack: "
        "whether its routes reach an internet gateway cannot be checked"
    ]
    shared = [
        R(SUBNET, "private", {"id": "subnet-1"}),
        R(ASSOCIATION, "a", {"subnetId": "subnet-1", "routeTableId": "rtb-shared"}),
        R(INSTANCE, "app", {"subnetId": "subnet-1", "ipv6Addresses": ["2600::1"]}),
    ]
    assert faults(IPV6, shared) == [
        "ipv6Addresses gives it IPv6 addresses in subnet 'private' and the subnet's routes are those of "
        "route table 'rtb-shared', which is not in the stack: whether they reach an internet gateway cannot "
        "be checked"
    ]
    counted_later = R(INSTANCE, "app", {"subnetId": "subnet-1", "ipv6AddressCount": U})
    network = [*ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES), counted_later]
    assert [d.level for d in run(IPV6, network)] == ["advisory"]
    assert faults(IPV6, network)[0].startswith(
        "whether aws:ec2/instance:Instance 'app' gets IPv6 addresses that route table 'rt' routes to an "
        "internet gateway cannot be checked until aws:ec2/instance:Instance 'app'.ipv6AddressCount is known"
    )


def test_the_main_route_table_is_one_table_whether_routes_name_it_by_the_vpc_or_its_default_table():
    # An adopted DefaultRouteTable, and an ec2.Route on vpc.default_route_table_id (unknown at preview, so
    # linked to the VPC only), are one table.
    resources = ipv6_network(associate=False)
    vpc = resources[0]
    default = R(
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "main",
        {"defaultRouteTableId": U, "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]},
        deps={"defaultRouteTableId": [vpc]},
    )
    route = R(
        ROUTE,
        "v6",
        {"routeTableId": U, "destinationIpv6CidrBlock": "::/0", "gatewayId": "igw-1"},
        deps={"routeTableId": [vpc]},
    )
    assert faults(IPV6, [*resources, default, route]) == [
        f"{GIVES}, and route table 'main' routes ::/0 to an internet gateway, {REACHED}"
    ]
    assert faults(IPV6, [*resources, default]) == []


def test_a_route_to_a_prefix_list_of_internet_ranges_counts_like_its_cidrs():
    world = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "world",
        {"id": "pl-1", "addressFamily": "IPv6", "maxEntries": 2, "entries": [{"cidr": "::/0"}]},
    )
    peers = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "peers",
        {"id": "pl-2", "addressFamily": "IPv6", "maxEntries": 2, "entries": [{"cidr": "2600:1f18::/32"}]},
    )
    to_world = {"destinationPrefixListId": "pl-1", "gatewayId": "igw-1"}
    expected = [f"{GIVES}, and route table 'rt' routes ::/0 to an internet gateway, {REACHED}"]
    assert faults(IPV6, [*ipv6_network(route=to_world), world]) == expected
    assert faults(IPV6, [*ipv6_network(routes=[to_world]), world]) == expected
    # By its id unknown at preview, through the dependency; the list's entries unknown too: a note.
    by_dependency = ipv6_network(route={"destinationPrefixListId": U, "gatewayId": "igw-1"})
    by_dependency[-1].deps = {"destinationPrefixListId": [by_dependency[0], world]}  # the VPC does not count
    assert faults(IPV6, [*by_dependency, world]) == expected
    unknown_entries = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "later",
        {"id": "pl-3", "addressFamily": "IPv6", "entries": U},
    )
    later = ipv6_network(route={"destinationPrefixListId": "pl-3", "gatewayId": "igw-1"})
    assert [d.level for d in run(IPV6, [*later, unknown_entries])] == ["advisory"]
    # A list of peers, an AWS-managed list, or a list id unknown without a dependency: not the internet.
    assert faults(IPV6, [*ipv6_network(route={**to_world, "destinationPrefixListId": "pl-2"}), peers]) == []
    assert faults(IPV6, ipv6_network(route={**to_world, "destinationPrefixListId": "pl-63a5400a"})) == []
    assert faults(IPV6, ipv6_network(route={**to_world, "destinationPrefixListId": U})) == []


def test_every_subnet_and_instance_is_judged_not_only_the_first():
    # A first subnet and a first instance that ask for nothing do not end the search.
    quiet_subnet = R(SUBNET, "quiet", {"id": "subnet-0", "vpcId": "vpc-1"})
    quiet_instance = R(INSTANCE, "quiet-app", {"subnetId": "subnet-1"})
    asking = R(INSTANCE, "app", {"subnetId": "subnet-1", "ipv6AddressCount": 1})
    network = ipv6_network(routes=OPEN_ROUTES)
    resources = [quiet_subnet, *network, quiet_instance, asking]
    assert [d.urn.rsplit("::", 1)[1] for d in run(IPV6, resources)] == ["private", "app"]


def test_gateways_named_by_an_id_without_the_igw_prefix_and_other_gateways():
    # An internet gateway of the stack is one by its id whatever the id; a VPN gateway's route is not.
    gateway = R(IGW, "igw", {"id": "gw-0a1b2c", "vpcId": "vpc-1"})
    network = ipv6_network(routes=[{"ipv6CidrBlock": "::/0", "gatewayId": "gw-0a1b2c"}], gateway=gateway)
    assert [d.level for d in run(IPV6, network)] == ["mandatory"]
    vpn = R("aws:ec2/vpnGateway:VpnGateway", "vpn", {"id": "vgw-1"})
    through_vpn = ipv6_network(route={"destinationIpv6CidrBlock": "::/0", "gatewayId": U})
    through_vpn[-1].deps = {"gatewayId": [vpn]}
    assert run(IPV6, [*through_vpn, vpn]) == []


def test_standalone_routes_add_up_and_cidrs_with_host_bits_count():
    halves = ipv6_network()
    halves += [
        R(ROUTE, "r1", {"routeTableId": "rtb-1", "destinationIpv6CidrBlock": "::/2", "gatewayId": "igw-1"}),
        R(
            ROUTE,
            "r2",
            {"routeTableId": "rtb-1", "destinationIpv6CidrBlock": "8000::1/1", "gatewayId": "igw-1"},
        ),
    ]
    assert faults(IPV6, halves) == [
        f"{GIVES}, and route table 'rt' routes ::/2, 8000::/1 to an internet gateway, {REACHED}"
    ]


def test_an_instance_in_a_subnet_without_association_takes_the_main_table():
    network = ipv6_network({"assignIpv6AddressOnCreation": False}, associate=False)
    network.append(
        R(
            ROUTE,
            "main-r",
            {"routeTableId": "rtb-main", "destinationIpv6CidrBlock": "::/0", "gatewayId": "igw-1"},
        )
    )
    network.append(R(INSTANCE, "app", {"subnetId": "subnet-1", "ipv6AddressCount": 1}))
    assert faults(IPV6, network) == [
        "ipv6AddressCount gives it IPv6 addresses in subnet 'private', and VPC 'vpc''s main route table "
        "routes ::/0 to an internet gateway, so it can be reached from the internet"
    ]


def test_notes_when_settings_are_unknown_name_them_all():
    # Both settings unknown, the VPC outside the stack: a note saying both may give addresses.
    both = R(SUBNET, "private", {"vpcId": "vpc-x", "assignIpv6AddressOnCreation": U, "ipv6Native": U})
    (found,) = run(IPV6, [both])
    assert found.level == "advisory"
    assert faults(IPV6, [both]) == [
        "assignIpv6AddressOnCreation and ipv6Native may give its instances IPv6 addresses and its routes are "
        "those of the main route table of VPC 'vpc-x', which is not in the stack: whether they reach an "
        "internet gateway cannot be checked"
    ]
    # With the routes known, the note names the first of them as the value to wait for.
    network = ipv6_network({"assignIpv6AddressOnCreation": U, "ipv6Native": U}, routes=OPEN_ROUTES)
    (fault,) = faults(IPV6, network)
    assert "until aws:ec2/subnet:Subnet 'private'.assignIpv6AddressOnCreation is known" in fault
    # An instance in a subnet outside the stack: a note, never a block.
    elsewhere = R(INSTANCE, "app", {"subnetId": "subnet-other", "ipv6AddressCount": 1})
    assert [d.level for d in run(IPV6, [elsewhere])] == ["advisory"]


def test_prefix_lists_of_ipv4_or_reached_through_an_inline_route():
    # Entries unknown in an IPv4 list say nothing about IPv6.
    v4 = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "v4",
        {"id": "pl-4", "addressFamily": "IPv4", "entries": U},
    )
    network = ipv6_network(route={"destinationPrefixListId": "pl-4", "gatewayId": "igw-1"})
    assert run(IPV6, [*network, v4]) == []
    # An inline route to a list whose id is unknown: the list the table's routes depend on.
    world = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "world",
        {"id": "pl-1", "addressFamily": "IPv6", "entries": [{"cidr": "::/0"}]},
    )
    inline = ipv6_network(routes=[{"destinationPrefixListId": U, "gatewayId": "igw-1"}])
    inline[3].deps = {"routes": [world]}
    assert [d.level for d in run(IPV6, [*inline, world])] == ["mandatory"]
    later = R(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "later",
        {"id": "pl-3", "addressFamily": "IPv6", "entries": U},
    )
    inline[3].deps = {"routes": [later]}
    (note,) = run(IPV6, [*inline, later])
    assert note.level == "advisory"
    assert "until aws:ec2/managedPrefixList:ManagedPrefixList 'later'.entries is known" in note.message


ASG = "aws:autoscaling/group:Group"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def ipv6_template(**interface):
    return R(
        TEMPLATE, "lt", {"id": "lt-1", "name": "app-lt", "networkInterfaces": [{"deviceIndex": 0}, interface]}
    )


@pytest.mark.parametrize(
    ("group_props", "interface", "asks"),
    [
        (
            {"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-1"]},
            {"ipv6AddressCount": 1},
            "ipv6AddressCount gives",
        ),
        (
            {"launchTemplate": {"name": "app-lt"}, "vpcZoneIdentifiers": ["subnet-1"]},
            {"ipv6PrefixCount": 1},
            "ipv6PrefixCount gives",
        ),
        (
            {
                "mixedInstancesPolicy": {
                    "launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": "lt-1"}}
                },
                "vpcZoneIdentifiers": ["subnet-1"],
            },
            {"ipv6Prefixes": ["2600:1f18::/80"]},
            "ipv6Prefixes gives",
        ),
        # The interface's own subnet wins over the group's.
        (
            {"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-9"]},
            {"ipv6Addresses": ["2600::1"], "subnetId": "subnet-1"},
            "ipv6Addresses gives",
        ),
    ],
)
def test_a_group_launching_a_template_that_asks_for_ipv6_in_a_routed_subnet_is_a_violation(
    group_props, interface, asks
):
    network = ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES)
    group = R(ASG, "asg", group_props)
    (found,) = run(IPV6, [*network, ipv6_template(**interface), group])
    assert (found.level, found.urn) == ("mandatory", group.urn)
    assert faults(IPV6, [*network, ipv6_template(**interface), group]) == [
        f"launch template 'lt' networkInterfaces[1].{asks} it IPv6 addresses in subnet 'private', and route "
        "table 'rt' routes ::/0 to an internet gateway, so it can be reached from the internet"
    ]


def test_a_group_linked_by_outputs_unknown_at_preview():
    network = ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES)
    template = ipv6_template(ipv6AddressCount=U)
    group = R(
        ASG,
        "asg",
        {"launchTemplate": {"id": U}, "vpcZoneIdentifiers": [U]},
        deps={"launchTemplate": [template], "vpcZoneIdentifiers": [network[2], network[0]]},
    )
    (note,) = run(IPV6, [*network, template, group])
    assert note.level == "advisory"
    assert "until aws:ec2/launchTemplate:LaunchTemplate 'lt'.networkInterfaces is known" in note.message
    template.props["networkInterfaces"][1]["ipv6AddressCount"] = 2
    assert [d.level for d in run(IPV6, [*network, template, group])] == ["mandatory"]


@pytest.mark.parametrize(
    ("group_props", "interface", "expected"),
    [
        # Subnets outside the stack: a note.
        (
            {"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-x"]},
            {"ipv6AddressCount": 1},
            [
                "launch template 'lt' networkInterfaces[1].ipv6AddressCount gives it IPv6 addresses in "
                "subnets ['subnet-x'], which are not in the stack: whether the routes reach an internet "
                "gateway cannot be checked"
            ],
        ),
        # No subnet named at all (the default VPC's, which has no IPv6 unless the stack adds it), no IPv6
        # asked, another template, a public subnet.
        ({"launchTemplate": {"id": "lt-1"}}, {"ipv6AddressCount": 1}, []),
        ({"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-1"]}, {"ipv6AddressCount": 0}, []),
        ({"launchTemplate": {"id": "lt-2"}, "vpcZoneIdentifiers": ["subnet-1"]}, {"ipv6AddressCount": 1}, []),
        (
            {"launchTemplate": {"id": "lt-1"}, "vpcZoneIdentifiers": ["subnet-pub"]},
            {"ipv6AddressCount": 1},
            [],
        ),
    ],
)
def test_groups_whose_subnets_or_templates_do_not_open_ipv6(group_props, interface, expected):
    network = ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES)
    public = R(SUBNET, "pub", {"id": "subnet-pub", "vpcId": "vpc-1", "tags": {"Tier": "public"}})
    broken = R(TEMPLATE, "other", {"id": "lt-2", "networkInterfaces": U})
    resources = [*network, public, broken, ipv6_template(**interface), R(ASG, "asg", group_props)]
    assert faults(IPV6, resources, {"publicTier": {"Tier": ["public"]}}) == expected


def test_a_mixed_instances_policy_names_its_template_by_name_or_by_dependency():
    network = ipv6_network({"assignIpv6AddressOnCreation": False}, routes=OPEN_ROUTES)
    template = ipv6_template(ipv6AddressCount=1)
    by_name = R(
        ASG,
        "asg",
        {
            "vpcZoneIdentifiers": ["subnet-1"],
            "mixedInstancesPolicy": {
                "launchTemplate": {"launchTemplateSpecification": {"launchTemplateName": "app-lt"}}
            },
        },
    )
    by_dependency = R(
        ASG,
        "asg",
        {"vpcZoneIdentifiers": ["subnet-1"], "mixedInstancesPolicy": U},
        deps={"mixedInstancesPolicy": [template]},
    )
    for group in (by_name, by_dependency):
        assert [d.level for d in run(IPV6, [*network, template, group])] == ["mandatory"]


def test_an_interface_subnet_outside_the_stack_is_named_in_the_note():
    template = ipv6_template(ipv6AddressCount=1, subnetId="subnet-elsewhere")
    group = R(ASG, "asg", {"launchTemplate": {"id": "lt-1"}})
    (note,) = run(IPV6, [template, group])
    assert (note.level, note.urn) == ("advisory", group.urn)
    assert faults(IPV6, [template, group]) == [
        "launch template 'lt' networkInterfaces[1].ipv6AddressCount gives it IPv6 addresses in subnet "
        "'subnet-elsewhere', which is not in the stack: whether the routes reach an internet gateway "
        "cannot be checked"
    ]


def test_rules_on_a_group_id_unknown_at_preview_from_no_group_may_join_any_group():
    # securityGroupId = instance.vpc_security_group_ids[0]: unknown at preview and linked to the instance,
    # not to a group, so the rule may be added to any group once deployed.
    instance = R("aws:ec2/instance:Instance", "app", {"vpcSecurityGroupIds": U})
    group = R(SG, "sg", {"id": U, "ingress": [{"protocol": "-1", "cidrBlocks": ["11.0.0.0/8"]}]})

    def rule(name, cidr, **ports):
        props = {"securityGroupId": U, "ipProtocol": "-1", "cidrIpv4": cidr, **ports}
        return R(INGRESS_RULE, name, props, deps={"securityGroupId": [instance]})

    half = rule("half", "12.0.0.0/8")
    unknown = (
        f"{INGRESS_RULE} 'half'.securityGroupId is known (it depends on aws:ec2/instance:Instance 'app')"
    )
    assert messages(INGRESS, [group, instance, half]) == [
        (
            "advisory",
            "sg",
            "whether ingress[0] + ingress rule 'half' together admit 11.0.0.0/8 + 12.0.0.0/8 (more public "
            f"addresses than a /8 of 0.0.0.0/0) on all ports cannot be checked until {unknown}; {PREVIEW}",
        )
    ]
    # Two such rules may name the same group: a note on each.
    other = rule("other", "13.0.0.0/8")
    found = messages(INGRESS, [instance, half, other])
    assert [(level, name) for level, name, _ in found] == [("advisory", "half"), ("advisory", "other")]
    assert all(
        text.startswith(
            "whether ingress rule 'half' + ingress rule 'other' together admit 12.0.0.0/8 + 13.0.0.0/8 "
        )
        for _, _, text in found
    )
    # A rule open to the world on its own is reported once, on itself; a rule on other ports adds nothing.
    world = rule("world", "0.0.0.0/0")
    assert [(level, name) for level, name, _ in messages(INGRESS, [group, instance, world])] == [
        ("mandatory", "world")
    ]
    apart = R(
        INGRESS_RULE,
        "apart",
        {"securityGroupId": U, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "12.0.0.0/8"},
        deps={"securityGroupId": [instance]},
    )
    group.props["ingress"][0] = {
        "protocol": "tcp",
        "fromPort": 80,
        "toPort": 80,
        "cidrBlocks": ["11.0.0.0/8"],
    }
    assert run(INGRESS, [group, instance, apart]) == []


def test_a_rule_whose_group_id_is_computed_from_several_groups_may_join_any_of_them():
    # securityGroupId = Output.all(a.id, b.id).apply(pick): it depends on both groups and is one of them.
    first = R(SG, "a", {"id": U})
    second = R(SG, "b", {"id": U, "ingress": [{"protocol": "-1", "cidrBlocks": ["11.0.0.0/8"]}]})
    rule = R(
        INGRESS_RULE,
        "picked",
        {"securityGroupId": U, "ipProtocol": "-1", "cidrIpv4": "12.0.0.0/8"},
        deps={"securityGroupId": [first, second]},
    )
    ((level, name, text),) = messages(INGRESS, [first, second, rule])
    assert (level, name) == ("advisory", "b")
    assert text.startswith(
        "whether ingress[0] + ingress rule 'picked' together admit 11.0.0.0/8 + 12.0.0.0/8 (more public "
        f"addresses than a /8 of 0.0.0.0/0) on all ports cannot be checked until {INGRESS_RULE} "
        "'picked'.securityGroupId is known (it depends on aws:ec2/securityGroup:SecurityGroup 'a', "
        "aws:ec2/securityGroup:SecurityGroup 'b')"
    )
    # Open to the world on its own, it is reported on itself, whichever group it joins.
    rule.props["cidrIpv4"] = "0.0.0.0/0"
    assert [(level, name) for level, name, _ in messages(INGRESS, [first, second, rule])] == [
        ("mandatory", "picked")
    ]
