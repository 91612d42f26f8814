"""Answers to the data-source calls (invokes) a program makes, with the values the AWS provider returns.

Results use the wire (camelCase) names the SDK expects. An invoke this module does not know answers ``None``:
the engine then returns no values and warns, so a program that depends on one is never silently wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight import policy_document
from preflight.values import Target, partition_of, zone_id

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


_HANDLERS: dict[str, Callable[[dict[str, Any], Target], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
}
