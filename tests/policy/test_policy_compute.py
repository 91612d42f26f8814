"""Lambda and API Gateway rules."""

from __future__ import annotations

import json

import pytest
from policy_harness import R, U, run
from trading_policies.config import PolicyConfigError

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def function(**props):
    return R(FUNCTION, "fn", {"name": "trading-orders-dev", **props})


def group(name, retention=365, **kwargs):
    props = {"retentionInDays": retention} if retention is not None else {}
    return R(LOG_GROUP, "fn-logs", {"name": name, **props}, **kwargs)


def test_vpc_placement_needs_subnets_and_security_groups():
    (fault,) = faults("lambda-in-vpc", [function(vpcConfig={"subnetIds": ["s-1"], "securityGroupIds": []})])
    assert fault == "vpcConfig.securityGroupIds is [], so the function does not run in the VPC"
    assert (
        faults("lambda-in-vpc", [function(vpcConfig={"subnetIds": ["s-1"], "securityGroupIds": ["sg-1"]})])
        == []
    )


def test_environment_encryption_only_matters_with_variables():
    assert faults("lambda-env-encrypted-with-cmk", [function(environment={"variables": {}})]) == []
    assert (
        faults(
            "lambda-env-encrypted-with-cmk", [function(environment={"variables": {"A": "1"}}, kmsKeyArn=U)]
        )
        == []
    )
    (fault,) = faults(
        "lambda-env-encrypted-with-cmk",
        [function(environment={"variables": {"A": "1", "B": U}}, kmsKeyArn="")],
    )
    assert fault.startswith("has 2 environment variable(s) but no kmsKeyArn")


def test_log_group_by_convention_logging_config_or_dependency():
    fn = function()
    assert faults("lambda-log-group-managed", [fn, group("/aws/lambda/trading-orders-dev")]) == []
    (fault,) = faults("lambda-log-group-managed", [fn, group("/aws/lambda/other")])
    assert fault.startswith("has no log group '/aws/lambda/trading-orders-dev' declared in the stack")
    (fault,) = faults(
        "lambda-log-group-managed", [fn, group("/aws/lambda/trading-orders-dev", retention=None)]
    )
    assert fault == "log group 'fn-logs' has no retentionInDays, so its logs never expire"
    shared = function(loggingConfig={"logFormat": "JSON", "logGroup": "/shared/app"})
    (fault,) = faults("lambda-log-group-managed", [shared, group("/aws/lambda/trading-orders-dev")])
    assert "'/shared/app' (its loggingConfig.logGroup)" in fault
    assert faults("lambda-log-group-managed", [shared, group("/shared/app")]) == []


def test_log_groups_found_through_dependencies_when_names_are_unknown():
    logs = group(U, retention=U)
    configured = function(loggingConfig={"logFormat": "JSON", "logGroup": U}, depends_on=[])
    configured.depends_on = [logs]
    assert faults("lambda-log-group-managed", [configured, logs]) == []
    linked = function(loggingConfig={"logFormat": "JSON", "logGroup": U})
    linked.deps = {"loggingConfig": [logs]}
    assert faults("lambda-log-group-managed", [linked, logs]) == []
    unnamed = R(FUNCTION, "fn", {})
    unnamed.depends_on = [
        group("/aws/lambda/fn-1234567", retention=30),
        R(LOG_GROUP, "other", {"name": "/app/other"}),
    ]
    assert faults("lambda-log-group-managed", [unnamed, *unnamed.depends_on]) == []
    (fault,) = faults("lambda-log-group-managed", [R(FUNCTION, "fn", {})])
    assert "'/aws/lambda/<function name>'" in fault
    (fault,) = faults("lambda-log-group-managed", [R(FUNCTION, "fn", {"loggingConfig": {"logGroup": U}})])
    assert "(its loggingConfig.logGroup)" in fault


