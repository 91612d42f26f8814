"""What providers compute for a resource: ids, ARNs, endpoints, autonames, tagsAll and pulumi-random results.

The mock engine asks this module, for each custom resource, for the id and the provider-computed outputs
that ``pulumi up`` would give the program (realistic values, deterministic per URN so runs are reproducible),
and for the property a provider autonames when the program sets no name (Pulumi's ``<name>-<7 hex>``, which
the provider's Check adds to the inputs, so a preview already shows it). Which properties a type computes is
read from the installed SDK's resource class (the state properties its ``get`` takes that its constructor
does not), so a preview marks exactly those unknown.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf import struct_pb2
from pulumi import _types

from preflight import schema, synthesis
from preflight.identity import Ids, Target, autoname_suffix, zone_id
from preflight.model import UNKNOWN
from preflight.wire import SECRET_SIG, SIG_KEY


@dataclass(frozen=True)
class TypeInfo:
    """What the installed SDK's class for a resource type says about its properties (wire names)."""

    computed: tuple[str, ...]  # state properties the constructor does not take: set by the provider
    state: frozenset[str] | None  # every state property; None when the type's class is not installed
    taggable: bool


@cache
def type_info(type_: str) -> TypeInfo:
    """Reads a type's properties from its SDK class (cached per type)."""
    cls = schema.resource_class(type_)
    if cls is None:
        return TypeInfo((), None, False)
    state = set(inspect.signature(cls.get).parameters) - {"resource_name", "id", "opts"}
    inputs = set(inspect.signature(cls._internal_init).parameters)
    wire = _types.resource_py_to_pulumi_names(cls)
    computed = tuple(sorted(wire.get(name, name) for name in state - inputs))
    return TypeInfo(computed, frozenset(wire.get(name, name) for name in state), "tags_all" in state)


# --- reading inputs ----------------------------------------------------------------------------------------


def text(inputs: struct_pb2.Struct, key: str) -> str | None:
    """A string input (secrets unwrapped); None when missing, unknown or not a string."""
    value = inputs.fields.get(key)
    if value is None:
        return None
    if value.HasField("struct_value"):
        inner = value.struct_value.fields
        if SIG_KEY in inner and inner[SIG_KEY].string_value == SECRET_SIG and "value" in inner:
            value = inner["value"]
    if value.HasField("string_value") and value.string_value != UNKNOWN:
        return value.string_value
    return None


def number(inputs: struct_pb2.Struct, key: str) -> float | None:
    value = inputs.fields.get(key)
    return value.number_value if value is not None and value.HasField("number_value") else None


def flag(inputs: struct_pb2.Struct, key: str, default: bool = False) -> bool:
    value = inputs.fields.get(key)
    return value.bool_value if value is not None and value.HasField("bool_value") else default


