"""What the stack opens to every AWS account outside resource policies: public AMIs (launch permissions
and Image Builder distributions), VPC endpoint services that allow principal "*", SSM documents shared with
"All" and CodeBuild projects with public builds."""

from __future__ import annotations

import pytest
from policy_harness import ACCOUNT, R, U, run

IMAGE = "ec2-image-not-public"
SERVICE = "vpc-endpoint-service-not-public"
LAUNCH = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
DISTRIBUTION = "aws:imagebuilder/distributionConfiguration:DistributionConfiguration"
ENDPOINT_SERVICE = "aws:ec2/vpcEndpointService:VpcEndpointService"
PRINCIPLE = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"
PUBLIC_IMAGE = 'group is "all", so every AWS account can launch the image and read the data on its snapshots'
NOT_ACCEPTED = "acceptanceRequired is not true, so their connections are approved automatically"
OPEN = (
    '{prop} allows "*", so every AWS account can create an endpoint to the service and reach the load '
    "balancer behind it; {approval}"
)


def findings(rule, resources):
    return [
        (d.level, d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0])
        for d in run(rule, resources)
    ]


def launch(**props):
    return R(LAUNCH, "ami", {"imageId": "ami-0a1b2c3d", **props})


def distribution(launch_permission):
    return R(
        DISTRIBUTION,
        "dist",
        {
            "distributions": [
                {
                    "region": "us-east-1",
                    "amiDistributionConfiguration": {"name": "trading-{{ imagebuilder:buildDate }}"},
                },
                {
                    "region": "us-west-2",
                    "amiDistributionConfiguration": {"launchPermission": launch_permission},
                },
            ]
        },
    )


@pytest.mark.parametrize("group", ["all", "ALL"])
def test_a_launch_permission_for_group_all_makes_the_image_public(group):
    assert findings(IMAGE, [launch(group=group)]) == [("mandatory", PUBLIC_IMAGE)]


@pytest.mark.parametrize(
    "props",
    [
        {"accountId": "999999999999"},
        {"organizationArn": "arn:aws:organizations::111122223333:organization/o-abcdef1234"},
        {"organizationalUnitArn": "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdef3456"},
    ],
)
def test_launch_permissions_for_accounts_organizations_and_units_are_not_public(props):
    assert findings(IMAGE, [launch(**props)]) == []


def test_an_image_builder_distribution_to_group_all_makes_its_images_public():
    assert findings(IMAGE, [distribution({"userGroups": ["all"], "userIds": [ACCOUNT]})]) == [
        (
            "mandatory",
            'distributions[1].amiDistributionConfiguration.launchPermission.userGroups includes "all", so '
            "every AWS account can launch the images it distributes and read the data on their snapshots",
        )
    ]
    assert findings(IMAGE, [distribution({"userIds": [ACCOUNT], "organizationArns": [U]})]) == []


@pytest.mark.parametrize(
    ("resource", "what"),
    [
        (launch(group=U), "who may launch the image cannot be checked until {type} 'ami'.group is known"),
        (
            distribution({"userGroups": U}),
            "who may launch the images cannot be checked until {type} 'dist'.distributions is known",
        ),
        (
            distribution({"userGroups": [U]}),
            "who may launch the images cannot be checked until {type} 'dist'.distributions is known",
        ),
        (
            R(DISTRIBUTION, "dist", {"distributions": U}),
            "who may launch the images cannot be checked until {type} 'dist'.distributions is known",
        ),
    ],
)
def test_a_launch_group_unknown_at_preview_is_a_note(resource, what):
    # The note names the property to wait for: a distribution's groups are read from its distributions.
    ((level, message),) = findings(IMAGE, [resource])
    assert level == "advisory"
    assert message.startswith(f"{what.format(type=resource.type)} (it is built from values computed during")


@pytest.mark.parametrize("props", [{}, {"distributions": None}, {"distributions": {"region": "us-east-1"}}])
def test_a_distribution_configuration_without_a_list_of_distributions_shares_nothing(props):
    assert findings(IMAGE, [R(DISTRIBUTION, "dist", props)]) == []


def service(**props):
    return R(ENDPOINT_SERVICE, "svc", {"id": "vpce-svc-0a1b", **props})


def principle(principal, service_id="vpce-svc-0a1b", deps=None):
    return R(
        PRINCIPLE, "any", {"principalArn": principal, "vpcEndpointServiceId": service_id}, deps=deps or {}
    )


@pytest.mark.parametrize("accepted", [False, "false", None])
def test_an_endpoint_service_open_to_every_principal_without_acceptance_is_a_violation(accepted):
    props = {"allowedPrincipals": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}
    if accepted is not None:
        props["acceptanceRequired"] = accepted
    assert findings(SERVICE, [service(**props)]) == [
        ("mandatory", OPEN.format(prop="allowedPrincipals", approval=NOT_ACCEPTED))
    ]


def test_an_allowed_principle_for_everyone_is_judged_with_the_service_it_opens():
    # By literal id, or by output unknown at preview.
    open_service = service(acceptanceRequired=False)
    assert findings(SERVICE, [open_service, principle("*")]) == [
        ("mandatory", OPEN.format(prop="principalArn", approval=NOT_ACCEPTED))
    ]
    linked = principle(" * ", service_id=U, deps={"vpcEndpointServiceId": [open_service]})
    assert [level for level, _ in findings(SERVICE, [open_service, linked])] == ["mandatory"]
    # A service outside the stack shows no approval.
    assert findings(SERVICE, [principle("*", service_id="vpce-svc-elsewhere")]) == [
        (
            "mandatory",
            OPEN.format(
                prop="principalArn",
                approval=(
                    "the service is not in the stack, so nothing shows that the owner approves each endpoint"
                ),
            ),
        )
    ]


