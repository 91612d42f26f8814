"""Network checks against moto's EC2 responses: VPC, subnets, routes and flow logs."""

from __future__ import annotations

from integration import checks


def test_vpc(stack):
    outputs = stack["outputs"]
    assert checks.check_vpc(stack["vpcs"], outputs["vpcId"]) == []


def test_default_vpc_is_refused(stack):
    default = next(vpc for vpc in stack["vpcs"]["Vpcs"] if vpc["IsDefault"])
    assert checks.check_vpc(stack["vpcs"], default["VpcId"]) == [
        f"VPC {default['VpcId']}: is the account's default VPC, expected the stack's own VPC"
    ]


def test_missing_or_unavailable_vpc(stack):
    assert checks.check_vpc(stack["vpcs"], "vpc-0000") == ["VPC vpc-0000: not found"]
    vpc = {**stack["vpcs"]["Vpcs"][0], "State": "pending", "IsDefault": False}
    assert checks.check_vpc({"Vpcs": [vpc]}, vpc["VpcId"]) == [
        f"VPC {vpc['VpcId']}: state 'pending', expected 'available'"
    ]


def test_subnets(stack):
    o = stack["outputs"]
    assert checks.check_subnets(stack["subnets"], o["vpcId"], *subnet_tiers(o)) == []


def subnet_tiers(outputs):
    return outputs["privateSubnetIds"], outputs["isolatedSubnetIds"], outputs["publicSubnetIds"]


def test_faulty_subnets(stack):
    o, bad = stack["outputs"], stack["bad_subnet_ids"]
    private = [bad["public_ips"], bad["other_vpc"], "subnet-gone"]
    problems = checks.check_subnets(stack["subnets"], o["vpcId"], private, o["isolatedSubnetIds"][:1], [])
    assert problems == [
        f"private subnet {bad['public_ips']}: assigns public IPs on launch, expected none",
        f"private subnet {bad['other_vpc']}: in {next_vpc(stack, bad['other_vpc'])}, expected {o['vpcId']}",
        "private subnet subnet-gone: not found",
        "private subnets: span 1 availability zone(s), expected at least 2",
        "isolated subnets: span 1 availability zone(s), expected at least 2",
    ]


def next_vpc(stack, subnet_id):
    return next(s["VpcId"] for s in stack["subnets"]["Subnets"] if s["SubnetId"] == subnet_id)


def test_unavailable_subnet(stack):
    o = stack["outputs"]
    subnets = [
        {**subnet, "State": "pending"} if subnet["SubnetId"] == o["publicSubnetIds"][0] else subnet
        for subnet in stack["subnets"]["Subnets"]
    ]
    problems = checks.check_subnets({"Subnets": subnets}, o["vpcId"], *subnet_tiers(o))
    assert problems == [f"public subnet {o['publicSubnetIds'][0]}: state 'pending', expected 'available'"]


def test_routes_with_egress(stack):
    assert checks.check_route_tables(stack["route_tables"], *subnet_tiers(stack["outputs"])) == []


def test_private_subnets_without_egress_must_have_no_default_route(stack):
    o = stack["outputs"]
    problems = checks.check_route_tables(stack["route_tables"], o["privateSubnetIds"][:1], [], [])
    assert len(problems) == 1
    assert "has a default route to [" in problems[0]
    assert "but the stack has no egress" in problems[0]


def test_faulty_routes(stack):
    bad = stack["bad_subnet_ids"]
    problems = checks.check_route_tables(
        stack["route_tables"],
        [bad["private_to_igw"], bad["private_no_nat"]],
        [bad["isolated_to_igw"]],
        [bad["public_no_igw"]],
    )
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        f"has a default route to {igw_of(stack)}, expected none",
        "routes to an internet gateway, expected NAT only",
        "no default route through a NAT gateway, expected one (egress is on)",
        "no default route to an internet gateway",
    ]
    assert problems[0].startswith(f"isolated subnet {bad['isolated_to_igw']} (route table rtb-")


def igw_of(stack):
    return sorted(
        {
            route["GatewayId"]
            for table in stack["route_tables"]["RouteTables"]
            for route in table["Routes"]
            if route.get("GatewayId", "").startswith("igw-")
        }
    )


def test_route_table_missing_and_unknown_targets():
    assert checks.check_route_tables({"RouteTables": []}, [], ["subnet-1"], []) == [
        "isolated subnet subnet-1: no route table found"
    ]
    table = {
        "RouteTableId": "rtb-1",
        "Associations": [{"Main": True}],
        "Routes": [{"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"}],
    }
    assert checks.check_route_tables({"RouteTables": [table]}, [], ["subnet-1"], []) == [
        "isolated subnet subnet-1 (route table rtb-1): has a default route to ['unknown'], expected none"
    ]


def test_flow_logs(stack):
    o = stack["outputs"]
    assert checks.check_flow_logs(stack["flow_logs"], o["vpcId"], o["logGroupNames"]["flowLogs"]) == []


def test_flow_logs_missing_or_wrong(stack):
    o = stack["outputs"]
    assert checks.check_flow_logs(stack["flow_logs"], "vpc-none", "g") == [
        "VPC vpc-none: no flow log, expected one into g"
    ]
    other = next(
        flow["ResourceId"] for flow in stack["flow_logs"]["FlowLogs"] if flow["TrafficType"] == "REJECT"
    )
    problems = checks.check_flow_logs(stack["flow_logs"], other, o["logGroupNames"]["flowLogs"])
    assert problems == [
        f"VPC {other}: flow logs [('elsewhere', 'REJECT', 'ACTIVE')], "
        f"expected an ACTIVE flow log of ALL traffic into {o['logGroupNames']['flowLogs']}"
    ]
