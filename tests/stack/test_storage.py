"""S3: explicit unique names, versioning, encryption, public access block, ownership, TLS-only policy,
access logging and lifecycle rules."""

import re

import pytest
from stack_harness import ACCOUNT, BASE_TAGS, PCI_TAGS, component_context, run_program

from components.conventions import AwsTarget
from components.storage import (
    Storage,
    StorageArgs,
    access_logs_bucket_policy,
    data_bucket_policy,
    deny_insecure_transport,
)

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"
TARGET = AwsTarget(account_id=ACCOUNT, region="us-east-1")
DATA = "trading-data-123456789012-us-east-1-dev"
LOGS = "trading-access-logs-123456789012-us-east-1-dev"
S3_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _storage(protect=False):
    target, names, tags = component_context()
    args = StorageArgs(
        target=target,
        names=names,
        tags=tags,
        kms_key_arn=KEY_ARN,
        access_log_retention_days=365,
        noncurrent_version_retention_days=90,
        protect=protect,
    )
    return run_program(lambda: Storage("storage", args))


def _child(run, typ, bucket_name):
    """The child resource of `typ` that configures `bucket_name`, found through its property dependency."""
    bucket = next(b for b in run.of_type("aws:s3/bucket:Bucket") if b.inputs["bucket"] == bucket_name)
    found = [r for r in run.of_type(typ) if r.property_dependencies.get("bucket") == [bucket.urn]]
    assert len(found) == 1, f"{typ} for {bucket_name}: {len(found)}"
    return found[0]


def test_tls_statement_denies_every_request_without_secure_transport():
    assert deny_insecure_transport(TARGET, "b") == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_data_bucket_policy_is_tls_only():
    assert data_bucket_policy(TARGET, DATA) == {
        "Version": "2012-10-17",
        "Statement": [deny_insecure_transport(TARGET, DATA)],
    }


def test_access_log_bucket_admits_s3_log_delivery_for_its_sources_only():
    tls, delivery = access_logs_bucket_policy(TARGET, LOGS, [DATA])["Statement"]

    assert tls == deny_insecure_transport(TARGET, LOGS)
    assert delivery == {
        "Sid": "S3ServerAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{LOGS}/*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{DATA}"]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }


def test_buckets_have_valid_explicit_names_with_account_and_region():
    buckets = _storage().of_type("aws:s3/bucket:Bucket")

    assert sorted(b.inputs["bucket"] for b in buckets) == sorted([DATA, LOGS])
    for bucket in buckets:
        name = bucket.inputs["bucket"]
        assert S3_NAME.match(name)
        assert len(name) <= 63
        assert ".." not in name
        assert f"-{ACCOUNT}-us-east-1-" in name
        assert name.endswith("-dev")
        assert bucket.inputs["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": name}


@pytest.mark.parametrize("bucket", [DATA, LOGS])
def test_each_bucket_is_versioned_private_and_owner_enforced(bucket):
    run = _storage()

    versioning = _child(run, "aws:s3/bucketVersioning:BucketVersioning", bucket)
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    block = _child(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).inputs
    assert all(
        block[key] is True
        for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = _child(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_data_bucket_uses_the_data_key_with_bucket_keys():
    rule = _child(
        _storage(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        DATA,
    ).inputs["rules"]

    assert rule == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
            "bucketKeyEnabled": True,
        }
    ]


def test_access_log_bucket_uses_sse_s3_which_log_delivery_supports():
    rule = _child(
        _storage(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        LOGS,
    ).inputs["rules"]

    assert rule == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}
    ]


@pytest.mark.parametrize("bucket", [DATA, LOGS])
def test_bucket_policy_is_put_after_the_public_access_block(bucket):
    run = _storage()
    policy = _child(run, "aws:s3/bucketPolicy:BucketPolicy", bucket)

    assert policy.json("policy")["Statement"][0] == deny_insecure_transport(TARGET, bucket)
    assert (
        _child(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).urn
        in policy.dependencies
    )


def test_data_bucket_logs_its_access_to_the_log_bucket():
    run = _storage()
    logging = _child(run, "aws:s3/bucketLogging:BucketLogging", DATA)

    assert logging.inputs["targetBucket"] == LOGS
    assert logging.inputs["targetPrefix"] == "data/"
    # S3 refuses the logging configuration until the target's policy admits log delivery.
    assert _child(run, "aws:s3/bucketPolicy:BucketPolicy", LOGS).urn in logging.dependencies
    assert run.of_type("aws:s3/bucketLogging:BucketLogging") == [
        logging
    ]  # the log bucket does not log itself


def test_lifecycle_rules_expire_old_versions_and_old_logs():
    run = _storage()
    data = _child(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", DATA)
    logs = _child(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", LOGS)

    assert data.inputs["rules"] == [
        {
            "id": "expire-old-versions",
            "status": "Enabled",
            "filter": {"prefix": ""},
            # Once a deleted object's old versions expire, its lone delete marker goes too.
            "expiration": {"expiredObjectDeleteMarker": True},
            "noncurrentVersionExpiration": {"noncurrentDays": 90},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ]
    assert logs.inputs["rules"][0]["expiration"] == {"days": 365}
    assert logs.inputs["rules"][0]["noncurrentVersionExpiration"] == {"noncurrentDays": 1}
    for lifecycle, bucket in ((data, DATA), (logs, LOGS)):
        assert _child(run, "aws:s3/bucketVersioning:BucketVersioning", bucket).urn in lifecycle.dependencies


@pytest.mark.parametrize("protect", [False, True])
def test_buckets_are_kept_on_destroy_when_the_stack_protects_state(protect):
    for bucket in _storage(protect=protect).of_type("aws:s3/bucket:Bucket"):
        assert (bucket.protect, bucket.retain_on_delete) == (protect, protect)
        assert bucket.inputs["forceDestroy"] is not protect
