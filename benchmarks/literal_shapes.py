"""Generated programs whose resources name one another by literal strings (benchmark inputs, not tests).

Each shape is a function ``shape(directory, resources) -> units`` with the signature of
``preflight_bench.generate``: it writes a Pulumi Python project of about ``resources`` resources (stack
``dev``, region us-east-1, the default account 123456789012) and returns how many units it repeats. The
references between resources are literal names and ARNs that a program can know in advance, so the engine
records no property dependency for them and the pack can relate the resources only by matching values,
which is where a lookup over all resources per resource would make the pack quadratic:

* ``log_groups_by_literal_key_arn``: each log group names its key by a typed-out ARN: half of them the
  ARN of this stack's alias of the key (``arn:aws:kms:us-east-1:123456789012:alias/...``), the other half
  a key made outside the stack; each key's policy is a separate ``KeyPolicy``;
* ``public_access_blocks_by_literal_bucket``: each bucket has an explicit name, and its public access
  block, versioning, encryption and bucket policy name it by that string;
* ``keys_with_policies_and_log_groups``: keys with a ``KeyPolicy`` each and a log group encrypted with each
  key (these references are outputs, so they do carry property dependencies: the shape that made the pack
  look for every key's policies once per log group).

``SHAPES`` maps each name to its function, for a benchmark that runs every shape.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ACCOUNT = "123456789012"
REGION = "us-east-1"

_HEADER = '''\
"""Generated benchmark program (benchmarks/literal_shapes.py): {what}."""

import json

import pulumi
import pulumi_aws as aws

ACCOUNT = "{account}"
REGION = "{region}"
units = int(pulumi.Config().require("units"))
TAGS = {{"Environment": "dev", "Project": "bench", "ManagedBy": "pulumi"}}
'''

# A key policy that keeps the account's access and lets CloudWatch Logs of this account and region use
# the key: what a compliant stack writes, so the pack reads and judges every document in full.
_KEY_POLICY = """\
KEY_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                    "kms:Describe*"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                   f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/bench/*"}}},
    ],
})
"""

_LOG_GROUPS_BY_ALIAS_ARN = """\
for i in range(units):
    key = aws.kms.Key(f"key{i}", description=f"logs key {i}", enable_key_rotation=True, tags=TAGS)
    aws.kms.KeyPolicy(f"key{i}-policy", key_id=key.key_id, policy=KEY_POLICY)
    aws.kms.Alias(f"alias{i}", name=f"alias/bench-{i}", target_key_id=key.key_id)
    aws.cloudwatch.LogGroup(
        f"logs{i}",
        name=f"/bench/{i}",
        retention_in_days=365,
        # Even units: this stack's alias, by its ARN. Odd units: a key made outside the stack, by its ARN.
        kms_key_id=(
            f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/bench-{i}"
            if i % 2 == 0
            else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-{i:012d}"
        ),
        tags=TAGS,
    )
"""

_BUCKETS_BY_NAME = """\
for i in range(units):
    name = f"bench-{i}-{ACCOUNT}-{REGION}"
    aws.s3.Bucket(f"bucket{i}", bucket=name, tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        f"bucket{i}-pab",
        bucket=name,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketVersioning(
        f"bucket{i}-versioning", bucket=name, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"bucket{i}-sse",
        bucket=name,
        rules=[{"apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms", "kms_master_key_id": "alias/bench-data"}}],
    )
    aws.s3.BucketPolicy(
        f"bucket{i}-policy",
        bucket=name,
        policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }],
        }),
    )
"""

_KEYS_POLICIES_LOG_GROUPS = """\
for i in range(units):
    key = aws.kms.Key(f"key{i}", description=f"logs key {i}", enable_key_rotation=True, tags=TAGS)
    aws.kms.KeyPolicy(f"key{i}-policy", key_id=key.id, policy=KEY_POLICY)
    aws.cloudwatch.LogGroup(
        f"logs{i}", name=f"/bench/{i}", retention_in_days=365, kms_key_id=key.arn, tags=TAGS
    )
"""


def _write(directory: Path, resources: int, per_unit: int, what: str, body: str) -> int:
    units = max(1, round(resources / per_unit))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n  bench:units: {units}\n")
    (directory / "__main__.py").write_text(
        _HEADER.format(what=what, account=ACCOUNT, region=REGION) + _KEY_POLICY + body
    )
    return units


def log_groups_by_literal_key_arn(directory: Path, resources: int) -> int:
    """Key, key policy, alias and a log group naming the key by the alias's literal ARN (4 per unit)."""
    return _write(
        directory, resources, 4, "log groups name their key by a literal alias ARN", _LOG_GROUPS_BY_ALIAS_ARN
    )


def public_access_blocks_by_literal_bucket(directory: Path, resources: int) -> int:
    """A named bucket with a public access block, versioning, encryption and policy naming it (5 a unit)."""
    return _write(
        directory, resources, 5, "bucket settings name their bucket by its literal name", _BUCKETS_BY_NAME
    )


def keys_with_policies_and_log_groups(directory: Path, resources: int) -> int:
    """Key, its KeyPolicy and a log group encrypted with it (3 per unit)."""
    return _write(directory, resources, 3, "keys with key policies and log groups", _KEYS_POLICIES_LOG_GROUPS)


SHAPES: dict[str, Callable[[Path, int], int]] = {
    "literal-key-arn": log_groups_by_literal_key_arn,
    "literal-bucket-name": public_access_blocks_by_literal_bucket,
    "keys-policies-log-groups": keys_with_policies_and_log_groups,
}