def test_stage_access_log_settings_need_destination_and_format():
    stage = R("aws:apigatewayv2/stage:Stage", "s", {"accessLogSettings": {"destinationArn": "", "format": U}})
    assert faults("apigateway-stage-access-logging", [stage]) == [
        "accessLogSettings.destinationArn is not set"
    ]
    (fault,) = faults("apigateway-stage-access-logging", [R("aws:apigateway/stage:Stage", "s", {})])
    assert fault == "accessLogSettings is not set, so requests to the stage leave no access log"


def test_data_trace_is_reported_with_its_method_path():
    (fault,) = faults(
        "apigateway-no-data-trace",
        [
            R(
                "aws:apigateway/methodSettings:MethodSettings",
                "ms",
                {"methodPath": "orders/GET", "settings": {"dataTraceEnabled": "true"}},
            )
        ],
    )
    assert fault.startswith("settings.dataTraceEnabled is true for 'orders/GET'")


def test_websocket_stage_route_settings_do_not_trace_data():
    # WebSocket stages take data trace in their default route settings and per route.
    stage = R(
        "aws:apigatewayv2/stage:Stage",
        "ws",
        {
            "apiId": U,
            "name": "dev",
            "defaultRouteSettings": {"dataTraceEnabled": True, "loggingLevel": "INFO"},
            "routeSettings": [
                {"routeKey": "$connect", "dataTraceEnabled": False},
                {"routeKey": "sendmessage", "dataTraceEnabled": "true"},
                {"routeKey": "$default", "dataTraceEnabled": U},
            ],
        },
    )
    diags = run("apigateway-no-data-trace", [stage])
    assert [d.level for d in diags] == ["mandatory", "mandatory"]
    assert faults("apigateway-no-data-trace", [stage]) == [
        "defaultRouteSettings.dataTraceEnabled is true, so full messages (which may carry cardholder data) "
        "of every route are written to CloudWatch Logs",
        "routeSettings for 'sendmessage' enable dataTraceEnabled, so full messages (which may carry "
        "cardholder data) are written to CloudWatch Logs",
    ]
    quiet = R("aws:apigatewayv2/stage:Stage", "http", {"apiId": U, "name": "dev", "routeSettings": U})
    assert faults("apigateway-no-data-trace", [quiet]) == []


def api_tree(authorization="NONE", verb="GET", name="m"):
    api = R("aws:apigateway/restApi:RestApi", "api", {"rootResourceId": "root", "id": "api"})
    orders = R(
        "aws:apigateway/resource:Resource", "orders", {"pathPart": "orders", "parentId": "root", "id": "r1"}
    )
    item = R(
        "aws:apigateway/resource:Resource",
        "item",
        {"pathPart": "{id}", "parentId": U, "id": U},
        deps={"parentId": [orders]},
    )
    method = R(
        "aws:apigateway/method:Method",
        name,
        {"httpMethod": verb, "authorization": authorization, "resourceId": U},
        deps={"resourceId": [item]},
    )
    return [api, orders, item, method]


@pytest.mark.parametrize("entry", ["*", "* /*", "*/*", "urn:*", "urn:pulumi:*::*"])
def test_a_public_methods_entry_that_matches_every_method_is_refused(entry):
    # The red-team input: ["*"] made every method public while the rule stayed mandatory.
    with pytest.raises(PolicyConfigError) as error:
        run("apigateway-method-authorization", api_tree(), {"publicMethods": ["GET /health", entry]})
    assert str(error.value) == (
        f"policy config for 'apigateway-method-authorization': publicMethods[1] is '{entry}', which matches "
        'every method; list each public method as "<METHOD> <path>" (e.g. "GET /health"), or by logical name '
        "or URN. Fix the policy pack config (--policy-pack-config); docs/policies.md lists each policy's "
        "settings"
    )