def plain(value: struct_pb2.Value) -> Any:
    """A Struct value as Python: secrets unwrapped, unknowns kept as ``model.UNKNOWN``, numbers as floats."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        if SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG and "value" in fields:
            return plain(fields["value"])
        return {key: plain(item) for key, item in fields.items()}
    if kind == "list_value":
        return [plain(item) for item in value.list_value.values]
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    return None


def contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknown(item) for item in value)
    return value == UNKNOWN


# --- autonaming --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Autoname:
    prop: str
    lower: bool = False
    max_length: int = 0
    prefix: str = ""
    separator: str = "-"


# Which property the provider names after the logical name when the program sets none (pulumi-aws's
# autonaming table for the common types; most types name `name`).
_AUTONAMES: dict[str, _Autoname] = {
    "aws:s3/bucket:Bucket": _Autoname("bucket", lower=True, max_length=63),
    "aws:s3/bucketV2:BucketV2": _Autoname("bucket", lower=True, max_length=63),
    "aws:rds/cluster:Cluster": _Autoname("clusterIdentifier", lower=True, max_length=63),
    "aws:rds/clusterInstance:ClusterInstance": _Autoname("identifier", lower=True, max_length=63),
    "aws:rds/instance:Instance": _Autoname("identifier", lower=True, max_length=63),
    "aws:rds/subnetGroup:SubnetGroup": _Autoname("name", lower=True, max_length=255),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _Autoname("name", lower=True, max_length=255),
    "aws:rds/parameterGroup:ParameterGroup": _Autoname("name", lower=True, max_length=255),
    "aws:kms/alias:Alias": _Autoname("name", prefix="alias/", max_length=256),
    "aws:lambda/function:Function": _Autoname("name", max_length=64),
    "aws:iam/role:Role": _Autoname("name", max_length=64),
    "aws:iam/policy:Policy": _Autoname("name", max_length=128),
    "aws:iam/rolePolicy:RolePolicy": _Autoname("name", max_length=128),
    "aws:iam/user:User": _Autoname("name", max_length=64),
    "aws:iam/group:Group": _Autoname("name", max_length=128),
    "aws:iam/instanceProfile:InstanceProfile": _Autoname("name", max_length=128),
    "aws:ecr/repository:Repository": _Autoname("name", lower=True, max_length=256),
    "aws:lb/loadBalancer:LoadBalancer": _Autoname("name", max_length=32),
    "aws:lb/targetGroup:TargetGroup": _Autoname("name", max_length=32),
    "aws:ecs/taskDefinition:TaskDefinition": _Autoname("family", max_length=255),
    "aws:ec2/keyPair:KeyPair": _Autoname("keyName", max_length=255),
}
_NAME_AUTONAMED = (
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventBus:EventBus",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:dynamodb/table:Table",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:secretsmanager/secret:Secret",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/apiKey:ApiKey",
    "aws:apigateway/usagePlan:UsagePlan",
    "aws:apigatewayv2/api:Api",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:sfn/stateMachine:StateMachine",
    "aws:kinesis/stream:Stream",
    "aws:ssm/parameter:Parameter",
    "aws:cognito/userPool:UserPool",
    "aws:wafv2/webAcl:WebAcl",
    "aws:backup/vault:Vault",
    "aws:cloudtrail/trail:Trail",
    "aws:lambda/layerVersion:LayerVersion",
)
_AUTONAMES.update({type_: _Autoname("name") for type_ in _NAME_AUTONAMED if type_ not in _AUTONAMES})
_AUTONAMES["aws:lambda/layerVersion:LayerVersion"] = _Autoname("layerName", max_length=140)


@cache
def _autoname_rule(type_: str) -> _Autoname | None:
    """How the provider names a resource the program did not name; None when it does not.

    The table above knows the property and length limits of common types; any other type whose ``name`` is
    optional as an input and always present as an output is autonamed on ``name``, as the AWS provider does.
    """
    rule = _AUTONAMES.get(type_)
    if rule is not None:
        return rule
    described = schema.resource_schema(type_)
    always = any(field.name == "name" and field.required for field in described.outputs)
    return _Autoname("name", max_length=255) if always and "name" in described.optional_inputs else None


def autoname(type_: str, name: str, urn: str, inputs: struct_pb2.Struct) -> str | None:
    """Adds the autonamed property to ``inputs`` as the provider's Check does; returns the property name."""
    rule = _autoname_rule(type_)
    if rule is None:
        return None
    fields = inputs.fields
    if rule.prop in fields or f"{rule.prop}Prefix" in fields:
        return None
    suffix = autoname_suffix(urn)
    base = name.lower() if rule.lower else name
    if rule.max_length:
        base = base[: max(rule.max_length - len(rule.prefix) - len(suffix) - 1, 1)]
    value = f"{rule.prefix}{base}{rule.separator}{suffix}"
    if type_ == "aws:sqs/queue:Queue" and flag(inputs, "fifoQueue"):
        value += ".fifo"
    fields[rule.prop].string_value = value
    return rule.prop


def adopt_id(type_: str, state: struct_pb2.Struct, resource_id: str) -> None:
    """For a read resource: its id is its physical name, so the name property takes it."""
    rule = _autoname_rule(type_)
    if rule is not None and rule.prop not in state.fields:
        state.fields[rule.prop].string_value = resource_id


def physical_name(type_: str, name: str, urn: str, inputs: struct_pb2.Struct, prop: str = "name") -> str:
    """The resource's name property, or what AWS generates from its ``<prop>Prefix``, or the logical name."""
    given = text(inputs, prop)
    if given is not None:
        return given
    prefix = text(inputs, f"{prop}Prefix")
    if prefix is not None:
        # Terraform's unique-id suffix: a timestamp and a counter, 26 characters.
        return f"{prefix}{Ids(urn).digits(18, 'prefix')}{Ids(urn).hex(8, 'prefix')}"
    return f"{name}-{autoname_suffix(urn)}"


# --- provider-computed values per type ---------------------------------------------------------------------


