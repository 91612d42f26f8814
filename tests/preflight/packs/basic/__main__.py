"""A small CrossGuard pack for preflight's tests: one policy per thing the analyzer client must carry.

Resource policies read inputs (with unknowns at preview), config with schema defaults and the pack's initial
config, the provider, the resource options and the stack settings; a stack policy follows property
dependencies; others crash, hang, raise or log on request, so the client's error paths run for real.
"""

import json
import os
import sys
import time

import grpc
import pulumi
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"


def bucket_versioning(args, report):
    if args.resource_type == BUCKET and args.props.get("versioned") is not True:
        report(f"bucket {args.name} is not versioned")


def name_prefix(args, report):
    if args.resource_type != BUCKET or "bucket" not in args.props:
        return
    config = args.get_config()
    name = args.props["bucket"]
    if not name.startswith(config["prefix"]) or len(name) > config["maxLength"]:
        report(
            f"bucket name {name} breaks prefix={config['prefix']} maxLength={config['maxLength']} "
            f"mode={config['mode']}"
        )


def plain(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items()}
    return [plain(v) for v in value]


def probe(args, report):
    if not args.props.get("probe"):
        return
    provider = args.provider
    seen = {
        "provider": None
        if provider is None
        else [provider.resource_type, provider.name, provider.props.get("region")],
        "protect": args.opts.protect,
        "parent": args.opts.parent,
        "ignoreChanges": list(args.opts.ignore_changes),
        "deleteBeforeReplace": args.opts.delete_before_replace,
        "aliases": list(args.opts.aliases),
        "additionalSecretOutputs": list(args.opts.additional_secret_outputs),
        "stack": [pulumi.get_project(), pulumi.get_stack(), pulumi.runtime.is_dry_run()],
        "organization": os.environ.get("PULUMI_ORGANIZATION"),
        "region": pulumi.Config("aws").get("region"),
        "tags": dict(args.stack_tags),
        "props": {k: plain(args.props[k]) for k in sorted(args.props) if k != "probe"},
    }
    report("probe " + json.dumps(seen, sort_keys=True, default=str))


def remediated(args, report):
    if args.props.get("remediateMe"):
        report("still wrong after remediation")


def disabled(args, report):
    report("a disabled policy never reports")


def side_effects(args, report):
    if args.props.get("logToEngine"):
        channel = grpc.insecure_channel(sys.argv[1])
        engine = engine_pb2_grpc.EngineStub(channel)
        engine.Log(
            engine_pb2.LogRequest(
                severity=engine_pb2.WARNING, message="engine log from the pack", urn=args.urn
            )
        )
        engine.Log(engine_pb2.LogRequest(severity=engine_pb2.ERROR, message="engine error from the pack"))
        engine.Log(engine_pb2.LogRequest(severity=engine_pb2.INFO, message="engine info is not a warning"))
        engine.SetRootResource(engine_pb2.SetRootResourceRequest(urn=args.urn))
        root = engine.GetRootResource(engine_pb2.GetRootResourceRequest()).urn
        channel.close()
        pulumi.log.warn(f"stderr warning from the pack, root {root}")
    if args.props.get("explode"):
        raise RuntimeError("policy exploded on purpose")
    if args.props.get("hang"):
        time.sleep(60)
    if args.props.get("crash"):
        os._exit(3)


def key_link(args, report):
    for resource in args.resources:
        if resource.resource_type != LOG_GROUP:
            continue
        keys = [d for d in resource.property_dependencies.get("kmsKeyId", []) if d.resource_type == KEY]
        if not keys:
            report(f"log group {resource.name} is not encrypted with a key of this stack", resource.urn)
            continue
        for key in keys:
            if key.props.get("enableKeyRotation") is not True:
                report(f"log group {resource.name} uses key {key.name} without rotation", resource.urn)
            parent = resource.parent.name if resource.parent is not None else None
            names = sorted(d.name for d in resource.dependencies)
            report(
                f"log group {resource.name} -> key {key.name} arn={key.props.get('arn')} parent={parent} "
                f"deps={names}",
                resource.urn,
            )
    if not any(r.resource_type == LOG_GROUP for r in args.resources):
        report("the stack has no log group")


PolicyPack(
    name="basic-test-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    initial_config={"name-prefix": {"maxLength": 50}},
    policies=[
        ResourceValidationPolicy(
            name="bucket-versioning",
            description="Buckets are versioned.",
            severity=Severity.HIGH,
            framework=PolicyComplianceFramework(name="PCI-DSS", version="4.0", reference="10.5.1"),
            remediation_steps="Set versioned=True.",
            url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
            validate=bucket_versioning,
        ),
        ResourceValidationPolicy(
            name="name-prefix",
            description="Bucket names carry the company prefix.",
            enforcement_level=EnforcementLevel.ADVISORY,
            severity=Severity.LOW,
            config_schema=PolicyConfigSchema(
                properties={
                    "prefix": {"type": "string", "default": "acme-", "pattern": "^[a-z-]+$"},
                    "maxLength": {"type": "integer", "minimum": 3, "maximum": 63, "default": 63},
                    "mode": {"type": "string", "enum": ["strict", "lenient"], "default": "strict"},
                    "owner": {
                        "type": "object",
                        "properties": {"team": {"type": "string"}, "email": {"type": "string"}},
                        "required": ["team"],
                        "additionalProperties": False,
                    },
                    "exemptions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "resource": {"type": "string"},
                                "reason": {"type": "string", "minLength": 10},
                                "expires": {"type": "string", "format": "date"},
                            },
                            "required": ["resource", "reason"],
                            "additionalProperties": False,
                        },
                    },
                },
                required=["prefix"],
            ),
            validate=name_prefix,
        ),
        ResourceValidationPolicy(
            name="probe",
            description="Reports what reached the pack.",
            enforcement_level=EnforcementLevel.ADVISORY,
            validate=probe,
        ),
        ResourceValidationPolicy(
            name="remediated",
            description="Remediate level, still failing.",
            enforcement_level=EnforcementLevel.REMEDIATE,
            severity=Severity.MEDIUM,
            validate=remediated,
        ),
        ResourceValidationPolicy(
            name="disabled",
            description="Never runs.",
            enforcement_level=EnforcementLevel.DISABLED,
            validate=disabled,
        ),
        ResourceValidationPolicy(
            name="side-effects",
            description="Logs, raises, hangs or crashes on request.",
            enforcement_level=EnforcementLevel.ADVISORY,
            validate=side_effects,
        ),
        StackValidationPolicy(
            name="log-group-key",
            description="Log groups use a rotated key of this stack.",
            severity=Severity.CRITICAL,
            validate=key_link,
        ),
    ],
)
