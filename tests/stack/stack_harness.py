"""Test harness for the stack: realistic mocks, a recording monitor, and runners for components and for the
whole program with a stack's real Pulumi.<stack>.yaml.

Every run gets a fresh event loop and its own copy of the context (so the root stack, config and settings
of one test never reach the next), and records what AWS would receive: each registration's type, name,
inputs (camelCase wire names, unknowns as "<unknown>"), parent, dependencies and options.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import runpy
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import wait_for_rpcs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

ACCOUNT = "123456789012"
UNKNOWN = "<unknown>"
STACKS = ("dev", "staging", "prod")


def _uid(*parts: str, length: int = 17) -> str:
    """A stable pseudo-random hex id derived from a resource's identity."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# What `pulumi up` of dev exports for the stacks that read it (staging's stack reference), by stack name.
DEPLOYED_OUTPUTS = {
    "dev": {"apiGatewayCloudWatchRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trading-apigw-logs-role-dev-1"},
}


class TradingMocks(pulumi.runtime.Mocks):
    """Invents what AWS would return: ids and ARNs with the right service, region and account.

    A stack reference reads ``stack_outputs`` (by the stack's name alone), in preview too: the engine reads a
    deployed stack's outputs, never unknowns.
    """

    def __init__(
        self,
        region: str,
        preview: bool,
        zone_count: int = 6,
        stack_outputs: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.region = region
        self.preview = preview
        self.zone_count = zone_count
        self.stack_outputs = DEPLOYED_OUTPUTS if stack_outputs is None else stack_outputs
        self.calls: list[str] = []
        self.call_args: dict[str, dict[str, Any]] = {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append(args.token)
        self.call_args[args.token] = dict(args.args)
        region = args.args.get("region") or self.region
        answers: dict[str, Callable[[], dict[str, Any]]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": lambda: {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/deployer",
                "id": ACCOUNT,
                "userId": "AROAEXAMPLEDEPLOYER",
            },
            "aws:index/getPartition:getPartition": lambda: {
                "id": "aws",
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            },
            "aws:index/getRegion:getRegion": lambda: {"id": region, "region": region, "name": region},
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda: {
                "id": region,
                # Unsorted on purpose: the program must not rely on the order AWS happens to use.
                "names": [f"{region}{letter}" for letter in reversed("abcdef"[: self.zone_count])],
                "zoneIds": [f"use1-az{n}" for n in range(1, self.zone_count + 1)],
                "groupNames": [region] * self.zone_count,
                "state": args.args.get("state"),
            },
            # Every zone but "e", as in us-east-1, where some services skip use1-az3.
            "aws:ec2/getVpcEndpointService:getVpcEndpointService": lambda: {
                "id": region,
                "service": args.args.get("service"),
                "serviceName": f"com.amazonaws.{region}.{args.args.get('service')}",
                "serviceType": "Interface",
                "availabilityZones": [f"{region}{letter}" for letter in "abcdf"[: self.zone_count]],
            },
        }
        if args.token not in answers:
            raise AssertionError(f"the program called an invoke the tests do not expect: {args.token}")
        return answers[args.token]()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            outputs = self.stack_outputs.get(inputs["name"].rsplit("/", 1)[-1], {})
            return inputs["name"], {**inputs, "outputs": outputs, "secretOutputNames": []}
        if self.preview:
            # A first preview knows the inputs only; ids and everything AWS computes stay unknown.
            return "", inputs
        resource_id, computed = self._computed(args.typ, args.name, inputs)
        return resource_id, {**inputs, **computed}

    def _arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{ACCOUNT if account else ''}:{resource}"

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        uid = _uid(typ, name)
        kind = typ.split(":")[-1]
        if typ == "aws:kms/key:Key":
            key_id = f"{uid[:8]}-{uid[8:12]}-4{uid[12:15]}-8{uid[15:17]}a-{uid[:12]}"
            return key_id, {"keyId": key_id, "arn": self._arn("kms", f"key/{key_id}")}
        if typ == "aws:kms/alias:Alias":
            return inputs["name"], {"arn": self._arn("kms", inputs["name"])}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return inputs["name"], {"arn": self._arn("logs", f"log-group:{inputs['name']}")}
        if typ == "aws:iam/role:Role":
            # A name prefix gets IAM's 26-character unique ending (a timestamp and a counter).
            role = inputs.get("name") or f"{inputs['namePrefix']}20261201120000000000000001"
            return role, {
                "name": role,
                "arn": self._arn("iam", f"role/{role}", region=False),
                "uniqueId": uid,
            }
        if typ == "aws:s3/bucket:Bucket":
            bucket = inputs["bucket"]
            return bucket, {
                "arn": self._arn("s3", bucket, region=False, account=False),
                "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            }
        if typ == "aws:dynamodb/table:Table":
            table_arn = self._arn("dynamodb", f"table/{inputs['name']}")
            computed = {"arn": table_arn}
            if inputs.get("streamEnabled"):
                computed["streamArn"] = f"{table_arn}/stream/2026-12-01T00:00:00.000"
            return inputs["name"], computed
        if typ == "aws:sqs/queue:Queue":
            url = f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT}/{inputs['name']}"
            return url, {"arn": self._arn("sqs", inputs["name"]), "url": url}
        if typ == "aws:secretsmanager/secret:Secret":
            arn = self._arn("secretsmanager", f"secret:{inputs.get('namePrefix', name)}{uid[:6]}-AbCdEf")
            return arn, {"arn": arn}
        if typ == "aws:rds/cluster:Cluster":
            ident = inputs["clusterIdentifier"]
            host = f"{ident}.cluster-{uid[:12]}.{self.region}.rds.amazonaws.com"
            return ident, {
                "arn": self._arn("rds", f"cluster:{ident}"),
                "endpoint": host,
                "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
                "clusterResourceId": f"cluster-{uid.upper()}",
                # A major alone runs at its default minor; a pinned minor runs as given (until upgraded).
                "engineVersionActual": inputs["engineVersion"]
                if "." in inputs["engineVersion"]
                else f"{inputs['engineVersion']}.8",
                "masterUserSecrets": [
                    {
                        "secretArn": self._arn("secretsmanager", f"secret:rds!cluster-{uid}-AbCdEf"),
                        "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                        "secretStatus": "active",
                    }
                ],
            }
        if typ == "aws:rds/clusterInstance:ClusterInstance":
            ident = inputs["identifier"]
            return ident, {
                "arn": self._arn("rds", f"db:{ident}"),
                "endpoint": f"{ident}.{uid[:12]}.{self.region}.rds.amazonaws.com",
            }
        if typ == "aws:lambda/function:Function":
            arn = self._arn("lambda", f"function:{inputs['name']}")
            invoke_path = f"lambda:path/2015-03-31/functions/{arn}/invocations"
            return inputs["name"], {
                "arn": arn,
                "invokeArn": f"arn:aws:apigateway:{self.region}:{invoke_path}",
                "qualifiedArn": f"{arn}:$LATEST",
            }
        if typ == "aws:apigateway/restApi:RestApi":
            api_id = uid[:10]
            return api_id, {
                "rootResourceId": uid[10:16],
                "executionArn": self._arn("execute-api", api_id),
                "arn": f"arn:aws:apigateway:{self.region}::/restapis/{api_id}",
            }
        if typ == "aws:apigateway/stage:Stage":
            api, stage = inputs["restApi"], inputs["stageName"]
            return f"ags-{api}-{stage}", {
                "invokeUrl": f"https://{api}.execute-api.{self.region}.amazonaws.com/{stage}",
                "executionArn": self._arn("execute-api", f"{api}/{stage}"),
                "arn": f"arn:aws:apigateway:{self.region}::/restapis/{api}/stages/{stage}",
            }
        if typ == "aws:wafv2/webAcl:WebAcl":
            acl_id = f"{uid[:8]}-{uid[8:12]}-4{uid[12:15]}-8{uid[15:17]}a-{uid[:12]}"
            scope = "regional" if inputs["scope"] == "REGIONAL" else "global"
            return acl_id, {"arn": self._arn("wafv2", f"{scope}/webacl/{inputs['name']}/{acl_id}")}
        if typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            return f"vpce-{uid}", {
                "prefixListId": f"pl-{uid[:8]}",
                "arn": self._arn("ec2", f"vpc-endpoint/vpce-{uid}"),
            }
        if typ == "random:index/randomId:RandomId":
            digits = uid[: 2 * int(inputs["byteLength"])]
            return digits, {"hex": digits, "dec": str(int(digits, 16))}
        if typ == "aws:ec2/eip:Eip":
            return f"eipalloc-{uid}", {"allocationId": f"eipalloc-{uid}", "publicIp": "203.0.113.10"}
        ec2_prefixes = {
            "Vpc": "vpc",
            "Subnet": "subnet",
            "SecurityGroup": "sg",
            "DefaultSecurityGroup": "sg",
            "RouteTable": "rtb",
            "InternetGateway": "igw",
            "NatGateway": "nat",
            "FlowLog": "fl",
            "SecurityGroupEgressRule": "sgr",
            "SecurityGroupIngressRule": "sgr",
        }
        if kind in ec2_prefixes:
            resource_id = f"{ec2_prefixes[kind]}-{uid}"
            return resource_id, {"arn": self._arn("ec2", f"{kind.lower()}/{resource_id}")}
        return f"{name}-{uid[:8]}", {}


def _plain(value: Any) -> Any:
    """Inputs as a test reads them: unknowns as "<unknown>", archives as their path."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, pulumi.FileArchive):
        return {"fileArchive": value.path}
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: _plain(asset) for name, asset in value.assets.items()}}
    if isinstance(value, pulumi.FileAsset):
        return {"fileAsset": value.path}
    return value


@dataclass
class Registration:
    """One resource as the engine receives it."""

    type: str
    name: str
    urn: str
    parent: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str] = field(default_factory=list)

    def json(self, key: str) -> Any:
        """An input holding a JSON document (policies), parsed."""
        return json.loads(self.inputs[key])


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping every registration request and refusing duplicate URNs."""

    def __init__(self, mocks: TradingMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.reads: dict[str, dict[str, Any]] = {}  # URN -> the inputs of a read (a stack reference)
        self.duplicates: list[str] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()  # the SDK registers from several executor threads at once

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            if urn in self._seen:
                # Raising here would be swallowed by the SDK's registration task; run_program reports it.
                self.duplicates.append(urn)
            self._seen.add(urn)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            with self._lock:
                self.registrations.append(
                    Registration(
                        type=request.type,
                        name=request.name,
                        urn=urn,
                        parent=request.parent,
                        inputs=_plain(rpc.deserialize_properties(request.object, keep_unknowns=True)),
                        dependencies=list(request.dependencies),
                        property_dependencies={
                            key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                        },
                        protect=bool(request.protect),
                        retain_on_delete=bool(request.retainOnDelete),
                        ignore_changes=list(request.ignoreChanges),
                    )
                )
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        with self._lock:
            self.reads[response.urn] = _plain(
                rpc.deserialize_properties(request.properties, keep_unknowns=True)
            )
        return response


@dataclass
class StackRun:
    """What one program run registered and exported."""

    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)
    invokes: list[str] = field(default_factory=list)
    invoke_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Registration]:
        """Registrations of one type, by name (the SDK registers concurrently, in no fixed order)."""
        found = [registration for registration in self.registrations if registration.type == typ]
        return sorted(found, key=lambda registration: registration.name)

    def one(self, typ: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Registration:
        found = [registration for registration in self.registrations if registration.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(registration for registration in self.registrations if registration.urn == urn)


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    return _plain(await output.future())


def run_program(
    program: Callable[[], Any],
    *,
    config: dict[str, str] | None = None,
    stack: str = "dev",
    preview: bool = False,
    region: str = "us-east-1",
    zone_count: int = 6,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> StackRun:
    """Run ``program`` under mocks, in a fresh event loop and context, and return what it registered."""

    def body() -> StackRun:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            mocks = TradingMocks(
                region=region, preview=preview, zone_count=zone_count, stack_outputs=stack_outputs
            )
            monitor = RecordingMonitor(mocks)
            pulumi.runtime.set_all_config(dict(config or {}))
            pulumi.runtime.settings.SETTINGS.outputs = set()
            # The CLI always names an organization ("organization" on a self-managed backend).
            pulumi.runtime.set_mocks(
                mocks,
                project="trading",
                stack=stack,
                preview=preview,
                monitor=monitor,
                organization="organization",
            )
            program()
            loop.run_until_complete(wait_for_rpcs())
            root = pulumi.runtime.settings.get_root_resource()
            exported = getattr(root, "outputs", {})
            outputs = {key: loop.run_until_complete(_resolve(value)) for key, value in exported.items()}
            loop.run_until_complete(wait_for_rpcs())
            if monitor.duplicates:
                raise AssertionError(
                    f"duplicate resource URN (the engine would refuse it): {monitor.duplicates}"
                )
            return StackRun(
                registrations=monitor.registrations,
                outputs=outputs,
                invokes=mocks.calls,
                invoke_args=mocks.call_args,
                reads=monitor.reads,
            )
        finally:
            # A program that raised leaves the SDK's own registrations (the root stack) in flight: let them
            # finish so no task is destroyed while pending.
            pending = asyncio.all_tasks(loop)
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            asyncio.set_event_loop(None)
            loop.close()

    # The SDK walks and formats the whole Python stack for every resource, for the CLI's source positions;
    # no test here reads them, and under pytest's deep stacks that walk was a fifth of the folder's time.
    with _no_stack_traces():
        return contextvars.copy_context().run(body)


@contextlib.contextmanager
def _no_stack_traces() -> Iterator[None]:
    capture = runtime_resource._get_stack_trace
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = capture


def cli_value(value: Any) -> str:
    """A YAML config value as the CLI passes it: booleans lowercase, lists and maps as JSON."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def stack_config(stack: str) -> dict[str, str]:
    """Pulumi.<stack>.yaml as the CLI hands it to a program."""
    document = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())
    return {key: cli_value(value) for key, value in document["config"].items()}


def run_stack(
    stack: str,
    *,
    preview: bool = False,
    overrides: dict[str, str] | None = None,
    remove: tuple[str, ...] = (),
    zone_count: int = 6,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> StackRun:
    """Run __main__.py with Pulumi.<stack>.yaml (plus overrides), as `pulumi preview`/`up` would; other
    stacks' outputs are ``stack_outputs`` (default: what dev exports once deployed)."""
    config = {**stack_config(stack), **(overrides or {})}
    for key in remove:
        config.pop(key)

    def program() -> None:
        # The CLI runs the program from the project root (FileArchive("app") is relative to it).
        with contextlib.chdir(PROJECT_ROOT):
            runpy.run_path(str(PROJECT_ROOT / "__main__.py"), run_name="__main__")

    return run_program(
        program,
        config=config,
        stack=stack,
        preview=preview,
        region=config.get("aws:region", "us-east-1"),
        zone_count=zone_count,
        stack_outputs=stack_outputs,
    )


def component_context() -> tuple[Any, Any, Any]:
    """AwsTarget, Names and Tags for a dev stack in us-east-1, as __main__.py builds them."""
    from components.conventions import AwsTarget, Names, Tags

    target = AwsTarget(account_id=ACCOUNT, region="us-east-1")
    names = Names(suffix="dev", region="us-east-1", account_id=ACCOUNT)
    tags = Tags(
        base={
            "Environment": "dev",
            "Project": "trading",
            "ManagedBy": "pulumi",
            "Owner": "platform-team",
            "CostCenter": "CC-1",
        }
    )
    return target, names, tags


BASE_TAGS = {
    "Environment": "dev",
    "Project": "trading",
    "ManagedBy": "pulumi",
    "Owner": "platform-team",
    "CostCenter": "CC-1",
}
PCI_TAGS = {"Compliance": "PCI-DSS", "DataClassification": "confidential"}


def is_taggable(typ: str) -> bool:
    """Whether the pulumi_aws resource behind a type token has a `tags` input."""
    import pulumi_aws

    if not typ.startswith("aws:"):
        return False
    module, class_name = typ.split(":")[1].split("/")[0], typ.split(":")[2]
    python_module = getattr(pulumi_aws, f"{module}_" if module == "lambda" else module)
    return hasattr(getattr(python_module, class_name), "tags")
