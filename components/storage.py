"""S3: the data bucket and the bucket that receives its server access logs.

Both buckets have explicit, globally unique names (account id, region and environment suffix), versioning,
a public access block, ACLs disabled (BucketOwnerEnforced), a policy that refuses requests without TLS,
and lifecycle rules. The data bucket uses SSE-KMS with the data key and S3 Bucket Keys.

The access-log bucket uses SSE-S3 (AES256). S3 delivers server access logs only to destination buckets
whose default encryption is SSE-S3, or SSE-KMS with a customer-managed key whose policy lets
``logging.s3.amazonaws.com`` generate data keys (the AWS managed ``aws/s3`` key is never accepted; see
"Enabling Amazon S3 server access logging" in the S3 User Guide). We chose SSE-S3: access logs hold
request metadata, not cardholder data, and granting the log-delivery service use of the data key would
widen that key's policy for no protection gain. The access-log bucket does not log its own access: S3
advises against it (each delivery would log itself).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options

ABORT_MULTIPART_AFTER_DAYS = 7


def bucket_arn(target: AwsTarget, bucket_name: str) -> str:
    return target.arn("s3", bucket_name, regional=False, account=False)


def deny_insecure_transport(target: AwsTarget, bucket_name: str) -> dict[str, Any]:
    arn = bucket_arn(target, bucket_name)
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def data_bucket_policy(target: AwsTarget, bucket_name: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [deny_insecure_transport(target, bucket_name)]}


def access_logs_bucket_policy(
    target: AwsTarget, bucket_name: str, source_buckets: Sequence[str]
) -> dict[str, Any]:
    """TLS only, and S3 log delivery may write logs of the listed source buckets of this account.

    With BucketOwnerEnforced, ACL grants to the log delivery group no longer work; the bucket policy grants
    the ``logging.s3.amazonaws.com`` service principal instead.
    """
    arn = bucket_arn(target, bucket_name)
    return {
        "Version": "2012-10-17",
        "Statement": [
            deny_insecure_transport(target, bucket_name),
            {
                "Sid": "S3ServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": target.service_principal("logging.s3")},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": [bucket_arn(target, source) for source in source_buckets]},
                    "StringEquals": {"aws:SourceAccount": target.account_id},
                },
            },
        ],
    }


def encryption_by_default(
    algorithm: str, kms_key_arn: pulumi.Input[str] | None = None
) -> aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs:
    return aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm=algorithm, kms_master_key_id=kms_key_arn
    )


def lifecycle_rule(
    rule_id: str, *, noncurrent_days: int, expire_days: int | None = None
) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """A rule for every object: expire old versions (and current ones after ``expire_days``), remove
    delete markers left with no version behind them, and clear abandoned multipart uploads.

    S3 refuses ``Days`` and ``ExpiredObjectDeleteMarker`` in one expiration; with ``Days`` it removes expired
    delete markers by itself, so the flag is set only when current versions never expire. Without it, every
    deleted object of a versioned bucket leaves a delete marker behind for ever once its versions expire,
    and listings slow down.
    """
    s3 = aws.s3
    expiration = (
        s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expire_days)
        if expire_days
        else s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True)
    )
    return s3.BucketLifecycleConfigurationRuleArgs(
        id=rule_id,
        status="Enabled",
        filter=s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        expiration=expiration,
        noncurrent_version_expiration=s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=noncurrent_days
        ),
        abort_incomplete_multipart_upload=s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_AFTER_DAYS
        ),
    )


@dataclass(frozen=True)
class StorageArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    kms_key_arn: pulumi.Input[str]
    access_log_retention_days: int
    noncurrent_version_retention_days: int
    protect: bool


class Storage(pulumi.ComponentResource):
    """The data bucket and the access-log bucket, with every guard S3 offers."""

    data_bucket: aws.s3.Bucket
    access_logs_bucket: aws.s3.Bucket
    data_bucket_logging: aws.s3.BucketLogging
    bucket_policies: dict[str, aws.s3.BucketPolicy]

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:storage:Storage", name, None, opts)
        self._name = name
        self._args = args
        names, target = args.names, args.target
        self.bucket_policies = {}

        self.access_logs_bucket = self._bucket(
            "access-logs",
            names.access_logs_bucket,
            encryption=encryption_by_default("AES256"),
            policy=access_logs_bucket_policy(target, names.access_logs_bucket, [names.data_bucket]),
            # Logs expire after their retention; a version left behind by expiry goes the next day.
            lifecycle=lifecycle_rule(
                "expire-access-logs", noncurrent_days=1, expire_days=args.access_log_retention_days
            ),
        )
        self.data_bucket = self._bucket(
            "data",
            names.data_bucket,
            encryption=encryption_by_default("aws:kms", args.kms_key_arn),
            policy=data_bucket_policy(target, names.data_bucket),
            lifecycle=lifecycle_rule(
                "expire-old-versions", noncurrent_days=args.noncurrent_version_retention_days
            ),
        )
        # S3 checks at PutBucketLogging that the target bucket lets log delivery write: its policy goes first.
        self.data_bucket_logging = aws.s3.BucketLogging(
            f"{name}-data-logging",
            bucket=self.data_bucket.id,
            target_bucket=self.access_logs_bucket.id,
            target_prefix="data/",
            opts=child_options(self, depends_on=[self.bucket_policies["access-logs"]]),
        )
        self.register_outputs(
            {
                "dataBucketName": self.data_bucket.bucket,
                "accessLogsBucketName": self.access_logs_bucket.bucket,
            }
        )

    def _bucket(
        self,
        label: str,
        bucket_name: str,
        *,
        encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs,
        policy: dict[str, Any],
        lifecycle: aws.s3.BucketLifecycleConfigurationRuleArgs,
    ) -> aws.s3.Bucket:
        prefix, args = f"{self._name}-{label}", self._args
        child = child_options(self)
        bucket = aws.s3.Bucket(
            prefix,
            bucket=bucket_name,
            # A stack that keeps its state keeps the objects too; one that may be torn down (dev, staging)
            # empties its versioned buckets on destroy instead of failing with BucketNotEmpty.
            force_destroy=not args.protect,
            tags=args.tags.sensitive(bucket_name),
            opts=child_options(self, keep=args.protect),
        )
        access_block = aws.s3.BucketPublicAccessBlock(
            f"{prefix}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{prefix}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{prefix}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{prefix}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=encryption,
                    bucket_key_enabled=encryption.sse_algorithm == "aws:kms",
                )
            ],
            opts=child,
        )
        # The public access block goes first: with BlockPublicPolicy on, S3 vets every policy put after it.
        self.bucket_policies[label] = aws.s3.BucketPolicy(
            f"{prefix}-policy",
            bucket=bucket.id,
            policy=json.dumps(policy),
            opts=child_options(self, depends_on=[access_block]),
        )
        # Noncurrent-version rules need versioning to be on before S3 accepts them.
        aws.s3.BucketLifecycleConfiguration(
            f"{prefix}-lifecycle",
            bucket=bucket.id,
            rules=[lifecycle],
            opts=child_options(self, depends_on=[versioning]),
        )
        return bucket
