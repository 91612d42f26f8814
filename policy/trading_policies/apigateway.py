"""API Gateway rules: stage access logs and tracing, method authorization, no full request logging.

``apigateway-method-authorization`` rebuilds each method's path from its ``aws.apigateway.Resource``
chain (``pathPart`` and ``parentId``, through property dependencies, so it works at preview) to match the
allow-list entries written as ``"<METHOD> <path>"``; it also reads the operations of an OpenAPI ``body``
(REST and HTTP APIs define methods there too, and ``aws.apigateway.RestApiPut`` puts one into an existing
REST API) and an HTTP API's quick create (``target``), whose default
route has no authorization. ``apigateway-stage-waf`` finds a stage's
``aws.wafv2.WebAclAssociation`` through its ``resourceArn`` property dependency (preview) or the stage's
ARN (update); ``apigateway-execution-logging`` finds a stage's ``MethodSettings`` the same way through
``stageName``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

import yaml
from pulumi_policy import Severity

from .config import catch_all_schema
from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, describe, get

STAGE = "aws:apigateway/stage:Stage"
STAGE_V2 = "aws:apigatewayv2/stage:Stage"
METHOD = "aws:apigateway/method:Method"
API_RESOURCE = "aws:apigateway/resource:Resource"
REST_API = "aws:apigateway/restApi:RestApi"
# Puts an OpenAPI body into an existing REST API, defining its methods as the API's own body does.
REST_API_PUT = "aws:apigateway/restApiPut:RestApiPut"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
ROUTE = "aws:apigatewayv2/route:Route"
INTEGRATION = "aws:apigateway/integration:Integration"
HTTP_API = "aws:apigatewayv2/api:Api"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
# Rules added to a web ACL as resources of their own (instead of its rules or ruleJson).
WEB_ACL_RULES = (
    "aws:wafv2/webAclRule:WebAclRule",
    "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
)
LOGGING_LEVELS = ("ERROR", "INFO")
_STAGE_ARN = re.compile(r":/restapis/([^/]+)/stages/([^/]+)$")
_DOCS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
_MAX_DEPTH = 32
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")
# Security schemes API Gateway enforces: an authorizer (Lambda, Cognito, JWT) or IAM signing. A plain API key
# scheme is not authorization (API Gateway: "don't use API keys for authentication or authorization").
_AUTH_TYPES = ("awssigv4", "cognito_user_pools", "custom")


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
    if resource.type == STAGE_V2:
        # A WebSocket API stage logs full messages for its default route and each listed route alike.
        if as_bool(resource.get("defaultRouteSettings", "dataTraceEnabled")) is True:
            yield (
                "defaultRouteSettings.dataTraceEnabled is true, so full messages (which may carry cardholder "
                "data) of every route are written to CloudWatch Logs"
            )
        routes = resource.get("routeSettings")
        for route in routes if isinstance(routes, list) else []:
            if as_bool(get(route, "dataTraceEnabled")) is True:
                yield (
                    f"routeSettings for {describe(get(route, 'routeKey'))} enable dataTraceEnabled, so full "
                    "messages (which may carry cardholder data) are written to CloudWatch Logs"
                )
        return
    if as_bool(resource.get("settings", "dataTraceEnabled")) is True:
        path = resource.get("methodPath")
        yield (
            f"settings.dataTraceEnabled is true for {describe(path)}, so full requests and responses (which "
            "may carry cardholder data) are written to CloudWatch Logs"
        )


def check_waf(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    associations = stack.of_type(WEB_ACL_ASSOCIATION)
    covered: dict[Resource, list[Resource]] = {}
    undecided: dict[Resource, Resource] = {}
    for association in associations:
        for stage in _associated_stages(stack, association):
            covered.setdefault(stage, []).append(association)
        if association.get("resourceArn") is UNKNOWN:
            for api in association.property_dependencies.get("resourceArn", []):
                for stage in _stages_of(stack, api):
                    undecided.setdefault(stage, association)
    for stage in stack.of_type(STAGE):
        if not _is_public(stack, stage):
            continue
        if stage in covered:
            for association in covered[stage]:
                yield from (Finding(stage, fault) for fault in _web_acl_faults(stack, association))
        elif stage in undecided:
            yield unknown_until_deployed(
                stage, undecided[stage], "resourceArn", "the stage's WAF web ACL association"
            )
        else:
            yield Finding(
                stage,
                "is a public REST API stage with no aws.wafv2.WebAclAssociation, so no web application "
                "firewall filters the requests that reach it",
            )


def _associated_stages(stack: Stack, association: Resource) -> list[Resource]:
    linked = stack.targets(association, "resourceArn", (STAGE,), ("arn",))
    if linked:
        return linked
    value = association.get("resourceArn")
    match = _STAGE_ARN.search(value) if isinstance(value, str) else None
    if match is None:
        return []
    api_id, stage_name = match.groups()
    return [
        stage
        for stage in stack.of_type(STAGE)
        if stage.get("stageName") == stage_name
        and (
            stage.get("restApi") == api_id
            or any(api.get("id") == api_id for api in stack.targets(stage, "restApi", (REST_API,), ("id",)))
        )
    ]


def _stages_of(stack: Stack, api: Resource) -> list[Resource]:
    if api.type != REST_API:
        return [api] if api.type == STAGE else []
    return [s for s in stack.of_type(STAGE) if api in stack.targets(s, "restApi", (REST_API,), ("id",))]


def _is_public(stack: Stack, stage: Resource) -> bool:
    for api in stack.targets(stage, "restApi", (REST_API,), ("id",)):
        types = api.get("endpointConfiguration", "types")
        if types == "PRIVATE" or (isinstance(types, list) and "PRIVATE" in types):
            return False
    return True


def _web_acl_faults(stack: Stack, association: Resource) -> Iterator[str]:
    for web_acl in stack.targets(association, "webAclArn", (WEB_ACL,), ("arn",)):
        rules = _web_acl_rules(stack, web_acl)
        if rules is None:
            continue
        if not rules:
            yield (
                f"web ACL '{web_acl.name}' has no rules, so it lets every request through; add AWS managed "
                "rule groups (e.g. AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet)"
            )
        elif all(_counts_only(rule) for rule in rules) and web_acl.get("defaultAction", "block") is ABSENT:
            yield (
                f"web ACL '{web_acl.name}' only counts what its rules match (each rule's action or "
                "overrideAction is count) and allows every request by default, so it blocks nothing; let "
                "the rules act (overrideAction none for rule groups)"
            )


def _web_acl_rules(stack: Stack, web_acl: Resource) -> list[Any] | None:
    """A web ACL's rules: inline (rules, or ruleJson in the API's own JSON) and WebAclRule and
    WebAclRuleGroupAssociation resources; None while any of them is unknown or ruleJson is unreadable."""
    inline, raw = web_acl.get("rules"), web_acl.get("ruleJson")
    if inline is UNKNOWN or raw is UNKNOWN:
        return None
    rules = list(inline) if isinstance(inline, list) else []
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        rules += parsed if isinstance(parsed, list) else [parsed]
    attached = stack.attached(WEB_ACL_RULES, "webAclArn", (WEB_ACL,), ("arn",)).get(web_acl, [])
    return rules + [rule.props for rule in attached]


def _counts_only(rule: Any) -> bool:
    """Whether a rule only counts the requests it matches: its action, or a rule group's overrideAction, is
    count (in the provider's camelCase, the API's PascalCase, or a WebAclRuleGroupAssociation's string)."""
    fields = {str(key).lower(): value for key, value in _mapping(rule).items()}
    for value in (fields.get("action"), fields.get("overrideaction")):
        if isinstance(value, str) and value.lower() == "count":
            return True
        if isinstance(value, Mapping) and any(str(key).lower() == "count" for key in value):
            return True
    return False


def check_execution_logging(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    settings = stack.attached((METHOD_SETTINGS,), "stageName", (STAGE,), ("stageName",))
    for stage in stack.of_type(STAGE):
        own = [s for s in settings.get(stage, []) if _same_api(stack, s, stage)]
        stage_wide = [s for s in own if s.get("methodPath") == "*/*"]
        levels = [get(s.props, "settings", "loggingLevel") for s in stage_wide]
        logged = any(level in (*LOGGING_LEVELS, UNKNOWN) for level in levels)
        if not logged:
            shown = describe(levels[0]) if levels else "not set (OFF)"
            yield Finding(
                stage,
                f"execution logging for */* is {shown}, so errors inside API Gateway (authorization, "
                "integration, throttling) leave no trace; set loggingLevel ERROR or INFO",
            )
        for method_settings in own:
            level = get(method_settings.props, "settings", "loggingLevel")
            path = method_settings.get("methodPath")
            if not (isinstance(level, str) and level.upper() == "OFF"):
                continue
            if path != "*/*":
                yield Finding(
                    stage,
                    f"method settings '{method_settings.name}' turn execution logging OFF for "
                    f"{describe(path)}",
                )
            elif logged:
                # Settings for one path overwrite one another: whichever API Gateway applies last wins.
                yield Finding(
                    stage,
                    f"method settings '{method_settings.name}' turn execution logging OFF for '*/*', "
                    "overwriting (or overwritten by) the other settings for */*: the last one applied wins",
                )


def _same_api(stack: Stack, settings: Resource, stage: Resource) -> bool:
    """False when the settings and the stage belong to different REST APIs: by literal ids, or by the APIs
    of the stack their restApi names (through property dependencies at preview, when ids are unknown)."""
    mine, theirs = settings.get("restApi"), stage.get("restApi")
    if isinstance(mine, str) and isinstance(theirs, str):
        return mine == theirs
    my_apis = stack.targets(settings, "restApi", (REST_API,), ("id",))
    their_apis = stack.targets(stage, "restApi", (REST_API,), ("id",))
    if isinstance(mine, str) and their_apis and all(api.get("id") is UNKNOWN for api in their_apis):
        # An API this deployment creates gets an id no program can write down: a literal names another.
        return False
    return not (my_apis and their_apis and not set(my_apis) & set(their_apis))


def check_authorization(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = config["publicMethods"]
    for method in stack.of_type(METHOD):
        verb = method.get("httpMethod")
        route = f"{verb if isinstance(verb, str) else '?'} {_method_path(stack, method) or '?'}"
        if method.get("authorization") is UNKNOWN:
            yield unknown_until_deployed(
                method, method, "authorization", f"the authorization of method {route}"
            )
        elif _is_open(method.get("authorization"), verb, config) and not _listed(method, route, allowed):
            yield Finding(method, f"method {route} has authorization NONE, so anyone can call it")
        elif _is_preflight(method.get("authorization"), verb, config) and not _listed(method, route, allowed):
            yield from _preflight_backends(stack, method, route)
    for route_resource in stack.of_type(ROUTE):
        key = route_resource.get("routeKey")
        route = key if isinstance(key, str) else "?"
        verb = route.split(" ", 1)[0]
        if route_resource.get("authorizationType") is UNKNOWN:
            yield unknown_until_deployed(
                route_resource, route_resource, "authorizationType", f"the authorization of route {route}"
            )
        elif _listed(route_resource, route, allowed):
            continue
        elif _is_open(route_resource.get("authorizationType"), verb, config):
            yield Finding(route_resource, f"route {route} has authorizationType NONE, so anyone can call it")
        elif _is_preflight(route_resource.get("authorizationType"), verb, config):
            yield from _preflight_route_backend(route_resource, route)
    for api in (*stack.of_type(REST_API), *stack.of_type(REST_API_PUT), *stack.of_type(HTTP_API)):
        yield from _open_operations(api, config)
        target = api.get("target")
        if api.type == HTTP_API and target is not ABSENT:
            key = api.get("routeKey")
            route = key if isinstance(key, str) else "$default"
            if not _listed(api, route, allowed):
                yield Finding(api, f"quick create (target) makes route {route} with authorization NONE")


def _open_operations(api: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    """The operations of the API's OpenAPI body that anyone can call."""
    body = api.get("body")
    if body is ABSENT:
        return
    if body is UNKNOWN:
        yield unknown_until_deployed(api, api, "body", "whether its OpenAPI operations need authorization")
        return
    document = openapi_document(body)
    if document is None:
        yield Finding(
            api,
            "body is not an OpenAPI document of paths the pack can read (JSON or YAML), so whether its "
            "operations need authorization cannot be told",
        )
        return
    schemes = {
        **_mapping(document.get("securityDefinitions")),
        **_mapping(_mapping(document.get("components")).get("securitySchemes")),
    }
    default = document.get("security")
    for path, item in _mapping(document.get("paths")).items():
        for verb, operation in _mapping(item).items():
            if verb.lower() not in _OPERATIONS or not isinstance(operation, Mapping):
                continue
            shown = "ANY" if verb.lower() == "x-amazon-apigateway-any-method" else verb.upper()
            route = f"{shown} {path}"
            secured = _secured(operation, operation.get("security", default), schemes)
            if secured or _listed(api, route, config["publicMethods"]):
                continue
            if _is_open("NONE", shown, config):
                yield Finding(api, f"body operation {route} has no authorizer, so anyone can call it")
                continue
            kind = _mapping(operation.get("x-amazon-apigateway-integration")).get("type")
            if isinstance(kind, str) and kind.lower() != "mock":
                yield Finding(
                    api,
                    f"body operation {route} has no authorizer and a {kind} integration, so anyone can call "
                    f"its backend with OPTIONS requests; {_PREFLIGHT_FIX}",
                )


def openapi_document(body: Any) -> Mapping[str, Any] | None:
    """The body as a document with paths (API Gateway takes OpenAPI 2 or 3, in JSON or YAML), else None."""
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        try:
            document = yaml.safe_load(body)
        except (yaml.YAMLError, RecursionError):
            return None
    return document if isinstance(document, Mapping) and isinstance(document.get("paths"), Mapping) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _secured(operation: Mapping[str, Any], security: Any, schemes: Mapping[str, Any]) -> bool:
    """True when every way in (each requirement object: its schemes together) passes an authorizer or IAM."""
    legacy = _mapping(operation.get("x-amazon-apigateway-auth")).get("type")
    if isinstance(legacy, str) and legacy.upper() == "AWS_IAM":
        return True
    if not isinstance(security, list) or not security:
        return False
    return all(
        isinstance(requirement, Mapping)
        and any(_enforced(_mapping(schemes.get(name))) for name in requirement)
        for requirement in security
    )


def _enforced(scheme: Mapping[str, Any]) -> bool:
    kind = scheme.get("x-amazon-apigateway-authtype")
    return "x-amazon-apigateway-authorizer" in scheme or (
        isinstance(kind, str) and kind.lower() in _AUTH_TYPES
    )


def _unauthorized(authorization: Any) -> bool:
    """NONE, or not set (which API Gateway reads as NONE)."""
    return not (isinstance(authorization, str) and authorization.upper() != "NONE")


def _is_open(authorization: Any, verb: Any, config: Mapping[str, Any]) -> bool:
    return _unauthorized(authorization) and not (verb == "OPTIONS" and config["allowCorsPreflight"])


def _is_preflight(authorization: Any, verb: Any, config: Mapping[str, Any]) -> bool:
    """An OPTIONS method or route let through without authorization as a CORS preflight."""
    return verb == "OPTIONS" and config["allowCorsPreflight"] and _unauthorized(authorization)


_PREFLIGHT_FIX = (
    "a CORS preflight needs only a MOCK integration that returns the CORS headers (or, for an HTTP API, the "
    "API's cors_configuration)"
)


def _preflight_backends(stack: Stack, method: Resource, route: str) -> Iterator[Finding]:
    """An open OPTIONS method passes as a CORS preflight only while API Gateway answers it itself (a MOCK
    integration): with a Lambda or HTTP integration anyone can call the backend, with any body."""
    for integration in _integrations_of(stack, method):
        kind = integration.get("type")
        if kind is UNKNOWN:
            yield unknown_until_deployed(
                method, integration, "type", f"whether anyone can reach the backend of method {route}"
            )
        elif isinstance(kind, str) and kind.upper() != "MOCK":
            yield Finding(
                method,
                f"method {route} has authorization NONE as a CORS preflight, but integration "
                f"'{integration.name}' is {kind}, so anyone can call its backend with OPTIONS requests; "
                f"{_PREFLIGHT_FIX}",
            )


def _integrations_of(stack: Stack, method: Resource) -> list[Resource]:
    """The integrations of a method: on its API resource, for its verb (or built from the method itself)."""
    on_resource = stack.attached(
        (INTEGRATION,), "resourceId", (API_RESOURCE, REST_API), ("id", "rootResourceId")
    )
    found = []
    for node in stack.targets(method, "resourceId", (API_RESOURCE, REST_API), ("id", "rootResourceId")):
        for integration in on_resource.get(node, []):
            verb = integration.get("httpMethod")
            if verb == method.get("httpMethod") or method in integration.property_dependencies.get(
                "httpMethod", []
            ):
                found.append(integration)
    return found


def _preflight_route_backend(route_resource: Resource, route: str) -> Iterator[Finding]:
    """An HTTP API answers CORS preflights itself (cors_configuration); an open OPTIONS route with a target
    sends them, and anything else sent with OPTIONS, to the integration."""
    target = route_resource.get("target")
    if target is ABSENT or target == "":
        return
    if target is UNKNOWN and not route_resource.property_dependencies.get("target"):
        yield unknown_until_deployed(
            route_resource, route_resource, "target", f"whether anyone can reach the backend of route {route}"
        )
        return
    yield Finding(
        route_resource,
        f"route {route} has authorizationType NONE as a CORS preflight, but its target sends the requests to "
        f"an integration, so anyone can call the backend with OPTIONS requests; {_PREFLIGHT_FIX}",
    )


def iam_routes(stack: Stack, api: Resource) -> list[str]:
    """The routes (``"<METHOD> <path>"``) of a REST API that use IAM authorization: its methods with
    authorization AWS_IAM and the operations of its body, or of a RestApiPut's into it, whose security names
    an awsSigv4 scheme."""
    routes = [
        f"{method.get('httpMethod')} {_method_path(stack, method) or '?'}"
        for method in _methods(stack, api)
        if str(method.get("authorization")).upper() == "AWS_IAM"
    ]
    for source in _bodies(stack, api):
        document = openapi_document(source.get("body"))
        if document is None:
            continue
        schemes = {
            **_mapping(document.get("securityDefinitions")),
            **_mapping(_mapping(document.get("components")).get("securitySchemes")),
        }
        for path, item in _mapping(document.get("paths")).items():
            for verb, operation in _mapping(item).items():
                if isinstance(operation, Mapping) and _signed(operation, document.get("security"), schemes):
                    routes.append(f"{verb.upper()} {path}")
    return routes


def unknown_iam_route(stack: Stack, api: Resource) -> tuple[Resource, str] | None:
    """``(resource, property)`` of the first method authorization or body of a REST API not known at
    preview, where a route with IAM authorization may yet be; None when every one is known."""
    for method in _methods(stack, api):
        if method.get("authorization") is UNKNOWN:
            return method, "authorization"
    return next(((source, "body") for source in _bodies(stack, api) if source.get("body") is UNKNOWN), None)


def _methods(stack: Stack, api: Resource) -> list[Resource]:
    return [m for m in stack.of_type(METHOD) if api in stack.targets(m, "restApi", (REST_API,), ("id",))]


def _bodies(stack: Stack, api: Resource) -> list[Resource]:
    """The API and the RestApiPuts into it: each may hold an OpenAPI body."""
    puts = stack.of_type(REST_API_PUT)
    return [api, *(p for p in puts if api in stack.targets(p, "restApiId", (REST_API,), ("id",)))]


def _signed(operation: Mapping[str, Any], default: Any, schemes: Mapping[str, Any]) -> bool:
    legacy = _mapping(operation.get("x-amazon-apigateway-auth")).get("type")
    if isinstance(legacy, str) and legacy.upper() == "AWS_IAM":
        return True
    security = operation.get("security", default)
    return isinstance(security, list) and any(
        str(_mapping(schemes.get(name)).get("x-amazon-apigateway-authtype")).lower() == "awssigv4"
        for requirement in security
        if isinstance(requirement, Mapping)
        for name in requirement
    )


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
            "API Gateway methods, HTTP API routes and the operations of an OpenAPI body (of a RestApi, an "
            "HTTP Api or a RestApiPut) do not use "
            "authorization NONE (a body operation needs a security requirement naming an authorizer or "
            "IAM; an API key is not authorization), and no HTTP API is quick-created (target), which makes "
            "an open default route; except CORS preflight OPTIONS methods and entries of the publicMethods "
            "allow-list. A preflight OPTIONS method passes only while API Gateway answers it (a MOCK "
            "integration; an HTTP API route without a target): one that reaches a Lambda or HTTP backend "
            "lets anyone call it."
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
                **catch_all_schema(
                    "method",
                    (METHOD, ROUTE, REST_API, REST_API_PUT, HTTP_API),
                    'list each public method as "<METHOD> <path>" (e.g. "GET /health"), or by logical name '
                    "or URN",
                    routes=("DELETE /a", "PATCH /9z/{id}"),
                ),
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
            "API Gateway method settings, and the default and route settings of API Gateway v2 (WebSocket) "
            "stages, do not enable data trace (full request and response logging)."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1", "10.3.1"),
        remediation=(
            "Set settings.data_trace_enabled=False (keep metrics_enabled and an ERROR/INFO logging level); "
            "on a WebSocket stage, data_trace_enabled=False in default_route_settings and each route_settings"
        ),
        url=_DOCS + "set-up-logging.html",
        topic="apigateway",
        check=check_no_data_trace,
        resource_types=(METHOD_SETTINGS, STAGE_V2),
    ),
    Rule(
        name="apigateway-stage-waf",
        description=(
            "Every public (non-PRIVATE) REST API stage is associated with an AWS WAF (wafv2) web ACL, and a "
            "web ACL the stack declares for it has rules (rules, ruleJson, WebAclRule or "
            "WebAclRuleGroupAssociation resources) that do not all only count while the default action "
            "allows."
        ),
        severity=Severity.HIGH,
        pci=("6.4.2",),
        remediation=(
            "Add aws.wafv2.WebAcl(scope='REGIONAL', default_action={'allow': {}}, rules=[AWS managed rule "
            "groups such as AWSManagedRulesCommonRuleSet]) and aws.wafv2.WebAclAssociation("
            "resource_arn=stage.arn, web_acl_arn=web_acl.arn)"
        ),
        url="https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html",
        topic="apigateway",
        check=check_waf,
        stack=True,
    ),
    Rule(
        name="apigateway-execution-logging",
        description=(
            "Every REST API stage has execution logging on: a MethodSettings of its own API for */* with "
            "loggingLevel ERROR or INFO, and no MethodSettings turning a method or */* OFF (data trace stays "
            "off, see apigateway-no-data-trace)."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.2.1.4"),
        remediation=(
            "Add aws.apigateway.MethodSettings(rest_api=api.id, stage_name=stage.stage_name, "
            "method_path='*/*', settings={'logging_level': 'ERROR', 'data_trace_enabled': False, "
            "'metrics_enabled': True}) and "
            "declare the API-Gateway-Execution-Logs_<api id>/<stage> log group with retention and a KMS key"
        ),
        url=_DOCS + "set-up-logging.html",
        topic="apigateway",
        check=check_execution_logging,
        stack=True,
    ),
]