def test_method_paths_are_rebuilt_and_allow_listed():
    (fault,) = faults("apigateway-method-authorization", api_tree())
    assert fault == "method GET /orders/{id} has authorization NONE, so anyone can call it"
    assert faults("apigateway-method-authorization", api_tree(), {"publicMethods": ["GET /orders/*"]}) == []
    assert (
        faults("apigateway-method-authorization", api_tree(name="health"), {"publicMethods": ["health"]})
        == []
    )
    assert faults("apigateway-method-authorization", api_tree(authorization="COGNITO_USER_POOLS")) == []
    assert faults("apigateway-method-authorization", api_tree(verb="OPTIONS")) == []
    assert faults("apigateway-method-authorization", api_tree(verb="OPTIONS"), {"allowCorsPreflight": False})


def test_unresolvable_paths_and_known_paths():
    method = R(
        "aws:apigateway/method:Method",
        "m",
        {"httpMethod": U, "authorization": "none", "resourceId": "missing"},
    )
    (fault,) = faults("apigateway-method-authorization", [method])
    assert "method ? ? has authorization NONE" in fault
    known = R("aws:apigateway/resource:Resource", "r", {"path": "/known", "id": "r"})
    assert (
        "GET /known"
        in faults(
            "apigateway-method-authorization",
            [
                known,
                R(
                    "aws:apigateway/method:Method",
                    "m",
                    {"httpMethod": "GET", "authorization": "NONE", "resourceId": "r"},
                ),
            ],
        )[0]
    )
    orphan = R("aws:apigateway/resource:Resource", "o", {"pathPart": "x", "id": "o"})
    assert (
        "GET ?"
        in faults(
            "apigateway-method-authorization",
            [
                orphan,
                R(
                    "aws:apigateway/method:Method",
                    "m",
                    {"httpMethod": "GET", "authorization": "NONE", "resourceId": "o"},
                ),
            ],
        )[0]
    )
    child = R("aws:apigateway/resource:Resource", "c", {"pathPart": "y", "parentId": "o", "id": "c"})
    assert (
        "GET ?"
        in faults(
            "apigateway-method-authorization",
            [
                orphan,
                child,
                R(
                    "aws:apigateway/method:Method",
                    "m",
                    {"httpMethod": "GET", "authorization": "NONE", "resourceId": "c"},
                ),
            ],
        )[0]
    )


def test_resource_cycles_stop():
    a = R("aws:apigateway/resource:Resource", "a", {"pathPart": "a", "parentId": "b", "id": "a"})
    b = R("aws:apigateway/resource:Resource", "b", {"pathPart": "b", "parentId": "a", "id": "b"})
    method = R(
        "aws:apigateway/method:Method", "m", {"httpMethod": "GET", "authorization": "NONE", "resourceId": "a"}
    )
    assert "GET ?" in faults("apigateway-method-authorization", [a, b, method])[0]


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"routeKey": "GET /orders", "authorizationType": "JWT"}, []),
        (
            {"routeKey": "GET /orders"},
            ["route GET /orders has authorizationType NONE, so anyone can call it"],
        ),
        (
            {"routeKey": "$default", "authorizationType": "NONE"},
            ["route $default has authorizationType NONE, so anyone can call it"],
        ),
        ({"routeKey": "OPTIONS /orders"}, []),
        ({"routeKey": U}, ["route ? has authorizationType NONE, so anyone can call it"]),
    ],
)
def test_http_api_routes(props, expected):
    assert (
        faults("apigateway-method-authorization", [R("aws:apigatewayv2/route:Route", "route", props)])
        == expected
    )


