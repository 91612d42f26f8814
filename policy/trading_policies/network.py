"""VPC rules: flow logs for every VPC, a closed default security group, no security group open to the
internet (in or out) and no subnet that hands out public addresses.

A VPC is an ``ec2.Vpc`` or an adopted default VPC (``ec2.DefaultVpc``), as a subnet is an ``ec2.Subnet`` or
an ``ec2.DefaultSubnet``: AWS runs both alike, and flow logs and the default security group attach to
either by its id. The default security group counts as closed only when it has no inline rule and no
standalone rule is attached to it.

The security group rules judge a group as AWS does: the union of its inline rules and of every standalone
rule attached to it (``ec2.SecurityGroupRule``, ``vpc.SecurityGroupIngressRule``/``EgressRule``, matched
through the ``securityGroupId`` property dependency or the group's id). A group open to the world in
pieces (``0.0.0.0/1`` plus ``128.0.0.0/1``, or the two IPv6 halves, in one rule or several) is open to
the world.

A rule that names a prefix list opens that list's CIDRs. A list the stack declares
(``ec2.ManagedPrefixList``: its inline ``entries`` plus its ``ec2.ManagedPrefixListEntry`` resources),
found through the property dependency or by a literal id, ARN or name, counts as if its CIDRs were written
in the rule; so do the stack's entries for a literal list id the stack does not declare. Any other list is
AWS-managed (the S3 and DynamoDB lists of gateway endpoints) or outside the stack, and is not judged.

A value unknown at preview is never passed silently: an unknown CIDR (or prefix list entry) is taken as
the whole internet of its address family, and a range open only because of it is an advisory note; so is
what an ``ec2.SecurityGroupRule`` whose ``type`` is unknown opens, in both directions, and what a
standalone rule whose ``securityGroupId`` is unknown and comes from none of the stack's groups (e.g. an
instance's ``vpcSecurityGroupIds[0]``) or from several, opens together with any group, or with another such
rule. So is
a prefix list whose rule the engine cannot tell: it links a group's prefix lists to its whole inline
``ingress``/``egress`` list, so an unknown list id belongs to its rule for certain only when no other
inline rule of that list has one. A whole ``ingress``/``egress`` list unknown at preview is not judged
(the provider computes it for every group); a preview in update mode, or the next deployment, judges it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, collapse_addresses, ip_network
from itertools import pairwise
from typing import Any

from pulumi_policy import Severity

from .awsfacts import is_the_internet
from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe, get

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
VPCS = (VPC, DEFAULT_VPC)
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
SUBNETS = (SUBNET, DEFAULT_SUBNET)
INSTANCE = "aws:ec2/instance:Instance"
NETWORK_INTERFACE = "aws:ec2/networkInterface:NetworkInterface"
SPOT_INSTANCE_REQUEST = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_SET = "aws:ecs/taskSet:TaskSet"
SPOT_FLEET_REQUEST = "aws:ec2/spotFleetRequest:SpotFleetRequest"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
# A VPC's outputs that name its main route table (the provider sets both to the same id).
_MAIN_TABLE_KEYS = ("defaultRouteTableId", "mainRouteTableId")
_EIP_TARGETS = {
    EIP: (("instance", "instance"), ("networkInterface", "network interface")),
    EIP_ASSOCIATION: (("instanceId", "instance"), ("networkInterfaceId", "network interface")),
}
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
WORLD = ("0.0.0.0/0", "::/0")
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE_TABLES = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
_VPC_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/"
_PUBLIC_TIER = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "default": {},
    "description": (
        "Tag key -> values that mark a subnet of the public tier, which may give its instances public "
        'addresses (e.g. {"Tier": ["public"]}); {}: none may.'
    ),
}


def check_flow_logs(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    logged = stack.attached((FLOW_LOG,), "vpcId", VPCS, ("id",))
    for vpc in stack.of_type(*VPCS):
        if vpc not in logged:
            yield Finding(
                vpc, "has no aws.ec2.FlowLog, so network traffic to and from the VPC is not recorded"
            )


def check_default_security_group(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    groups = stack.attached((DEFAULT_SECURITY_GROUP,), "vpcId", VPCS, ("id",))
    # A standalone rule adds to the default group as an inline one does (AuthorizeSecurityGroupIngress).
    rule_types = (SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE)
    standalone = stack.attached(rule_types, "securityGroupId", (DEFAULT_SECURITY_GROUP,), ("id",))
    # A rule may name the default group as the VPC's defaultSecurityGroupId output: at preview it then
    # depends on the VPC alone, and at update its id is the VPC's, whether or not the stack adopts the group.
    by_vpc = stack.attached(rule_types, "securityGroupId", VPCS, ("defaultSecurityGroupId",))
    for vpc in stack.of_type(*VPCS):
        if vpc not in groups:
            yield Finding(
                vpc,
                "does not manage its default security group, which keeps AWS's rules allowing all traffic "
                "between its members and all outbound traffic",
            )
        for group in groups.get(vpc, []):
            yield from _default_group_faults(vpc, group, standalone.get(group, []))
        seen = {rule for group in groups.get(vpc, []) for rule in standalone.get(group, [])}
        for rule in by_vpc.get(vpc, []):
            if rule not in seen and not stack.targets(rule, "securityGroupId", (SECURITY_GROUP,), ("id",)):
                yield Finding(
                    vpc,
                    f"its default security group (defaultSecurityGroupId) gets the {_rule_direction(rule)} "
                    f"rule '{rule.name}' ({rule.type}), which opens the group AWS puts every resource in by "
                    "default",
                )
    # The default group of a VPC the stack does not declare (named by its id) is as open: judged on itself.
    judged = {group for attached in groups.values() for group in attached}
    for group in stack.of_type(DEFAULT_SECURITY_GROUP):
        if group not in judged:
            yield from _default_group_faults(group, group, standalone.get(group, []))


def _default_group_faults(subject: Resource, group: Resource, rules: list[Resource]) -> Iterator[Finding]:
    for direction in ("ingress", "egress"):
        inline = group.get(direction)
        if _set_unknown(group, direction):
            what = f"whether default security group '{group.name}' has {direction} rules"
            yield unknown_until_deployed(subject, group, direction, what)
        elif isinstance(inline, list) and inline:
            yield Finding(
                subject, f"default security group '{group.name}' has {len(inline)} {direction} rule(s)"
            )
    for rule in rules:
        yield Finding(
            subject,
            f"default security group '{group.name}' gets the {_rule_direction(rule)} rule '{rule.name}' "
            f"({rule.type}), which opens the group AWS puts every resource in by default",
        )


def _set_unknown(group: Resource, direction: str) -> bool:
    """True when the program set a group's whole list of rules from values computed during deployment. A
    list unknown without depending on any resource is the one the provider computes for a group whose
    program set none (it reads the rules back), so it holds only rules of other resources, judged there."""
    return group.program_value(direction) is UNKNOWN


def _rule_direction(rule: Resource) -> str:
    if rule.type == INGRESS_RULE:
        return "ingress"
    if rule.type == EGRESS_RULE:
        return "egress"
    kind = rule.get("type")
    return kind if kind in ("ingress", "egress") else "ingress or egress"


def check_public_ingress(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _world_open(stack, "ingress", set(config["allowedPublicPorts"]))


def check_unrestricted_egress(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _world_open(stack, "egress", set(config["allowedPorts"]))


def check_subnet_public_ip(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    value = resource.get("mapPublicIpOnLaunch")
    # AWS's default subnets give every instance a public address unless told otherwise.
    mapped = as_bool(value)
    if mapped is ABSENT and resource.type == DEFAULT_SUBNET:
        mapped = True
    if mapped is not True or _in_public_tier(resource, config["publicTier"]):
        return
    shown = "not set (a default subnet maps public IPs)" if value is ABSENT else describe(value)
    yield (
        f"mapPublicIpOnLaunch is {shown}, so every instance and network interface launched in it gets a "
        "public IP address"
    )


def check_subnet_public_ipv6(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    tier = config["publicTier"]
    associations = stack.attached((ROUTE_TABLE_ASSOCIATION,), "subnetId", SUBNETS, ("id",))
    for subnet in stack.of_type(*SUBNETS):
        asked = _ipv6_asked(subnet.get, {"assignIpv6AddressOnCreation": as_bool, "ipv6Native": as_bool})
        if asked is not None and not _in_public_tier(subnet, tier):
            yield from _ipv6_reached(stack, subnet, subnet, asked, associations.get(subnet, []))
    # An instance or network interface that asks for IPv6 addresses gets them in any subnet with IPv6.
    for resource in stack.of_type(INSTANCE, NETWORK_INTERFACE):
        asked = _ipv6_asked(resource.get, _ASKS_FOR_IPV6)
        if asked is None or resource.get("subnetId") is ABSENT:
            continue
        subnets = stack.targets(resource, "subnetId", SUBNETS, ("id",))
        if not subnets:
            yield Finding(
                resource,
                f"{asked[0]} {asked[1]} it IPv6 addresses in subnet {describe(resource.get('subnetId'))}, "
                "which is not in the stack: whether its routes reach an internet gateway cannot be checked",
                unknown_at_preview=True,
            )
        for subnet in subnets:
            if not _in_public_tier(subnet, tier):
                yield from _ipv6_reached(stack, resource, subnet, asked, associations.get(subnet, []))
    # An Auto Scaling group launches its template's interfaces into its subnets (vpcZoneIdentifiers).
    for group in stack.of_type(AUTOSCALING_GROUP):
        group_subnets = _group_subnets(stack, group)
        for template in _templates_of(stack, group):
            interfaces = template.get("networkInterfaces")
            for index, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
                asked = _ipv6_asked(lambda prop, at=interface: get(at, prop), _ASKS_FOR_IPV6)
                if asked is None:
                    continue
                props, verb, known = asked
                named = f"launch template '{template.name}' networkInterfaces[{index}].{props}"
                own = stack.find(SUBNETS, get(interface, "subnetId"), ("id",))
                where = get(interface, "subnetId")
                shown = f"subnet {describe(where)}, which is"
                if where is ABSENT:
                    where = group.get("vpcZoneIdentifiers")
                    shown = f"subnets {describe(where)}, which are"
                if not (own or group_subnets) and where is not ABSENT:
                    yield Finding(
                        group,
                        f"{named} {verb} it IPv6 addresses in {shown} not in the stack: whether the routes "
                        "reach an internet gateway cannot be checked",
                        unknown_at_preview=True,
                    )
                for subnet in own or group_subnets:
                    if not _in_public_tier(subnet, tier):
                        yield from _ipv6_reached(
                            stack,
                            group,
                            subnet,
                            (named, verb, known),
                            associations.get(subnet, []),
                            asked_at=(template, "networkInterfaces"),
                        )


def _templates_of(stack: Stack, group: Resource) -> list[Resource]:
    """The launch templates a group launches: by dependency, or by a literal id or name."""
    linked = [
        d
        for prop in ("launchTemplate", "mixedInstancesPolicy")
        for d in group.property_dependencies.get(prop, [])
        if d.type == LAUNCH_TEMPLATE
    ]
    spec = group.get("launchTemplate")
    mixed = group.get("mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification")
    named = [
        *stack.find((LAUNCH_TEMPLATE,), get(spec, "id"), ("id",)),
        *stack.find((LAUNCH_TEMPLATE,), get(mixed, "launchTemplateId"), ("id",)),
        *stack.find((LAUNCH_TEMPLATE,), get(spec, "name"), ("name",)),
        *stack.find((LAUNCH_TEMPLATE,), get(mixed, "launchTemplateName"), ("name",)),
    ]
    return list(dict.fromkeys([*linked, *named]))


def _group_subnets(stack: Stack, group: Resource) -> list[Resource]:
    """The group's subnets the stack declares: by dependency, or by a literal id in vpcZoneIdentifiers."""
    linked = [d for d in group.property_dependencies.get("vpcZoneIdentifiers", []) if d.type in SUBNETS]
    values = group.get("vpcZoneIdentifiers")
    named = [s for v in (values if isinstance(values, list) else []) for s in stack.find(SUBNETS, v, ("id",))]
    return list(dict.fromkeys([*linked, *named]))