@pytest.mark.parametrize(
    "resources",
    [
        # The owner approves each endpoint.
        [service(acceptanceRequired=True, allowedPrincipals=["*"])],
        [service(acceptanceRequired="true"), principle("*")],
        # Named consumers.
        [service(acceptanceRequired=False, allowedPrincipals=[f"arn:aws:iam::{ACCOUNT}:root"])],
        [service(acceptanceRequired=False), principle("arn:aws:iam::999999999999:role/consumer")],
        [service(acceptanceRequired=False)],
        # Whoever it turns out to be, the owner approves each endpoint.
        [service(acceptanceRequired=True, allowedPrincipals=U)],
    ],
)
def test_endpoint_services_for_named_consumers_or_with_acceptance_pass(resources):
    assert findings(SERVICE, resources) == []


APPROVES = "whether the service approves each endpoint"
CONNECTS = "who may connect to the endpoint service"


@pytest.mark.parametrize(
    ("resources", "what", "unknown"),
    [
        (
            [service(acceptanceRequired=U, allowedPrincipals=["*"])],
            APPROVES,
            "aws:ec2/vpcEndpointService:VpcEndpointService 'svc'.acceptanceRequired",
        ),
        (
            [service(acceptanceRequired=U), principle("*")],
            APPROVES,
            "aws:ec2/vpcEndpointService:VpcEndpointService 'svc'.acceptanceRequired",
        ),
        (
            [service(acceptanceRequired=False, allowedPrincipals=[U])],
            CONNECTS,
            "aws:ec2/vpcEndpointService:VpcEndpointService 'svc'.allowedPrincipals",
        ),
        (
            [service(acceptanceRequired=False), principle(U)],
            CONNECTS,
            f"{PRINCIPLE} 'any'.principalArn",
        ),
    ],
)
def test_a_principal_or_acceptance_unknown_at_preview_is_a_note(resources, what, unknown):
    ((level, message),) = findings(SERVICE, resources)
    assert level == "advisory"
    assert message.startswith(f"{what} cannot be checked until {unknown} is known")


DOCUMENT = "ssm-document-not-public"
BUILDS = "codebuild-project-not-public"
SSM_DOCUMENT = "aws:ssm/document:Document"
PROJECT = "aws:codebuild/project:Project"
PUBLIC_DOCUMENT = (
    'permissions.account_ids includes "All", so every AWS account can read the document and run it in its '
    "own account"
)
PUBLIC_BUILDS = (
    'projectVisibility is "PUBLIC_READ", so anyone, with or without an AWS account, can read the results, '
    "logs and artifacts of every build of the project, those run while it was private too"
)


def document(permissions):
    props = {"name": "rotate-keys", "documentType": "Command", "content": "{}"}
    return R(SSM_DOCUMENT, "doc", props if permissions is None else {**props, "permissions": permissions})


@pytest.mark.parametrize("accounts", ["All", "all", f"{ACCOUNT},ALL", f"{ACCOUNT}, All"])
def test_an_ssm_document_shared_with_all_is_public(accounts):
    # account_ids is one comma-separated string; ModifyDocumentPermission reads "All" in any case.
    assert findings(DOCUMENT, [document({"type": "Share", "account_ids": accounts})]) == [
        ("mandatory", PUBLIC_DOCUMENT)
    ]


@pytest.mark.parametrize(
    "permissions",
    [None, {"type": "Share", "account_ids": f"{ACCOUNT},999999999999"}, {"type": "Share"}, {}],
)
def test_an_ssm_document_shared_with_named_accounts_or_not_at_all_is_not_public(permissions):
    assert findings(DOCUMENT, [document(permissions)]) == []


@pytest.mark.parametrize("permissions", [U, {"type": "Share", "account_ids": U}])
def test_ssm_document_accounts_unknown_at_preview_are_a_note(permissions):
    ((level, message),) = findings(DOCUMENT, [document(permissions)])
    assert level == "advisory"
    assert message.startswith(
        f"who may use the document cannot be checked until {SSM_DOCUMENT} 'doc'.permissions is known"
    )


@pytest.mark.parametrize("visibility", ["PUBLIC_READ", "public_read"])
def test_a_codebuild_project_with_public_builds_is_public(visibility):
    assert findings(BUILDS, [R(PROJECT, "build", {"projectVisibility": visibility})]) == [
        ("mandatory", PUBLIC_BUILDS)
    ]


@pytest.mark.parametrize("props", [{}, {"projectVisibility": "PRIVATE"}])
def test_a_private_codebuild_project_passes(props):
    assert findings(BUILDS, [R(PROJECT, "build", props)]) == []


def test_a_codebuild_visibility_unknown_at_preview_is_a_note():
    ((level, message),) = findings(BUILDS, [R(PROJECT, "build", {"projectVisibility": U})])
    assert level == "advisory"
    assert message.startswith(
        f"who may read the builds cannot be checked until {PROJECT} 'build'.projectVisibility is known"
    )
