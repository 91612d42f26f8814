"""Resource policies outside KMS and S3 that decide who can reach a resource: VPC endpoint policies and
Secrets Manager secret policies.

They live together because they ask the same question of :mod:`evaluator` (which Allow statements can
anyone, in any account, use after their conditions?), and the services' own modules hold their
configuration rules. A policy that is not set is not judged here (AWS then applies the service default:
full access through an endpoint, no resource policy on a secret); a set policy that cannot be read is a
violation.

An endpoint statement anyone can use must bind what it reaches to something specific, because an
endpoint that reaches any account's resources carries data out of the VPC to a bucket or table of the
caller's choosing. Bound means either every Resource entry names a literal account
(``arn:aws:dynamodb:*:<account>:table/*``) or, in an ARN without one, a literal name: an S3 bucket ARN
needs a literal bucket name (``arn:aws:s3:::trading-data/*``), while ``arn:aws:s3:::*`` and
``arn:aws:s3:::trading-*`` are any account's buckets, since bucket names are global. Or a Condition
``StringEquals``/``StringLike`` on ``aws:ResourceAccount``, ``s3:ResourceAccount`` or ``aws:ResourceOrgID``
has literal values (no ``*`` or ``?`` under ``StringLike``: ``o-*`` and ``*0*`` match any organisation or
account), or one on ``aws:ResourceOrgPaths`` starts with a literal organisation id; never with
``IfExists`` or a ``ForAllValues:`` prefix, which hold when the key is missing (``ForAnyValue:`` only on
the multivalued org paths). A value unknown at preview counts as bound (an ARN or id the stack computes),
as it does for callers. A caller bound only to the resource's own account or organisation
(``"aws:PrincipalAccount": "${aws:ResourceAccount}"``) is not bound here: through an endpoint, every caller
reaches its own account's resources. Nor is one bound by ``aws:SourceVpce`` or ``aws:SourceVpc``: every
request the endpoint policy judges comes through the endpoint, from its VPC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .awsfacts import parse_arn
from .documents import WILDCARD, Condition, Statement, parse_policy, policy_variables
from .evaluator import Access, Binding, public_statements, unbound_services, why_open
from .graph import Resource
from .kms import render_actions, render_principals
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN

VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
VPC_ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
# Keys that bind the resource a request may reach, so an endpoint cannot carry data to another account.
RESOURCE_KEYS = frozenset(
    {"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths", "s3:resourceaccount"}
)
ORG_PATHS_KEY = "aws:resourceorgpaths"
# An organisation path names its organisation first; what follows may be a pattern.
_ORG_PATH = re.compile(r"^o-[a-z0-9]{10,32}/")


def _document(
    resource: Resource,
    what: str,
    path: tuple[str, ...] = ("policy",),
    *,
    through_endpoint: bool = False,
    services: tuple[str, str] | None = None,
) -> Iterator[str | Finding | tuple[Statement, Binding]]:
    """Faults of an unreadable or unknown policy (at ``path``), then each public Allow statement with its
    binding; with ``services`` (how to name the policy, what it guards), also a fault for each service
    principal no source binds (see :func:`unbound_service_fault`)."""
    value = resource.get(*path)
    if value is ABSENT or value == "":
        return
    document = parse_policy(value, principals_required=True)
    yield from (f"{what} is unreadable: {error}" for error in document.errors)
    if document.unknown:
        yield unknown_until_deployed(resource, resource, path[0], what)
    yield from public_statements(document, through_endpoint=through_endpoint)
    if services is not None:
        # A service principal no source binds acts for any account's resources (any account's SNS topic may
        # send to the queue, any bucket's notifications, any EventBridge rule): the confused deputy AWS warns
        # of, as lambda-not-public holds for functions.
        named, guarded = services
        yield from dict.fromkeys(unbound_service_fault(named, a, guarded) for a in unbound_services(document))


def check_endpoint_policy(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    # "aws:PrincipalAccount": "${aws:ResourceAccount}" binds a resource policy's callers to its account, but
    # an endpoint reaches every account's resources: any caller reaches its own account's, through it. And
    # aws:SourceVpce or aws:SourceVpc name what every request through the endpoint comes from.
    for item in _document(resource, "the endpoint policy", through_endpoint=True):
        if not isinstance(item, tuple):
            yield item
            continue
        statement, bound = item
        unbound = _unbound_resource(statement)
        if unbound is None or _binds_resources(statement):
            continue
        patterns = [c for c in statement.conditions if c.key.lower() in RESOURCE_KEYS]
        because = "".join(
            f"; its {c.operator} {c.key} {', '.join(map(str, c.values))} binds no specific account or "
            "organisation"
            for c in patterns
        )
        blind = bound.own_resource + bound.networks
        opened = why_open(bound) if bound.ignored or not blind else "with a Condition"
        because += "".join(
            f"; its {scope} binds the caller only to the account or organisation of the resource it reaches, "
            "which is any caller's own"
            for scope in bound.own_resource
        )
        because += "".join(
            f"; its {scope} names the network that every request through the endpoint comes from"
            for scope in bound.networks
        )
        yield (
            f"endpoint policy {statement.label} allows {render_principals(statement)} "
            f"{render_actions(statement)} on {unbound} {opened}{because}, so credentials of any "
            "account can use the endpoint to reach any account's resources and carry data out of the VPC"
        )


def _unbound_resource(statement: Statement) -> str | None:
    """The first Resource entry that any account's resources can match, or the NotResource list."""
    if statement.negated_resources:
        return "NotResource " + ", ".join(str(r) for r in statement.resources)
    for value in statement.resources:
        if isinstance(value, str) and not _names_specific(value):
            return value
    return None