def _ipv6_asked(read_prop: Any, readers: Mapping[str, Any]) -> tuple[str, str, bool] | None:
    """``(properties, verb, known)`` when what ``read_prop`` reads asks for IPv6 addresses (``known``
    False: only properties not known at preview may ask), else None."""
    values = {prop: read(read_prop(prop)) for prop, read in readers.items()}
    asks = [p for p, value in values.items() if value is True or (type(value) in (int, float) and value > 0)]
    maybe = [p for p, value in values.items() if value is UNKNOWN]
    if asks:
        return " and ".join(asks), "gives" if len(asks) == 1 else "give", True
    return (" and ".join(maybe), "may give", False) if maybe else None


def _listed(value: Any) -> Any:
    return value if value is UNKNOWN else isinstance(value, list) and bool(value)


_ASKS_FOR_IPV6 = {
    "ipv6AddressCount": as_number,
    "ipv6Addresses": _listed,
    "ipv6PrefixCount": as_number,
    "ipv6Prefixes": _listed,
}


def _ipv6_reached(
    stack: Stack,
    subject: Resource,
    subnet: Resource,
    asked: tuple[str, str, bool],
    associations: list[Resource],
    asked_at: tuple[Resource, str] | None = None,
) -> Iterator[Finding]:
    """Whether the IPv6 addresses ``subject`` asks for (a subnet's for its instances, or its own) are routed
    to an internet gateway by ``subnet``'s route tables; ``asked_at``: where the ask is, when not on
    ``subject`` itself (a launch template's interfaces)."""
    props, verb, known_ask = asked
    own = subject is subnet
    says = f"{props} {verb} {'its instances' if own else 'it'} IPv6 addresses" + (
        "" if own else f" in subnet '{subnet.name}'"
    )
    reached, whose = ("each instance", "its") if own else ("it", "the subnet's")
    tables, unseen = _route_tables_of(stack, subnet, associations)
    for table, *also in tables:
        known, unknown = _internet_routes_v6(stack, table)
        for view in also:  # the same table, as routes name it
            more, later = _internet_routes_v6(stack, view)
            known, unknown = known + more, unknown + later
        if not is_the_internet(known + [_WORLDS[6]] * bool(unknown), 6):
            continue
        what = (
            f"route table '{table.name}'"
            if table.type in ROUTE_TABLES
            else f"VPC '{table.name}''s main route table"
        )
        if not known_ask:  # what is not known yet is whether addresses are asked for
            gets = "gives its instances" if own else "gets"
            question = (
                f"whether {subject.label} {gets} IPv6 addresses that {what} routes to an internet gateway"
            )
            source, prop = asked_at or (subject, props.split(" and ")[0])
            yield unknown_until_deployed(subject, source, prop, question)
        elif not is_the_internet(known, 6):  # so is a destination, taken as the whole internet
            source, prop = unknown[0]
            question = f"whether {what} routes the internet to an internet gateway ({says})"
            yield unknown_until_deployed(subject, source, prop, question)
        else:
            shown = ", ".join(str(n) for n in collapse_addresses(known))  # type: ignore[arg-type]
            yield Finding(
                subject,
                f"{says}, and {what} routes {shown} to an internet gateway, so {reached} can be reached from "
                "the internet",
            )
    for where in unseen:
        yield Finding(
            subject,
            f"{says} and {whose} routes are those of {where}, which is not in the stack: whether they reach "
            "an internet gateway cannot be checked",
            unknown_at_preview=True,
        )


