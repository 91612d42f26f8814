"""The network: tiers per zone, NAT only when asked, endpoints, closed security groups, flow logs."""

import pytest
from stack_harness import BASE_TAGS, component_context, run_program

from components.network import (
    Network,
    NetworkArgs,
    flow_logs_role_policy,
    gateway_endpoint_policy,
    subnet_cidrs,
)

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
FLOW_LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/trading-dev/flow-logs"


def _network(*, zones=ZONES[:2], egress=False, endpoints=(), preview=False, endpoint_zones=None):
    target, names, tags = component_context()
    args = NetworkArgs(
        target=target,
        names=names,
        tags=tags,
        cidr="10.10.0.0/16",
        zones=zones,
        internet_egress=egress,
        interface_endpoints=endpoints,
        flow_logs_log_group_arn=FLOW_LOG_GROUP_ARN,
        endpoint_zones=endpoint_zones or {},
    )
    return run_program(lambda: Network("network", args), preview=preview)


def test_subnet_cidrs_give_each_tier_its_own_blocks_per_zone():
    assert subnet_cidrs("10.10.0.0/16", 3) == {
        "public": ["10.10.0.0/20", "10.10.16.0/20", "10.10.32.0/20"],
        "private": ["10.10.64.0/20", "10.10.80.0/20", "10.10.96.0/20"],
        "isolated": ["10.10.128.0/20", "10.10.144.0/20", "10.10.160.0/20"],
    }
    assert subnet_cidrs("192.168.4.0/22", 2)["isolated"] == ["192.168.6.0/26", "192.168.6.64/26"]


def test_flow_logs_role_may_write_only_its_log_group_in_its_region():
    target, names, _ = component_context()
    policy = flow_logs_role_policy(target, names.flow_logs_log_group)

    write, find = policy["Statement"]
    assert write["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    assert write["Resource"] == [FLOW_LOG_GROUP_ARN, f"{FLOW_LOG_GROUP_ARN}:*"]
    assert find["Action"] == ["logs:DescribeLogGroups"]
    assert find["Resource"] == ["arn:aws:logs:us-east-1:123456789012:log-group:*"]
    for statement in policy["Statement"]:
        assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}


def test_vpc_resolves_names_for_interface_endpoints():
    vpc = _network().one("aws:ec2/vpc:Vpc")

    assert vpc.inputs["cidrBlock"] == "10.10.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True
    assert vpc.inputs["tags"] == {**BASE_TAGS, "Name": "trading-dev"}


def test_without_egress_there_are_private_and_isolated_subnets_and_no_route_out():
    run = _network(egress=False)

    subnets = {subnet.name: subnet.inputs for subnet in run.of_type("aws:ec2/subnet:Subnet")}
    assert sorted(subnets) == [
        "network-isolated-1",
        "network-isolated-2",
        "network-private-1",
        "network-private-2",
    ]
    assert subnets["network-private-2"]["availabilityZone"] == "us-east-1b"
    assert subnets["network-isolated-1"]["cidrBlock"] == "10.10.128.0/20"
    assert all(subnet["mapPublicIpOnLaunch"] is False for subnet in subnets.values())
    assert subnets["network-private-1"]["tags"]["Tier"] == "private"
    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    assert run.of_type("aws:ec2/internetGateway:InternetGateway") == []
    assert run.of_type("aws:ec2/eip:Eip") == []
    assert run.of_type("aws:ec2/route:Route") == []


