"""Lambda rules: tracing, VPC placement, encrypted environment variables and a managed log group.

Without a log group declared in the stack, Lambda creates ``/aws/lambda/<name>`` itself on first
invocation: unencrypted, never expiring and outside the program. ``lambda-log-group-managed`` finds the
function's group through ``loggingConfig.logGroup`` or the ``/aws/lambda/<name>`` convention, by name when
names are known and through dependencies when they are not (an autonamed function at preview).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .documents import Statement, parse_policy
from .evaluator import SERVICE, Caller, allowed, callers, why_open
from .graph import Resource, Stack, colocated
from .kms import render_actions
from .logs import LOG_GROUP
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_number, describe

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
# The whole resource policy of a function, version or alias (PutResourcePolicy), in place of Permissions.
RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
# Alexa calls a skill's function with the skill id as the event source token (Permission.eventSourceToken);
# it sends no source account or ARN, so the token is what ties the permission to one skill.
ALEXA_PRINCIPALS = ("alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com")
_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/"


def check_tracing(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    mode = resource.get("tracingConfig", "mode")
    if mode not in ("Active", UNKNOWN):
        yield f"tracingConfig.mode is {describe(mode)}; it must be Active"


def check_in_vpc(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    for prop in ("subnetIds", "securityGroupIds"):
        value = resource.get("vpcConfig", prop)
        if value is not UNKNOWN and not (isinstance(value, list) and value):
            yield f"vpcConfig.{prop} is {describe(value)}, so the function does not run in the VPC"


def check_env_encrypted(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    variables = resource.get("environment", "variables")
    key = resource.get("kmsKeyArn")
    if isinstance(variables, dict) and variables and (key is ABSENT or key == ""):
        yield (
            f"has {len(variables)} environment variable(s) but no kmsKeyArn, so they are encrypted with the "
            "AWS managed key aws/lambda"
        )


def check_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if resource.type == FUNCTION_URL:
        authorization = resource.get("authorizationType")
        if authorization is UNKNOWN:
            yield unknown_until_deployed(resource, resource, "authorizationType", "who may call the URL")
        elif authorization == "NONE":
            yield "function URL authorizationType is NONE, so anyone on the internet can invoke the function"
        return
    if resource.type == LAYER_PERMISSION:
        # A layer's code (and whatever it bundles) is shared with principal "*": every AWS account, unless
        # organizationId limits it to one organisation.
        layer_principal, organization = resource.get("principal"), resource.get("organizationId")
        if layer_principal is UNKNOWN:
            yield unknown_until_deployed(resource, resource, "principal", "who may use the layer")
        elif layer_principal == "*" and (organization is ABSENT or organization == ""):
            yield 'layer version permission shares the layer with principal "*", every AWS account'
        return
    if resource.type == RESOURCE_POLICY:
        yield from _open_resource_policy(resource)
        return
    principal = resource.get("principal")
    if principal is UNKNOWN:
        # Whoever it turns out to be, the conditions may already bind the caller; if they do not, only the
        # principal can tell whether every account may invoke the function.
        anyone = permission_statement(resource, "*")
        if anyone is None or any(caller.public for caller in callers(anyone)):
            yield unknown_until_deployed(resource, resource, "principal", "who can invoke the function")
        return
    statement = permission_statement(resource)
    if statement is None:
        return
    for caller in callers(statement):
        if caller.public:
            yield (
                f"principal is {describe(principal)} and no principalOrgId, sourceAccount or sourceArn binds "
                "the caller, so any AWS account (or anyone, through a URL) can invoke the function"
            )
        elif caller.kind == SERVICE and caller.account is None:
            if str(principal).lower() in ALEXA_PRINCIPALS:
                token = resource.get("eventSourceToken")
                if token is ABSENT or token == "":
                    yield (
                        f"principal {principal} has no eventSourceToken naming the skill, so any Alexa skill "
                        "(of any developer) can invoke the function"
                    )
            else:
                yield (
                    f"principal {principal} has no sourceArn or sourceAccount naming an account, so any "
                    f"{str(principal).split('.')[0]} resource in any account can invoke the function"
                )


def _open_resource_policy(resource: Resource) -> Iterator[str | Finding]:
    """The statements of a function's whole resource policy that any account (or any resource of a service,
    in any account) can use, judged as Permissions are."""
    document = parse_policy(resource.get("policy"), principals_required=True)
    yield from (f"policy is unreadable: {error}" for error in document.errors)
    if document.unknown:
        yield unknown_until_deployed(resource, resource, "policy", "who can invoke the function")
    found: dict[str, None] = {}
    for access in allowed(document):
        statement, caller = access.statement, access.caller
        what = f"policy {statement.label} allows {caller.label} {render_actions(statement)}"
        if caller.public:
            found[
                f"{what} {why_open(access.binding)}, so any AWS account (or anyone, through a URL) can call "
                "the function"
            ] = None
        elif caller.kind == SERVICE and caller.account is None and not _names_its_skill(statement, caller):
            service = caller.name.split(".")[0]
            found[
                f"{what} without an aws:SourceArn or aws:SourceAccount naming an account, so any {service} "
                "resource in any account can invoke the function"
            ] = None
    yield from found


def _names_its_skill(statement: Statement, caller: Caller) -> bool:
    """Whether an Alexa principal is tied to one skill by a literal lambda:EventSourceToken."""
    return caller.name.lower() in ALEXA_PRINCIPALS and any(
        c.operator == "StringEquals" and all(isinstance(v, str) and v for v in c.values)
        for c in statement.conditions_on("lambda:EventSourceToken")
    )


def is_service_principal(principal: object) -> bool:
    """True for a service principal: a DNS name (lambda.amazonaws.com, alexa-appkit.amazon.com,
    states.amazonaws.com.cn), as opposed to "*", an account id or an IAM ARN, the other principals a
    Permission takes."""
    return isinstance(principal, str) and "." in principal and not principal.startswith("arn:")


def permission_statement(resource: Resource, principal: Any = ABSENT) -> Statement | None:
    """The resource-policy statement Lambda writes for a Permission (AWS builds it from the same fields:
    ``aws:SourceArn`` under ArnLike, ``aws:SourceAccount`` and ``aws:PrincipalOrgID`` under StringEquals),
    for its own principal or the one given."""
    if principal is ABSENT:
        principal = resource.get("principal")
    if principal is ABSENT:
        return None
    if principal == "*":
        block: Any = "*"
    elif is_service_principal(principal):
        block = {"Service": principal}
    else:
        block = {"AWS": principal}
    condition: dict[str, dict[str, Any]] = {}
    for prop, operator, key in (
        ("sourceArn", "ArnLike", "aws:SourceArn"),
        ("sourceAccount", "StringEquals", "aws:SourceAccount"),
        ("principalOrgId", "StringEquals", "aws:PrincipalOrgID"),
    ):
        value = resource.get(prop)
        if value is not ABSENT and value != "":
            condition.setdefault(operator, {})[key] = value
    raw = {"Effect": "Allow", "Principal": block, "Action": "lambda:InvokeFunction", "Resource": "*"}
    document = parse_policy(
        {"Statement": [{**raw, "Condition": condition} if condition else raw]}, principals_required=True
    )
    return document.statements[0] if document.statements else None


def check_log_group(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for function in stack.of_type(FUNCTION):
        group, expected, literal = _log_group_of(stack, function)
        if group is None:
            elsewhere = _elsewhere(stack, literal)
            yield Finding(
                function,
                f"has no log group {expected} declared in the stack, so Lambda creates it unencrypted and "
                f"never expiring{elsewhere}",
            )
            continue
        days = as_number(group.get("retentionInDays"))
        if days is not UNKNOWN and not (isinstance(days, float) and days > 0):
            yield Finding(
                function, f"log group '{group.name}' has no retentionInDays, so its logs never expire"
            )


def _log_group_of(stack: Stack, function: Resource) -> tuple[Resource | None, str, str | None]:
    """The function's log group in the stack, how to name it in a message, and its literal name if known."""
    configured = function.get("loggingConfig", "logGroup")
    if isinstance(configured, str):
        return (
            _named(stack, function, configured),
            f"'{configured}' (its loggingConfig.logGroup)",
            configured,
        )
    if configured is UNKNOWN:
        linked = [
            g
            for g in function.property_dependencies.get("loggingConfig", [])
            if g.type == LOG_GROUP and colocated(function, g)
        ]
        return _first(linked or _depended_on(function)), "(its loggingConfig.logGroup)", None
    name = function.get("name")
    if isinstance(name, str):
        default = f"/aws/lambda/{name}"
        return _named(stack, function, default), f"'{default}'", default
    linked = stack.referrers(function, "name", (LOG_GROUP,))
    return _first(linked or _depended_on(function)), "'/aws/lambda/<function name>'", None