def _route_tables_of(
    stack: Stack, subnet: Resource, associations: list[Resource]
) -> tuple[list[tuple[Resource, ...]], list[str]]:
    """The route tables a subnet uses, each as the resources that stand for it (a VPC's main table is its
    DefaultRouteTable and the VPC whose defaultRouteTableId routes name), and a description of each table
    the stack does not declare."""
    tables: list[tuple[Resource, ...]] = []
    unseen: list[str] = []
    for association in associations:
        found = stack.targets(association, "routeTableId", ROUTE_TABLES, ("id",))
        tables += [(table,) for table in found]
        if not found:
            unseen.append(f"route table {describe(association.get('routeTableId'))}")
    if associations:
        return tables, unseen
    # No association: the VPC's main route table.
    vpcs = stack.targets(subnet, "vpcId", VPCS, ("id",))
    if not vpcs:
        return [], [f"the main route table of VPC {describe(subnet.get('vpcId'))}"]
    for vpc in vpcs:
        main = stack.attached((MAIN_ROUTE_TABLE_ASSOCIATION,), "vpcId", VPCS, ("id",)).get(vpc, [])
        for association in main:
            found = stack.targets(association, "routeTableId", ROUTE_TABLES, ("id",))
            tables += [(table,) for table in found]
            if not found:
                unseen.append(f"route table {describe(association.get('routeTableId'))}")
        if not main:
            default = stack.attached((DEFAULT_ROUTE_TABLE,), "defaultRouteTableId", VPCS, _MAIN_TABLE_KEYS)
            tables.append((*default.get(vpc, []), vpc))
    return tables, unseen


