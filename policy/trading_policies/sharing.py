"""What the stack opens to every AWS account outside resource policies: machine images, VPC endpoint
services, Systems Manager documents and CodeBuild projects.

An AMI whose launch permission names the group ``all`` is public: any account can launch it, and so read
what its snapshots hold (ModifyImageAttribute; Image Builder's distribution ``launchPermission.userGroups``
does the same to the images it distributes). Accounts, organizations and organizational units are named
consumers, not the public. An EBS snapshot cannot be made public through pulumi-aws:
``SnapshotCreateVolumePermission`` takes an account id only.

A VPC endpoint service that allows the principal ``*`` is public: any account that knows its name can
create an interface endpoint to the load balancer behind it, and without ``acceptanceRequired`` the
connection is approved automatically (ModifyVpcEndpointServicePermissions). With ``acceptanceRequired``
true the service owner approves each endpoint, which names the consumer as an allowed principal would, so
that passes.

An SSM document whose permissions list the account id ``All`` (in any case; ``account_ids`` is a
comma-separated string) is public: every AWS account can read its content and run it
(ModifyDocumentPermission).
A CodeBuild project whose ``projectVisibility`` is ``PUBLIC_READ`` shows the results, logs and artifacts of
all its builds, those run while it was private too, to anyone, with or without an AWS account
(UpdateProjectVisibility).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, get

AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
DISTRIBUTION_CONFIGURATION = "aws:imagebuilder/distributionConfiguration:DistributionConfiguration"
ENDPOINT_SERVICE = "aws:ec2/vpcEndpointService:VpcEndpointService"
ALLOWED_PRINCIPLE = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"
SSM_DOCUMENT = "aws:ssm/document:Document"
CODEBUILD_PROJECT = "aws:codebuild/project:Project"
# The launch permission group of every AWS account (the only group EC2 has), and the account id SSM shares a
# document with every account by.
PUBLIC_GROUP = "all"


def check_image_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if resource.type == AMI_LAUNCH_PERMISSION:
        group = resource.get("group")
        if group is UNKNOWN:
            yield unknown_until_deployed(resource, resource, "group", "who may launch the image")
        elif _is_public_group(group):
            yield (
                'group is "all", so every AWS account can launch the image and read the data on its snapshots'
            )
        return
    distributions = resource.get("distributions")
    if distributions is UNKNOWN:
        yield unknown_until_deployed(resource, resource, "distributions", "who may launch the images")
        return
    for index, distribution in enumerate(distributions if isinstance(distributions, list) else []):
        path = ("amiDistributionConfiguration", "launchPermission", "userGroups")
        groups = get(distribution, *path)
        where = f"distributions[{index}].{'.'.join(path)}"
        if groups is UNKNOWN or (isinstance(groups, list) and UNKNOWN in groups):
            yield unknown_until_deployed(resource, resource, "distributions", "who may launch the images")
        elif isinstance(groups, list) and any(_is_public_group(group) for group in groups):
            yield (
                f'{where} includes "all", so every AWS account can launch the images it distributes and read '
                "the data on their snapshots"
            )


def _is_public_group(group: Any) -> bool:
    return isinstance(group, str) and group.strip().lower() == PUBLIC_GROUP


def check_document_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    # permissions is a map the provider passes on as written: its keys are type and account_ids.
    accounts = resource.get("permissions", "account_ids")
    if accounts is UNKNOWN:
        yield unknown_until_deployed(resource, resource, "permissions", "who may use the document")
    elif isinstance(accounts, str) and any(_is_public_group(account) for account in accounts.split(",")):
        yield (
            'permissions.account_ids includes "All", so every AWS account can read the document and run it '
            "in its own account"
        )


def check_build_project_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    visibility = resource.get("projectVisibility")
    if visibility is UNKNOWN:
        yield unknown_until_deployed(resource, resource, "projectVisibility", "who may read the builds")
    elif isinstance(visibility, str) and visibility.strip().upper() == "PUBLIC_READ":
        yield (
            'projectVisibility is "PUBLIC_READ", so anyone, with or without an AWS account, can read the '
            "results, logs and artifacts of every build of the project, those run while it was private too"
        )


def check_endpoint_service_not_public(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    """Each grant of ``*`` (in a service's allowedPrincipals or a VpcEndpointServiceAllowedPrinciple) is
    judged with the acceptanceRequired of the service it opens; one outside the stack shows no approval."""
    for service in stack.of_type(ENDPOINT_SERVICE):
        principals = service.get("allowedPrincipals")
        listed = principals if isinstance(principals, list) else [principals]
        yield from _judge(service, service, "allowedPrincipals", listed, service)
    for grant in stack.of_type(ALLOWED_PRINCIPLE):
        services = stack.targets(grant, "vpcEndpointServiceId", (ENDPOINT_SERVICE,), ("id",))
        for service in services or [None]:
            yield from _judge(grant, grant, "principalArn", [grant.get("principalArn")], service)


def _judge(
    subject: Resource, source: Resource, prop: str, principals: list[Any], service: Resource | None
) -> Iterator[Finding]:
    public = any(isinstance(p, str) and p.strip() == "*" for p in principals)
    unknown = UNKNOWN in principals
    if not (public or unknown):
        return
    accepted = as_bool(service.get("acceptanceRequired")) if service is not None else ABSENT
    if accepted is True:
        return
    if accepted is UNKNOWN:
        yield unknown_until_deployed(
            subject, service, "acceptanceRequired", "whether the service approves each endpoint"
        )
    elif public:
        approval = (
            "acceptanceRequired is not true, so their connections are approved automatically"
            if service is not None
            else "the service is not in the stack, so nothing shows that the owner approves each endpoint"
        )
        yield Finding(
            subject,
            f'{prop} allows "*", so every AWS account can create an endpoint to the service and reach the '
            f"load balancer behind it; {approval}",
        )
    else:
        yield unknown_until_deployed(subject, source, prop, "who may connect to the endpoint service")


RULES = [
    Rule(
        name="ec2-image-not-public",
        description=(
            'No AMI launch permission (ec2.AmiLaunchPermission with group "all") or Image Builder '
            'distribution (launchPermission.userGroups with "all") makes an image public: every AWS account '
            "could launch it and read the data on its snapshots. Accounts, organizations and organizational "
            "units are named consumers and pass."
        ),
        severity=Severity.CRITICAL,
        pci=("1.4.4", "7.2.1"),
        remediation=(
            "Share the image with named accounts (account_id), an organization (organization_arn) or an "
            'organizational unit (organizational_unit_arn), never group "all"'
        ),
        url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html",
        topic="network",
        check=check_image_not_public,
        resource_types=(AMI_LAUNCH_PERMISSION, DISTRIBUTION_CONFIGURATION),
    ),
    Rule(
        name="vpc-endpoint-service-not-public",
        description=(
            'No VPC endpoint service allows the principal "*" (allowedPrincipals, or a '
            "VpcEndpointServiceAllowedPrinciple naming it by output or id) unless acceptanceRequired is "
            "true: every AWS account could create an endpoint to it and reach the load balancer behind it, "
            "approved automatically. A grant to a service outside the stack shows no approval and is judged "
            "open; a principal or acceptanceRequired unknown at preview is a note."
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "List the consumer accounts or roles in allowed_principals (arn:aws:iam::<account>:root), or set "
            "acceptance_required=True and approve each endpoint"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html",
        topic="network",
        check=check_endpoint_service_not_public,
        stack=True,
    ),
    Rule(
        name="ssm-document-not-public",
        description=(
            'No SSM document is shared with the account id "All" (permissions.account_ids, in any case): '
            "every AWS account could read its content and run it. Named accounts pass; account ids unknown "
            "at preview are a note."
        ),
        severity=Severity.CRITICAL,
        pci=("7.2.1",),
        remediation=(
            'List the consumer accounts in permissions account_ids ("111122223333,444455556666"), never "All"'
        ),
        url="https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ModifyDocumentPermission.html",
        topic="ssm",
        check=check_document_not_public,
        resource_types=(SSM_DOCUMENT,),
    ),
    Rule(
        name="codebuild-project-not-public",
        description=(
            'No CodeBuild project has projectVisibility "PUBLIC_READ": anyone, with or without an AWS '
            "account, could read the results, logs and artifacts of all its builds, where environment "
            "variables, source and secrets a build prints end up. A visibility unknown at preview is a note."
        ),
        severity=Severity.HIGH,
        pci=("7.2.1",),
        remediation=(
            'Remove project_visibility (or set it to "PRIVATE"); share the project with named accounts '
            "through AWS RAM"
        ),
        url="https://docs.aws.amazon.com/codebuild/latest/userguide/public-builds.html",
        topic="codebuild",
        check=check_build_project_not_public,
        resource_types=(CODEBUILD_PROJECT,),
    ),
]
