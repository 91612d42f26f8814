"""Resource policies whose meaning depends on the endpoint the resource is reached through: a REST API's and
an OpenSearch domain's.

``resource-policy-not-public`` leaves them out because an open policy there is often right. A REGIONAL or
EDGE API is on the internet whatever its policy says, and its methods' authorization decides who gets in
(``apigateway-method-authorization``), except IAM authorization, which the policy widens; a domain inside
a VPC is reached only through its network and security groups, where AWS suggests an open policy, as it
does for a public domain behind fine-grained access control (whose users then authenticate to OpenSearch
itself). What is left is judged here, by the same evaluator:

- A private API is reached only through interface VPC endpoints for execute-api, but through any
  account's: an Allow for everyone that nothing binds to the stack's endpoints, VPCs, accounts or
  organisation lets every AWS account invoke the API from its own VPC. The policy may bind either way AWS
  documents: a Condition on the Allow (``"StringEquals": {"aws:SourceVpce": "vpce-..."}``), or a Deny for
  everyone of execute-api:Invoke on the whole API, or on the stages, methods and paths the Allow names,
  unless the request matches (``"StringNotEquals": {"aws:SourceVpce": ...}``): each of the Deny's
  conditions, read positively, must bind as the Allow's would, and an ARN in its Resource must name the API
  in its own region and partition.
  Private ranges in ``aws:VpcSourceIp`` bind nothing: every account's VPC may use them.
- On any API, methods with AWS_IAM authorization (or body operations with an awsSigv4 scheme) admit the
  principals of another account when both their own IAM policy and the API's resource policy allow them: an
  unbound Allow for everyone lets every account's principals call them (and every principal of the API's
  own account, IAM policy or not).
- A domain with a public endpoint (no ``vpcOptions`` subnets) and without fine-grained access control (or
  with its anonymous access on) is reached from the internet: an Allow for everyone that no account,
  organisation, source or IP range binds lets anyone reach its indexes with the actions it allows.

A policy set on its own resource (``RestApiPolicy``, ``DomainPolicy``) is judged with the API or domain it
names; when that is not in the stack, or when what decides is unknown at preview, an open statement is an
advisory note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from pulumi_policy import Severity

from .apigateway import REST_API, REST_API_PUT, iam_routes, openapi_document, unknown_iam_route
from .awsfacts import Arn, parse_arn
from .documents import WILDCARD, Condition, Document, Statement, glob_match, parse_policy
from .evaluator import Binding, allowed_actions, binding, public_statements, why_open
from .graph import Resource, Stack, provider_account
from .kms import render_actions, render_principals
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, describe

REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
OPENSEARCH_DOMAINS = ("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain")
OPENSEARCH_POLICIES = (
    "aws:opensearch/domainPolicy:DomainPolicy",
    "aws:elasticsearch/domainPolicy:DomainPolicy",
)
BODY_POLICY = "x-amazon-apigateway-policy"
# The operators whose Deny holds unless the request matches the values: the Allow they leave is bound as
# the positive operator would bind it. A missing key makes a negated operator true, so IfExists changes
# nothing in a Deny.
_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
}
# A path after the API id that matches every stage, method and resource ("execute-api:/*/*/*").
_WHOLE_API = re.compile(r"\*|(/\*){1,3}")
_ONLY_WILDCARDS = re.compile(r"[*?]+")
# The partition of a region's ARNs: a Deny of another partition's APIs holds back nothing here.
_PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
)

# ---- API Gateway private APIs -------------------------------------------------------------------------


def check_private_api_policy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for api in stack.of_type(REST_API):
        # The policy argument overrides the body's x-amazon-apigateway-policy, unless it is empty: the
        # provider then leaves the body's policy in force.
        if api.get("policy") not in (ABSENT, ""):
            yield from _judge_api_policy(stack, api, api, "policy", "policy", api.get("policy"))
        else:
            yield from _body_policy(stack, api, api)
    for policy in stack.of_type(REST_API_POLICY):
        for api in _apis(stack, policy):
            yield from _judge_api_policy(stack, policy, api, "policy", "policy", policy.get("policy"))
    for put in stack.of_type(REST_API_PUT):
        for api in _apis(stack, put):
            yield from _body_policy(stack, put, api)


def _apis(stack: Stack, source: Resource) -> list[Resource | None]:
    """The REST API ``source.restApiId`` names, or None (for a note) when it is not in the stack."""
    return list(stack.targets(source, "restApiId", (REST_API,), ("id",))) or [None]


def _body_policy(stack: Stack, source: Resource, api: Resource | None) -> Iterator[Finding]:
    body = source.get("body")
    if body is UNKNOWN:
        yield unknown_until_deployed(source, source, "body", f"the {BODY_POLICY} of its OpenAPI body")
        return
    document = openapi_document(body)
    if document is not None and BODY_POLICY in document:
        yield from _judge_api_policy(
            stack, source, api, "body", f"body's {BODY_POLICY}", document[BODY_POLICY]
        )


def _judge_api_policy(
    stack: Stack, source: Resource, api: Resource | None, prop: str, shown: str, value: Any
) -> Iterator[Finding]:
    document, faults = _read(source, prop, shown, value, "the API's resource policy")
    yield from faults
    if document is None:
        return
    # Only execute-api:Invoke lets a request in (InvalidateCache needs it too; other services' actions
    # grant nothing on an API).
    open_statements = [
        (statement, bound)
        for statement, bound in public_statements(document)
        if "execute-api:Invoke" in _invocations(statement)
    ]
    open_statements = _not_denied(document, source, api, open_statements)
    if not open_statements:
        return
    if api is None:
        yield Finding(
            source,
            f"its policy lets everyone invoke REST API {describe(source.get('restApiId'))}, which is not in "
            "the stack: whether the API is private, and so open to every account's VPC endpoints, cannot be "
            "checked",
            unknown_at_preview=True,
        )
        return
    kind = api.get("endpointConfiguration", "types")
    if kind is UNKNOWN:
        yield unknown_until_deployed(source, api, "endpointConfiguration", "whether the API is private")
        return
    kinds = kind if isinstance(kind, list) else [kind]
    if any(isinstance(k, str) and k.upper() == "PRIVATE" for k in kinds):
        because = (
            "no Deny limits it to named VPC endpoints, VPCs or accounts, so any AWS account can invoke the "
            "private API through an execute-api VPC endpoint of its own"
        )
    else:
        # On the internet whatever the policy says: its methods' authorization decides, but IAM
        # authorization admits another account's principals whenever the resource policy allows them.
        routes = iam_routes(stack, api)
        if not routes:
            unknown = unknown_iam_route(stack, api)
            if unknown is not None:
                yield unknown_until_deployed(
                    source,
                    *unknown,
                    "whether the API authorizes a method with AWS_IAM (which its open policy lets every "
                    "account call)",
                )
            return
        because = (
            f"the API authorizes {', '.join(routes)} with AWS_IAM, which admits another account's principals "
            "whenever the resource policy allows them, so any AWS account can call those methods"
        )
    for statement, bound in open_statements:
        yield Finding(
            source,
            f"{shown} {statement.label} allows {render_principals(statement)} {render_actions(statement)} "
            f"{why_open(bound)} and {because}",
        )


def _not_denied(
    document: Document,
    source: Resource,
    api: Resource | None,
    open_statements: list[tuple[Statement, Binding]],
) -> list[tuple[Statement, Binding]]:
    """The open Allows that no Deny for everyone holds back: a Deny of execute-api:Invoke on every request
    the Allow lets in (the whole API, or the Allow's own stages, methods and paths) unless the request
    matches conditions which, read positively, bind the caller."""
    denies = [
        deny
        for deny in document.statements
        if deny.effect == "Deny"
        and not deny.negated_principals
        and any(p.is_everyone for p in deny.principals)
        and "execute-api:Invoke" in _invocations(deny)
        and not deny.negated_resources
        and all(_binds_when_positive(deny, c) for c in deny.conditions)
    ]
    if not denies:
        return open_statements
    where = _Where(source, api)
    denied = [
        path
        for deny in denies
        for r in deny.resources
        if isinstance(r, str) and (path := where.path(r, widest=True))
    ]
    return [
        (statement, bound) for statement, bound in open_statements if not _held_back(statement, denied, where)
    ]


class _Where:
    """Where a Resource entry of an API's policy points inside the API: its path after the API id
    (``/<stage>/<method>/<resource path>``), or None when it may name another API, account, region or
    partition (or is no execute-api resource at all)."""

    def __init__(self, source: Resource, api: Resource | None) -> None:
        self.api_id = api.get("id") if api is not None else ABSENT
        self.account = provider_account(source)
        self.region = (api or source).region()

    def path(self, pattern: str, *, widest: bool) -> str | None:
        """The path ``pattern`` names in this API. A wildcard in place of the API id may run on into the
        path, so it names a path only ``widest``, as a Deny does (it covers at least that much)."""
        if pattern == "*":
            return "/*"
        if pattern.startswith("execute-api:"):
            rest = pattern.removeprefix("execute-api:")
            return rest if rest.startswith("/") else "/*" if _ONLY_WILDCARDS.fullmatch(rest) else None
        arn = parse_arn(pattern)
        if arn is None or not glob_match(arn.service, "execute-api") or not self._here(arn):
            return None
        named, slash, path = arn.resource.partition("/")
        any_api = _ONLY_WILDCARDS.fullmatch(named) is not None
        if not slash:
            return "/*" if any_api else None
        return f"/{path}" if named == self.api_id or (any_api and widest) else None

    def _here(self, arn: Arn) -> bool:
        ours = not isinstance(self.account, str) or arn.account == self.account
        if not (_ONLY_WILDCARDS.fullmatch(arn.account) or ours):
            return False
        if self.region is None:  # a region the provider takes from its environment: any may be the API's
            return True
        return glob_match(arn.region, self.region) and glob_match(arn.partition, _partition(self.region))


def _partition(region: str) -> str:
    return next((name for prefix, name in _PARTITIONS if region.startswith(prefix)), "aws")


def _held_back(allow: Statement, denied: list[str], where: _Where) -> bool:
    """Whether the Deny paths ``denied`` cover every path the Allow names: a Deny of the whole API covers
    anything; otherwise each Allow path must be a Deny path, start with what a Deny path ends in ``*``
    after, or be a literal path a Deny path matches."""
    if any(_WHOLE_API.fullmatch(d) for d in denied):
        return True
    paths = [where.path(r, widest=False) if isinstance(r, str) else None for r in allow.resources]
    return (
        not allow.negated_resources
        and bool(paths)
        and all(
            path is not None
            and any(
                path == d
                or (d.endswith("*") and path.startswith(d[:-1]))
                or (not WILDCARD.search(path) and glob_match(d, path, case_sensitive=True))
                for d in denied
            )
            for path in paths
        )
    )


def _invocations(statement: Statement) -> set[str]:
    """The execute-api actions a statement covers: no other service's action means anything on an API."""
    return {a.full_name for a in allowed_actions(statement) if a.service == "execute-api"}


def _binds_when_positive(deny: Statement, condition: Condition) -> bool:
    positive = _POSITIVE.get(condition.operator.removesuffix("IfExists"))
    if positive is None:
        return False
    alone = replace(deny, conditions=(Condition(positive, condition.key, condition.values),))
    return binding(alone).restricts


# ---- OpenSearch domains ---------------------------------------------------------------------------------


def check_opensearch_policy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for domain in stack.of_type(*OPENSEARCH_DOMAINS):
        yield from _judge_domain_policy(domain, domain, domain.get("accessPolicies"))
    for policy in stack.of_type(*OPENSEARCH_POLICIES):
        domains = stack.targets(policy, "domainName", OPENSEARCH_DOMAINS, ("domainName",))
        for domain in domains or [None]:
            yield from _judge_domain_policy(policy, domain, policy.get("accessPolicies"))


def _judge_domain_policy(source: Resource, domain: Resource | None, value: Any) -> Iterator[Finding]:
    document, faults = _read(source, "accessPolicies", "accessPolicies", value, "the domain's access policy")
    yield from faults
    if document is None:
        return
    # A domain's policy admits HTTP requests only (es:ESHttp*); other actions grant nothing on it.
    open_statements = [
        (statement, bound)
        for statement, bound in public_statements(document)
        if any(a.full_name.startswith("es:ESHttp") for a in allowed_actions(statement))
    ]
    if not open_statements:
        return
    if domain is None:
        yield Finding(
            source,
            f"its access policy lets everyone in to domain {describe(source.get('domainName'))}, which is "
            "not in the stack: whether the domain has a public endpoint without fine-grained access control "
            "cannot be checked",
            unknown_at_preview=True,
        )
        return
    exposure = _exposure(source, domain)
    if isinstance(exposure, Finding):
        yield exposure
        return
    if exposure is None:
        return
    for statement, bound in open_statements:
        yield Finding(source, _domain_fault(statement, bound, exposure))


def _exposure(source: Resource, domain: Resource) -> str | Finding | None:
    """Why anyone on the internet reaches the domain's data past its policy; None when its network or
    fine-grained access control stands in the way; a note when what decides is unknown."""
    if domain.get("vpcOptions") is UNKNOWN:
        return unknown_until_deployed(source, domain, "vpcOptions", "whether the domain is in a VPC")
    subnets = domain.get("vpcOptions", "subnetIds")
    if subnets is UNKNOWN or (isinstance(subnets, list) and subnets):
        return None  # reached only from its VPC (subnets the stack computes), through its security groups
    enabled = as_bool(domain.get("advancedSecurityOptions", "enabled"))
    anonymous = as_bool(domain.get("advancedSecurityOptions", "anonymousAuthEnabled"))
    if UNKNOWN in (enabled, anonymous):
        return unknown_until_deployed(
            source, domain, "advancedSecurityOptions", "whether fine-grained access control guards the domain"
        )
    if enabled is True and anonymous is not True:
        return None  # every request authenticates to OpenSearch itself
    return (
        "fine-grained access control lets anonymous requests in (anonymousAuthEnabled)"
        if enabled is True
        else "no fine-grained access control"
    )


def _domain_fault(statement: Statement, bound: Binding, exposure: str) -> str:
    return (
        f"accessPolicies {statement.label} allows {render_principals(statement)} {render_actions(statement)} "
        f"{why_open(bound)} on a domain with a public endpoint and {exposure}, so anyone on the internet can "
        "reach its indexes"
    )


# ---- shared ---------------------------------------------------------------------------------------------


def _read(
    source: Resource, prop: str, shown: str, value: Any, what: str
) -> tuple[Document | None, list[Finding]]:
    """The policy document ``value`` (read from ``prop``, shown as ``shown``), or None with the faults of an
    unknown or unreadable one."""
    if value is ABSENT or value == "":
        return None, []
    document = parse_policy(value, principals_required=True)
    faults = [Finding(source, f"{what} ({shown}) is unreadable: {error}") for error in document.errors]
    if document.unknown:
        faults.append(unknown_until_deployed(source, source, prop, what))
    return (None if faults else document), faults


RULES = [
    Rule(
        name="apigateway-resource-policy-not-open",
        description=(
            "A REST API's resource policy (its policy, the x-amazon-apigateway-policy of an OpenAPI body, a "
            "RestApiPolicy or a RestApiPut body) does not let every account in, on a PRIVATE API (through "
            "its own VPC endpoints) or on an API with AWS_IAM methods (IAM then admits another account's "
            'principals): an Allow for Principal "*", {"AWS": "*"} or NotPrincipal needs a Condition '
            "binding the caller (aws:SourceVpce, aws:SourceVpc, an account or organisation), or a Deny "
            "for everyone of execute-api:Invoke on the whole API (or on every stage, method and path the "
            "Allow names, in the API's region) unless such a condition holds (StringNotEquals "
            "aws:SourceVpce), as AWS's examples do. Other REGIONAL and EDGE APIs are on "
            "the internet whatever their policy says and are left to apigateway-method-authorization."
        ),
        severity=Severity.HIGH,
        pci=("1.3.1", "7.2.1"),
        remediation=(
            'Add "Condition": {"StringEquals": {"aws:SourceVpce": "<the stack\'s endpoint id>"}} to the '
            'Allow, or a Deny for Principal "*" on execute-api:Invoke and execute-api:/* with '
            '"StringNotEquals": {"aws:SourceVpce": ...}'
        ),
        url="https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html",
        topic="apigateway",
        check=check_private_api_policy,
        stack=True,
    ),
    Rule(
        name="opensearch-access-policy-not-public",
        description=(
            "An OpenSearch (or Elasticsearch) domain with a public endpoint and without fine-grained "
            "access control (or with its anonymous access on) has no access policy (accessPolicies on the "
            'domain or a DomainPolicy) that allows Principal "*", {"AWS": "*"} or NotPrincipal unless a '
            "Condition binds the caller to an account, organisation, source or IP range. Domains in a VPC, "
            "and public ones whose users authenticate to fine-grained access control, may have an open "
            "policy, as AWS suggests."
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "7.2.1"),
        remediation=(
            "Put the domain in a VPC (vpc_options), enable fine-grained access control "
            "(advanced_security_options), or name the principals or IP ranges in the access policy"
        ),
        url="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html",
        topic="opensearch",
        check=check_opensearch_policy,
        stack=True,
    ),
]