def _names_specific(pattern: str) -> bool:
    if policy_variables(pattern):
        return False  # a name the request fills in (a bucket named after the caller's account) is any name
    arn = parse_arn(pattern)
    if arn is None:
        return not WILDCARD.search(pattern)  # not an ARN: AWS matches nothing to it
    if arn.account:
        return not WILDCARD.search(arn.account)
    # No account in the ARN (S3 buckets): the name must be literal; an S3 object key may be a pattern.
    name = arn.resource.split("/", 1)[0] if arn.service == "s3" else arn.resource
    return bool(name) and not WILDCARD.search(name)


def _binds_resources(statement: Statement) -> bool:
    return any(_binds_resource(c) for c in statement.conditions)


def _binds_resource(condition: Condition) -> bool:
    key = condition.key.lower()
    prefix = condition.operator.split(":", 1)[0] if ":" in condition.operator else ""
    if (
        key not in RESOURCE_KEYS
        or condition.if_exists
        or condition.base_operator not in ("StringEquals", "StringLike")
        or (prefix and not (prefix == "ForAnyValue" and key == ORG_PATHS_KEY))
    ):
        return False
    return all(_specific_value(key, condition.base_operator, v) for v in condition.values)


def _specific_value(key: str, operator: str, value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # an account id written as a JSON number, which IAM reads as its digits
    if not isinstance(value, str) or not value or policy_variables(value):
        # A variable is the request's value ("${aws:PrincipalAccount}": the caller's own account) or the
        # resource's own (which any resource has): either way no specific account.
        return False
    if key == ORG_PATHS_KEY:
        return _ORG_PATH.match(value) is not None
    return operator == "StringEquals" or not WILDCARD.search(value)


def check_secret_policy(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    for item in _document(resource, "the secret's resource policy", services=("secret policy", "secret")):
        if not isinstance(item, tuple):
            yield item
            continue
        statement, bound = item
        yield (
            f"secret policy {statement.label} allows {render_principals(statement)} "
            f"{render_actions(statement)} {why_open(bound)}, so any AWS account can reach the secret"
        )


# Other resource policies that decide who reaches a resource: type -> (path to the document, what it
# guards). API Gateway and OpenSearch policies are not here: whether an open one opens anything depends on
# the endpoint the API or domain is reached through (see endpoint_access). Nor is a VPC Lattice auth policy:
# its documented Principal "*" (any authenticated caller) reaches only clients in the VPCs associated with
# the service network, a question of those networks. Nor are Aurora DSQL cluster policies, which AWS refuses
# when they grant public or cross-account access, nor S3 Files file system policies, whose mount-target
# condition (as EFS's elasticfilesystem:AccessedViaMountTarget) the evaluator does not know.
RESOURCE_POLICIES: dict[str, tuple[tuple[str, ...], str]] = {
    "aws:sqs/queue:Queue": (("policy",), "queue"),
    "aws:sqs/queuePolicy:QueuePolicy": (("policy",), "queue"),
    "aws:sns/topic:Topic": (("policy",), "topic"),
    "aws:sns/topicPolicy:TopicPolicy": (("policy",), "topic"),
    "aws:s3/accessPoint:AccessPoint": (("policy",), "access point and the bucket data behind it"),
    "aws:s3control/accessPointPolicy:AccessPointPolicy": (
        ("policy",),
        "access point and the bucket data behind it",
    ),
    "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy": (
        ("details", "policy"),
        "multi-region access point and the bucket data behind it",
    ),
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy": (
        ("policy",),
        "Object Lambda access point and the bucket data behind it",
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (("policy",), "repository's images"),
    "aws:ecr/registryPolicy:RegistryPolicy": (("policy",), "registry"),
    # The policy ECR gives every repository it creates from the template (pull-through cache, replication,
    # create on push).
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": (
        ("repositoryPolicy",),
        "images of every repository created from the template",
    ),
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": (("policy",), "event bus"),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (("policyDocument",), "account's log groups"),
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": (("accessPolicy",), "log destination"),
    "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy": (
        ("deliveryDestinationPolicy",),
        "log delivery destination",
    ),
    "aws:backup/vaultPolicy:VaultPolicy": (("policy",), "backup vault's recovery points"),
    "aws:glacier/vault:Vault": (("accessPolicy",), "vault's archives"),
    # A Vault Lock policy is a vault access policy that can be locked: its Allow statements grant as the
    # vault's own do, and once completeLock is set nobody can change or remove them.
    "aws:glacier/vaultLock:VaultLock": (("policy",), "vault's archives"),
    "aws:glue/resourcePolicy:ResourcePolicy": (("policy",), "Data Catalog"),
    "aws:dynamodb/resourcePolicy:ResourcePolicy": (("policy",), "table's items (or its stream's records)"),
    "aws:kinesis/resourcePolicy:ResourcePolicy": (("policy",), "stream's records"),
    "aws:codeartifact/domainPermissions:DomainPermissions": (("policyDocument",), "domain"),
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": (
        ("policyDocument",),
        "repository's packages",
    ),
    # Public as EFS defines it: not bound to an account, organisation, source, VPC or IP range, a fixed
    # aws:userid, nor to clients that come through a mount target (elasticfilesystem:AccessedViaMountTarget,
    # which the evaluator reads as binding). aws:SecureTransport binds no one.
    "aws:efs/fileSystemPolicy:FileSystemPolicy": (("policy",), "file system's files"),
    # Other stores of data: tables, vectors and Outposts objects behind S3 policies, the objects of a
    # MediaStore container, a CloudSearch domain's documents (its endpoints are public), X-Ray's traces,
    # Prometheus's metrics, Redshift's integrations and Redshift Serverless's snapshots, SageMaker's model
    # packages.
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": (("resourcePolicy",), "table bucket's tables"),
    "aws:s3tables/tablePolicy:TablePolicy": (("resourcePolicy",), "table's data"),
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": (("policy",), "vector bucket's vectors"),
    "aws:s3control/bucketPolicy:BucketPolicy": (("policy",), "Outposts bucket's objects"),
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy": (
        ("policy",),
        "Access Grants instance and the S3 data its grants reach",
    ),
    "aws:mediastore/containerPolicy:ContainerPolicy": (("policy",), "container's objects"),
    "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy": (
        ("accessPolicy",),
        "search domain's documents",
    ),
    "aws:xray/resourcePolicy:ResourcePolicy": (("policyDocument",), "account's X-Ray traces"),
    "aws:amp/resourcePolicy:ResourcePolicy": (("policyDocument",), "Prometheus workspace's metrics"),
    "aws:redshift/resourcePolicy:ResourcePolicy": (("policy",), "Redshift cluster or namespace"),
    "aws:redshiftserverless/resourcePolicy:ResourcePolicy": (("policy",), "snapshot's data"),
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": (
        ("resourcePolicy",),
        "model package group's models",
    ),
    # What a caller may connect to or run: an MSK cluster (a private connection from its own VPC), an
    # OpenSearch Ingestion pipeline, an AgentCore runtime or gateway, a public ECR repository (beyond the
    # public pull: pushing and deleting images), CodeBuild projects and report groups shared by policy.
    "aws:msk/clusterPolicy:ClusterPolicy": (("policy",), "cluster's brokers and topics"),
    "aws:opensearchingest/resourcePolicy:ResourcePolicy": (("policy",), "ingestion pipeline"),
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy": (
        ("policy",),
        "AgentCore runtime or gateway",
    ),
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": (("policy",), "public repository's images"),
    "aws:codebuild/resourcePolicy:ResourcePolicy": (
        ("policy",),
        "project's builds or report group's reports",
    ),
    # What a caller may act as or through: a private CA that signs its certificates, an SES identity it sends
    # email as (sending authorization), End User Messaging phone numbers and sender IDs, an EventBridge schema
    # registry, Network Firewall policies and rule groups, VPC Lattice service networks and services, and an
    # Observability Access Manager sink that links its telemetry into the monitoring account.
    "aws:acmpca/policy:Policy": (("policy",), "private CA and the certificates it signs"),
    "aws:ses/identityPolicy:IdentityPolicy": (("policy",), "identity, to send email as it"),
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy": (("policy",), "identity, to send email as it"),
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy": (
        ("policy",),
        "phone number, sender ID or pool, to send messages from it",
    ),
    "aws:schemas/registryPolicy:RegistryPolicy": (("policy",), "schema registry"),
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": (("policy",), "firewall policy or rule group"),
    "aws:vpclattice/resourcePolicy:ResourcePolicy": (("policy",), "service network or service"),
    "aws:oam/sinkPolicy:SinkPolicy": (("policy",), "monitoring account's sink"),
}


