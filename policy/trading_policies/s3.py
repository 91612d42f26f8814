"""S3 rules: globally unique, valid bucket names and, per bucket, the child resources that protect it.

In pulumi-aws v7 a bucket's protection lives in separate resources (``BucketPublicAccessBlock``,
``BucketServerSideEncryptionConfiguration``, ``BucketVersioning``, ``BucketPolicy``, plus the deprecated
``*V2`` tokens); the stack rules match each to its bucket through the ``bucket`` property dependency (or
a known name or id) and fall back to the bucket's legacy inline properties only when no such resource
exists.

Directory buckets (S3 Express One Zone, ``DirectoryBucket``) are judged only where AWS lets a stack choose:
their encryption (SSE-S3 by default, SSE-KMS with a customer-managed key on request) and their name. AWS
fixes the rest for them: Block Public Access is always on, requests must use HTTPS, and they support
neither versioning, server access logging nor ACLs, so those rules do not ask for them.

Decision on access-log buckets: a bucket that receives the server access logs of another bucket (the
``targetBucket`` of its ``BucketLogging``) may use SSE-S3 (AES256) and needs no access log of its own,
because S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS unless a
customer-managed key lets the logging service use it. Receiving logs proves nothing about what else a
bucket holds (any bucket can be named as a target), so the exemptions also need the stack to show a bucket
that holds only logs: a bucket policy that lets the S3 log-delivery service put objects (what S3 asks of
a target with ACLs disabled) and allows no other principal anything, and no identity policy or object in
the stack that writes into it. Other buckets can be allowed by name in ``sseS3AllowedBuckets`` and
``logTargetBuckets``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from enum import Enum
from fnmatch import fnmatchcase
from itertools import count
from typing import Any

from pulumi_policy import Severity

from .awsfacts import (
    account_tokens,
    is_autoname,
    is_aws_managed_key,
    s3_bucket_name_problems,
    s3_directory_bucket_name_problems,
)
from .config import catch_all_schema
from .documents import Document, Statement, glob_match, parse_policy
from .evaluator import allowed_actions, callers, public_statements, unbound_services, why_open
from .graph import Resource, Stack, allowed_accounts, credentials, provider_account
from .iam import POLICY_TYPES, documents
from .kms import render_actions, render_principals
from .registry import Finding, Rule, unknown_until_deployed
from .resource_access import unbound_service_fault
from .values import ABSENT, UNKNOWN, Missing, as_bool, as_number, describe, get

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
DIRECTORY_BUCKETS = ("aws:s3/directoryBucket:DirectoryBucket",)
PUBLIC_ACCESS_BLOCK = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
ACCOUNT_PUBLIC_ACCESS_BLOCK = ("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",)
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
BUCKET_POLICY = ("aws:s3/bucketPolicy:BucketPolicy",)
LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
BUCKET_KEYS = ("bucket", "id", "arn")
BUCKET_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
OBJECTS = (
    "aws:s3/bucketObject:BucketObject",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/objectCopy:ObjectCopy",
)
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
S3_ARN = "arn:aws:s3:::"
LOG_DELIVERY = "logging.s3.amazonaws.com"
_PARTITION = re.compile(r"^arn:aws(-[a-z-]+)?:")
# Services that write into a bucket only under <prefix>/AWSLogs/<account>/, the account whose load balancer
# delivers: a statement whose every Resource lies under AWSLogs/<a literal account>/ lets them write only that
# account's logs (ELB refuses a prefix that holds AWSLogs, as AWS's documented policy relies on). CloudTrail,
# Config and vended-log delivery let the customer choose a prefix, which may itself read AWSLogs/<your
# account>/: only aws:SourceArn or aws:SourceAccount binds them.
LOG_PREFIX_SERVICES = frozenset({"logdelivery.elasticloadbalancing.amazonaws.com"})
# An object ARN under AWSLogs/<account>/ with nothing before it that a request could fill in.
_ACCOUNT_LOGS = re.compile(r"^arn:aws(-[a-z-]+)?:s3:::[^*?$/]+/([^*?$]*/)?AWSLogs/\d{12}/")
# The bucket checks a service makes before it delivers (CloudTrail's and log delivery's ACL check): they
# show the service, not whoever asks it for a delivery, nothing but the bucket's owner and location.
METADATA_READS = frozenset({"s3:GetBucketAcl", "s3:GetBucketLocation"})


def _inline(bucket: Resource, prop: str) -> Any:
    """A bucket's inline block ``prop`` (a Bucket's name for it): an object in pulumi-aws v7, a one-element
    list on a BucketV2, which v7 still offers with its v6 names (:func:`_block_name`)."""
    return _one(bucket.get(_block_name(bucket, prop)))


def _block_name(bucket: Resource, prop: str) -> str:
    return _BUCKET_V2_BLOCKS.get(prop, prop) if bucket.type == "aws:s3/bucketV2:BucketV2" else prop


def _inline_logging(bucket: Resource) -> Any:
    """A bucket's inline logging block: ``logging`` on a Bucket, a one-element ``loggings`` on a BucketV2."""
    return _inline(bucket, "logging")


# A Bucket's inline blocks -> their names on a BucketV2: without these, a BucketV2's own encryption and
# versioning went unread and the rules said it had none.
_BUCKET_V2_BLOCKS = {
    "logging": "loggings",
    "serverSideEncryptionConfiguration": "serverSideEncryptionConfigurations",
    "versioning": "versionings",
}


def _one(value: Any) -> Any:
    """A nested block: an object in pulumi-aws v7, a one-element list in v6."""
    if isinstance(value, list):
        return value[0] if value else ABSENT
    return value


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is ABSENT else [value]


def _matches_any(bucket: Resource, patterns: Iterable[str]) -> bool:
    names = [bucket.name, bucket.urn] + [n for n in (bucket.get("bucket"),) if isinstance(n, str)]
    return any(fnmatchcase(name, pattern) for pattern in patterns for name in names)


