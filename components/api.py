"""The orders REST API (regional): ``/orders`` and ``/orders/{id}`` proxied to the function, every method
signed with SigV4 (``AWS_IAM``), redeployed whenever its definition changes, and a stage with JSON access
logs, X-Ray and throttling.

Execution logging is on at ``ERROR`` (PCI DSS 10.2.1: failed authorizations, integration and throttling
errors), never with data trace. API Gateway writes it to ``API-Gateway-Execution-Logs_<api id>/<stage>``,
which it would create itself without encryption or retention, so the component declares that group first,
with the stack's retention and logs key. Access logs go to the stack's own log group.
The account-level CloudWatch role (needed for any API Gateway logging in the region) is set by one stack per
account and region, behind a setting, and kept on delete: destroying ``aws.apigateway.Account`` resets the
region-wide setting and would silence every other API's logs. That stack exports the role's ARN; every other
stack in the account reads it through a stack reference, and its stage depends on the reference. So a stack
deployed before the one that sets the role fails at preview, saying which stack to deploy first, instead of
failing at the stage ("CloudWatch Logs role ARN must be set in account settings").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options
from components.iam import allow, policy_document, service_trust_policy

AUTHORIZATION = "AWS_IAM"
# The output through which the stack that sets the region-wide role hands its ARN to the others.
ACCOUNT_ROLE_OUTPUT = "apiGatewayCloudWatchRoleArn"


class StackOrderError(pulumi.RunError):
    """This stack needs another one deployed first; the message says which and what to do."""


# label -> route. ANY hands every method to the function, which answers 405 with a JSON error for those
# it does not serve. The deployment's redeploy trigger hashes this table, so a change here redeploys.
ROUTES: dict[str, dict[str, Any]] = {
    "orders": {"parent": None, "pathPart": "orders", "requestParameters": {}},
    "order": {"parent": "orders", "pathPart": "{id}", "requestParameters": {"method.request.path.id": True}},
}
INTEGRATION = {"type": "AWS_PROXY", "integrationHttpMethod": "POST"}  # Lambda is always invoked with POST
# One JSON object per request; requestId is required by API Gateway, the rest serves PCI DSS 10.2.2.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "path": "$context.path",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "sourceIp": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "integrationError": "$context.integration.error",
        "xrayTraceId": "$context.xrayTraceId",
    },
    separators=(",", ":"),
)
# The AmazonAPIGatewayPushToCloudWatchLogs actions, limited to log groups of this account and region.
API_GATEWAY_LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
]


def api_gateway_logging_policy(target: AwsTarget) -> dict[str, Any]:
    """The account-wide API Gateway logging role serves every API of the region, so it names log groups
    by region and account rather than by this stack."""
    return policy_document(
        allow("PushApiGatewayLogs", API_GATEWAY_LOG_ACTIONS, [target.log_group_arn("*")], target),
    )


def definition_hash(definition: Any) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ApiArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    function_name: pulumi.Input[str]
    function_invoke_arn: pulumi.Input[str]
    access_log_group: aws.cloudwatch.LogGroup
    throttle_rate_limit: float
    throttle_burst_limit: int
    manage_account: bool
    # The stack that sets the region-wide role when this one does not (manage_account False).
    account_stack: str | None
    log_retention_days: int
    logs_kms_key_arn: pulumi.Input[str] | None
    protect_logs: bool


class Api(pulumi.ComponentResource):
    """REST API, routes, deployment, stage and (optionally) the account's CloudWatch role."""

    rest_api: aws.apigateway.RestApi
    methods: dict[str, aws.apigateway.Method]
    integrations: dict[str, aws.apigateway.Integration]
    permission: aws.lambda_.Permission
    deployment: aws.apigateway.Deployment
    stage: aws.apigateway.Stage
    method_settings: aws.apigateway.MethodSettings
    execution_log_group: aws.cloudwatch.LogGroup
    account: aws.apigateway.Account | None
    account_stack: pulumi.StackReference | None
    account_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:api:Api", name, None, opts)
        names, tags, child = args.names, args.tags, child_options(self)
        if args.manage_account:
            self.account, self.account_stack = self._account(name, args), None
            self.account_role_arn = self.account.cloudwatch_role_arn
        else:
            if not args.account_stack:
                raise ValueError("ApiArgs.account_stack must name the stack that sets the role")
            self.account = None
            self.account_stack, self.account_role_arn = account_role_from(
                f"{name}-account-stack", args.account_stack, self
            )
        account_setting = self.account or self.account_stack

        self.rest_api = aws.apigateway.RestApi(
            f"{name}-rest-api",
            name=names.api,
            description="Trading orders API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            tags=tags.plain(names.api),
            opts=child,
        )
        resources: dict[str, aws.apigateway.Resource] = {}
        self.methods, self.integrations = {}, {}
        for label, route in ROUTES.items():
            parent = resources[route["parent"]].id if route["parent"] else self.rest_api.root_resource_id
            resource = aws.apigateway.Resource(
                f"{name}-{label}",
                rest_api=self.rest_api.id,
                parent_id=parent,
                path_part=route["pathPart"],
                opts=child,
            )
            resources[label] = resource
            method = aws.apigateway.Method(
                f"{name}-{label}-any",
                rest_api=self.rest_api.id,
                resource_id=resource.id,
                http_method="ANY",
                authorization=AUTHORIZATION,
                request_parameters=route["requestParameters"] or None,
                opts=child,
            )
            self.methods[label] = method
            self.integrations[label] = aws.apigateway.Integration(
                f"{name}-{label}-integration",
                rest_api=self.rest_api.id,
                resource_id=resource.id,
                http_method=method.http_method,
                type=INTEGRATION["type"],
                integration_http_method=INTEGRATION["integrationHttpMethod"],
                uri=args.function_invoke_arn,
                opts=child,
            )

        definition = {
            "routes": ROUTES,
            "authorization": AUTHORIZATION,
            "integration": INTEGRATION,
            "uri": args.function_invoke_arn,
            "ids": {label: [self.methods[label].id, self.integrations[label].id] for label in ROUTES},
        }
        self.deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            description="Orders API",
            triggers={"redeployment": pulumi.Output.from_input(definition).apply(definition_hash)},
            opts=child_options(self, depends_on=[*self.methods.values(), *self.integrations.values()]),
        )
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=names.api_stage,
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=args.access_log_group.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=tags.sensitive(names.resource("api-stage")),
            opts=child_options(self, depends_on=[args.access_log_group, account_setting]),
        )
        self.execution_log_group = aws.cloudwatch.LogGroup(
            f"{name}-execution-logs",
            name=pulumi.Output.concat("API-Gateway-Execution-Logs_", self.rest_api.id, "/", names.api_stage),
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_kms_key_arn,
            log_group_class="STANDARD",
            deletion_protection_enabled=args.protect_logs,
            tags=tags.sensitive(),
            opts=child_options(self, keep=args.protect_logs),
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{name}-method-settings",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                metrics_enabled=True,
                data_trace_enabled=False,  # full request/response bodies must never reach the logs
                logging_level="ERROR",
                throttling_rate_limit=args.throttle_rate_limit,
                throttling_burst_limit=args.throttle_burst_limit,
            ),
            # The group must exist before the first log line, or API Gateway creates its own.
            opts=child_options(self, depends_on=[self.execution_log_group]),
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke-permission",
            action="lambda:InvokeFunction",
            function=args.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.rest_api.execution_arn, "/", names.api_stage, "/*/*"),
            opts=child,
        )
        self.register_outputs(
            {
                "apiId": self.rest_api.id,
                "apiStageName": self.stage.stage_name,
                "apiUrl": self.stage.invoke_url,
                ACCOUNT_ROLE_OUTPUT: self.account_role_arn,
            }
        )

    def _account(self, name: str, args: ApiArgs) -> aws.apigateway.Account:
        # All three outlive a destroy: the region-wide setting points at this role.
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        # Kept roles keep their names: a fixed name would make the next `pulumi up` after a destroy fail with
        # EntityAlreadyExists, so the name is a prefix plus a unique ending (the kept old role can then go).
        role = aws.iam.Role(
            f"{name}-cloudwatch-role",
            name_prefix=args.names.api_cloudwatch_role_prefix,
            description="Lets API Gateway write access logs to CloudWatch Logs in this region",
            assume_role_policy=json.dumps(service_trust_policy("apigateway", args.target)),
            tags=args.tags.plain(args.names.api_cloudwatch_role),
            opts=kept,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-cloudwatch-role-policy",
            role=role.id,
            policy=json.dumps(api_gateway_logging_policy(args.target)),
            opts=kept,
        )
        return aws.apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[policy])),
        )


def account_role_from(
    name: str, stack: str, parent: pulumi.Resource
) -> tuple[pulumi.StackReference, pulumi.Output[str]]:
    """The region-wide role's ARN as ``stack`` exports it, read through a stack reference.

    ``stack`` is a stack of this project and organization (``dev``) or ``org/project/stack``. Until that
    stack is deployed with the role, reading it fails the preview: the engine refuses a reference to a stack
    that does not exist, and this raises a :class:`StackOrderError` when it exists without the output.
    """
    qualified = stack if "/" in stack else f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}"
    reference = pulumi.StackReference(name, stack_name=qualified, opts=pulumi.ResourceOptions(parent=parent))

    def required(value: Any) -> str:
        if not isinstance(value, str) or not value.startswith("arn:"):
            raise StackOrderError(
                f"stack {qualified} exports no {ACCOUNT_ROLE_OUTPUT}: it sets the region-wide API Gateway "
                f"CloudWatch role that this stack's API logging needs. Deploy it first (pulumi up --stack "
                f"{stack}), or set trading:manageApiGatewayAccount to true to set the role from this stack"
            )
        return value

    return reference, reference.get_output(ACCOUNT_ROLE_OUTPUT).apply(required)