@pytest.mark.parametrize(
    ("type_", "props", "expected"),
    [
        (
            "aws:lambda/functionUrl:FunctionUrl",
            {"authorizationType": "NONE"},
            "function URL authorizationType is NONE",
        ),
        ("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "AWS_IAM"}, None),
        ("aws:lambda/permission:Permission", {"principal": "*", "principalOrgId": "o-1"}, None),
        (
            "aws:lambda/permission:Permission",
            {"principal": "apigateway.amazonaws.com"},
            "principal apigateway.amazonaws.com has no sourceArn or sourceAccount naming an account, so any "
            "apigateway resource",
        ),
        # A wildcard account in sourceArn binds nothing; sourceAccount alone binds the account.
        (
            "aws:lambda/permission:Permission",
            {"principal": "apigateway.amazonaws.com", "sourceArn": "arn:aws:execute-api:us-east-1:*:api/*"},
            "principal apigateway.amazonaws.com has no sourceArn",
        ),
        (
            "aws:lambda/permission:Permission",
            {"principal": "s3.amazonaws.com", "sourceAccount": "123456789012"},
            None,
        ),
        (
            "aws:lambda/permission:Permission",
            {
                "principal": "apigateway.amazonaws.com",
                "sourceArn": "arn:aws:execute-api:us-east-1:123456789012:a/*",
            },
            None,
        ),
        ("aws:lambda/permission:Permission", {"principal": "*", "sourceAccount": "123456789012"}, None),
        (
            "aws:lambda/permission:Permission",
            {"principal": "*", "principalOrgId": ""},
            "principal is '*' and no principalOrgId, sourceAccount or sourceArn binds the caller",
        ),
        (
            "aws:lambda/permission:Permission",
            {"principal": U},
            "who can invoke the function cannot be checked",
        ),
        ("aws:lambda/permission:Permission", {}, None),
        ("aws:lambda/permission:Permission", {"principal": "apigateway.amazonaws.com", "sourceArn": U}, None),
        ("aws:lambda/permission:Permission", {"principal": "123456789012"}, None),
    ],
)
def test_lambda_not_public(type_, props, expected):
    found = faults("lambda-not-public", [R(type_, "p", props)])
    assert found == [] if expected is None else found[0].startswith(expected)


COGNITO_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "cognito_user_pools",
    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:pool"]},
}
API_KEY_SCHEME = {"type": "apiKey", "name": "x-api-key", "in": "header"}
IAM_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


def openapi(operation, security=None, schemes=None, path="/orders", verb="get"):
    document = {
        "openapi": "3.0.1",
        "info": {"title": "orders", "version": "1"},
        "paths": {path: {verb: operation, "parameters": []}},
        "components": {"securitySchemes": schemes or {"cognito": COGNITO_SCHEME, "key": API_KEY_SCHEME}},
    }
    if security is not None:
        document["security"] = security
    return json.dumps(document)


def rest_api(body, **props):
    return R("aws:apigateway/restApi:RestApi", "api", {"name": "orders", "body": body, **props})


OPEN = ["body operation GET /orders has no authorizer, so anyone can call it"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (openapi({}), OPEN),
        (openapi({}, security=[{"cognito": []}]), []),
        (openapi({"security": []}, security=[{"cognito": []}]), OPEN),  # the operation's own list wins
        (openapi({"security": [{"cognito": []}]}), []),
        # An empty requirement makes authorization optional; an API key is no authorization.
        (openapi({"security": [{"cognito": []}, {}]}), OPEN),
        (openapi({"security": [{"key": []}]}), OPEN),
        (openapi({"security": [{"key": [], "cognito": []}]}), []),
        (openapi({"security": [{"missing": []}]}), OPEN),
        (openapi({"security": ["cognito"]}), OPEN),
        (openapi({"security": [{"iam": []}]}, schemes={"iam": IAM_SCHEME}), []),
        (openapi({"x-amazon-apigateway-auth": {"type": "aws_iam"}}), []),
        (openapi({}, verb="x-amazon-apigateway-any-method"), [OPEN[0].replace("GET", "ANY")]),
        (openapi({}, verb="options"), []),  # CORS preflight
        (openapi("not an operation"), []),
        # Swagger 2 names its schemes in securityDefinitions.
        (
            json.dumps(
                {
                    "swagger": "2.0",
                    "paths": {"/orders": {"post": {"security": [{"sig": []}]}}},
                    "securityDefinitions": {"sig": IAM_SCHEME},
                }
            ),
            [],
        ),
        ("openapi: 3.0.1\npaths:\n  /orders:\n    get: {}\n", OPEN),  # YAML
    ],
)
def test_openapi_bodies_need_an_authorizer_on_every_operation(body, expected):
    assert faults("apigateway-method-authorization", [rest_api(body)]) == expected