def check_bucket_name(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    name = resource.get("bucket")
    if not isinstance(name, str) or is_autoname(name, resource.name):
        return
    directory = resource.type in DIRECTORY_BUCKETS
    problems = s3_directory_bucket_name_problems(name) if directory else s3_bucket_name_problems(name)
    for problem in problems:
        yield f"bucket name '{name}' {problem}"
    # Directory bucket names are unique within their zone, shared by every account that uses it.
    shared = (
        "directory bucket names are shared by every account in the zone"
        if directory
        else "bucket names are global"
    )
    pinned = config["accountIds"] or allowed_accounts(resource)
    tokens = account_tokens(name)
    if pinned and not set(tokens) & set(pinned):
        yield (
            f"bucket name '{name}' does not contain the account id ({', '.join(pinned)}), so it may already "
            f"be taken in another account ({shared})"
        )
    elif not tokens:
        yield (
            f"bucket name '{name}' contains no 12-digit account id, so it may already be taken in another "
            f"account ({shared})"
        )


def check_public_acl(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    acl = resource.get("acl")
    if acl in PUBLIC_ACLS:
        what = "object" if resource.type in OBJECTS else "bucket"
        yield f"acl is '{acl}', which opens the {what} to everyone"
    grants = resource.get("accessControlPolicy", "grants")
    for grant in grants if isinstance(grants, list) else []:
        uri = get(grant, "grantee", "uri")
        if uri in PUBLIC_GRANTEES:
            yield f"accessControlPolicy grants {describe(get(grant, 'permission'))} to {uri}"
    # A bucket's inline grant blocks (deprecated, still applied) and ObjectCopy's grants are flat:
    # {type: Group, uri, permissions}.
    flat_grants = resource.get("grants")
    for grant in flat_grants if isinstance(flat_grants, list) else []:
        uri = get(grant, "uri")
        if uri in PUBLIC_GRANTEES:
            yield f"grants {describe(get(grant, 'permissions'))} to {uri}"


def check_public_access(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    account_blocks: list[Resource] = []
    partial_blocks: list[Resource] = []
    for block in stack.of_type(*ACCOUNT_PUBLIC_ACCESS_BLOCK):
        (partial_blocks if _off(block) else account_blocks).append(block)
    blocks = stack.attached(PUBLIC_ACCESS_BLOCK, "bucket", BUCKETS, BUCKET_KEYS)
    for bucket in stack.of_type(*BUCKETS):
        # An account has one public access block configuration, which each block replaces: one in the
        # bucket's account that turns a setting off may be the one applied last.
        weakening = {block: _same_account(block, bucket) for block in partial_blocks}
        replaced = [block for block, same in weakening.items() if same is True and account_blocks]
        faults = list(_bucket_block_faults(bucket, blocks.get(bucket, []), account_blocks, replaced))
        if not faults or replaced:
            yield from faults
            continue
        covering = {block: _same_account(block, bucket) for block in account_blocks}
        # An account block that may cover the bucket leaves it needing nothing more, unless a block that
        # may be in the same account replaces it: a note until that is known.
        unsure = [block for block, covers in covering.items() if covers is UNKNOWN]
        if True in covering.values():
            unsure = [block for block, same in weakening.items() if same is UNKNOWN]
            if not unsure:
                continue
        if unsure:
            yield from (_unknown_account(bucket, block) for block in unsure)
        else:
            yield from faults


def _off(block: Resource) -> list[str]:
    """The settings a public access block does not turn on."""
    return [s for s in BLOCK_SETTINGS if as_bool(block.get(s)) not in (True, UNKNOWN)]


def _bucket_block_faults(
    bucket: Resource, blocks: list[Resource], account_blocks: list[Resource], replaced: list[Resource]
) -> Iterator[Finding]:
    if not blocks:
        names = ", ".join(repr(b.name) for b in account_blocks)
        if replaced:
            off = ", ".join(f"{s}=false" for s in dict.fromkeys(s for b in replaced for s in _off(b)))
            others = (
                f"; account public access block {', '.join(repr(b.name) for b in replaced)} in its account "
                f"sets {off}, and an account keeps only the block applied last, so {names} does not count"
            )
        elif account_blocks:
            others = (
                f"; account public access block {names} may be in another account (another accountId, "
                "assumed role or provider credentials), so it does not count"
            )
        else:
            others = ""
        yield Finding(
            bucket,
            f"has no aws.s3.BucketPublicAccessBlock, so an ACL or bucket policy can make it public{others}",
        )
    for block in blocks:
        off = _off(block)
        if off:
            yield Finding(
                bucket,
                f"public access block '{block.name}' does not set {', '.join(s + '=true' for s in off)}",
            )


def _same_account(block: Resource, bucket: Resource) -> bool | Missing:
    """Whether an account-level block is set in the bucket's account, as far as the stack tells: an account
    block protects only the account it is put in, which its accountId or its provider's credentials pick."""
    own = block.get("accountId")
    ours = own if own is UNKNOWN or (isinstance(own, str) and own) else provider_account(block)
    theirs = provider_account(bucket)
    if ours is UNKNOWN or theirs is UNKNOWN:
        return UNKNOWN
    if ours is not None and theirs is not None:
        return ours == theirs
    if credentials(block) != credentials(bucket):
        return False
    # The same credentials, and an account named only by the block: a bucket named for another is not in it.
    name = bucket.get("bucket")
    tokens = account_tokens(name) if isinstance(name, str) else []
    return ours is None or not tokens or ours in tokens


def _unknown_account(bucket: Resource, block: Resource) -> Finding:
    what = f"whether account public access block '{block.name}' is in the bucket's account"
    if block.get("accountId") is UNKNOWN:
        return unknown_until_deployed(bucket, block, "accountId", what)
    return Finding(
        bucket,
        f"{what} cannot be checked until the role its provider or the bucket's assumes is known; preview "
        "with preflight --mode update or check after the first deployment",
        unknown_at_preview=True,
    )


def _log_targets(stack: Stack, buckets: list[Resource]) -> set[Resource]:
    """The buckets that receive the server access logs of another bucket: one that only logs itself is no
    access-log bucket, and gets none of their exemptions."""
    targets: set[Resource] = set()
    for logging in stack.of_type(*LOGGING):
        sources = stack.targets(logging, "bucket", BUCKETS, BUCKET_KEYS)
        targets.update(t for t in _logging_targets(stack, logging) if t not in sources)
    for bucket in buckets:
        targets.update(t for t in _inline_logging_targets(stack, bucket) if t is not bucket)
    return targets


def _logging_targets(stack: Stack, logging: Resource) -> list[Resource]:
    """The buckets a BucketLogging's targetBucket names: by property dependency or by value, never guessed
    from a plain dependency (a logging depends on its own bucket too)."""
    linked = [r for r in logging.property_dependencies.get("targetBucket", []) if r.type in BUCKETS]
    return linked or stack.find(BUCKETS, logging.get("targetBucket"), BUCKET_KEYS)


def _inline_logging_targets(stack: Stack, bucket: Resource) -> list[Resource]:
    return stack.find(BUCKETS, get(_inline_logging(bucket), "targetBucket"), ("bucket", "id"))


def _only_logs(
    stack: Stack, bucket: Resource, policies: list[tuple[Resource, Any]]
) -> tuple[list[str], Resource | None]:
    """Why a bucket that receives server access logs may hold more than logs, as the stack shows it, and the
    resource whose policy is not known yet when that leaves the answer open.

    Any bucket can be named as a logging target, so receiving logs proves nothing: a bucket holds only logs
    when its bucket policy lets the S3 log-delivery service put objects and allows no other principal
    anything, and nothing in the stack (an identity policy, an object) writes into it."""
    reasons: list[str] = []
    unknown: Resource | None = None
    delivers = False
    for source, value in policies:
        document = parse_policy(value, principals_required=True)
        if document.unknown:
            unknown = source
        for statement in document.statements:
            if statement.effect == "Deny":
                continue
            if statement.effect is UNKNOWN or any(p.value is UNKNOWN for p in statement.principals):
                unknown = source
            elif statement.negated_principals or any(
                (p.kind, p.value) != ("Service", LOG_DELIVERY) for p in statement.principals
            ):
                reasons.append(
                    f"bucket policy '{source.name}' {statement.label} allows {render_principals(statement)} "
                    f"{render_actions(statement)}"
                )
            else:
                delivers = delivers or statement.covers_action("s3:PutObject") is True
    if not delivers and unknown is None:
        reasons.append(f"no bucket policy lets {LOG_DELIVERY} s3:PutObject")
    reasons += [
        f"object '{o.name}' is put into it"
        for o in stack.attached(OBJECTS, "bucket", BUCKETS, BUCKET_KEYS).get(bucket, [])
    ]
    name = bucket.get("bucket")
    if isinstance(name, str):
        reasons += [
            f"{writer} allows s3:PutObject on its objects" for writer in _writers(stack, f"{S3_ARN}{name}/")
        ]
    return reasons, unknown


def _writers(stack: Stack, objects: str) -> Iterator[str]:
    """The identity-policy statements in the stack that allow s3:PutObject on objects under ``objects``."""
    for resource in stack.of_type(*POLICY_TYPES):
        for label, value in documents(resource):
            for statement in parse_policy(value, principals_required=False).statements:
                if statement.effect != "Allow" or statement.covers_action("s3:PutObject") is not True:
                    continue
                patterns = [_PARTITION.sub("arn:aws:", r) for r in statement.resources if isinstance(r, str)]
                if statement.negated_resources:
                    reaches = not any(_matches_all(p, objects, case_sensitive=True) for p in patterns)
                else:
                    reaches = any(_may_match(p, objects, case_sensitive=True) for p in patterns)
                if reaches:
                    yield f"{resource.label} ({label}, {statement.label})"


def _not_only_logs(reasons: list[str]) -> str:
    return (
        f"; it receives server access logs, but {'; '.join(reasons)}, so it may hold more than logs and "
        f"is no access-log bucket: let its bucket policy allow only {LOG_DELIVERY} (s3:PutObject) and "
        "write nothing else into it"
    )


def _log_bucket_status(
    stack: Stack,
    bucket: Resource,
    targets: set[Resource],
    policies: dict[Resource, list[tuple[Resource, Any]]],
) -> tuple[bool | Missing, str, Resource | None]:
    """Whether ``bucket`` is an access-log bucket (UNKNOWN: its policy is not known yet), why not when it
    receives logs but is not, and the resource whose policy leaves it open."""
    if bucket not in targets:
        return False, "", None
    reasons, unknown = _only_logs(stack, bucket, policies[bucket])
    if reasons:
        return False, _not_only_logs(reasons), None
    return (True, "", None) if unknown is None else (UNKNOWN, "", unknown)


def check_encryption(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    general = stack.of_type(*BUCKETS)
    targets = _log_targets(stack, general) if config["allowSseS3ForLogTargets"] else set()
    policies = _bucket_policies(stack)[1]
    configurations = stack.attached(ENCRYPTION, "bucket", BUCKETS + DIRECTORY_BUCKETS, BUCKET_KEYS)
    for bucket in general + stack.of_type(*DIRECTORY_BUCKETS):
        allowed: bool | Missing = _matches_any(bucket, config["sseS3AllowedBuckets"])
        why_not, pending = "", None
        if not allowed:
            allowed, why_not, pending = _log_bucket_status(stack, bucket, targets, policies)
        sources = configurations.get(bucket, [])
        rules = [rule for source in sources for rule in _items(source.get("rules"))]
        inline = _inline(bucket, "serverSideEncryptionConfiguration")
        if not sources:
            rules = _items(get(inline, "rule")) or _items(get(inline, "rules"))
        sse_s3 = not rules and inline is not UNKNOWN
        kms = any(
            get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") in KMS_ALGORITHMS
            for rule in rules
        )
        if kms and allowed is not True:
            yield from _sse_s3_objects(stack, bucket)
        for rule in rules:
            algorithm = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
            if algorithm in KMS_ALGORITHMS:
                yield from _aws_managed_key(
                    bucket, get(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId")
                )
            elif algorithm == "AES256":
                sse_s3 = True
            elif algorithm is not UNKNOWN:
                yield Finding(
                    bucket,
                    f"default encryption uses sseAlgorithm {describe(algorithm)}; only aws:kms or "
                    "aws:kms:dsse (or AES256 for an allowed access-log bucket) is accepted",
                )
        if not sse_s3 or allowed is True:
            continue
        if pending is not None:
            what = f"whether bucket '{bucket.name}' holds only access logs, and so may use SSE-S3"
            yield unknown_until_deployed(bucket, pending, "policy", what)
        elif rules:
            yield Finding(
                bucket,
                "default encryption uses sseAlgorithm 'AES256'; only aws:kms or aws:kms:dsse (or AES256 for "
                f"an allowed access-log bucket) is accepted{why_not}",
            )
        else:
            yield Finding(
                bucket,
                "has no default encryption configuration with aws:kms, so S3 falls back to SSE-S3 keys you "
                f"cannot control or audit{why_not}",
            )


def _sse_s3_objects(stack: Stack, bucket: Resource) -> Iterator[Finding]:
    """The objects the stack puts into ``bucket`` (whose default encryption uses KMS) with SSE-S3: S3 applies
    the default only to a request that asks for no encryption, so such an object is not under the KMS key."""
    for obj in stack.attached(OBJECTS, "bucket", BUCKETS, BUCKET_KEYS).get(bucket, []):
        if obj.program_value("serverSideEncryption") == "AES256":
            yield Finding(
                obj,
                f"is put into bucket '{bucket.name}' with serverSideEncryption 'AES256', which overrides the "
                "bucket's default encryption: the object is encrypted with SSE-S3 keys you cannot control or "
                "audit; leave serverSideEncryption unset or use aws:kms with the bucket's key",
            )


def _aws_managed_key(bucket: Resource, key: Any) -> Iterator[Finding]:
    # Without a key, or with alias/aws/s3, S3 uses the AWS managed key: its policy and rotation are AWS's,
    # not the stack's (as the DynamoDB, RDS, SQS and Secrets Manager rules say of their services' keys).
    if key is ABSENT or key == "":
        yield Finding(
            bucket,
            "default encryption uses aws:kms without kmsMasterKeyId, so S3 uses the AWS managed key aws/s3, "
            "whose policy and rotation the stack cannot manage",
        )
    elif is_aws_managed_key(key, "s3"):
        yield Finding(
            bucket, f"default encryption names the AWS managed key {key}, not a customer-managed key"
        )


def check_versioning(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    versionings = stack.attached(VERSIONING, "bucket", BUCKETS, BUCKET_KEYS)
    for bucket in stack.of_type(*BUCKETS):
        sources = versionings.get(bucket, [])
        for source in sources:
            status = source.get("versioningConfiguration", "status")
            if status not in ("Enabled", UNKNOWN):
                yield Finding(
                    bucket, f"versioning '{source.name}' sets status {describe(status)}; use Enabled"
                )
        if not sources and as_bool(get(_inline(bucket, "versioning"), "enabled")) not in (True, UNKNOWN):
            yield Finding(bucket, "has no aws.s3.BucketVersioning with status Enabled")


def _bucket_policies(stack: Stack) -> tuple[list[Resource], dict[Resource, list[tuple[Resource, Any]]]]:
    """Each bucket's policy documents, with the resource (the bucket or a BucketPolicy) that sets each.

    The bucket's inline ``policy`` and each BucketPolicy all put the bucket's one policy, each replacing
    the others, so any of them may be the policy S3 keeps: every one is returned, to be judged."""
    buckets = stack.of_type(*BUCKETS)
    attached = stack.attached(BUCKET_POLICY, "bucket", BUCKETS, BUCKET_KEYS)
    policies: dict[Resource, list[tuple[Resource, Any]]] = {}
    for bucket in buckets:
        inline = bucket.get("policy")
        sources = [(bucket, inline)] if inline not in (ABSENT, "") else []
        policies[bucket] = sources + [(p, p.get("policy")) for p in attached.get(bucket, [])]
    return buckets, policies


def _unknown_policy(bucket: Resource, source: Resource) -> Finding:
    return unknown_until_deployed(bucket, source, "policy", f"bucket policy '{source.name}'")


class _Tls(Enum):
    """What one statement of a bucket policy does for requests over plain HTTP to one bucket."""

    DENIES = "denies every plain-HTTP request"
    FALLS_SHORT = "leaves some plain-HTTP requests allowed"
    POLICY_UNKNOWN = "depends on a part of the policy not known yet"
    NAME_UNKNOWN = "depends on the bucket's name, not known yet"


def check_tls_only(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    buckets, policies = _bucket_policies(stack)
    for bucket in buckets:
        sources = policies[bucket]
        if not sources:
            yield Finding(bucket, "has no bucket policy, so requests over plain HTTP are not denied")
            continue
        name = bucket.get("bucket")
        for source, value in sources:
            document = parse_policy(value, principals_required=True)
            for error in document.errors:
                yield Finding(bucket, f"bucket policy '{source.name}' is unreadable: {error}")
            found = {_tls_verdict(s, name if isinstance(name, str) else None) for s in document.statements}
            if _Tls.DENIES in found:
                continue
            if document.unknown or _Tls.POLICY_UNKNOWN in found:
                # The missing Deny may be in the part not known yet: a note, not a violation.
                yield _unknown_policy(bucket, source)
            elif _Tls.NAME_UNKNOWN in found:
                what = f"whether the TLS Deny of bucket policy '{source.name}' covers the bucket"
                yield unknown_until_deployed(bucket, bucket, "bucket", what)
            else:
                yield Finding(bucket, _no_tls_deny(source, sources))


def _no_tls_deny(source: Resource, sources: list[tuple[Resource, Any]]) -> str:
    fault = (
        'has no Deny statement for Principal "*" on s3:* for the bucket and its objects with Condition '
        '{"Bool": {"aws:SecureTransport": "false"}}'
    )
    if len(sources) == 1:
        return f"bucket policy {fault}"
    # Each one replaces the bucket's whole policy, so whichever is applied last is the policy S3 keeps.
    names = ", ".join(f"'{s.name}'" for s, _ in sources)
    return (
        f"bucket policy '{source.name}' {fault}; {names} each set this bucket's one policy and the last one "
        "applied replaces the others, so each needs it"
    )


def _tls_verdict(statement: Statement, name: str | None) -> _Tls:
    """Whether ``statement`` denies every request over plain HTTP to the bucket ``name`` (None: not known)."""
    parts = (
        _is_deny(statement),
        _denies_everyone(statement),
        _every_s3_action(statement),
        _whenever_plain_http(statement),
    )
    where = _bucket_and_objects(statement, name)
    if False in parts or where is False:
        return _Tls.FALLS_SHORT
    if UNKNOWN in parts or where is UNKNOWN:
        return _Tls.POLICY_UNKNOWN
    # A Deny on named buckets may or may not name this one until its name is known.
    return _Tls.DENIES if where is True else _Tls.NAME_UNKNOWN


def _is_deny(statement: Statement) -> bool | Missing:
    return UNKNOWN if statement.effect is UNKNOWN else statement.effect == "Deny"


def _denies_everyone(statement: Statement) -> bool | Missing:
    # NotPrincipal on a Deny spares the principals it names: they may still use plain HTTP.
    if statement.negated_principals:
        return False
    if any(p.is_everyone for p in statement.principals):
        return True
    return UNKNOWN if any(p.value is UNKNOWN for p in statement.principals) else False


def _every_s3_action(statement: Statement) -> bool | Missing:
    patterns = [p for p in statement.actions if isinstance(p, str)]
    unknown = len(patterns) < len(statement.actions)
    if statement.negated_actions:
        # NotAction denies everything but its patterns, so none may spare an S3 action.
        if any(_may_match(p, "s3:", case_sensitive=False) for p in patterns):
            return False
        return UNKNOWN if unknown else True
    # One pattern must match every S3 action, today's and those AWS adds later: sample actions prove nothing.
    if any(_matches_all(p, "s3:", case_sensitive=False) for p in patterns):
        return True
    return UNKNOWN if unknown else False


def _whenever_plain_http(statement: Statement) -> bool | Missing:
    """Whether the Condition holds for every plain-HTTP request. All of a Condition's entries must hold, so
    any entry but aws:SecureTransport false (Bool, BoolIfExists: the key is in every request) can spare
    some plain-HTTP requests, and then the Deny does not cover them."""
    unsure = statement.condition_unknown
    for condition in statement.conditions:
        if not (condition.key_is("aws:SecureTransport") and condition.base_operator == "Bool"):
            return False
        values = [str(v).lower() for v in condition.values if v is not UNKNOWN]
        if "false" in values:
            continue
        if len(values) == len(condition.values):
            return False
        unsure = True
    if unsure:
        return UNKNOWN
    # Every entry holds for plain HTTP; with none at all the Deny is no TLS rule (it denies HTTPS too).
    return bool(statement.conditions)


def _bucket_and_objects(statement: Statement, name: str | None) -> bool | Missing | None:
    """Whether the statement's resources include the bucket ``name`` and every one of its objects: True,
    False, UNKNOWN (a resource not known yet) or, when ``name`` is None (not known yet), None if that
    depends on the name."""
    # S3 ARNs are case-sensitive; the partition is the stack's, which the pack does not know.
    patterns = [_PARTITION.sub("arn:aws:", r) for r in statement.resources if isinstance(r, str)]
    unknown = len(patterns) < len(statement.resources)
    negated = statement.negated_resources
    if name is None:
        # Every bucket and object ARN starts with S3_ARN: a pattern taking all of them settles it.
        if any(_matches_all(p, S3_ARN, case_sensitive=True) for p in patterns):
            return not negated
        if unknown:
            return UNKNOWN
        if any(_may_match(p, S3_ARN, case_sensitive=True) for p in patterns):
            return None
        return negated
    arn = S3_ARN + name
    if negated:
        spared = any(
            glob_match(p, arn, case_sensitive=True) or _may_match(p, f"{arn}/", case_sensitive=True)
            for p in patterns
        )
    else:
        spared = not any(glob_match(p, arn, case_sensitive=True) for p in patterns) or not any(
            _matches_all(p, f"{arn}/", case_sensitive=True) for p in patterns
        )
    if spared:
        # A NotResource pattern that spares the bucket does so whatever the unknown ones are.
        return UNKNOWN if unknown and not negated else False
    return UNKNOWN if unknown and negated else True


def _matches_all(pattern: str, prefix: str, *, case_sensitive: bool) -> bool:
    """Whether ``pattern`` matches ``prefix`` followed by any non-empty text.

    Only the pattern's wildcards can match a character the pattern does not contain. If the pattern matches
    the prefix followed by one such character, and by more of them than the pattern is long, then the
    wildcards after its last literal character include a ``*`` and take any text of that length or more.
    """
    filler = next(c for c in map(chr, count(1)) if c != "\n" and c.lower() == c.upper() and c not in pattern)
    return glob_match(pattern, prefix + filler, case_sensitive=case_sensitive) and glob_match(
        pattern, prefix + filler * (len(pattern) + 1), case_sensitive=case_sensitive
    )


def _may_match(pattern: str, prefix: str, *, case_sensitive: bool) -> bool:
    """Whether ``pattern`` matches ``prefix`` followed by some non-empty text."""
    for index, char in enumerate(pattern):
        if char == "*" or index >= len(prefix):
            return True
        if not glob_match(char, prefix[index], case_sensitive=case_sensitive):
            return False
    return False


def check_no_public_allow(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    buckets, policies = _bucket_policies(stack)
    subjects = [(bucket, source, value) for bucket in buckets for source, value in policies[bucket]]
    attached = {source for _, source, _ in subjects}
    # A BucketPolicy on a bucket the stack does not declare (an existing bucket named by its name) opens
    # that bucket as surely as one on a declared bucket: it is judged on its own.
    subjects += [(p, p, p.get("policy")) for p in stack.of_type(*BUCKET_POLICY) if p not in attached]
    for subject, source, value in subjects:
        document = parse_policy(value, principals_required=True)
        name = source.name
        for error in document.errors:
            yield Finding(subject, f"bucket policy '{name}' is unreadable: {error}")
        if document.unknown:
            yield _unknown_policy(subject, source)
        public = public_statements(document)
        for statement, bound in public:
            yield Finding(
                subject,
                f"bucket policy '{name}' {statement.label} allows {render_principals(statement)} "
                f"{render_actions(statement)} {why_open(bound)}, which makes the bucket public",
            )
        for statement in document.statements:
            if all(statement is not s for s, _ in public) and _public_unless_unknown_binds(statement):
                what = (
                    f"whether bucket policy '{name}' {statement.label} ({render_principals(statement)} "
                    f"{render_actions(statement)}) makes the bucket public"
                )
                yield unknown_until_deployed(subject, source, "policy", what)
        yield from dict.fromkeys(_unbound_services(subject, source, document))


def _unbound_services(subject: Resource, source: Resource, document: Document) -> Iterator[Finding]:
    """Service principals that may act on the bucket for any account's resources (any account's trail, log
    delivery or inventory could write into it): neither aws:SourceArn/aws:SourceAccount binds them, nor, for
    the log services, Resource entries under one account's AWSLogs/ prefix."""
    name = source.name
    for access in unbound_services(document):
        statement = access.statement
        if _reads_metadata_only(statement):
            continue
        logs = access.caller.name.lower().removesuffix(".cn") in LOG_PREFIX_SERVICES
        under = _under_account_logs(statement) if logs else False
        if under is UNKNOWN:
            what = (
                f"whether bucket policy '{name}' {statement.label} keeps {access.caller.label} to one "
                "account's AWSLogs/<account>/ prefix"
            )
            yield unknown_until_deployed(subject, source, "policy", what)
        elif not under:
            alternative = ", nor does every Resource lie under an AWSLogs/<account>/ prefix" if logs else ""
            fault = unbound_service_fault(
                f"bucket policy '{name}'", access, "bucket", alternative=alternative
            )
            yield Finding(subject, fault)


def _reads_metadata_only(statement: Statement) -> bool:
    if statement.negated_actions or any(a is UNKNOWN for a in statement.actions):
        return False
    return {a.full_name for a in allowed_actions(statement)} <= METADATA_READS


def _under_account_logs(statement: Statement) -> bool | Missing:
    """Whether every Resource lies under AWSLogs/<account>/ (UNKNOWN: one of them is not known yet)."""
    if statement.negated_resources or not statement.resources:
        return False
    known = [r for r in statement.resources if r is not UNKNOWN]
    if not all(isinstance(r, str) and _ACCOUNT_LOGS.match(r) for r in known):
        return False
    return True if len(known) == len(statement.resources) else UNKNOWN


def _public_unless_unknown_binds(statement: Statement) -> bool:
    """Whether the statement would let anyone in if its Effect or Condition blocks not known yet (a whole
    operator block, whose keys are unknown too) turned out to be Allow and to bind no caller."""
    if statement.effect != "Allow" and statement.effect is not UNKNOWN:
        return False
    if statement.effect == "Allow" and not statement.condition_unknown:
        return False
    # callers() reads who may call and what binds them, never the Effect: dropping the unknown conditions
    # is what makes this the worst case.
    return any(caller.public for caller in callers(replace(statement, condition_unknown=False)))


def check_access_logging(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    buckets = stack.of_type(*BUCKETS)
    logged = stack.attached(LOGGING, "bucket", BUCKETS, BUCKET_KEYS)
    targets = _log_targets(stack, buckets)
    policies = _bucket_policies(stack)[1]
    for bucket in buckets:
        if _matches_any(bucket, config["logTargetBuckets"]):
            continue
        log_bucket, why_not, pending = _log_bucket_status(stack, bucket, targets, policies)
        if log_bucket is True:
            continue
        loggings = logged.get(bucket, [])
        to_itself = [logging for logging in loggings if bucket in _logging_targets(stack, logging)]
        if to_itself:
            yield _logs_itself(bucket, f"aws.s3.BucketLogging '{to_itself[0].name}'")
            continue
        if loggings:
            continue
        # A block the program did not set is the one the provider computes (unknown at preview), which is
        # empty once created, so the bucket is not logged.
        block = _block_name(bucket, "logging")
        inline = ABSENT if bucket.program_value(block) is ABSENT else _inline_logging(bucket)
        if inline is UNKNOWN:
            yield unknown_until_deployed(bucket, bucket, block, "the bucket's access logging")
            continue
        if bucket in _inline_logging_targets(stack, bucket):
            yield _logs_itself(bucket, "its logging block")
            continue
        if get(inline, "targetBucket") is not ABSENT:
            continue
        if pending is not None:
            what = f"whether bucket '{bucket.name}' holds only access logs, and so needs no access log"
            yield unknown_until_deployed(bucket, pending, "policy", what)
            continue
        yield Finding(
            bucket,
            "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access "
            f"log{why_not}",
        )


def _logs_itself(bucket: Resource, what: str) -> Finding:
    # AWS: delivering a bucket's logs to the bucket itself "will cause an infinite loop of logs and is not
    # recommended"; and logs kept with the data they audit can be deleted by whoever can delete the data.
    return Finding(
        bucket,
        f"delivers its server access logs to itself ({what} names it as targetBucket), which AWS warns "
        "causes an infinite loop of logs and keeps the logs with the data they audit; deliver them to a "
        "separate access-log bucket",
    )


def check_access_log_retention(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    minimum = config["minimumRetentionDays"]
    prefixes = _access_log_prefixes(stack)
    for lifecycle in stack.of_type(*LIFECYCLE):
        declared = stack.targets(lifecycle, "bucket", BUCKETS, ("bucket", "id"))
        named = lifecycle.get("bucket")
        found = [p for b in declared for p in prefixes.get(b, [])]
        found += prefixes.get(named, []) if isinstance(named, str) else []
        if found:
            target = declared[0].label if declared else f"bucket '{named}'"
            yield from _expiring_rules(lifecycle, lifecycle.get("rules"), target, found, minimum)
    for bucket in stack.of_type(*BUCKETS):
        found = prefixes.get(bucket, [])
        if found:
            # Unset, the provider fills the block in (unknown at preview) with the rules AWS holds.
            rules = bucket.program_value("lifecycleRules")
            yield from _expiring_rules(bucket, rules, "it", found, minimum, inline=True)


def _access_log_prefixes(stack: Stack) -> dict[Resource | str, list[Any]]:
    """The target prefixes of the server access logs each bucket receives, by bucket (declared) or by the
    literal name a BucketLogging gives (a bucket outside the stack)."""
    found: dict[Resource | str, list[Any]] = {}
    for logging in stack.of_type(*LOGGING):
        prefix = logging.get("targetPrefix")
        targets: list[Resource | str] = list(_logging_targets(stack, logging))
        name = logging.get("targetBucket")
        for target in targets or ([name] if isinstance(name, str) else []):
            found.setdefault(target, []).append(prefix)
    for bucket in stack.of_type(*BUCKETS):
        inline = _inline_logging(bucket)
        targets: list[Resource | str] = list(_inline_logging_targets(stack, bucket))
        name = get(inline, "targetBucket")
        for target in targets or ([name] if isinstance(name, str) else []):
            found.setdefault(target, []).append(get(inline, "targetPrefix"))
    return found


def _expiring_rules(
    source: Resource, rules: Any, target: str, prefixes: list[Any], minimum: int, *, inline: bool = False
) -> Iterator[Finding]:
    prop = "lifecycleRules" if inline else "rules"
    what = f"the server access logs {target} receives"
    for index, rule in enumerate(_items(rules)):
        if rule is UNKNOWN:
            yield unknown_until_deployed(source, source, prop, f"how long {what} are kept")
            continue
        if get(rule, "status") == "Disabled" or as_bool(get(rule, "enabled")) is False:
            continue
        if not _may_select_logs(rule, prefixes):
            continue
        rule_id = get(rule, "id")
        where = f"{prop}[{index}]" + (f" (id {describe(rule_id)})" if rule_id is not ABSENT else "")
        # A BucketV2's inline rules hold a one-element list "expirations".
        expiration = _one(get(rule, "expiration" if get(rule, "expirations") is ABSENT else "expirations"))
        date, days = get(expiration, "date"), as_number(get(expiration, "days"))
        if isinstance(date, str) and date:
            yield Finding(
                source,
                f"{where} expires {what} on {date} whatever their age, so a log delivered the day before "
                f"goes too; PCI DSS 10.5.1 keeps audit logs at least {minimum} days: expire them by days",
            )
        elif UNKNOWN in (date, days):
            yield unknown_until_deployed(source, source, prop, f"how long {what} are kept")
        elif isinstance(days, float) and 0 < days < minimum:
            yield Finding(
                source,
                f"{where} expires {what} after {int(days)} days; PCI DSS 10.5.1 keeps audit logs at least "
                f"{minimum} days: raise expiration.days, or set this policy's minimumRetentionDays in the "
                "policy pack config of a stack that may keep them less",
            )


def _may_select_logs(rule: Any, prefixes: list[Any]) -> bool:
    """Whether a lifecycle rule's filter may select access-log objects, which S3 delivers under their
    logging's targetPrefix and without tags."""
    filter_ = _one(get(rule, "filter"))
    both = _one(get(filter_, "and"))
    if UNKNOWN in (filter_, both):
        return True
    if any(tags not in (ABSENT, {}) for tags in (get(filter_, "tag"), get(both, "tags"), get(rule, "tags"))):
        return False
    rule_prefixes = (get(rule, "prefix"), get(filter_, "prefix"), get(both, "prefix"))
    return all(any(_overlap(r, p) for p in prefixes) for r in rule_prefixes if r is not ABSENT)


def _overlap(rule_prefix: Any, log_prefix: Any) -> bool:
    """Whether some key lies under both prefixes (an unknown one may be any)."""
    if UNKNOWN in (rule_prefix, log_prefix):
        return True
    rule_prefix = rule_prefix if isinstance(rule_prefix, str) else ""
    log_prefix = log_prefix if isinstance(log_prefix, str) else ""
    return rule_prefix.startswith(log_prefix) or log_prefix.startswith(rule_prefix)


_BUCKET_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

RULES = [
    Rule(
        name="s3-no-public-acl",
        description=(
            "Buckets, bucket ACL resources and objects (BucketObjectv2, BucketObject, ObjectCopy) grant "
            "nothing to everyone: no public-read, public-read-write or authenticated-read canned ACL and no "
            "grant to the AllUsers or AuthenticatedUsers groups."
        ),
        severity=Severity.CRITICAL,
        pci=("1.4.4", "7.2.1"),
        remediation=(
            "Remove the ACL, and add aws.s3.BucketOwnershipControls(rule={'object_ownership': "
            "'BucketOwnerEnforced'}) so ACLs are disabled"
        ),
        url=_BUCKET_DOCS + "about-object-ownership.html",
        topic="s3",
        check=check_public_acl,
        resource_types=BUCKETS + BUCKET_ACL + OBJECTS,
    ),
    Rule(
        name="s3-bucket-name-includes-account-id",
        description=(
            "An explicit S3 bucket name contains the 12-digit account id (bucket names are global, and a "
            "directory bucket's is shared by every account in its zone, so a name without it may be taken by "
            "another account) and obeys the S3 naming rules of its kind (a directory bucket's ends with "
            "--<zone id>--x-s3). Autonamed buckets are not checked."
        ),
        severity=Severity.HIGH,
        pci=("2.2.1",),
        remediation=(
            "Name the bucket trading-<purpose>-<account-id>-<region>-<env> (3-63 lowercase letters, digits, "
            "hyphens; starts and ends with a letter or digit), taking the account id from "
            "aws.get_caller_identity()"
        ),
        url=_BUCKET_DOCS + "bucketnamingrules.html",
        topic="s3",
        check=check_bucket_name,
        resource_types=BUCKETS + DIRECTORY_BUCKETS,
        config={
            "accountIds": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^\d{12}$"},
                "default": [],
                "description": (
                    "Account ids a name must contain; []: the provider's allowedAccountIds, else any "
                    "12-digit id."
                ),
            }
        },
    ),
    Rule(
        name="s3-public-access-blocked",
        description=(
            "Each general purpose bucket has a BucketPublicAccessBlock (or the stack an account-level block "
            "in the bucket's own account: the same accountId or assumed role, or the same provider "
            "credentials) with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
            "restrictPublicBuckets all true; an account-level block counts only while no other one in the "
            "same account turns a setting off (an account keeps the block applied last). Directory buckets "
            "are not asked: AWS keeps all four on for them."
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Add aws.s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, "
            "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)"
        ),
        url=_BUCKET_DOCS + "access-control-block-public-access.html",
        topic="s3",
        check=check_public_access,
        stack=True,
    ),
    Rule(
        name="s3-encrypted-with-kms",
        description=(
            "Each bucket, general purpose or directory (S3 Express One Zone, which defaults to SSE-S3), has "
            "default encryption with aws:kms or aws:kms:dsse and a customer-managed key (kmsMasterKeyId set, "
            "not the AWS managed alias/aws/s3). Buckets named in sseS3AllowedBuckets may use AES256, and so "
            "may access-log buckets: buckets that receive the S3 server access logs of another bucket "
            "(targetBucket of its BucketLogging) and hold only logs, as the stack shows it (a bucket policy "
            "that lets logging.s3.amazonaws.com s3:PutObject and allows no other principal anything, and no "
            "identity policy or object in the stack that puts objects into them). Objects the stack puts "
            "into any other bucket do not ask for AES256 (serverSideEncryption), which overrides the "
            "bucket's default."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1",),
        remediation=(
            "Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
            "apply_server_side_encryption_by_default: "
            "{sse_algorithm: 'aws:kms', kms_master_key_id: key.arn}, "
            "bucket_key_enabled: True}])"
        ),
        url=_BUCKET_DOCS + "UsingKMSEncryption.html",
        topic="s3",
        check=check_encryption,
        stack=True,
        config={
            "allowSseS3ForLogTargets": {
                "type": "boolean",
                "default": True,
                "description": "Let access-log buckets (receiving S3 server access logs only) use AES256.",
            },
            "sseS3AllowedBuckets": {
                **catch_all_schema(
                    "bucket",
                    BUCKETS,
                    "name the buckets that may use AES256 by logical name, URN or bucket name "
                    '(e.g. "legacy-exports-*")',
                ),
                "description": "Logical names, URNs or bucket names (wildcards allowed) that may use AES256.",
            },
        },
    ),
    Rule(
        name="s3-versioning-enabled",
        description=(
            "Each general purpose bucket has a BucketVersioning with status Enabled (directory buckets do "
            "not support versioning, so they are not asked)."
        ),
        severity=Severity.MEDIUM,
        pci=("10.3.2", "10.3.3"),
        remediation=(
            "Add aws.s3.BucketVersioning(bucket=bucket.id, versioning_configuration={'status': 'Enabled'})"
        ),
        url=_BUCKET_DOCS + "Versioning.html",
        topic="s3",
        check=check_versioning,
        stack=True,
    ),
    Rule(
        name="s3-tls-only",
        description=(
            "Each general purpose bucket has a bucket policy, and each policy set on it (the last one "
            'applied replaces the others) has a statement that denies Principal "*" every S3 action (one '
            "pattern such as s3:*) on the bucket and all its objects (one pattern such as <bucket ARN>/*) "
            "whenever aws:SecureTransport is false, with no other Condition that could spare a request. "
            "Directory buckets are not asked: they accept HTTPS only."
        ),
        severity=Severity.HIGH,
        pci=("4.2.1",),
        remediation=(
            'Add a BucketPolicy statement {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": '
            '[bucket ARN, bucket ARN + "/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}'
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
        topic="s3",
        check=check_tls_only,
        stack=True,
    ),
    Rule(
        name="s3-bucket-policy-no-public-allow",
        description=(
            "No bucket policy (a BucketPolicy or a bucket's inline policy), on a declared bucket or any "
            'other, allows Principal "*", {"AWS": "*"} or NotPrincipal without a Condition that binds the '
            "caller to an account, organisation, source or VPC (aws:SecureTransport, aws:Referer and "
            "wildcard values bind nothing), nor a service principal unless aws:SourceArn or "
            "aws:SourceAccount names whose resources it acts for (else any account's trail, log delivery or "
            "inventory can write into the bucket: the confused deputy). Two documented patterns are bound "
            "another way: "
            "ELB (logdelivery.elasticloadbalancing) writes only under AWSLogs/<source account>/ and refuses "
            "a prefix holding AWSLogs, so a statement whose every Resource lies under AWSLogs/<a literal "
            "account>/ binds it (CloudTrail, Config and log delivery take any prefix, so they need the "
            "Condition); and s3:GetBucketAcl or s3:GetBucketLocation alone, "
            "the checks services make before delivering, reveal nothing."
        ),
        severity=Severity.CRITICAL,
        pci=("1.4.4", "7.2.1"),
        remediation=(
            "Name the principals that need access (roles, services with aws:SourceArn/aws:SourceAccount) or "
            "add a Condition such as aws:PrincipalOrgID"
        ),
        url=_BUCKET_DOCS + "example-bucket-policies.html",
        topic="s3",
        check=check_no_public_allow,
        stack=True,
    ),
    Rule(
        name="s3-bucket-access-logging",
        description=(
            "Each general purpose bucket has S3 server access logging (a BucketLogging) to another bucket, "
            "except the buckets named in logTargetBuckets and the access-log buckets: buckets that receive "
            "the access logs of other buckets (targetBucket of their BucketLogging) and hold only logs, as "
            "s3-encrypted-with-kms reads it. A bucket that logs to itself is neither logged nor a log "
            "target. Directory buckets do not support server access logging, so they are not asked."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.2.1.1"),
        remediation=(
            "Add aws.s3.BucketLogging(bucket=bucket.id, target_bucket=access_logs_bucket.id, "
            "target_prefix='<bucket>/') delivering to an access-log bucket with SSE-S3"
        ),
        url=_BUCKET_DOCS + "ServerLogs.html",
        topic="s3",
        check=check_access_logging,
        stack=True,
        config={
            "logTargetBuckets": {
                **catch_all_schema(
                    "bucket",
                    BUCKETS,
                    "name the buckets that receive access logs from outside the stack by logical name, "
                    'URN or bucket name (e.g. "org-access-logs-*")',
                ),
                "description": (
                    "Logical names, URNs or bucket names (wildcards allowed) of buckets that receive access "
                    "logs from outside the stack, which need no access log of their own."
                ),
            }
        },
    ),
    Rule(
        name="s3-access-log-retention",
        description=(
            "No lifecycle rule (a BucketLifecycleConfiguration, or a bucket's inline lifecycleRules) of a "
            "bucket that receives S3 server access logs (the targetBucket of a BucketLogging or of a "
            "bucket's inline logging, a BucketV2's loggings, declared or named by its literal name) "
            "expires them before the configured minimum (default 365 days: PCI DSS keeps audit logs 12 "
            "months), nor on a date, which expires every log whatever its age. A "
            "rule counts unless it is Disabled, its prefix lies outside every targetPrefix, or it filters "
            "on tags (S3 delivers logs untagged). Only the current version's expiration is read: with "
            "versioning on, the version it leaves behind no longer lists as a log, so it is not counted as "
            "kept, and noncurrent-version expiration, transitions and multipart-upload clean-up keep or "
            "drop nothing a log reader sees."
        ),
        severity=Severity.MEDIUM,
        pci=("10.5.1",),
        remediation=(
            "Set expiration.days of the access-log bucket's lifecycle rules to at least "
            "minimumRetentionDays, or set minimumRetentionDays in the policy pack config of a stack that may "
            "keep them less"
        ),
        url=_BUCKET_DOCS + "lifecycle-expire-general-considerations.html",
        topic="s3",
        check=check_access_log_retention,
        stack=True,
        config={
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3653,
                "default": 365,
                "description": "Shortest expiry of S3 server access logs accepted, in days.",
            }
        },
    ),
]
