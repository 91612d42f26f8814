"""Remediation policies for preflight's tests: one that rewrites an input, one that builds on what the first
left (so the order and the hand-over between remediations show), one that reads a value unknown at preview
(so the SDK answers with a diagnostic), one that crashes the pack, and a validation that would fail if the
rewrite did not reach Analyze."""

import os

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

UNKNOWN_VALUES = (UNKNOWN_STRING_VALUE,)

BUCKET = "aws:s3/bucket:Bucket"
TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"


def keep_objects(args):
    if args.resource_type == BUCKET and args.props.get("forceDestroy") is not False:
        return {**args.props, "forceDestroy": False}
    return None


def still_force_destroyed(args, report):
    if args.resource_type == BUCKET and args.props.get("forceDestroy") is not False:
        report(f"bucket {args.name} would be emptied on destroy")


def tag_what_it_saw(args):
    if args.resource_type == BUCKET:
        return {**args.props, "tags": {"ForceDestroySeenByTagger": str(args.props.get("forceDestroy"))}}
    return None


def read_display_name(args):
    if args.resource_type == TOPIC:
        name = args.props["displayName"]
        # pulumi-policy 1.21's Remediate hands remediations the unknown marker itself (its secrets proxy is
        # not wrapped in the unknown-checking one), so a remediation has to refuse it as Analyze would.
        if name in UNKNOWN_VALUES:
            raise UnknownValueError(name, ["displayName"])
        return {**args.props, "displayName": name.upper()}
    return None


def crash(args):
    if args.resource_type == QUEUE and args.name == "boom":
        os._exit(3)


PolicyPack(
    name="remediating",
    enforcement_level=EnforcementLevel.REMEDIATE,
    policies=[
        ResourceValidationPolicy(
            name="bucket-keeps-objects",
            description="Buckets are not emptied on destroy.",
            remediate=keep_objects,
            validate=still_force_destroyed,
        ),
        ResourceValidationPolicy(
            name="bucket-tagged", description="Tags what it saw.", remediate=tag_what_it_saw
        ),
        ResourceValidationPolicy(
            name="topic-display-name", description="Upper-cases display names.", remediate=read_display_name
        ),
        ResourceValidationPolicy(
            name="queue-crash", description="Crashes on the queue boom.", remediate=crash
        ),
    ],
)
