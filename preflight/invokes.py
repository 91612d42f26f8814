"""Answers to the data-source calls (invokes) a program makes, with the values the AWS provider returns.

Results use the wire (camelCase) names the SDK expects. ``answer`` gives the realistic, hand-written answers
(caller identity, region, partition, zones, policy documents, the default VPC, ECR logins); ``synthesized``
answers any other invoke from the result type its installed SDK declares, with values consistent with the
account and region, and the engine lists those invokes in the report so a reader knows which values are
invented.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from preflight import policy_document, schema, synthesis
from preflight.conform import MISFIT, conform
from preflight.identity import Ids, Target, partition_of, zone_id

# Region descriptions as getRegion reports them.
_REGION_DESCRIPTIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-north-1": "Europe (Stockholm)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "sa-east-1": "South America (Sao Paulo)",
}

InvokeFailure = policy_document.PolicyDocumentError


def answer(token: str, args: dict[str, Any], target: Target) -> dict[str, Any] | None:
    """The result of invoke ``token`` with ``args`` (wire names) in ``target``; None when not mocked.

    Raises ``InvokeFailure`` when the provider would reject the arguments.
    """
    handler = _HANDLERS.get(token)
    return None if handler is None else handler(args, target)


def synthesized(token: str, args: dict[str, Any], target: Target) -> dict[str, Any] | None:
    """An answer to ``token`` built from its result type; None when no installed SDK declares the invoke.

    Every field the result always has gets a value (``preflight.synthesis``), and fields named like an
    argument echo it, converted to the field's type, as data sources echo their query. The same query
    always gets the same answer.
    """
    fields = schema.invoke_result(token)
    if fields is None:
        return None
    module, _, member = token.partition(":")[2].rpartition(":")
    kind = synthesis.kebab(member.removeprefix("get")) or "result"
    ids = _lookup_ids(token, args, target)
    # The name the query gives (``name``, or ``bucket`` for a bucket) is the name of what it finds.
    name = args.get("name") or args.get(re.sub(r"-(\w)", lambda m: m[1].upper(), synthesis.singular(kind)))
    subject = synthesis.Subject(
        target,
        ids,
        module.split("/")[0],
        synthesis.singular(kind),
        name if isinstance(name, str) and name else f"{kind}-{ids.hex(8, 'name')}",
    )
    # The provider converts an argument to the result field's type before echoing it (``"true"`` for a
    # bool is True); one it could not convert is not echoed, and the field is filled as if not asked.
    echoed = {}
    for field in fields:
        given = conform(args.get(field.name), field.shape)
        if given is not None and given is not MISFIT:
            echoed[field.name] = given
    return {**synthesis.fill(fields, subject, skip=echoed), **echoed}


def _caller_identity(args: dict[str, Any], target: Target) -> dict[str, Any]:
    account = target.account_id
    return {
        "accountId": account,
        "arn": f"arn:{target.partition}:iam::{account}:user/preflight",
        "userId": "AIDAPREFLIGHTUSER0001",
        "id": account,
    }


def _region(args: dict[str, Any], target: Target) -> dict[str, Any]:
    region = args.get("region") or args.get("name") or target.region
    return {
        **args,
        "region": region,
        "name": region,
        "endpoint": f"ec2.{region}.{partition_of(region)[1]}",
        "description": _REGION_DESCRIPTIONS.get(region, region),
        "id": region,
    }


def _partition(args: dict[str, Any], target: Target) -> dict[str, Any]:
    partition, dns_suffix, reverse_dns_prefix = partition_of(target.region)
    return {
        "partition": partition,
        "dnsSuffix": dns_suffix,
        "reverseDnsPrefix": reverse_dns_prefix,
        "id": partition,
    }


def _availability_zones(args: dict[str, Any], target: Target) -> dict[str, Any]:
    region = args.get("region") or target.region
    zones = [(f"{region}{letter}", zone_id(region, letter)) for letter in "abc"]
    if args.get("state") not in (None, "available"):
        zones = []
    excluded_names = set(args.get("excludeNames") or [])
    excluded_ids = set(args.get("excludeZoneIds") or [])
    zones = [
        (name, zone_id)
        for name, zone_id in zones
        if name not in excluded_names and zone_id not in excluded_ids
    ]
    return {
        **args,
        "names": [name for name, _ in zones],
        "zoneIds": [zone_id for _, zone_id in zones],
        "groupNames": [region] if zones else [],
        "id": region,
    }


def _policy_document(args: dict[str, Any], target: Target) -> dict[str, Any]:
    return policy_document.build(args)


def _lookup_ids(kind: str, args: dict[str, Any], target: Target) -> Ids:
    # The same query in the same account and region finds the same thing, as it would in AWS.
    query = {key: value for key, value in args.items() if key != "region"}
    return Ids(f"{kind}|{target.account_id}|{target.region}|{json.dumps(query, sort_keys=True, default=str)}")


_DEFAULT_VPC_CIDR = "172.31.0.0/16"


def _vpc(args: dict[str, Any], target: Target) -> dict[str, Any]:
    # Every region has a default VPC (172.31.0.0/16); a lookup by id, tags or filters finds another one.
    searches = ("id", "cidrBlock", "filters", "tags")
    default = args.get("default", not any(args.get(key) for key in searches))
    ids = _lookup_ids("vpc", {"default": True} if default is True and not args.get("id") else args, target)
    vpc_id = args.get("id") or f"vpc-{ids.hex(17, 'vpc')}"
    cidr = args.get("cidrBlock") or (_DEFAULT_VPC_CIDR if default else "10.0.0.0/16")
    return {
        **args,
        "id": vpc_id,
        "arn": f"arn:{target.partition}:ec2:{target.region}:{target.account_id}:vpc/{vpc_id}",
        "cidrBlock": cidr,
        "cidrBlockAssociations": [
            {
                "associationId": f"vpc-cidr-assoc-{ids.hex(17, 'assoc')}",
                "cidrBlock": cidr,
                "state": "associated",
            }
        ],
        "default": bool(default),
        "dhcpOptionsId": f"dopt-{ids.hex(17, 'dopt')}",
        "enableDnsHostnames": bool(default),
        "enableDnsSupport": True,
        "enableNetworkAddressUsageMetrics": False,
        "instanceTenancy": "default",
        "ipv6AssociationId": "",
        "ipv6CidrBlock": "",
        "mainRouteTableId": f"rtb-{ids.hex(17, 'main-rtb')}",
        "ownerId": target.account_id,
        "region": target.region,
        "state": args.get("state") or "available",
        "tags": args.get("tags") or {},
    }


def _subnets(args: dict[str, Any], target: Target) -> dict[str, Any]:
    # One subnet per zone, as in a default VPC; the ids depend on the query, so different filters differ.
    ids = _lookup_ids("subnets", args, target)
    return {
        **args,
        "id": target.region,
        "ids": [f"subnet-{ids.hex(17, letter)}" for letter in "abc"],
        "region": target.region,
    }


def _vpc_endpoint_service(args: dict[str, Any], target: Target) -> dict[str, Any]:
    # An AWS service's endpoint (looked up by `service` or `serviceName`), offered in every zone that
    # getAvailabilityZones reports for the region.
    partition, dns_suffix, reverse_dns_prefix = partition_of(target.region)
    service_name = args.get("serviceName") or f"{reverse_dns_prefix}.{target.region}.{args.get('service')}"
    service = service_name.rsplit(".", 1)[-1]
    service_id = f"vpce-svc-{Ids(service_name).hex(17, 'svc')}"
    dns_name = f"{service}.{target.region}.{dns_suffix}"
    return {
        **args,
        "id": target.region,
        "service": service,
        "serviceName": service_name,
        "serviceType": args.get("serviceType") or "Interface",
        "serviceId": service_id,
        "arn": f"arn:{partition}:ec2:{target.region}::vpc-endpoint-service/{service_id}",
        "availabilityZones": _availability_zones({}, target)["names"],
        "baseEndpointDnsNames": [dns_name],
        "privateDnsName": dns_name,
        "privateDnsNames": [dns_name],
        "owner": "amazon",
        "acceptanceRequired": False,
        "managesVpcEndpoints": False,
        "vpcEndpointPolicySupported": True,
        "supportedIpAddressTypes": ["ipv4"],
        "region": target.region,
        "tags": {},
    }


# ECR login tokens are valid for 12 hours from when they are issued.
_ECR_TOKEN_EXPIRY = datetime.fromisoformat(synthesis.CREATED) + timedelta(hours=12)


def _ecr_login(registry: str, region: str, target: Target) -> dict[str, Any]:
    """A registry's Docker login, as ECR's GetAuthorizationToken issues it: the token is base64 of
    ``AWS:<password>`` (clients decode and split it), the password base64 of the encrypted data key."""
    ids = _lookup_ids("ecr-login", {"registryId": registry, "region": region}, target)
    data_key = {
        "payload": ids.hex(64, "payload"),
        "datakey": ids.hex(64, "datakey"),
        "version": "2",
        "type": "DATA_KEY",
        "expiration": int(_ECR_TOKEN_EXPIRY.timestamp()),
    }
    password = base64.b64encode(json.dumps(data_key, separators=(",", ":")).encode()).decode()
    return {
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "userName": "AWS",
        "password": password,
        "proxyEndpoint": f"https://{registry}.dkr.ecr.{region}.{partition_of(region)[1]}",
        "expiresAt": _ECR_TOKEN_EXPIRY.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _ecr_authorization_token(args: dict[str, Any], target: Target) -> dict[str, Any]:
    # The account's own registry unless the query names another; the provider's id is the region.
    region = args.get("region") or target.region
    login = _ecr_login(args.get("registryId") or target.account_id, region, target)
    return {**args, **login, "region": region, "id": region}


def _ecr_credentials(args: dict[str, Any], target: Target) -> dict[str, Any]:
    registry = args.get("registryId") or target.account_id
    return {**args, **_ecr_login(registry, target.region, target), "registryId": registry, "id": registry}


_HANDLERS: dict[str, Callable[[dict[str, Any], Target], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getVpcEndpointService:getVpcEndpointService": _vpc_endpoint_service,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_authorization_token,
    "aws:ecr/getCredentials:getCredentials": _ecr_credentials,
}