def _internet_routes_v6(stack: Stack, table: Resource) -> tuple[list[Network], list[tuple[Resource, str]]]:
    """The IPv6 destinations ``table`` sends to an internet gateway, and where each one not known at preview
    comes from: its inline routes and ec2.Route resources (by its id, or a VPC's defaultRouteTableId)."""
    keys = _MAIN_TABLE_KEYS if table.type in VPCS else ("id",)
    known: list[Network] = []
    unknown: list[tuple[Resource, str]] = []
    inline = table.get("routes") if table.type in ROUTE_TABLES else ABSENT
    # The engine links a table's gateways to its whole routes list: an unknown gatewayId is the internet
    # gateway's when the list depends on one.
    list_igw = any(d.type == INTERNET_GATEWAY for d in table.property_dependencies.get("routes", []))
    for route in inline if isinstance(inline, list) else []:
        if isinstance(route, dict) and _is_internet_gateway(stack, route.get("gatewayId"), list_igw):
            cidr, list_id = route.get("ipv6CidrBlock"), route.get("destinationPrefixListId")
            more, later = _destination_v6(stack, cidr, list_id, (table, "routes"), (table, "routes"))
            known, unknown = known + more, unknown + later
    for route in stack.attached((ROUTE,), "routeTableId", (table.type,), keys).get(table, []):
        linked = bool(stack.targets(route, "gatewayId", (INTERNET_GATEWAY,), ("id",)))
        if linked or _is_internet_gateway(stack, route.get("gatewayId"), False):
            cidr, list_id = route.get("destinationIpv6CidrBlock"), route.get("destinationPrefixListId")
            cidr_at, list_at = (route, "destinationIpv6CidrBlock"), (route, "destinationPrefixListId")
            more, later = _destination_v6(stack, cidr, list_id, cidr_at, list_at)
            known, unknown = known + more, unknown + later
    return known, unknown


def _destination_v6(
    stack: Stack, cidr: Any, list_id: Any, cidr_at: tuple[Resource, str], list_at: tuple[Resource, str]
) -> tuple[list[Network], list[tuple[Resource, str]]]:
    """One route's IPv6 destinations (its CIDR, its prefix list's CIDRs), and where each unknown one is."""
    listed, later = _prefix_list_v6(stack, *list_at, list_id)
    return _ipv6(cidr) + listed, ([cidr_at] if cidr is UNKNOWN else []) + later


def _prefix_list_v6(
    stack: Stack, holder: Resource, prop: str, list_id: Any
) -> tuple[list[Network], list[tuple[Resource, str]]]:
    """The IPv6 CIDRs of a route's destination prefix list, as a security group rule's are read: a list of
    the stack (by id, or the one an unknown id depends on) or its entries; AWS-managed lists add nothing."""
    reach = _Reach()
    if list_id is UNKNOWN:
        for plist in dict.fromkeys(holder.property_dependencies.get(prop, [])):
            if plist.type == PREFIX_LIST:
                _add_prefix_list(stack, reach, plist, (holder, prop), True)
    elif isinstance(list_id, str):
        _add_prefix_list_id(stack, reach, list_id)
    later = [reach.unknown] if reach.unknown and any(n.version == 6 for n in reach.maybe) else []
    return [n for n in reach.networks if n.version == 6], later


def _is_internet_gateway(stack: Stack, gateway: Any, unknown_is_one: bool) -> bool:
    if gateway is UNKNOWN:
        return unknown_is_one
    return isinstance(gateway, str) and (
        gateway.startswith("igw-") or bool(stack.find((INTERNET_GATEWAY,), gateway, ("id",)))
    )


def _ipv6(value: Any) -> list[Network]:
    try:
        network = ip_network(value, strict=False) if isinstance(value, str) else None
    except ValueError:
        return []
    return [network] if network is not None and network.version == 6 else []


