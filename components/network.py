"""The VPC: private subnets for the function, isolated subnets for the database, and, only when the stack
asks for internet egress, public subnets with one NAT gateway per zone.

S3 and DynamoDB are reached through gateway endpoints and other AWS APIs through the configured interface
endpoints, so the function needs no internet route. The security groups of the function, the database
and the endpoints live here because their rules refer to one another; the default security group is
emptied; flow logs of all traffic go to the stack's encrypted log group.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options
from components.iam import allow, policy_document, service_trust_policy

# Subnets are /(VPC prefix + 4); each tier starts at its own block so a third zone fits without renumbering.
TIER_OFFSETS = {"public": 0, "private": 4, "isolated": 8}
GATEWAY_ENDPOINTS = ("s3", "dynamodb")
HTTPS = 443
POSTGRES = 5432
# What the functions may do through the gateway endpoints (item and object calls, nothing administrative).
S3_ENDPOINT_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
]
DYNAMODB_ENDPOINT_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Query",
    "dynamodb:DescribeTable",
]


def subnet_cidrs(vpc_cidr: str, zone_count: int) -> dict[str, list[str]]:
    """tier -> one CIDR per zone, carved from the VPC range."""
    network = ipaddress.IPv4Network(vpc_cidr)
    blocks = list(network.subnets(new_prefix=network.prefixlen + 4))
    return {
        tier: [str(blocks[offset + zone]) for zone in range(zone_count)]
        for tier, offset in TIER_OFFSETS.items()
    }


def flow_logs_role_policy(target: AwsTarget, log_group_name: str) -> dict[str, Any]:
    """What VPC flow logs need to write into the one log group the stack declared for them."""
    group_arn = target.log_group_arn(log_group_name)
    return policy_document(
        allow(
            "WriteFlowLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [group_arn, f"{group_arn}:*"],
            target,
        ),
        allow("FindLogGroup", ["logs:DescribeLogGroups"], [target.log_group_arn("*")], target),
    )


def gateway_endpoint_policy(service: str, target: AwsTarget, names: Names) -> dict[str, Any]:
    """A gateway endpoint reaches only the stack's own buckets or table, for principals of this account.

    Without a policy an endpoint passes any request to any bucket or table of any account, which turns the
    VPC's route to S3 into a way to copy data out to someone else's bucket.
    """
    if service == "s3":
        buckets = [
            f"arn:{target.partition}:s3:::{name}" for name in (names.data_bucket, names.access_logs_bucket)
        ]
        actions, resources = (
            S3_ENDPOINT_ACTIONS,
            [arn for bucket in buckets for arn in (bucket, f"{bucket}/*")],
        )
    else:
        table = target.arn("dynamodb", f"table/{names.table}")
        actions, resources = DYNAMODB_ENDPOINT_ACTIONS, [table, f"{table}/index/*"]
    return policy_document(
        {
            "Sid": "StackResourcesOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": actions,
            "Resource": resources,
            "Condition": {"StringEquals": {"aws:PrincipalAccount": target.account_id}},
        }
    )


@dataclass(frozen=True)
class NetworkArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    cidr: str
    zones: Sequence[str]
    internet_egress: bool
    interface_endpoints: Sequence[str]
    flow_logs_log_group_arn: pulumi.Input[str]
    # service -> the stack's zones that offer it; a service missing here is placed in every zone.
    endpoint_zones: Mapping[str, Sequence[str]] = field(default_factory=dict)


class Network(pulumi.ComponentResource):
    """VPC, subnets, routing, endpoints, security groups and flow logs."""

    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    isolated_subnets: list[aws.ec2.Subnet]
    nat_gateways: list[aws.ec2.NatGateway]
    gateway_endpoints: dict[str, aws.ec2.VpcEndpoint]
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    function_security_group: aws.ec2.SecurityGroup
    database_security_group: aws.ec2.SecurityGroup
    endpoint_security_group: aws.ec2.SecurityGroup | None
    flow_log: aws.ec2.FlowLog

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:network:Network", name, None, opts)
        self._name = name
        self._args = args
        child = child_options(self)
        tags = args.tags

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints answer on their private DNS names
            tags=tags.plain(args.names.vpc),
            opts=child,
        )
        # With no rules, the default security group admits and emits nothing.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            tags=tags.plain(args.names.resource("default-sg")),
            opts=child,
        )

        cidrs = subnet_cidrs(args.cidr, len(args.zones))
        self.public_subnets = self._subnets("public", cidrs["public"]) if args.internet_egress else []
        self.private_subnets = self._subnets("private", cidrs["private"])
        self.isolated_subnets = self._subnets("isolated", cidrs["isolated"])

        self.nat_gateways = self._internet_egress() if args.internet_egress else []
        private_tables = [
            self._route_table(f"private-{zone_index + 1}", [subnet], nat=nat)
            for zone_index, (subnet, nat) in enumerate(
                zip(self.private_subnets, self.nat_gateways or [None] * len(args.zones), strict=True)
            )
        ]
        self._route_table("isolated", self.isolated_subnets)

        self.gateway_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{name}-{service}-gateway",
                vpc_id=self.vpc.id,
                service_name=args.target.endpoint_service(service),
                vpc_endpoint_type="Gateway",
                route_table_ids=[table.id for table in private_tables],
                policy=json.dumps(gateway_endpoint_policy(service, args.target, args.names)),
                tags=tags.plain(args.names.resource(f"{service}-gateway")),
                opts=child,
            )
            for service in GATEWAY_ENDPOINTS
        }

        self.function_security_group = self._security_group("function", "Orders function: outbound only")
        self.database_security_group = self._security_group("db", "Aurora: PostgreSQL from the function only")
        self.endpoint_security_group = None
        self.interface_endpoints = {}
        if args.interface_endpoints:
            self.endpoint_security_group = self._security_group("endpoints", "Interface endpoints: HTTPS in")
            self.interface_endpoints = self._interface_endpoints(self.endpoint_security_group)
        self._security_group_rules()
        self.flow_log = self._flow_logs()

        self.register_outputs(
            {
                "vpcId": self.vpc.id,
                "publicSubnetIds": [subnet.id for subnet in self.public_subnets],
                "privateSubnetIds": [subnet.id for subnet in self.private_subnets],
                "isolatedSubnetIds": [subnet.id for subnet in self.isolated_subnets],
            }
        )

    def _subnets(self, tier: str, cidrs: list[str]) -> list[aws.ec2.Subnet]:
        return [
            aws.ec2.Subnet(
                f"{self._name}-{tier}-{index + 1}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,  # nothing here needs a public address; NAT has its own
                tags={
                    **self._args.tags.plain(self._args.names.resource(f"{tier}-{index + 1}")),
                    "Tier": tier,
                },
                opts=child_options(self),
            )
            for index, (cidr, zone) in enumerate(zip(cidrs, self._args.zones, strict=True))
        ]

    def _internet_egress(self) -> list[aws.ec2.NatGateway]:
        """Internet gateway, public routing and one NAT gateway per zone (a zone outage keeps the others)."""
        names, tags, child = self._args.names, self._args.tags, child_options(self)
        gateway = aws.ec2.InternetGateway(
            f"{self._name}-igw", vpc_id=self.vpc.id, tags=tags.plain(names.resource("igw")), opts=child
        )
        self._route_table("public", self.public_subnets, internet_gateway=gateway)
        nats = []
        for index, subnet in enumerate(self.public_subnets):
            address = aws.ec2.Eip(
                f"{self._name}-nat-eip-{index + 1}",
                domain="vpc",
                tags=tags.plain(names.resource(f"nat-{index + 1}")),
                opts=child,
            )
            nats.append(
                aws.ec2.NatGateway(
                    f"{self._name}-nat-{index + 1}",
                    allocation_id=address.allocation_id,
                    subnet_id=subnet.id,
                    connectivity_type="public",
                    tags=tags.plain(names.resource(f"nat-{index + 1}")),
                    opts=child_options(self, depends_on=[gateway]),
                )
            )
        return nats

    def _route_table(
        self,
        label: str,
        subnets: list[aws.ec2.Subnet],
        *,
        nat: aws.ec2.NatGateway | None = None,
        internet_gateway: aws.ec2.InternetGateway | None = None,
    ) -> aws.ec2.RouteTable:
        child = child_options(self)
        table = aws.ec2.RouteTable(
            f"{self._name}-{label}-rt",
            vpc_id=self.vpc.id,
            tags=self._args.tags.plain(self._args.names.resource(f"{label}-rt")),
            opts=child,
        )
        if nat is not None or internet_gateway is not None:
            aws.ec2.Route(
                f"{self._name}-{label}-default-route",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id if nat is not None else None,
                gateway_id=internet_gateway.id if internet_gateway is not None else None,
                opts=child,
            )
        for index, subnet in enumerate(subnets):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-{label}-rta-{index + 1}",
                route_table_id=table.id,
                subnet_id=subnet.id,
                opts=child,
            )
        return table

    def _security_group(self, purpose: str, description: str) -> aws.ec2.SecurityGroup:
        # Without inline rules the provider removes AWS's default allow-all egress rule.
        return aws.ec2.SecurityGroup(
            f"{self._name}-{purpose}-sg",
            name=self._args.names.resource(f"{purpose}-sg"),
            description=description,
            vpc_id=self.vpc.id,
            tags=self._args.tags.plain(self._args.names.resource(f"{purpose}-sg")),
            opts=child_options(self),
        )

    def _interface_endpoints(self, security_group: aws.ec2.SecurityGroup) -> dict[str, aws.ec2.VpcEndpoint]:
        # AWS refuses an endpoint subnet in a zone that does not offer the service (often a newer zone).
        zones = self._args.endpoint_zones
        return {
            service: aws.ec2.VpcEndpoint(
                f"{self._name}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=self._args.target.endpoint_service(service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[
                    subnet.id
                    for subnet, zone in zip(self.private_subnets, self._args.zones, strict=True)
                    if zone in zones.get(service, self._args.zones)
                ],
                security_group_ids=[security_group.id],
                tags=self._args.tags.plain(self._args.names.resource(f"{service}-endpoint")),
                opts=child_options(self),
            )
            for service in self._args.interface_endpoints
        }

    def _security_group_rules(self) -> None:
        """Function -> database on 5432; function -> AWS APIs on 443; nothing else, anywhere."""
        function_sg, database_sg = self.function_security_group, self.database_security_group
        # (label, port, destination): the destination keyword names what the rule points at.
        egress: list[tuple[str, int, dict[str, Any]]] = [
            ("to-db", POSTGRES, {"referenced_security_group_id": database_sg.id}),
            *(
                (f"to-{service}", HTTPS, {"prefix_list_id": endpoint.prefix_list_id})
                for service, endpoint in self.gateway_endpoints.items()
            ),
        ]
        if self.endpoint_security_group is not None:
            egress.append(
                ("to-endpoints", HTTPS, {"referenced_security_group_id": self.endpoint_security_group.id})
            )
        if self._args.internet_egress:
            egress.append(("to-internet", HTTPS, {"cidr_ipv4": "0.0.0.0/0"}))
        for label, port, destination in egress:
            aws.vpc.SecurityGroupEgressRule(
                f"{self._name}-function-{label}",
                security_group_id=function_sg.id,
                description=f"Function {label} on {port}",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                tags=self._args.tags.plain(),
                opts=child_options(self),
                **destination,
            )
        ingress = [("db", database_sg, POSTGRES)]
        if self.endpoint_security_group is not None:
            ingress.append(("endpoints", self.endpoint_security_group, HTTPS))
        for label, group, port in ingress:
            aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-{label}-from-function",
                security_group_id=group.id,
                description=f"From the orders function on {port}",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                referenced_security_group_id=function_sg.id,
                tags=self._args.tags.plain(),
                opts=child_options(self),
            )

    def _flow_logs(self) -> aws.ec2.FlowLog:
        args, child = self._args, child_options(self)
        role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            name=args.names.flow_logs_role,
            description="Lets VPC flow logs write to the stack's flow-log group",
            assume_role_policy=json.dumps(
                service_trust_policy(
                    "vpc-flow-logs", args.target, source_arn=args.target.arn("ec2", "vpc-flow-log/*")
                )
            ),
            tags=args.tags.plain(args.names.flow_logs_role),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            role=role.id,
            policy=json.dumps(flow_logs_role_policy(args.target, args.names.flow_logs_log_group)),
            opts=child,
        )
        return aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=args.flow_logs_log_group_arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=args.tags.plain(args.names.resource("flow-log")),
            opts=child_options(self, depends_on=[policy]),
        )
