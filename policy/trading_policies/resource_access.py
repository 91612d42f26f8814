"""Resource policies outside KMS and S3 that decide who can reach a resource: VPC endpoint policies and
Secrets Manager secret policies.

They live together because they ask the same question of :mod:`evaluator` (which Allow statements can
anyone, in any account, use after their conditions?), and the services' own modules hold their
configuration rules. A policy that is not set is not judged here (AWS then applies the service default:
full access through an endpoint, no resource policy on a secret); a set policy that cannot be read is a
violation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .documents import Statement, parse_policy
from .evaluator import public_statements, unscoped_resource, why_open
from .graph import Resource
from .kms import render_actions, render_principals
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT

VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
VPC_ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
# Keys that bind the resource a request may reach, so an endpoint cannot carry data to another account.
RESOURCE_KEYS = frozenset(
    {"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths", "s3:resourceaccount"}
)


def _document(resource: Resource, what: str) -> Iterator[str | Finding | tuple[Statement, Any]]:
    """Faults of an unreadable or unknown policy, then each public Allow statement with its binding."""
    value = resource.get("policy")
    if value is ABSENT or value == "":
        return
    document = parse_policy(value, principals_required=True)
    yield from (f"{what} is unreadable: {error}" for error in document.errors)
    if document.unknown:
        yield unknown_until_deployed(resource, resource, "policy", what)
    yield from public_statements(document)


def check_endpoint_policy(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    for item in _document(resource, "the endpoint policy"):
        if not isinstance(item, tuple):
            yield item
            continue
        statement, bound = item
        everything = unscoped_resource(statement)
        if everything is not None and not _binds_resources(statement):
            yield (
                f"endpoint policy {statement.label} allows {render_principals(statement)} "
                f"{render_actions(statement)} on {everything} {why_open(bound)}, so credentials of any "
                "account can use the endpoint to reach any account's resources and carry data out of the VPC"
            )


def _binds_resources(statement: Statement) -> bool:
    return any(
        c.key.lower() in RESOURCE_KEYS
        and c.base_operator in ("StringEquals", "StringLike")
        and not c.if_exists
        and all(isinstance(v, str) and v.strip("*?") for v in c.values)
        for c in statement.conditions
    )


def check_secret_policy(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    for item in _document(resource, "the secret's resource policy"):
        if not isinstance(item, tuple):
            yield item
            continue
        statement, bound = item
        yield (
            f"secret policy {statement.label} allows {render_principals(statement)} "
            f"{render_actions(statement)} {why_open(bound)}, so any AWS account can reach the secret"
        )


RULES = [
    Rule(
        name="vpc-endpoint-policy-not-open",
        description=(
            "A VPC endpoint policy, when set, does not let every caller reach every resource: an Allow "
            'statement for Principal "*" on all resources needs a Condition that binds the caller '
            "(aws:PrincipalAccount, aws:PrincipalOrgID) or the resource (aws:ResourceAccount, "
            "aws:ResourceOrgID)."
        ),
        severity=Severity.HIGH,
        pci=("1.4.4", "7.2.1"),
        remediation=(
            'Add "Condition": {"StringEquals": {"aws:PrincipalAccount": "<account>"}} or '
            '{"StringEquals": {"aws:ResourceAccount": "<account>"}} to the endpoint policy, or name the '
            "resources"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html",
        topic="network",
        check=check_endpoint_policy,
        resource_types=(VPC_ENDPOINT, VPC_ENDPOINT_POLICY),
    ),
    Rule(
        name="secretsmanager-policy-not-public",
        description=(
            'Secrets Manager resource policies do not allow Principal "*", {"AWS": "*"} or NotPrincipal '
            "unless a Condition binds the caller to an account, organisation, source or VPC."
        ),
        severity=Severity.CRITICAL,
        pci=("3.5.1", "7.2.1"),
        remediation=(
            "Name the roles that read the secret, or bind the caller with aws:PrincipalAccount / "
            "aws:PrincipalOrgID; keep block_public_policy=True on aws.secretsmanager.SecretPolicy"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html",
        topic="secretsmanager",
        check=check_secret_policy,
        resource_types=(SECRET, SECRET_POLICY),
    ),
]