def check_instance_public_ip(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if resource.type in _EIP_TARGETS:
        # Attached to anything, an Elastic IP is that thing's public address, whichever instance it is.
        for prop, what in _EIP_TARGETS[resource.type]:
            value = resource.get(prop)
            if value is not ABSENT and value != "":
                shown = "one computed during deployment" if value is UNKNOWN else describe(value)
                yield (
                    f"{prop} attaches the Elastic IP to {what} {shown}, which gives it a public IP address "
                    "that the internet can reach wherever a security group lets it"
                )
        return
    if resource.type in (ECS_SERVICE, ECS_TASK_SET):
        value = get(resource.get("networkConfiguration"), "assignPublicIp")
        if as_bool(value) is True:
            yield (
                f"networkConfiguration.assignPublicIp is {describe(value)}, so each task gets a public IP "
                "address that the internet can reach wherever a security group lets it"
            )
        return
    if resource.type == SPOT_FLEET_REQUEST:
        specifications = resource.get("launchSpecifications")
        for index, specification in enumerate(specifications if isinstance(specifications, list) else []):
            value = get(specification, "associatePublicIpAddress")
            if as_bool(value) is True:
                yield (
                    f"launchSpecifications[{index}].associatePublicIpAddress is {describe(value)}, so every "
                    "instance the fleet launches from it gets a public IP address"
                )
        return
    if resource.type != LAUNCH_TEMPLATE:
        value = resource.get("associatePublicIpAddress")
        if as_bool(value) is True:
            yield (
                f"associatePublicIpAddress is {describe(value)}, so the instance gets a public IP address "
                "that the internet can reach wherever a security group lets it"
            )
        return
    interfaces = resource.get("networkInterfaces")
    for index, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
        value = get(interface, "associatePublicIpAddress")
        if as_bool(value) is True:
            yield (
                f"networkInterfaces[{index}].associatePublicIpAddress is {describe(value)}, so every "
                "instance launched from the template gets a public IP address"
            )


def _in_public_tier(resource: Resource, tier: Mapping[str, list[str]]) -> bool:
    tags = resource.tags()
    if not isinstance(tags, dict):
        return False
    return any(tags.get(key) in values for key, values in tier.items())


Network = IPv4Network | IPv6Network
_WORLDS: dict[int, Network] = {4: ip_network(WORLD[0]), 6: ip_network(WORLD[1])}
# The keys a rule names CIDRs under, and the address family each takes.
_CIDR_KEYS = (("cidrBlocks", (4,)), ("ipv6CidrBlocks", (6,)), ("cidrIpv4", (4,)), ("cidrIpv6", (6,)))
_PREFIX_LIST_KEYS = ("prefixListIds", "prefixListId")


@dataclass(frozen=True)
class _Entry:
    """One rule of a security group in one direction, as the ranges it opens: ``networks`` for certain,
    ``maybe`` once values unknown at preview are known (judged as the widest they could be), the first of
    those values as (resource, property) in ``unknown``."""

    source: Resource
    label: str
    protocol: str
    ports: tuple[int, int]
    networks: tuple[Network, ...]
    maybe: tuple[Network, ...] = ()
    unknown: tuple[Resource, str] | None = None

    def reach(self, maybe: bool) -> tuple[Network, ...]:
        return self.networks + self.maybe if maybe else self.networks


@dataclass
class _Reach:
    """What one rule opens, gathered from its CIDRs and the prefix lists it names."""

    networks: list[Network] = field(default_factory=list)
    maybe: list[Network] = field(default_factory=list)
    unknown: tuple[Resource, str] | None = None
    lists: list[str] = field(default_factory=list)

    def add(self, cidr: Any, families: tuple[int, ...], origin: tuple[Resource, str], sure: bool) -> None:
        if cidr is UNKNOWN:
            found, sure = [_WORLDS[family] for family in families], False
        elif isinstance(cidr, str):
            try:
                found = [ip_network(cidr.strip(), strict=False)]
            except ValueError:
                return  # AWS refuses a malformed CIDR at deployment; it opens nothing
        else:
            return
        if sure:
            self.networks += found
            return
        self.maybe += found
        self.unknown = self.unknown or origin


def _world_open(stack: Stack, direction: str, allowed: set[int]) -> Iterator[Finding]:
    """Every group (declared or only named by its rules) whose rules together open ``direction`` to the
    whole IPv4 or IPv6 internet on a port outside ``allowed``: the union of all its rules' ranges counts,
    so 0.0.0.0/1 plus 128.0.0.0/1 is the world. A range only values unknown at preview may open is a note."""
    owners, floating = _groups(stack, direction)
    for owner, entries in owners.items():
        yield from _findings(owner, entries, direction, allowed, lambda _sources: True)
    if not floating:
        return  # the usual case, and at update always: every rule's group is known
    # A standalone rule whose group id is unknown at preview and comes from no group of the stack (e.g.
    # instance.vpc_security_group_ids[0]) may be added to any group, or to the same one as another such
    # rule: what it opens together with them is a note.
    joining = [
        replace(e, networks=(), maybe=e.networks + e.maybe, unknown=(e.source, "securityGroupId"))
        for e in floating
    ]

    def joined(sources: list[_Entry]) -> bool:
        return any(_among(s, joining) for s in sources) and not all(_among(s, joining) for s in sources)

    for owner, entries in owners.items():
        if not any(_among(e, floating) for e in entries):
            yield from _findings(owner, [*entries, *joining], direction, allowed, joined)
    for entry in joining:
        yield from _findings(
            (entry.source,),
            joining,
            direction,
            allowed,
            lambda sources, entry=entry: _among(entry, sources) and len(sources) > 1,
        )


def _among(entry: _Entry, entries: list[_Entry]) -> bool:
    return any(entry is e for e in entries)


def _findings(
    owner: tuple[Resource, ...],
    entries: list[_Entry],
    direction: str,
    allowed: set[int],
    keep: Callable[[list[_Entry]], bool],
) -> Iterator[Finding]:
    """The findings on ``owner`` for what ``entries`` together open to the world, for the ranges whose
    rules ``keep`` accepts."""
    noted: set[tuple[Any, ...]] = set()
    for world, protocol, ports, sources, sure in _open_ranges(entries):
        if (protocol in _PORT_PROTOCOLS and _allowed(ports, allowed)) or not keep(sources):
            continue
        if not sure:
            # The same rules on the same ports, unknown until deployed, are one note, not one per family.
            seen = (tuple(map(id, sources)), protocol, ports)
            if seen in noted:
                continue
            noted.add(seen)
        labels = list(dict.fromkeys(s.label for s in sources))
        subject = labels[0] if len(labels) == 1 else f"{' + '.join(labels)} together"
        if direction == "ingress":
            what = f"admit{'s' if len(labels) == 1 else ''} {world}"
            reach = "so anyone on the internet can reach it"
        else:
            what = f"let{'s' if len(labels) == 1 else ''} traffic out to {world}"
            reach = "so anything in the group can send data anywhere on the internet"
        opened = f"{subject} {what} on {_ports_text(protocol, ports)}"
        for resource in owner:
            if sure:
                yield Finding(resource, f"{opened}, {reach}")
                continue
            source, prop = next(s.unknown for s in sources if s.unknown is not None)
            yield unknown_until_deployed(resource, source, prop, f"whether {opened}")


def _groups(stack: Stack, direction: str) -> tuple[dict[tuple[Resource, ...], list[_Entry]], list[_Entry]]:
    """(resources a finding is reported on) -> the entries of one security group in ``direction``; and the
    entries of standalone rules whose group is unknown at preview and none of the stack's groups."""
    by_group: dict[Resource, list[_Entry]] = {}
    for group in stack.of_type(SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        inline = group.get(direction)
        rules = inline if isinstance(inline, list) else []
        # The engine links prefix lists to the whole list of rules, not to one of them: an unknown list id
        # is one of them for certain only when no other rule of the list has one.
        linked = _linked_lists(stack, group, direction, rules)
        sure = sum(1 for rule in rules if UNKNOWN in _ids(rule, "prefixListIds")) <= 1
        by_group[group] = [
            entry
            for index, rule in enumerate(rules)
            if (entry := _entry(stack, group, f"{direction}[{index}]", rule, (direction, linked, sure)))
            is not None
        ]
        if _set_unknown(group, direction):
            # Any rule may be in it: judged as one that may open every port to the whole internet.
            worlds = tuple(_WORLDS.values())
            by_group[group].append(
                _Entry(group, direction, "all", (0, 65535), (), worlds, (group, direction))
            )
    outside: dict[str, list[_Entry]] = {}
    floating: list[_Entry] = []
    for rule in _standalone_rules(stack, direction):
        entry = _entry(stack, rule, f"{direction} rule '{rule.name}'", rule.props, None)
        if entry is None:
            continue
        if rule.type == SECURITY_GROUP_RULE and rule.get("type") is UNKNOWN:
            # Ingress or egress only once deployed: what it opens is judged for both, as a note.
            entry = replace(
                entry,
                networks=(),
                maybe=entry.networks + entry.maybe,
                unknown=entry.unknown or (rule, "type"),
            )
        targets = stack.targets(rule, "securityGroupId", (SECURITY_GROUP, DEFAULT_SECURITY_GROUP), ("id",))
        group_id = rule.get("securityGroupId")
        if len(targets) == 1 or (targets and group_id is not UNKNOWN):
            by_group[targets[0]].append(entry)
            continue
        # A group the stack does not declare: its known id joins its rules, else the rule stands alone. An
        # unknown id computed from several groups (Output.all(a.id, b.id).apply(pick)) may be any of them.
        if group_id is UNKNOWN:
            floating.append(entry)
        outside.setdefault(group_id if isinstance(group_id, str) else rule.urn, []).append(entry)
    owners: dict[tuple[Resource, ...], list[_Entry]] = {(g,): e for g, e in by_group.items() if e}
    for entries in outside.values():
        owners[tuple(dict.fromkeys(e.source for e in entries))] = entries
    return owners, floating


def _standalone_rules(stack: Stack, direction: str) -> list[Resource]:
    typed = INGRESS_RULE if direction == "ingress" else EGRESS_RULE
    legacy = [r for r in stack.of_type(SECURITY_GROUP_RULE) if r.get("type") in (direction, UNKNOWN)]
    return [*legacy, *stack.of_type(typed)]


def _ids(rule: Any, key: str) -> list[Any]:
    value = get(rule, key)
    return value if isinstance(value, list) else [value]


def _linked_lists(stack: Stack, holder: Resource, prop: str, rules: list[Any]) -> list[Resource]:
    """The declared prefix lists ``holder.<prop>`` depends on that no known id in ``rules`` names: the lists
    an unknown prefix list id there can be."""
    named = {
        plist
        for rule in rules
        for key in _PREFIX_LIST_KEYS
        for list_id in _ids(rule, key)
        for plist in stack.find((PREFIX_LIST,), list_id)
    }
    linked = holder.property_dependencies.get(prop, [])
    return [r for r in dict.fromkeys(linked) if r.type == PREFIX_LIST and r not in named]


def _entry(
    stack: Stack,
    source: Resource,
    label: str,
    rule: Any,
    inline: tuple[str, list[Resource], bool] | None,
) -> _Entry | None:
    """The entry of ``rule``: the standalone rule ``source`` itself (``inline`` None), or a rule of the
    group ``source`` under ``inline`` = (its property, the prefix lists its unknown ids can be, whether they
    are its own for certain)."""
    reach = _Reach()
    for key, families in _CIDR_KEYS:
        for cidr in _ids(rule, key):
            reach.add(cidr, families, (source, inline[0] if inline else key), True)
    for key in _PREFIX_LIST_KEYS:
        prop, linked, sure = inline or (key, _linked_lists(stack, source, key, [rule]), True)
        for list_id in _ids(rule, key):
            if list_id is UNKNOWN:
                for plist in linked:
                    _add_prefix_list(stack, reach, plist, (source, prop), sure)
            elif isinstance(list_id, str):
                _add_prefix_list_id(stack, reach, list_id)
    if not reach.networks and not reach.maybe:
        return None
    if reach.lists:
        label = f"{label} (prefix list {', '.join(dict.fromkeys(reach.lists))})"
    protocol = _protocol(
        get(rule, "protocol") if get(rule, "protocol") is not ABSENT else get(rule, "ipProtocol")
    )
    low, high = as_number(get(rule, "fromPort")), as_number(get(rule, "toPort"))
    ports = (0, 65535)
    if protocol in _PORT_PROTOCOLS and isinstance(low, float) and isinstance(high, float) and low >= 0:
        ports = (int(low), int(high))
    return _Entry(source, label, protocol, ports, tuple(reach.networks), tuple(reach.maybe), reach.unknown)


def _add_prefix_list_id(stack: Stack, reach: _Reach, list_id: str) -> None:
    """A literal prefix list id: a list of the stack, else one it only adds entries to, else AWS-managed or
    outside the stack (the S3 and DynamoDB lists of gateway endpoints), which opens nothing judged here."""
    lists = stack.find((PREFIX_LIST,), list_id)
    for plist in lists:
        _add_prefix_list(stack, reach, plist, (plist, "entries"), True)
    if not lists:
        for entry in stack.find((PREFIX_LIST_ENTRY,), list_id, ("prefixListId",)):
            reach.lists.append(f"'{list_id}'")
            reach.add(entry.get("cidr"), (4, 6), (entry, "cidr"), True)


def _add_prefix_list(
    stack: Stack, reach: _Reach, plist: Resource, origin: tuple[Resource, str], sure: bool
) -> None:
    """The CIDRs of a declared prefix list: its inline entries and its ManagedPrefixListEntry resources;
    when the rule may not name it (``sure`` false), CIDRs the rule may open, unknown at ``origin``."""
    reach.lists.append(f"'{plist.name}'")
    family = plist.get("addressFamily")
    families = (4,) if family == "IPv4" else (6,) if family == "IPv6" else (4, 6)
    entries = plist.get("entries")
    cidrs = [(UNKNOWN, (plist, "entries"))] if entries is UNKNOWN else []
    listed = entries if isinstance(entries, list) else []
    cidrs += [(get(item, "cidr"), (plist, "entries")) for item in listed]
    attached = stack.attached((PREFIX_LIST_ENTRY,), "prefixListId", (PREFIX_LIST,))
    cidrs += [(entry.get("cidr"), (entry, "cidr")) for entry in attached.get(plist, [])]
    for cidr, where in cidrs:
        reach.add(cidr, families, where if sure else origin, sure)


_PROTOCOL_NAMES = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_PORT_PROTOCOLS = ("tcp", "udp")


def _protocol(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return "all"  # unknown until deployed: judged as the widest it could be
    text = str(int(value)) if isinstance(value, float) else str(value).strip().lower()
    return _PROTOCOL_NAMES.get(text, text)


def _open_ranges(
    entries: list[_Entry],
) -> Iterator[tuple[str, str, tuple[int, int], list[_Entry], bool]]:
    """(world range, protocol, ports, the rules that open it, whether for certain) for each world-open
    port range; a range open only once values unknown at preview are known comes with False."""
    everything = [e for e in entries if e.protocol == "all"]
    protocols = dict.fromkeys(e.protocol for e in entries if e.protocol != "all")
    for world in WORLD:
        family = ip_network(world)
        reported_all = False
        for protocol in ("all", *protocols):
            relevant = everything if protocol == "all" else [e for e in entries if e.protocol == protocol]
            relevant = relevant if protocol == "all" else [*everything, *relevant]
            if protocol != "all" and reported_all:
                continue
            for ports, sources, sure in _world_port_ranges(relevant, family):
                if protocol != "all" and all(s.protocol == "all" for s in sources):
                    continue  # reported for all protocols, as a finding or a note
                reported_all = reported_all or (protocol == "all" and sure)
                ordered = sorted(sources, key=entries.index)
                yield _world_text(world, ordered, not sure), protocol, ports, ordered, sure


def _world_port_ranges(
    entries: list[_Entry], family: IPv4Network | IPv6Network
) -> Iterator[tuple[tuple[int, int], list[_Entry], bool]]:
    bounds = sorted({e.ports[0] for e in entries} | {e.ports[1] + 1 for e in entries})
    current: tuple[int, int, bool] | None = None
    current_sources: list[_Entry] = []
    for low, next_low in pairwise(bounds):
        covering = [e for e in entries if e.ports[0] <= low and next_low - 1 <= e.ports[1]]
        sure = _covers(covering, family, maybe=False)
        if not sure and not _covers(covering, family, maybe=True):
            continue
        sources = _needed(covering, family, maybe=not sure)
        if current is not None and current[1] + 1 == low and current[2] == sure:
            current = (current[0], next_low - 1, sure)
            current_sources += [s for s in sources if s not in current_sources]
        else:
            if current is not None:
                yield current[:2], current_sources, current[2]
            current, current_sources = (low, next_low - 1, sure), sources
    if current is not None:
        yield current[:2], current_sources, current[2]


def _covers(entries: list[_Entry], family: IPv4Network | IPv6Network, maybe: bool) -> bool:
    # The same share of the internet as for aws:SourceIp (awsfacts.is_the_internet).
    return is_the_internet((n for e in entries for n in e.reach(maybe)), family.version)


def _needed(entries: list[_Entry], family: IPv4Network | IPv6Network, maybe: bool) -> list[_Entry]:
    """The entries to name: drop, one at a time, each one the others cover the world without."""
    kept = list(entries)
    for entry in entries:
        rest = [e for e in kept if e is not entry]
        if _covers(rest, family, maybe):
            kept = rest
    return kept


def _world_text(world: str, sources: list[_Entry], maybe: bool) -> str:
    family = ip_network(world)
    pieces = {n for e in sources for n in e.reach(maybe) if n.version == family.version}
    shown = [str(n) for n in sorted(pieces)]
    if world in shown:
        return world
    whole = list(collapse_addresses(pieces)) == [family]
    share = "/8" if family.version == 4 else "/32"
    return (
        f"{world} (as {' + '.join(shown)})"
        if whole
        else f"{' + '.join(shown)} (more public addresses than a {share} of {world})"
    )


def _allowed(ports: tuple[int, int], allowed: set[int]) -> bool:
    return ports[1] - ports[0] <= 1024 and all(port in allowed for port in range(ports[0], ports[1] + 1))


def _ports_text(protocol: str, ports: tuple[int, int]) -> str:
    if protocol not in _PORT_PROTOCOLS:
        return "all ports" if protocol == "all" else f"all {protocol} traffic"
    low, high = ports
    return f"{protocol} port {low}" if low == high else f"{protocol} ports {low}-{high}"


RULES = [
    Rule(
        name="ec2-security-group-no-public-ingress",
        description=(
            "No security group admits traffic from the internet: 0.0.0.0/0 or ::/0, or ranges whose public "
            "addresses add up to more than a /8 of IPv4 or a /32 of IPv6 (e.g. 0.0.0.0/1), also when its "
            "inline and standalone rules only add up to them, and through the prefix lists the stack "
            "declares; except on ports listed in allowedPublicPorts. A CIDR unknown at preview that may be "
            "the internet, a SecurityGroupRule whose type is unknown, or a rule whose group id is unknown "
            "and may join a group to open it, is an advisory note."
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
        stack=True,
        config={
            "allowedPublicPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [],
                "description": "TCP/UDP ports that may be open to the internet (e.g. [443] for a public load "
                "balancer).",
            }
        },
    ),
    Rule(
        name="ec2-security-group-no-unrestricted-egress",
        description=(
            "No security group lets traffic out to the internet (0.0.0.0/0 or ::/0, or ranges whose public "
            "addresses add up to more than a /8 of IPv4 or a /32 of IPv6, also when its rules only add up "
            "to them, and through the prefix lists the stack declares) except on the TCP/UDP ports listed "
            "in allowedPorts (default: 443). A CIDR unknown at preview that may be the internet, a "
            "SecurityGroupRule whose type is unknown, or a rule whose group id is unknown and may join a "
            "group to open it, is an advisory note."
        ),
        severity=Severity.HIGH,
        pci=("1.3.2", "1.4.1"),
        remediation=(
            "Send traffic only to what the workload calls: security groups, VPC endpoint prefix lists "
            "(prefix_list_id=endpoint.prefix_list_id) or known CIDR ranges; list a deliberately open port in "
            "the policy's allowedPorts config"
        ),
        url=_VPC_DOCS + "security-group-rules.html",
        topic="network",
        check=check_unrestricted_egress,
        stack=True,
        config={
            "allowedPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [443],
                "description": (
                    "TCP/UDP ports that may reach the internet; 443 by default, the HTTPS a private subnet "
                    "behind NAT uses for AWS APIs without an endpoint. [] allows none."
                ),
            }
        },
    ),
    Rule(
        name="vpc-subnet-no-public-ip-on-launch",
        description=(
            "Subnets do not assign public IP addresses on launch (mapPublicIpOnLaunch, true by default on "
            "AWS default subnets), except subnets of the public tier named in publicTier."
        ),
        severity=Severity.HIGH,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Set map_public_ip_on_launch=False (NAT gateways and load balancers take their own addresses); "
            "tag deliberately public subnets and list the tag in the policy's publicTier config, e.g. "
            '{"Tier": ["public"]}'
        ),
        url=_VPC_DOCS + "vpc-ip-addressing.html",
        topic="network",
        check=check_subnet_public_ip,
        resource_types=(SUBNET, DEFAULT_SUBNET),
        config={"publicTier": _PUBLIC_TIER},
    ),
    Rule(
        name="vpc-subnet-no-public-ipv6",
        description=(
            "Subnets outside the public tier that give instances IPv6 addresses (assignIpv6AddressOnCreation "
            "or ipv6Native), and instances, network interfaces and Auto Scaling groups' launch template "
            "interfaces that ask for them there (ipv6AddressCount, ipv6Addresses, ipv6PrefixCount, "
            "ipv6Prefixes), do not have IPv6 internet ranges routed to an internet gateway: every IPv6 "
            "address is public, so that route puts each instance on the internet both ways. The subnet's "
            "route table is its RouteTableAssociation's, else its VPC's main table "
            "(MainRouteTableAssociation or DefaultRouteTable); routes are inline or ec2.Route resources, to "
            "CIDRs or to the stack's prefix lists. A subnet or table the stack does not declare is a note."
        ),
        severity=Severity.HIGH,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Route ::/0 of private subnets through an aws.ec2.EgressOnlyInternetGateway "
            "(egress_only_gateway_id), or give them no IPv6 addresses; tag deliberately public subnets and "
            "list the tag in publicTier"
        ),
        url=_VPC_DOCS + "egress-only-internet-gateway.html",
        topic="network",
        check=check_subnet_public_ipv6,
        stack=True,
        config={"publicTier": _PUBLIC_TIER},
    ),
    Rule(
        name="ec2-instance-no-public-ip",
        description=(
            "EC2 instances, spot instance requests, spot fleet requests (each launch specification), launch "
            "configurations and launch templates (each network interface) do not ask for a public IP address "
            "(associatePublicIpAddress), ECS services and task sets do not give their tasks one "
            "(networkConfiguration.assignPublicIp), and no Elastic IP is attached to an "
            "instance or network interface (Eip instance/networkInterface, EipAssociation); a subnet that "
            "assigns one on launch is vpc-subnet-no-public-ip-on-launch's concern. NAT gateways and load "
            "balancers take their Elastic IPs by allocation id and pass."
        ),
        severity=Severity.HIGH,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Set associate_public_ip_address=False (on each network interface of a launch template; "
            "assign_public_ip=False for ECS tasks), attach no Elastic IP, and reach the instance through a "
            "load balancer, a NAT gateway or Session Manager; exempt a deliberate bastion with a reason"
        ),
        url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html",
        topic="network",
        check=check_instance_public_ip,
        resource_types=(
            INSTANCE,
            SPOT_INSTANCE_REQUEST,
            LAUNCH_CONFIGURATION,
            LAUNCH_TEMPLATE,
            ECS_SERVICE,
            ECS_TASK_SET,
            SPOT_FLEET_REQUEST,
            EIP,
            EIP_ASSOCIATION,
        ),
    ),
    Rule(
        name="vpc-flow-logs-enabled",
        description="Every VPC in the stack (ec2.Vpc or an adopted ec2.DefaultVpc) has a flow log.",
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
            "The default security group of every VPC (ec2.Vpc or an adopted ec2.DefaultVpc) is managed by "
            "the stack with no ingress and no egress rules, inline or standalone (SecurityGroupRule, "
            "SecurityGroupIngressRule/EgressRule, attached by the group's id or the VPC's "
            "defaultSecurityGroupId); so is a default group the stack manages for a VPC it does not declare."
        ),
        severity=Severity.MEDIUM,
        pci=("1.2.1", "1.3.1", "1.3.2"),
        remediation=(
            "Add aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id) with no ingress and no egress rules, and attach "
            "no standalone rule to it; give the resources that need traffic their own security group"
        ),
        url=_VPC_DOCS + "default-security-group.html",
        topic="network",
        check=check_default_security_group,
        stack=True,
    ),
]