@dataclass
class Request:
    """One resource as the value generators see it."""

    type: str
    name: str
    urn: str
    inputs: struct_pb2.Struct
    target: Target
    ids: Ids

    def text(self, key: str) -> str | None:
        return text(self.inputs, key)

    def physical(self, prop: str = "name") -> str:
        return physical_name(self.type, self.name, self.urn, self.inputs, prop)

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        t = self.target
        where = f"{t.region if region else ''}:{t.account_id if account else ''}"
        return f"arn:{t.partition}:{service}:{where}:{resource}"


Generator = Callable[[Request], tuple[str, dict[str, Any]]]
_GENERATORS: dict[str, Generator] = {}


def _generates(*types: str) -> Callable[[Generator], Generator]:
    def register(function: Generator) -> Generator:
        for type_ in types:
            _GENERATORS[type_] = function
        return function

    return register


def _name_arn(service: str, pattern: str, prop: str = "name", id_is_arn: bool = False) -> Generator:
    def generate(r: Request) -> tuple[str, dict[str, Any]]:
        physical = r.physical(prop)
        arn = r.arn(service, pattern.format(name=physical, name_no_slash=physical.lstrip("/")))
        return (arn if id_is_arn else physical), {"arn": arn, prop: physical}

    return generate


for _type, _service, _pattern, _prop, _id_is_arn in (
    ("aws:cloudwatch/logGroup:LogGroup", "logs", "log-group:{name}", "name", False),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "cloudwatch", "alarm:{name}", "name", False),
    ("aws:cloudwatch/eventRule:EventRule", "events", "rule/{name}", "name", False),
    ("aws:cloudwatch/eventBus:EventBus", "events", "event-bus/{name}", "name", False),
    ("aws:rds/subnetGroup:SubnetGroup", "rds", "subgrp:{name}", "name", False),
    ("aws:rds/clusterParameterGroup:ClusterParameterGroup", "rds", "cluster-pg:{name}", "name", False),
    ("aws:rds/parameterGroup:ParameterGroup", "rds", "pg:{name}", "name", False),
    ("aws:sns/topic:Topic", "sns", "{name}", "name", True),
    ("aws:ecs/cluster:Cluster", "ecs", "cluster/{name}", "name", True),
    ("aws:kinesis/stream:Stream", "kinesis", "stream/{name}", "name", True),
    ("aws:sfn/stateMachine:StateMachine", "states", "stateMachine:{name}", "name", True),
    ("aws:ssm/parameter:Parameter", "ssm", "parameter/{name_no_slash}", "name", False),
    ("aws:backup/vault:Vault", "backup", "backup-vault:{name}", "name", False),
    ("aws:cloudtrail/trail:Trail", "cloudtrail", "trail/{name}", "name", False),
):
    _GENERATORS[_type] = _name_arn(_service, _pattern, _prop, _id_is_arn)


@_generates("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")
def _kms_key(r: Request) -> tuple[str, dict[str, Any]]:
    key_id = r.ids.uuid("kms")
    values: dict[str, Any] = {"arn": r.arn("kms", f"key/{key_id}"), "keyId": key_id}
    values["policy"] = json.dumps(
        {
            "Id": "key-default-1",
            "Statement": [
                {
                    "Action": "kms:*",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{r.target.partition}:iam::{r.target.account_id}:root"},
                    "Resource": "*",
                    "Sid": "Enable IAM User Permissions",
                }
            ],
            "Version": "2012-10-17",
        },
        separators=(",", ":"),
    )
    values.update(keyUsage="ENCRYPT_DECRYPT", customerMasterKeySpec="SYMMETRIC_DEFAULT", isEnabled=True)
    return key_id, values


@_generates("aws:kms/alias:Alias")
def _kms_alias(r: Request) -> tuple[str, dict[str, Any]]:
    alias = r.physical()
    values: dict[str, Any] = {"arn": r.arn("kms", alias), "name": alias}
    target = r.text("targetKeyId")
    if target is not None:
        values["targetKeyArn"] = target if target.startswith("arn:") else r.arn("kms", f"key/{target}")
    return alias, values


_S3_HOSTED_ZONES = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-central-1": "Z21DNDUVLTQW6Q",
}