def _named(stack: Stack, function: Resource, name: str) -> Resource | None:
    # Lambda writes to the group of that name in the function's own region and account.
    return _first([g for g in stack.find((LOG_GROUP,), name, ("name",)) if colocated(function, g)])


def _depended_on(function: Resource) -> list[Resource]:
    candidates = [g for g in function.dependencies if g.type == LOG_GROUP and colocated(function, g)]
    lambda_groups = [
        g
        for g in candidates
        if not isinstance(g.get("name"), str) or g.get("name").startswith("/aws/lambda/")
    ]
    return lambda_groups if len(lambda_groups) == 1 else []


def _elsewhere(stack: Stack, name: str | None) -> str:
    """Why a log group of the function's literal group name does not count: it is in another region or
    account (one in the function's own would have been found)."""
    others = [g.name for g in stack.find((LOG_GROUP,), name, ("name",))] if name else []
    if not others:
        return ""
    return (
        f"; log group '{others[0]}' has that name but is in another region or account (its region or its "
        "provider's credentials differ from the function's), and Lambda writes to the one in the function's"
    )


def _first(resources: list[Resource]) -> Resource | None:
    return resources[0] if resources else None


RULES = [
    Rule(
        name="lambda-not-public",
        description=(
            'Lambda permissions do not let principal "*" invoke a function unless principalOrgId, '
            "sourceAccount or sourceArn binds the caller (judged like the resource-policy statement Lambda "
            "writes), nor does a whole resource policy (lambda.ResourcePolicy) let anyone call the "
            "function without such a Condition; every service principal (*.amazonaws.com, "
            "alexa-appkit.amazon.com, ...) is bound to an account by sourceArn or sourceAccount, or an Alexa "
            "one to its skill by eventSourceToken; a "
            "principal unknown at preview is a note; function URLs require IAM auth; a layer is shared with "
            'principal "*" only within an organization (organizationId).'
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "7.2.1"),
        remediation=(
            "Give aws.lambda_.Permission the calling service principal and source_arn (e.g. the API's "
            "execution ARN + '/*/*'; for Alexa, event_source_token=<skill id>), and set "
            "authorization_type='AWS_IAM' on function URLs"
        ),
        url=_DOCS + "permissions-function-services.html",
        topic="lambda",
        check=check_not_public,
        resource_types=(PERMISSION, RESOURCE_POLICY, FUNCTION_URL, LAYER_PERMISSION),
    ),
    Rule(
        name="lambda-tracing-active",
        description="Lambda functions have X-Ray tracing mode Active.",
        severity=Severity.LOW,
        pci=("10.2.1",),
        remediation="Set tracing_config={'mode': 'Active'} and allow xray:PutTraceSegments in the role",
        url=_DOCS + "services-xray.html",
        topic="lambda",
        check=check_tracing,
        resource_types=(FUNCTION,),
    ),
    Rule(
        name="lambda-in-vpc",
        description="Lambda functions run in the VPC (vpcConfig with subnets and security groups).",
        severity=Severity.HIGH,
        pci=("1.3.1", "1.3.2"),
        remediation=(
            "Set vpc_config={'subnet_ids': private_subnet_ids, 'security_group_ids': [function_sg.id]} and "
            "give the role the VPC network-interface permissions"
        ),
        url=_DOCS + "configuration-vpc.html",
        topic="lambda",
        check=check_in_vpc,
        resource_types=(FUNCTION,),
    ),
    Rule(
        name="lambda-env-encrypted-with-cmk",
        description=(
            "A Lambda function with environment variables encrypts them with a customer-managed key "
            "(kmsKeyArn)."
        ),
        severity=Severity.MEDIUM,
        pci=("3.6.1", "8.3.2"),
        remediation="Set kms_key_arn=data_key.arn on the function and allow the role kms:Decrypt on that key",
        url=_DOCS + "configuration-envvars-encryption.html",
        topic="lambda",
        check=check_env_encrypted,
        resource_types=(FUNCTION,),
    ),
    Rule(
        name="lambda-log-group-managed",
        description=(
            "Each Lambda function has its log group (/aws/lambda/<name> or its loggingConfig.logGroup) "
            "declared in the stack, in the function's region and account, with a retention period."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.5.1"),
        remediation=(
            "Declare aws.cloudwatch.LogGroup(name=f'/aws/lambda/{name}', retention_in_days=..., kms_key_id="
            "logs_key.arn), point the function's logging_config.log_group at it and make the function "
            "depend on it"
        ),
        url=_DOCS + "monitoring-cloudwatchlogs-advanced.html",
        topic="lambda",
        check=check_log_group,
        stack=True,
    ),
]
