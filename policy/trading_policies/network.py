"""VPC rules every anchor rule set agrees on: flow logs for every VPC, and a closed default security group."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .graph import Resource, Stack
from .registry import Finding, Rule
from .values import UNKNOWN, as_number, get

VPC = "aws:ec2/vpc:Vpc"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
WORLD = ("0.0.0.0/0", "::/0")
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
_VPC_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/"


def check_flow_logs(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    logged = stack.attached((FLOW_LOG,), "vpcId", (VPC,), ("id",))
    for vpc in stack.of_type(VPC):
        if vpc not in logged:
            yield Finding(
                vpc, "has no aws.ec2.FlowLog, so network traffic to and from the VPC is not recorded"
            )


def check_default_security_group(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    groups = stack.attached((DEFAULT_SECURITY_GROUP,), "vpcId", (VPC,), ("id",))
    for vpc in stack.of_type(VPC):
        if vpc not in groups:
            yield Finding(
                vpc,
                "does not manage its default security group, which keeps AWS's rules allowing all traffic "
                "between its members and all outbound traffic",
            )
        for group in groups.get(vpc, []):
            for direction in ("ingress", "egress"):
                rules = group.get(direction)
                if rules is not UNKNOWN and isinstance(rules, list) and rules:
                    yield Finding(
                        vpc, f"default security group '{group.name}' has {len(rules)} {direction} rule(s)"
                    )


def check_public_ingress(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    allowed = set(config["allowedPublicPorts"])
    if resource.type == SECURITY_GROUP:
        rules = resource.get("ingress")
        entries = [(f"ingress[{i}]", r) for i, r in enumerate(rules)] if isinstance(rules, list) else []
    elif resource.type == SECURITY_GROUP_RULE and resource.get("type") != "ingress":
        entries = []
    else:
        entries = [("rule", resource.props)]
    for label, rule in entries:
        cidrs = _world_cidrs(rule)
        if cidrs and not _only_allowed_ports(rule, allowed):
            yield (
                f"{label} admits {', '.join(cidrs)} on {_ports_text(rule)}, so anyone on the internet can "
                "reach it"
            )


def _world_cidrs(rule: Any) -> list[str]:
    found = []
    for key in ("cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6"):
        value = get(rule, key)
        for cidr in value if isinstance(value, list) else [value]:
            if cidr in WORLD:
                found.append(cidr)
    return found


def _port_range(rule: Any) -> tuple[float, float] | None:
    protocol = get(rule, "protocol")
    protocol = get(rule, "ipProtocol") if not isinstance(protocol, str) else protocol
    low, high = as_number(get(rule, "fromPort")), as_number(get(rule, "toPort"))
    if protocol in ("-1", "all") or not isinstance(low, float) or not isinstance(high, float):
        return None
    return low, high


def _only_allowed_ports(rule: Any, allowed: set[int]) -> bool:
    ports = _port_range(rule)
    if ports is None or ports[1] - ports[0] > 1024:
        return False
    return all(port in allowed for port in range(int(ports[0]), int(ports[1]) + 1))


def _ports_text(rule: Any) -> str:
    ports = _port_range(rule)
    if ports is None:
        return "all ports"
    low, high = int(ports[0]), int(ports[1])
    return f"port {low}" if low == high else f"ports {low}-{high}"


RULES = [
    Rule(
        name="ec2-security-group-no-public-ingress",
        description=(
            "Security groups and their rules admit no traffic from 0.0.0.0/0 or ::/0, except on ports listed "
            "in allowedPublicPorts."
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "1.4.2"),
        remediation=(
            "Admit traffic only from the security groups or CIDR ranges that need it (e.g. "
            "referenced_security_group_id=function_sg.id); list a deliberately public port in the policy's "
            "allowedPublicPorts config"
        ),
        url=_VPC_DOCS + "security-group-rules.html",
        topic="network",
        check=check_public_ingress,
        resource_types=(SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE),
        config={
            "allowedPublicPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [],
                "description": "Ports that may be open to the internet (e.g. [443] for a public load "
                "balancer).",
            }
        },
    ),
    Rule(
        name="vpc-flow-logs-enabled",
        description="Every VPC in the stack has a flow log.",
        severity=Severity.MEDIUM,
        pci=("10.2.1",),
        remediation=(
            "Add aws.ec2.FlowLog(vpc_id=vpc.id, traffic_type='ALL', log_destination=flow_log_group.arn, "
            "iam_role_arn=...) delivering to an encrypted log group"
        ),
        url=_VPC_DOCS + "flow-logs.html",
        topic="network",
        check=check_flow_logs,
        stack=True,
    ),
    Rule(
        name="vpc-default-security-group-closed",
        description=(
            "Every VPC's default security group is managed by the stack with no ingress and no egress rules."
        ),
        severity=Severity.MEDIUM,
        pci=("1.2.1", "1.3.1", "1.3.2"),
        remediation="Add aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id) with no ingress and no egress rules",
        url=_VPC_DOCS + "default-security-group.html",
        topic="network",
        check=check_default_security_group,
        stack=True,
    ),
]