@pytest.mark.parametrize(
    "body", ["[", "openapi: [", "just text", json.dumps({"paths": []}), "[" * 100_000, 5, {"paths": {}}]
)
def test_a_body_the_pack_cannot_read_blocks_with_one_line(body):
    assert faults("apigateway-method-authorization", [rest_api(body)]) == [
        "body is not an OpenAPI document of paths the pack can read (JSON or YAML), so whether its "
        "operations need authorization cannot be told"
    ]


def test_allow_listed_body_operations_and_unknown_bodies():
    assert (
        faults("apigateway-method-authorization", [rest_api(openapi({}))], {"publicMethods": ["GET /orders"]})
        == []
    )
    assert faults(
        "apigateway-method-authorization",
        [rest_api(openapi({}, verb="options"))],
        {"allowCorsPreflight": False},
    ) == ["body operation OPTIONS /orders has no authorizer, so anyone can call it"]
    (note,) = run("apigateway-method-authorization", [rest_api(U)])
    assert note.level == "advisory"
    assert "whether its OpenAPI operations need authorization" in note.message
    assert (
        faults("apigateway-method-authorization", [R("aws:apigateway/restApi:RestApi", "api", {"name": "a"})])
        == []
    )


def test_a_rest_api_put_body_is_judged_as_the_apis_own():
    # RestApiPut imports an OpenAPI definition into an existing REST API: its operations become methods.
    api = R("aws:apigateway/restApi:RestApi", "api", {"name": "orders"})
    put = R(
        "aws:apigateway/restApiPut:RestApiPut",
        "put",
        {"restApiId": U, "body": openapi({})},
        deps={"restApiId": [api]},
    )
    diags = run("apigateway-method-authorization", [api, put])
    assert [(d.level, d.urn) for d in diags] == [("mandatory", put.urn)]
    assert faults("apigateway-method-authorization", [api, put]) == OPEN
    put.props["body"] = openapi({"security": [{"cognito": []}]})
    assert faults("apigateway-method-authorization", [api, put]) == []
    put.props["body"] = U
    (note,) = run("apigateway-method-authorization", [api, put])
    assert note.level == "advisory"


HTTP_API = "aws:apigatewayv2/api:Api"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def test_http_api_quick_create_makes_an_open_default_route():
    quick = R(HTTP_API, "http", {"name": "h", "protocolType": "HTTP", "target": LAMBDA_ARN})
    assert faults("apigateway-method-authorization", [quick]) == [
        "quick create (target) makes route $default with authorization NONE"
    ]
    keyed = R(HTTP_API, "http", {"name": "h", "protocolType": "HTTP", "target": U, "routeKey": "GET /orders"})
    assert faults("apigateway-method-authorization", [keyed]) == [
        "quick create (target) makes route GET /orders with authorization NONE"
    ]
    assert faults("apigateway-method-authorization", [keyed], {"publicMethods": ["GET /orders"]}) == []
    plain = R(HTTP_API, "http", {"name": "h", "protocolType": "HTTP"})
    assert faults("apigateway-method-authorization", [plain]) == []
    imported = R(HTTP_API, "http", {"name": "h", "protocolType": "HTTP", "body": openapi({})})
    assert faults("apigateway-method-authorization", [imported]) == OPEN


def test_an_authorization_unknown_at_preview_is_a_note_not_a_pass():
    method = R(
        "aws:apigateway/method:Method", "m", {"httpMethod": "GET", "authorization": U, "resourceId": "x"}
    )
    route = R("aws:apigatewayv2/route:Route", "route", {"routeKey": "GET /orders", "authorizationType": U})
    notes = run("apigateway-method-authorization", [method, route])
    assert [n.level for n in notes] == ["advisory", "advisory"]
    assert "the authorization of method GET ?" in notes[0].message
    assert "the authorization of route GET /orders" in notes[1].message


