"""API Gateway rules: stage access logs and tracing, method authorization, no full request logging.

``apigateway-method-authorization`` rebuilds each method's path from its ``aws.apigateway.Resource``
chain (``pathPart`` and ``parentId``, through property dependencies, so it works at preview) to match the
allow-list entries written as ``"<METHOD> <path>"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import Severity

from .graph import Resource, Stack
from .registry import Finding, Rule
from .values import ABSENT, UNKNOWN, as_bool, describe

STAGE = "aws:apigateway/stage:Stage"
STAGE_V2 = "aws:apigatewayv2/stage:Stage"
METHOD = "aws:apigateway/method:Method"
API_RESOURCE = "aws:apigateway/resource:Resource"
REST_API = "aws:apigateway/restApi:RestApi"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
ROUTE = "aws:apigatewayv2/route:Route"
_DOCS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
_MAX_DEPTH = 32


def check_access_logging(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    settings = resource.get("accessLogSettings")
    if settings is UNKNOWN:
        return
    if settings is ABSENT:
        yield "accessLogSettings is not set, so requests to the stage leave no access log"
        return
    for prop in ("destinationArn", "format"):
        value = resource.get("accessLogSettings", prop)
        if value is ABSENT or value == "":
            yield f"accessLogSettings.{prop} is not set"


def check_xray(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    value = resource.get("xrayTracingEnabled")
    if as_bool(value) not in (True, UNKNOWN):
        yield f"xrayTracingEnabled is {describe(value)}; it must be true"


def check_no_data_trace(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(resource.get("settings", "dataTraceEnabled")) is True:
        path = resource.get("methodPath")
        yield (
            f"settings.dataTraceEnabled is true for {describe(path)}, so full requests and responses (which "
            "may carry cardholder data) are written to CloudWatch Logs"
        )


def check_authorization(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = config["publicMethods"]
    for method in stack.of_type(METHOD):
        verb = method.get("httpMethod")
        route = f"{verb if isinstance(verb, str) else '?'} {_method_path(stack, method) or '?'}"
        if _is_open(method.get("authorization"), verb, config) and not _listed(method, route, allowed):
            yield Finding(method, f"method {route} has authorization NONE, so anyone can call it")
    for route_resource in stack.of_type(ROUTE):
        key = route_resource.get("routeKey")
        route = key if isinstance(key, str) else "?"
        verb = route.split(" ", 1)[0]
        if _is_open(route_resource.get("authorizationType"), verb, config) and not _listed(
            route_resource, route, allowed
        ):
            yield Finding(route_resource, f"route {route} has authorizationType NONE, so anyone can call it")


def _is_open(authorization: Any, verb: Any, config: Mapping[str, Any]) -> bool:
    if authorization is UNKNOWN or (isinstance(authorization, str) and authorization.upper() != "NONE"):
        return False
    return not (verb == "OPTIONS" and config["allowCorsPreflight"])


def _listed(resource: Resource, route: str, allowed: list[str]) -> bool:
    return any(
        fnmatchcase(candidate, p) for p in allowed for candidate in (route, resource.name, resource.urn)
    )


def _method_path(stack: Stack, method: Resource) -> str | None:
    parents = stack.targets(method, "resourceId", (API_RESOURCE, REST_API), ("id", "rootResourceId"))
    return _path(stack, parents[0], 0) if parents else None


def _path(stack: Stack, node: Resource, depth: int) -> str | None:
    if node.type == REST_API:
        return "/"
    known = node.get("path")
    if isinstance(known, str):
        return known
    part = node.get("pathPart")
    parents = stack.targets(node, "parentId", (API_RESOURCE, REST_API), ("id", "rootResourceId"))
    if not isinstance(part, str) or not parents or depth >= _MAX_DEPTH:
        return None
    parent_path = _path(stack, parents[0], depth + 1)
    return None if parent_path is None else f"{parent_path.rstrip('/')}/{part}"


RULES = [
    Rule(
        name="apigateway-stage-access-logging",
        description=(
            "API Gateway stages (REST and HTTP) write access logs: accessLogSettings with "
            "destinationArn and format."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.2.2"),
        remediation=(
            "Set access_log_settings={'destination_arn': access_log_group.arn, 'format': json.dumps({...})} "
            "on the stage (REST APIs also need the account-level CloudWatch role)"
        ),
        url=_DOCS + "set-up-logging.html",
        topic="apigateway",
        check=check_access_logging,
        resource_types=(STAGE, STAGE_V2),
    ),
    Rule(
        name="apigateway-stage-xray",
        description="API Gateway REST stages have X-Ray tracing enabled.",
        severity=Severity.LOW,
        pci=("10.2.1",),
        remediation="Set xray_tracing_enabled=True on the stage",
        url=_DOCS + "apigateway-xray.html",
        topic="apigateway",
        check=check_xray,
        resource_types=(STAGE,),
    ),
    Rule(
        name="apigateway-method-authorization",
        description=(
            "API Gateway methods and HTTP API routes do not use authorization NONE, except CORS preflight "
            "OPTIONS methods and entries of the publicMethods allow-list."
        ),
        severity=Severity.HIGH,
        pci=("7.2.1", "8.3.1"),
        remediation=(
            "Set authorization='AWS_IAM', 'COGNITO_USER_POOLS' or 'CUSTOM' (with an authorizer); list a "
            'deliberately public method in the policy\'s publicMethods config as "<METHOD> <path>"'
        ),
        url=_DOCS + "apigateway-control-access-to-api.html",
        topic="apigateway",
        check=check_authorization,
        stack=True,
        config={
            "publicMethods": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": (
                    'Methods allowed without authorization: "<METHOD> <path>" (e.g. "GET /health") or '
                    "logical names/URNs; shell-style wildcards allowed."
                ),
            },
            "allowCorsPreflight": {
                "type": "boolean",
                "default": True,
                "description": "Allow OPTIONS methods (CORS preflight) without authorization.",
            },
        },
    ),
    Rule(
        name="apigateway-no-data-trace",
        description=(
            "API Gateway method settings do not enable data trace (full request and response logging)."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1", "10.3.1"),
        remediation=(
            "Set settings.data_trace_enabled=False (keep metrics_enabled and an ERROR/INFO logging level)"
        ),
        url=_DOCS + "set-up-logging.html",
        topic="apigateway",
        check=check_no_data_trace,
        resource_types=(METHOD_SETTINGS,),
    ),
]