def test_with_egress_each_zone_gets_a_public_subnet_and_its_own_nat():
    run = _network(zones=ZONES, egress=True)

    assert len([s for s in run.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-public")]) == 3
    nats = run.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3
    igw = run.one("aws:ec2/internetGateway:InternetGateway")
    for index, nat in enumerate(nats, start=1):
        assert nat.property_dependencies["subnetId"] == [run.named(f"network-public-{index}").urn]
        assert nat.property_dependencies["allocationId"] == [run.named(f"network-nat-eip-{index}").urn]
        assert igw.urn in nat.dependencies
    routes = {route.name: route for route in run.of_type("aws:ec2/route:Route")}
    assert routes["network-public-default-route"].property_dependencies["gatewayId"] == [igw.urn]
    for index in (1, 2, 3):
        route = routes[f"network-private-{index}-default-route"]
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.property_dependencies["natGatewayId"] == [run.named(f"network-nat-{index}").urn]
        assert route.property_dependencies["routeTableId"] == [run.named(f"network-private-{index}-rt").urn]
    assert all(eip.inputs["domain"] == "vpc" for eip in run.of_type("aws:ec2/eip:Eip"))


def test_isolated_subnets_share_a_route_table_with_no_default_route():
    run = _network(zones=ZONES, egress=True)

    isolated_table = run.named("network-isolated-rt")
    associations = [
        association
        for association in run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if association.property_dependencies["routeTableId"] == [isolated_table.urn]
    ]
    assert len(associations) == 3
    assert not [
        route
        for route in run.of_type("aws:ec2/route:Route")
        if route.property_dependencies["routeTableId"] == [isolated_table.urn]
    ]


def test_gateway_endpoints_serve_the_private_route_tables():
    run = _network()

    endpoints = {e.inputs["serviceName"]: e for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert set(endpoints) == {"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"}
    private_tables = {run.named("network-private-1-rt").urn, run.named("network-private-2-rt").urn}
    for endpoint in endpoints.values():
        assert endpoint.inputs["vpcEndpointType"] == "Gateway"
        assert set(endpoint.property_dependencies["routeTableIds"]) == private_tables


def test_interface_endpoints_sit_in_the_private_subnets_behind_their_security_group():
    run = _network(endpoints=("rds-data", "secretsmanager"))

    interface = [
        e
        for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    ]
    assert {e.inputs["serviceName"] for e in interface} == {
        "com.amazonaws.us-east-1.rds-data",
        "com.amazonaws.us-east-1.secretsmanager",
    }
    endpoint_sg = run.named("network-endpoints-sg")
    private = {run.named("network-private-1").urn, run.named("network-private-2").urn}
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert set(endpoint.property_dependencies["subnetIds"]) == private
        assert endpoint.property_dependencies["securityGroupIds"] == [endpoint_sg.urn]


def test_default_security_group_is_closed():
    default = _network().one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")

    assert "ingress" not in default.inputs
    assert "egress" not in default.inputs


def _rules(run, typ):
    return {rule.name: rule for rule in run.of_type(typ)}


def test_database_admits_postgres_only_from_the_function():
    run = _network()
    function_sg, db_sg = run.named("network-function-sg"), run.named("network-db-sg")

    ingress = _rules(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert list(ingress) == ["network-db-from-function"]
    rule = ingress["network-db-from-function"]
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 5432, 5432)
    assert rule.property_dependencies["securityGroupId"] == [db_sg.urn]
    assert rule.property_dependencies["referencedSecurityGroupId"] == [function_sg.urn]
    assert "cidrIpv4" not in rule.inputs
    assert db_sg.inputs["name"] == "trading-db-sg-dev"


def test_function_egress_reaches_the_database_and_aws_apis_only():
    run = _network()

    egress = _rules(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert set(egress) == {"network-function-to-db", "network-function-to-s3", "network-function-to-dynamodb"}
    assert egress["network-function-to-db"].inputs["fromPort"] == 5432
    for service in ("s3", "dynamodb"):
        rule = egress[f"network-function-to-{service}"]
        assert rule.inputs["fromPort"] == rule.inputs["toPort"] == 443
        assert rule.property_dependencies["prefixListId"] == [run.named(f"network-{service}-gateway").urn]


def test_with_endpoints_and_egress_the_function_may_also_use_https_to_them_and_out():
    run = _network(egress=True, endpoints=("kms",))

    egress = _rules(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert egress["network-function-to-internet"].inputs["cidrIpv4"] == "0.0.0.0/0"
    assert egress["network-function-to-internet"].inputs["fromPort"] == 443
    assert egress["network-function-to-endpoints"].property_dependencies["referencedSecurityGroupId"] == [
        run.named("network-endpoints-sg").urn
    ]
    ingress = _rules(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress["network-endpoints-from-function"].inputs["fromPort"] == 443


def test_security_groups_carry_no_inline_rules():
    for group in _network(endpoints=("kms",)).of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in group.inputs
        assert "egress" not in group.inputs


def test_flow_logs_capture_all_traffic_into_the_declared_group():
    run = _network()
    flow_log = run.one("aws:ec2/flowLog:FlowLog")
    role = run.named("network-flow-logs-role")

    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == FLOW_LOG_GROUP_ARN
    assert flow_log.inputs["maxAggregationInterval"] == 60
    assert flow_log.property_dependencies["iamRoleArn"] == [role.urn]
    assert run.named("network-flow-logs-policy").urn in flow_log.dependencies
    assert role.inputs["name"] == "trading-flow-logs-role-dev"
    trust = role.json("assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"
    }
    target, names, _ = component_context()
    assert run.named("network-flow-logs-policy").json("policy") == flow_logs_role_policy(
        target, names.flow_logs_log_group
    )


@pytest.mark.parametrize("preview", [True, False])
def test_every_network_resource_is_tagged_and_parented(preview):
    run = _network(egress=True, endpoints=("kms",), preview=preview)
    component = run.one("trading:network:Network")

    for resource in run.registrations:
        if resource is component:
            continue
        assert resource.parent == component.urn
        if "tags" in resource.inputs:
            assert BASE_TAGS.items() <= resource.inputs["tags"].items(), resource.name


def test_gateway_endpoints_reach_only_the_stacks_buckets_and_table_for_this_account():
    target, names, _ = component_context()
    s3 = gateway_endpoint_policy("s3", target, names)["Statement"][0]
    assert s3["Resource"] == [
        f"arn:aws:s3:::{names.data_bucket}",
        f"arn:aws:s3:::{names.data_bucket}/*",
        f"arn:aws:s3:::{names.access_logs_bucket}",
        f"arn:aws:s3:::{names.access_logs_bucket}/*",
    ]
    table = f"arn:aws:dynamodb:us-east-1:{target.account_id}:table/trading-orders-dev"
    dynamodb = gateway_endpoint_policy("dynamodb", target, names)["Statement"][0]
    assert dynamodb["Resource"] == [table, f"{table}/index/*"]
    for statement in (s3, dynamodb):
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": target.account_id}}
        assert not any(action.endswith("*") for action in statement["Action"])

    run = _network()
    for service in ("s3", "dynamodb"):
        endpoint = run.named(f"network-{service}-gateway")
        assert endpoint.json("policy") == gateway_endpoint_policy(service, target, names)


def test_interface_endpoints_skip_zones_that_do_not_offer_their_service():
    run = _network(
        zones=ZONES,
        endpoints=("rds-data", "secretsmanager"),
        endpoint_zones={"rds-data": ZONES[:1] + ZONES[2:]},
    )
    subnets = {s.urn: s.inputs["availabilityZone"] for s in run.of_type("aws:ec2/subnet:Subnet")}
    zones = {
        e.name: sorted(subnets[urn] for urn in e.property_dependencies["subnetIds"])
        for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    }
    assert zones == {
        "network-rds-data-endpoint": [ZONES[0], ZONES[2]],
        "network-secretsmanager-endpoint": list(ZONES),  # not listed: every zone
    }