OTHER_ACCOUNT = {
    "region": "us-east-1",
    "assumeRoles": json.dumps([{"roleArn": "arn:aws:iam::999999999999:role/x"}]),
}


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"provider": {"region": "us-west-2"}},
        {"props": {"region": "eu-west-1"}},
        {"provider": OTHER_ACCOUNT},
        {"provider": {"region": "us-east-1", "profile": "other"}},
    ],
)
def test_a_log_group_in_another_region_or_account_is_not_the_functions(elsewhere):
    # Log group names are per region and account: Lambda still creates its own group, unencrypted and kept
    # forever, in the function's region and account.
    logs = group("/aws/lambda/trading-orders-dev")
    logs.provider = elsewhere.get("provider", logs.provider)
    logs.props.update(elsewhere.get("props", {}))
    (diag,) = run("lambda-log-group-managed", [function(), logs])
    assert diag.level == "mandatory"
    assert faults("lambda-log-group-managed", [function(), logs]) == [
        "has no log group '/aws/lambda/trading-orders-dev' declared in the stack, so Lambda creates it "
        f"unencrypted and never expiring; log group '{logs.name}' has that name but is in another region or "
        "account (its region or its provider's credentials differ from the function's), and Lambda writes to "
        "the one in the function's"
    ]
    # The same name in the function's own region and account is its group, wherever it is declared.
    assert (
        faults("lambda-log-group-managed", [logs, group("/aws/lambda/trading-orders-dev"), function()]) == []
    )
    unnamed = R(FUNCTION, "fn", {"name": U})
    by_output = group(U)
    by_output.provider, by_output.deps = logs.provider, {"name": [unnamed]}
    by_output.props.update(elsewhere.get("props", {}))
    unnamed.depends_on = [by_output]
    assert len(faults("lambda-log-group-managed", [unnamed, by_output])) == 1
    configured = function(loggingConfig={"logGroup": U})
    configured.deps = {"loggingConfig": [by_output]}
    assert len(faults("lambda-log-group-managed", [configured, by_output])) == 1


def test_a_provider_that_differs_only_in_settings_that_keep_the_account_is_the_same_place():
    logs = group("/aws/lambda/trading-orders-dev")
    logs.provider = {"region": "us-east-1", "skipMetadataApiCheck": "true", "maxRetries": 5}
    assert faults("lambda-log-group-managed", [function(), logs]) == []


def test_two_providers_that_name_accounts_are_compared_by_them():
    own = "123456789012"
    fn = function()
    fn.provider = {"region": "us-east-1", "allowedAccountIds": json.dumps([own])}
    logs = group("/aws/lambda/trading-orders-dev")
    logs.provider = {
        "region": "us-east-1",
        "assumeRoles": json.dumps([{"roleArn": f"arn:aws:iam::{own}:role/deployer"}]),
    }
    assert faults("lambda-log-group-managed", [fn, logs]) == []  # another provider, the same account
    logs.provider = OTHER_ACCOUNT
    assert len(faults("lambda-log-group-managed", [fn, logs])) == 1


def test_a_log_group_whose_account_is_unknown_at_preview_counts():
    logs = group("/aws/lambda/trading-orders-dev")
    logs.provider = {"region": "us-east-1", "assumeRoles": json.dumps([{"roleArn": U}])}
    assert faults("lambda-log-group-managed", [function(), logs]) == []


# ---- a CORS preflight that reaches a backend -----------------------------------------------------------

PREFLIGHT_FIX = (
    "a CORS preflight needs only a MOCK integration that returns the CORS headers (or, for an HTTP API, the "
    "API's cors_configuration)"
)


def preflight_integration(tree, kind, linked_by_method=False):
    method, item = tree[-1], tree[-2]
    verb = U if linked_by_method else "OPTIONS"
    deps = {"resourceId": [item], **({"httpMethod": [method]} if linked_by_method else {})}
    return R(
        "aws:apigateway/integration:Integration",
        "cors",
        {"restApi": "api", "resourceId": U, "httpMethod": verb, "type": kind},
        deps=deps,
    )