@_generates("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def _s3_bucket(r: Request) -> tuple[str, dict[str, Any]]:
    bucket = r.physical("bucket")
    region = r.target.region
    return bucket, {
        "arn": f"arn:{r.target.partition}:s3:::{bucket}",
        "bucket": bucket,
        "bucketDomainName": f"{bucket}.s3.{r.target.dns_suffix}",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.{r.target.dns_suffix}",
        "hostedZoneId": _S3_HOSTED_ZONES.get(region, "Z3AQBSTGFYJSTF"),
        "region": region,
        "bucketRegion": region,
    }


@_generates("aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2")
def _s3_object(r: Request) -> tuple[str, dict[str, Any]]:
    key = r.text("key") or r.name
    return key, {"key": key, "etag": r.ids.hex(32, "etag"), "versionId": r.ids.lower(32, "version")}


@_generates("aws:lambda/function:Function")
def _lambda_function(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    arn = r.arn("lambda", f"function:{name}")
    version = "1" if flag(r.inputs, "publish") else "$LATEST"
    invoke_prefix = f"arn:{r.target.partition}:apigateway:{r.target.region}:lambda:path"
    return name, {
        "arn": arn,
        "name": name,
        "invokeArn": f"{invoke_prefix}/2015-03-31/functions/{arn}/invocations",
        "qualifiedArn": f"{arn}:{version}",
        "qualifiedInvokeArn": f"{invoke_prefix}/2015-03-31/functions/{arn}:{version}/invocations",
        "responseStreamingInvokeArn": (
            f"{invoke_prefix}/2021-11-15/functions/{arn}/response-streaming-invocations"
        ),
        "version": version,
        "lastModified": "2025-01-01T00:00:00.000+0000",
        "sourceCodeSize": 1024,
    }


@_generates("aws:lambda/alias:Alias")
def _lambda_alias(r: Request) -> tuple[str, dict[str, Any]]:
    function = r.text("functionName") or r.name
    name = r.text("name") or r.name
    arn = function if function.startswith("arn:") else r.arn("lambda", f"function:{function}")
    return f"{arn}:{name}", {"arn": f"{arn}:{name}"}


@_generates("aws:lambda/permission:Permission")
def _lambda_permission(r: Request) -> tuple[str, dict[str, Any]]:
    statement = r.text("statementId") or f"terraform-{r.ids.digits(26, 'statement')}"
    return statement, {"statementId": statement}


@_generates("aws:lambda/layerVersion:LayerVersion")
def _lambda_layer(r: Request) -> tuple[str, dict[str, Any]]:
    layer = r.physical("layerName")
    layer_arn = r.arn("lambda", f"layer:{layer}")
    return f"{layer_arn}:1", {"arn": f"{layer_arn}:1", "layerArn": layer_arn, "version": "1"}


def _iam_path(r: Request) -> str:
    return r.text("path") or "/"


@_generates("aws:iam/role:Role")
def _iam_role(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    arn = r.arn("iam", f"role{_iam_path(r)}{name}", region=False)
    return name, {"arn": arn, "name": name, "uniqueId": f"AROA{r.ids.upper(17)}", "createDate": _CREATED}


@_generates("aws:iam/user:User")
def _iam_user(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    return name, {
        "arn": r.arn("iam", f"user{_iam_path(r)}{name}", region=False),
        "uniqueId": f"AIDA{r.ids.upper(17)}",
    }


@_generates("aws:iam/group:Group")
def _iam_group(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    return name, {
        "arn": r.arn("iam", f"group{_iam_path(r)}{name}", region=False),
        "uniqueId": f"AGPA{r.ids.upper(17)}",
    }


@_generates("aws:iam/instanceProfile:InstanceProfile")
def _iam_instance_profile(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    arn = r.arn("iam", f"instance-profile{_iam_path(r)}{name}", region=False)
    return name, {"arn": arn, "uniqueId": f"AIPA{r.ids.upper(17)}"}


@_generates("aws:iam/policy:Policy")
def _iam_policy(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    arn = r.arn("iam", f"policy{_iam_path(r)}{name}", region=False)
    return arn, {"arn": arn, "name": name, "policyId": f"ANPA{r.ids.upper(17)}", "attachmentCount": 0}


@_generates("aws:iam/rolePolicy:RolePolicy")
def _iam_role_policy(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    return f"{r.text('role') or ''}:{name}", {"name": name}


@_generates("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _iam_attachment(r: Request) -> tuple[str, dict[str, Any]]:
    return f"{r.text('role') or r.name}-{r.ids.digits(26, 'attachment')}", {}


@_generates("aws:iam/serviceLinkedRole:ServiceLinkedRole")
def _iam_service_linked_role(r: Request) -> tuple[str, dict[str, Any]]:
    service = r.text("awsServiceName") or "service.amazonaws.com"
    name = f"AWSServiceRoleFor{service.split('.')[0].title()}"
    arn = r.arn("iam", f"role/aws-service-role/{service}/{name}", region=False)
    return arn, {"arn": arn, "name": name, "path": f"/aws-service-role/{service}/"}


_CREATED = "2025-01-01T00:00:00Z"


def _engine_port(r: Request) -> int:
    engine = r.text("engine") or "aurora-postgresql"
    return 5432 if "postgres" in engine else 3306


_DYNAMODB_TABLE = _name_arn("dynamodb", "table/{name}")


@_generates("aws:dynamodb/table:Table")
def _dynamodb_table(r: Request) -> tuple[str, dict[str, Any]]:
    physical, values = _DYNAMODB_TABLE(r)
    if flag(r.inputs, "streamEnabled"):
        # The stream's label is the time it was enabled; its ARN is what event source mappings read.
        values["streamLabel"] = "2026-01-01T00:00:00.000"
        values["streamArn"] = f"{values['arn']}/stream/{values['streamLabel']}"
    else:
        # Without a stream the provider reports both empty: no stream ARN may be invented for a reader.
        values["streamLabel"] = values["streamArn"] = ""
    return physical, values


@_generates("aws:rds/cluster:Cluster")
def _rds_cluster(r: Request) -> tuple[str, dict[str, Any]]:
    identifier = r.physical("clusterIdentifier")
    host = f"{r.ids.lower(12, 'endpoint')}.{r.target.region}.rds.{r.target.dns_suffix}"
    values: dict[str, Any] = {
        "arn": r.arn("rds", f"cluster:{identifier}"),
        "clusterIdentifier": identifier,
        "clusterResourceId": f"cluster-{r.ids.upper(26)}",
        "endpoint": f"{identifier}.cluster-{host}",
        "readerEndpoint": f"{identifier}.cluster-ro-{host}",
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "port": _engine_port(r),
        "engineVersionActual": r.text("engineVersion") or "16.6",
    }
    # Empty unless RDS manages the password: a list of one invented secret would claim it does.
    values["masterUserSecrets"] = []
    if flag(r.inputs, "manageMasterUserPassword"):
        key = r.text("masterUserSecretKmsKeyId") or r.arn("kms", f"key/{r.ids.uuid('aws-secretsmanager')}")
        values["masterUserSecrets"] = [
            {
                "kmsKeyId": key,
                "secretArn": r.arn(
                    "secretsmanager",
                    f"secret:rds!cluster-{r.ids.uuid('secret')}-{r.ids.text(string.ascii_letters, 6, 'sfx')}",
                ),
                "secretStatus": "active",
            }
        ]
    return identifier, values


@_generates("aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance")
def _rds_instance(r: Request) -> tuple[str, dict[str, Any]]:
    identifier = r.physical("identifier")
    port = _engine_port(r)
    address = f"{identifier}.{r.ids.lower(12, 'endpoint')}.{r.target.region}.rds.{r.target.dns_suffix}"
    values: dict[str, Any] = {
        "arn": r.arn("rds", f"db:{identifier}"),
        "identifier": identifier,
        "dbiResourceId": f"db-{r.ids.upper(26)}",
        "endpoint": f"{address}:{port}" if r.type == "aws:rds/instance:Instance" else address,
        "address": address,
        "port": port,
    }
    return identifier, values


@_generates("aws:apigateway/restApi:RestApi")
def _rest_api(r: Request) -> tuple[str, dict[str, Any]]:
    api_id = r.ids.lower(10, "restapi")
    return api_id, {
        "arn": f"arn:{r.target.partition}:apigateway:{r.target.region}::/restapis/{api_id}",
        "executionArn": r.arn("execute-api", api_id),
        "rootResourceId": r.ids.lower(10, "root"),
        "createdDate": _CREATED,
    }


@_generates("aws:apigateway/stage:Stage")
def _rest_stage(r: Request) -> tuple[str, dict[str, Any]]:
    api = r.text("restApi") or r.ids.lower(10, "restapi")
    stage = r.text("stageName") or r.name
    return f"ags-{api}-{stage}", {
        "arn": f"arn:{r.target.partition}:apigateway:{r.target.region}::/restapis/{api}/stages/{stage}",
        "invokeUrl": f"https://{api}.execute-api.{r.target.region}.{r.target.dns_suffix}/{stage}",
        "executionArn": r.arn("execute-api", f"{api}/{stage}"),
    }


@_generates("aws:apigateway/deployment:Deployment")
def _rest_deployment(r: Request) -> tuple[str, dict[str, Any]]:
    return r.ids.lower(6, "deployment"), {"createdDate": _CREATED}


@_generates("aws:apigateway/resource:Resource")
def _rest_resource(r: Request) -> tuple[str, dict[str, Any]]:
    return r.ids.lower(6, "resource"), {"path": f"/{r.text('pathPart') or ''}"}


@_generates("aws:apigateway/method:Method")
def _rest_method(r: Request) -> tuple[str, dict[str, Any]]:
    return f"agm-{r.text('restApi')}-{r.text('resourceId')}-{r.text('httpMethod')}", {}


@_generates("aws:apigateway/integration:Integration")
def _rest_integration(r: Request) -> tuple[str, dict[str, Any]]:
    return f"agi-{r.text('restApi')}-{r.text('resourceId')}-{r.text('httpMethod')}", {}


@_generates("aws:apigateway/account:Account")
def _rest_account(r: Request) -> tuple[str, dict[str, Any]]:
    return "api-gateway-account", {}


@_generates("aws:apigatewayv2/api:Api")
def _http_api(r: Request) -> tuple[str, dict[str, Any]]:
    api_id = r.ids.lower(10, "api")
    return api_id, {
        "arn": f"arn:{r.target.partition}:apigateway:{r.target.region}::/apis/{api_id}",
        "apiEndpoint": f"https://{api_id}.execute-api.{r.target.region}.{r.target.dns_suffix}",
        "executionArn": r.arn("execute-api", api_id),
    }


_EC2_PREFIXES = {
    "aws:ec2/vpc:Vpc": ("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": ("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": ("sg", "security-group"),
    "aws:ec2/internetGateway:InternetGateway": ("igw", "internet-gateway"),
    "aws:ec2/natGateway:NatGateway": ("nat", "natgateway"),
    "aws:ec2/eip:Eip": ("eipalloc", "elastic-ip"),
    "aws:ec2/routeTable:RouteTable": ("rtb", "route-table"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("rtbassoc", ""),
    "aws:ec2/flowLog:FlowLog": ("fl", "vpc-flow-log"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpce", "vpc-endpoint"),
    "aws:ec2/networkAcl:NetworkAcl": ("acl", "network-acl"),
    "aws:ec2/instance:Instance": ("i", "instance"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("lt", "launch-template"),
    "aws:ec2/keyPair:KeyPair": ("key", "key-pair"),
    "aws:ec2/networkInterface:NetworkInterface": ("eni", "network-interface"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": ("sgrule", ""),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("sgr", "security-group-rule"),
}


def _ec2(r: Request) -> tuple[str, dict[str, Any]]:
    prefix, kind = _EC2_PREFIXES[r.type]
    resource_id = f"{prefix}-{r.ids.hex(17, 'ec2')}"
    values: dict[str, Any] = {"ownerId": r.target.account_id}
    if kind:
        values["arn"] = r.arn("ec2", f"{kind}/{resource_id}")
    if r.type == "aws:ec2/vpc:Vpc":
        values.update(
            defaultSecurityGroupId=f"sg-{r.ids.hex(17, 'default-sg')}",
            defaultNetworkAclId=f"acl-{r.ids.hex(17, 'default-acl')}",
            defaultRouteTableId=f"rtb-{r.ids.hex(17, 'main-rtb')}",
            mainRouteTableId=f"rtb-{r.ids.hex(17, 'main-rtb')}",
            dhcpOptionsId=f"dopt-{r.ids.hex(17, 'dopt')}",
        )
    elif r.type == "aws:ec2/subnet:Subnet":
        zone = r.text("availabilityZone") or f"{r.target.region}a"
        values.update(availabilityZone=zone, availabilityZoneId=zone_id(r.target.region, zone[-1]))
    elif r.type == "aws:ec2/securityGroup:SecurityGroup":
        values["name"] = r.physical()
    elif r.type in ("aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"):
        number_ = r.ids.number("ip")
        ip = f"3.{number_ % 200 + 1}.{number_ // 200 % 250 + 1}.{number_ // 50000 % 250 + 1}"
        values.update(publicIp=ip, allocationId=f"eipalloc-{r.ids.hex(17, 'eip')}")
        if r.type == "aws:ec2/natGateway:NatGateway":
            values["networkInterfaceId"] = f"eni-{r.ids.hex(17, 'eni')}"
    elif r.type == "aws:ec2/securityGroupRule:SecurityGroupRule" or r.type.startswith("aws:vpc/"):
        values["securityGroupRuleId"] = f"sgr-{r.ids.hex(17, 'sgr')}"
    elif r.type == "aws:ec2/vpcEndpoint:VpcEndpoint":
        values.update(prefixListId=f"pl-{r.ids.hex(8, 'pl')}", state="available")
    return resource_id, values


for _type in _EC2_PREFIXES:
    _GENERATORS[_type] = _ec2


@_generates("aws:ec2/route:Route")
def _route(r: Request) -> tuple[str, dict[str, Any]]:
    return f"r-{r.text('routeTableId') or 'rtb'}{r.ids.digits(10, 'route')}", {"state": "active"}


@_generates("aws:secretsmanager/secret:Secret")
def _secret(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    arn = r.arn("secretsmanager", f"secret:{name}-{r.ids.text(string.ascii_letters, 6, 'suffix')}")
    return arn, {"arn": arn, "name": name}


@_generates("aws:secretsmanager/secretRotation:SecretRotation")
def _secret_rotation(r: Request) -> tuple[str, dict[str, Any]]:
    # The provider's id is the secret's; AWS reports rotation enabled once a rotation is configured.
    return r.text("secretId") or r.physical(), {"rotationEnabled": True}


@_generates("aws:secretsmanager/secretVersion:SecretVersion")
def _secret_version(r: Request) -> tuple[str, dict[str, Any]]:
    secret = r.text("secretId") or ""
    version = r.ids.uuid("version")
    return f"{secret}|{version}", {"arn": secret, "versionId": version}


@_generates("aws:sqs/queue:Queue")
def _sqs_queue(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    url = f"https://sqs.{r.target.region}.{r.target.dns_suffix}/{r.target.account_id}/{name}"
    return url, {"arn": r.arn("sqs", name), "url": url, "name": name}


@_generates("aws:ecr/repository:Repository")
def _ecr_repository(r: Request) -> tuple[str, dict[str, Any]]:
    name = r.physical()
    url = f"{r.target.account_id}.dkr.ecr.{r.target.region}.{r.target.dns_suffix}/{name}"
    return name, {
        "arn": r.arn("ecr", f"repository/{name}"),
        "repositoryUrl": url,
        "registryId": r.target.account_id,
    }


@_generates("aws:acm/certificate:Certificate")
def _acm_certificate(r: Request) -> tuple[str, dict[str, Any]]:
    arn = r.arn("acm", f"certificate/{r.ids.uuid('acm')}")
    return arn, {"arn": arn, "status": "ISSUED"}


# --- pulumi-random -----------------------------------------------------------------------------------------

_SPECIAL_DEFAULT = "!@#$%&*()-_=+[]{}<>:?"


def _random_string(r: Request) -> tuple[str, dict[str, Any]]:
    length = int(number(r.inputs, "length") or 0)
    classes = [
        (string.ascii_uppercase, flag(r.inputs, "upper", True), int(number(r.inputs, "minUpper") or 0)),
        (string.ascii_lowercase, flag(r.inputs, "lower", True), int(number(r.inputs, "minLower") or 0)),
        (string.digits, flag(r.inputs, "numeric", True), int(number(r.inputs, "minNumeric") or 0)),
        (
            r.text("overrideSpecial") or _SPECIAL_DEFAULT,
            flag(r.inputs, "special", True),
            int(number(r.inputs, "minSpecial") or 0),
        ),
    ]
    value = r.ids.number("random")
    chosen: list[str] = []
    alphabet = ""
    for chars, enabled, minimum in classes:
        if enabled and chars:
            alphabet += chars
            for _ in range(minimum):
                value, index = divmod(value, len(chars))
                chosen.append(chars[index])
    while len(chosen) < length and alphabet:
        if value < len(alphabet):
            value = r.ids.number(f"random{len(chosen)}")
        value, index = divmod(value, len(alphabet))
        chosen.append(alphabet[index])
    result = "".join(chosen)
    if r.type == "random:index/randomPassword:RandomPassword":
        digest = base64.b64encode(hashlib.sha256(result.encode()).digest()).decode()[:53]
        return "none", {"result": result, "bcryptHash": f"$2a$10${digest}"}
    return result, {"result": result}


_GENERATORS["random:index/randomPassword:RandomPassword"] = _random_string
_GENERATORS["random:index/randomString:RandomString"] = _random_string


@_generates("random:index/randomId:RandomId")
def _random_id(r: Request) -> tuple[str, dict[str, Any]]:
    length = int(number(r.inputs, "byteLength") or 8)
    raw = r.ids.number("randomid").to_bytes(32, "big")[:length]
    prefix = r.text("prefix") or ""
    b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return b64_url, {
        "hex": prefix + raw.hex(),
        "b64Url": prefix + b64_url,
        "b64Std": prefix + base64.b64encode(raw).decode(),
        "dec": prefix + str(int.from_bytes(raw, "big")),
    }


_PET_ADJECTIVES = ("brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "lively", "proud", "witty")
_PET_NAMES = ("badger", "beagle", "falcon", "gecko", "heron", "koala", "lemur", "otter", "panda", "walrus")


@_generates("random:index/randomPet:RandomPet")
def _random_pet(r: Request) -> tuple[str, dict[str, Any]]:
    length = int(number(r.inputs, "length") or 2)
    separator = r.text("separator") or "-"
    value = r.ids.number("pet")
    words = []
    for position in range(length):
        pool = _PET_NAMES if position == length - 1 else _PET_ADJECTIVES
        value, index = divmod(value, len(pool))
        words.append(pool[index])
    prefix = r.text("prefix")
    pet = separator.join(([prefix] if prefix else []) + words)
    return pet, {}


@_generates("random:index/randomInteger:RandomInteger")
def _random_integer(r: Request) -> tuple[str, dict[str, Any]]:
    low = int(number(r.inputs, "min") or 0)
    high = int(number(r.inputs, "max") or 0)
    result = low + r.ids.number("integer") % (max(high - low, 0) + 1)
    return str(result), {"result": result}


@_generates("random:index/randomUuid:RandomUuid")
def _random_uuid(r: Request) -> tuple[str, dict[str, Any]]:
    result = r.ids.uuid("randomuuid")
    return result, {"result": result}


# --- entry point -------------------------------------------------------------------------------------------


def _generic(r: Request) -> tuple[str, dict[str, Any]]:
    """A type without its own generator: a name-based id and, for AWS types, an ARN in its service."""
    resource_id = r.physical()
    if not r.type.startswith("aws:"):
        return resource_id, {}
    service = synthesis.arn_service(_module(r.type))
    return resource_id, {"arn": r.arn(service, f"{_kind(r.type)}/{resource_id}")}


def _module(type_: str) -> str:
    """``aws:ec2/launchTemplate:LaunchTemplate`` -> ``ec2``."""
    return type_.split(":")[1].partition("/")[0] if type_.count(":") == 2 else type_


def _kind(type_: str) -> str:
    """``aws:ec2/launchTemplate:LaunchTemplate`` -> ``launch-template``."""
    return synthesis.kebab(type_.rsplit(":", 1)[-1])


def computed_values(
    type_: str, name: str, urn: str, inputs: struct_pb2.Struct, target: Target
) -> tuple[str, dict[str, Any]]:
    """The id and the provider-computed outputs ``pulumi up`` gives a new resource.

    Values are kept only for properties the type's class has, and never replace an input the program set.
    An input the program left unset gets a value only from a hand-written generator that knows the
    provider's default (a bucket's region, a rotation's ``rotationEnabled``), never from its declared type.
    """
    request = Request(type_, name, urn, inputs, target, Ids(urn))
    if type_.startswith("aws:s3/bucket") and type_ not in _GENERATORS and "bucket" in inputs.fields:
        resource_id, values = text(inputs, "bucket") or request.physical("bucket"), {}
    else:
        resource_id, values = _GENERATORS.get(type_, _generic)(request)
    info = type_info(type_)
    fields = inputs.fields
    kept = {
        key: value
        for key, value in values.items()
        if key not in fields and (info.state is None or key in info.state)
    }
    # Every other output-only property the provider always gives: a value of the type the SDK declares.
    # Inputs the program left unset stay absent (unknown in preview only where a generator computes them).
    described = schema.resource_schema(type_)
    if described.outputs:
        rule = _autoname_rule(type_)
        physical = request.physical(rule.prop if rule is not None else "name")
        subject = synthesis.Subject(target, request.ids, _module(type_), _kind(type_), physical)
        kept.update(synthesis.fill(described.outputs, subject, {*fields, *kept}, described.inputs))
    return resource_id, kept


def tags_all(inputs: struct_pb2.Struct, default_tags: dict[str, Any]) -> Any:
    """``tagsAll``: the provider's default tags overlaid with the resource's own tags."""
    tags = inputs.fields.get("tags")
    own = plain(tags) if tags is not None else {}
    if not isinstance(own, dict):
        return UNKNOWN
    merged = {**default_tags, **own}
    return UNKNOWN if contains_unknown(merged) else merged