# One statement of an event bus's policy, from its principal ("*" or an account) and condition.
EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission"


def check_resource_policy(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if resource.type == EVENT_PERMISSION:
        yield from _open_event_permission(resource)
        return
    path, guarded = RESOURCE_POLICIES[resource.type]
    prop = ".".join(path)
    for item in _document(resource, f"the resource policy ({prop})", path, services=(prop, guarded)):
        if not isinstance(item, tuple):
            yield item
            continue
        statement, bound = item
        yield (
            f"{prop} {statement.label} allows {render_principals(statement)} {render_actions(statement)} "
            f"{why_open(bound)}, so any AWS account can reach the {guarded}"
        )


def unbound_service_fault(what: str, access: Access, guarded: str, *, alternative: str = "") -> str:
    """The violation for a service principal that may act for any account's resources (``alternative``:
    what else would have bound it)."""
    caller = access.caller
    return (
        f"{what} {access.statement.label} allows {caller.label} {render_actions(access.statement)} "
        f"without an aws:SourceArn or aws:SourceAccount naming an account{alternative}, so any "
        f"{caller.name.split('.')[0]} resource in any account can reach the {guarded}"
    )


def _open_event_permission(resource: Resource) -> Iterator[str | Finding]:
    """An EventPermission is the statement EventBridge writes into the bus's policy: its principal, with
    ``condition`` (aws:PrincipalOrgID under StringEquals) as the statement's Condition."""
    parts = [resource.get("condition", part) for part in ("type", "key", "value")]
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents"}
    if any(part is UNKNOWN for part in parts):
        statement["Condition"] = UNKNOWN  # an organisation id the stack computes
    elif all(isinstance(part, str) for part in parts):
        operator, key, value = parts
        statement["Condition"] = {operator: {key: value}}
    anyone = public_statements(
        parse_policy({"Statement": [{**statement, "Resource": "*"}]}, principals_required=True)
    )
    principal = resource.get("principal")
    if principal is UNKNOWN and anyone:
        yield unknown_until_deployed(resource, resource, "principal", "who can put events on the bus")
    elif principal == "*" and anyone:
        ((_, bound),) = anyone
        action = resource.get("action")
        yield (
            f'principal "*" may call {action if isinstance(action, str) else "events:PutEvents"} '
            f"{why_open(bound)}, so any AWS account can reach the event bus"
        )


RULES = [
    Rule(
        name="vpc-endpoint-policy-not-open",
        description=(
            "A VPC endpoint policy, when set, does not let every caller reach any account's resources: an "
            'Allow statement for Principal "*" needs a Condition that binds the caller '
            "(aws:PrincipalAccount, aws:PrincipalOrgID, not to the resource's own: ${aws:ResourceAccount} is "
            "every caller's own account here, and not aws:SourceVpce or aws:SourceVpc, which every request "
            "through the endpoint matches) or the resource (aws:ResourceAccount, "
            "aws:ResourceOrgID, with literal values), or Resource ARNs with a literal account or, for S3, a "
            "literal bucket name (arn:aws:s3:::* and bucket-name patterns match any account's buckets)."
        ),
        severity=Severity.HIGH,
        pci=("1.4.4", "7.2.1"),
        remediation=(
            'Add "Condition": {"StringEquals": {"aws:PrincipalAccount": "<account>"}} or '
            '{"StringEquals": {"aws:ResourceAccount": "<account>"}} to the endpoint policy, or name the '
            "resources: the stack's bucket ARNs or ARNs in the account"
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
            "unless a Condition binds the caller to an account, organisation, source or VPC, nor a service "
            "principal unless aws:SourceArn or aws:SourceAccount names whose resources it acts for (else the "
            "service reads the secret for any account's resources: the confused deputy)."
        ),
        severity=Severity.CRITICAL,
        pci=("3.5.1", "7.2.1"),
        remediation=(
            "Name the roles that read the secret, or bind the caller with aws:PrincipalAccount / "
            "aws:PrincipalOrgID (a service principal with aws:SourceArn or aws:SourceAccount); keep "
            "block_public_policy=True on aws.secretsmanager.SecretPolicy"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html",
        topic="secretsmanager",
        check=check_secret_policy,
        resource_types=(SECRET, SECRET_POLICY),
    ),
    Rule(
        name="resource-policy-not-public",
        description=(
            "The resource policies of SQS queues, SNS topics, S3 access points (also multi-region and Object "
            "Lambda), ECR repositories and registries, EventBridge event buses, CloudWatch Logs resource and "
            "destination policies, Backup and Glacier vaults, the Glue Data Catalog, DynamoDB tables and "
            "streams, Kinesis streams and consumers, CodeArtifact domains and repositories, EFS file "
            "systems, S3 table buckets and tables, vector buckets, Outposts buckets and Access Grants "
            "instances, MediaStore containers, CloudSearch domains, X-Ray, Prometheus workspaces, Redshift "
            "and Redshift Serverless, SageMaker model package groups, MSK clusters, OpenSearch Ingestion "
            "pipelines, Bedrock AgentCore runtimes and gateways, ECR Public and CodeBuild, Private CAs, SES "
            "identities (sending authorization), End User Messaging SMS, EventBridge schema registries, "
            "Network Firewall, VPC Lattice resource policies and Observability Access Manager sinks (and the "
            "policies that ECR repository creation templates, EventBridge event permissions, Glacier Vault "
            "Locks and CloudWatch Logs delivery destination policies set) do not allow "
            'Principal "*", {"AWS": "*"} or NotPrincipal unless a Condition '
            "binds the caller to an account, organisation, source or VPC, or to one principal (aws:userid "
            "with fixed values, not anonymous; AIDA* or AROA...:* are not one), or for EFS "
            "elasticfilesystem:AccessedViaMountTarget true (both of which EFS counts as not public), nor a "
            "service principal unless aws:SourceArn or aws:SourceAccount names whose resources it acts "
            "for. API Gateway and OpenSearch policies are judged with the endpoint they are reached "
            "through, by apigateway-resource-policy-not-open and opensearch-access-policy-not-public."
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "7.2.1"),
        remediation=(
            "Name the principals that need access, or bind the caller with aws:PrincipalAccount / "
            "aws:PrincipalOrgID (a service principal with aws:SourceArn or aws:SourceAccount)"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html",
        topic="iam",
        check=check_resource_policy,
        resource_types=(*RESOURCE_POLICIES, EVENT_PERMISSION),
    ),
]