@pytest.mark.parametrize("linked_by_method", [False, True])
def test_an_open_options_method_must_not_reach_a_backend(linked_by_method):
    # With a Lambda integration, "OPTIONS" is just another way to invoke the function, with any body.
    tree = api_tree(verb="OPTIONS")
    backend = preflight_integration(tree, "AWS_PROXY", linked_by_method)
    (diag,) = run("apigateway-method-authorization", [*tree, backend])
    assert diag.level == "mandatory"
    assert faults("apigateway-method-authorization", [*tree, backend]) == [
        "method OPTIONS /orders/{id} has authorization NONE as a CORS preflight, but integration 'cors' is "
        f"AWS_PROXY, so anyone can call its backend with OPTIONS requests; {PREFLIGHT_FIX}"
    ]
    mock = preflight_integration(tree, "MOCK", linked_by_method)
    assert faults("apigateway-method-authorization", [*tree, mock]) == []
    unknown = preflight_integration(tree, U, linked_by_method)
    (note,) = run("apigateway-method-authorization", [*tree, unknown])
    assert note.level == "advisory"
    assert "whether anyone can reach the backend of method OPTIONS /orders/{id}" in note.message
    # A GET integration on the same resource is not the preflight's; a listed method is the team's choice.
    other = R(
        "aws:apigateway/integration:Integration",
        "get",
        {"restApi": "api", "resourceId": U, "httpMethod": "GET", "type": "AWS_PROXY"},
        deps={"resourceId": [tree[-2]]},
    )
    assert faults("apigateway-method-authorization", [*tree, other]) == []
    assert (
        faults("apigateway-method-authorization", [*tree, backend], {"publicMethods": ["OPTIONS /orders/*"]})
        == []
    )


@pytest.mark.parametrize(
    ("props", "deps", "expected"),
    [
        ({"target": "integrations/abc123"}, {}, "fault"),
        ({"target": U}, {"target": ["integration"]}, "fault"),
        ({"target": U}, {}, "note"),
        ({}, {}, None),
        ({"target": ""}, {}, None),
    ],
)
def test_an_open_options_route_must_not_reach_an_integration(props, deps, expected):
    integration = R("aws:apigatewayv2/integration:Integration", "lambda", {"integrationType": "AWS_PROXY"})
    route = R(
        "aws:apigatewayv2/route:Route",
        "route",
        {"routeKey": "OPTIONS /orders", **props},
        deps={key: [integration] for key in deps},
    )
    diags = run("apigateway-method-authorization", [integration, route])
    if expected is None:
        assert diags == []
    elif expected == "note":
        assert [d.level for d in diags] == ["advisory"]
        assert "whether anyone can reach the backend of route OPTIONS /orders" in diags[0].message
    else:
        assert faults("apigateway-method-authorization", [integration, route]) == [
            "route OPTIONS /orders has authorizationType NONE as a CORS preflight, but its target sends the "
            "requests to an integration, so anyone can call the backend with OPTIONS requests; "
            f"{PREFLIGHT_FIX}"
        ]
        listed = {"publicMethods": ["OPTIONS /orders"]}
        assert faults("apigateway-method-authorization", [integration, route], listed) == []


@pytest.mark.parametrize(
    ("kind", "open_"), [("aws_proxy", True), ("http", True), ("mock", False), (None, False)]
)
def test_an_open_options_body_operation_must_not_reach_a_backend(kind, open_):
    operation = {"x-amazon-apigateway-integration": {"type": kind}} if kind else {}
    expected = (
        [
            f"body operation OPTIONS /orders has no authorizer and a {kind} integration, so anyone can "
            f"call its backend with OPTIONS requests; {PREFLIGHT_FIX}"
        ]
        if open_
        else []
    )
    assert (
        faults("apigateway-method-authorization", [rest_api(openapi(operation, verb="options"))]) == expected
    )
