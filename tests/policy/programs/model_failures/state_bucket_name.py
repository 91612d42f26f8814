"""MODEL_FAILURES.md #3 and #7: a state bucket named without the account id ("iac-rlhf-tf-states"), a name
another account already owns. Everything else about the bucket is right, so only its name is at fault."""

import json

import pulumi_aws as aws
from tags import TAGS


def build() -> None:
    key = aws.kms.Key("state-key", description="State bucket key", enable_key_rotation=True, tags=TAGS)
    bucket = aws.s3.Bucket("state", bucket="iac-rlhf-tf-states", tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        "state-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketVersioning(
        "state-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "state-encryption",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": key.arn,
                },
                "bucket_key_enabled": True,
            }
        ],
    )
    aws.s3.BucketPolicy(
        "state-tls-only",
        bucket=bucket.id,
        policy=bucket.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn, f"{arn}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            )
        ),
    )
