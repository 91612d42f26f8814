"""S3 checks against moto's responses: encryption, versioning, public access block, TLS-only policy."""

from __future__ import annotations

import json

import pytest
from integration import checks


@pytest.mark.parametrize(("name", "key_output"), [("data", "dataKeyArn"), ("access_logs", None)])
def test_compliant_buckets(stack, name, key_output):
    bucket = stack[f"{name}_bucket"]
    key = stack["outputs"][key_output] if key_output else None
    assert checks.check_bucket_encryption(stack[f"{name}_encryption"], bucket, key) == []
    assert checks.check_bucket_versioning(stack[f"{name}_versioning"], bucket) == []
    assert checks.check_public_access_block(stack[f"{name}_public_access"], bucket) == []
    assert checks.check_tls_only_policy(stack[f"{name}_policy"], bucket, "aws") == []


def test_sse_s3_is_not_enough_for_the_data_bucket(stack):
    key = stack["outputs"]["dataKeyArn"]
    assert checks.check_bucket_encryption(stack["bad_encryption"], "b", key) == [
        f"S3 bucket b: default encryption 'AES256' with key None, expected aws:kms with {key}",
        "S3 bucket b: S3 Bucket Keys are off, expected on (fewer KMS calls)",
    ]


def test_encryption_missing_or_unknown():
    assert checks.check_bucket_encryption({}, "b", None) == ["S3 bucket b: no default encryption"]
    response = {"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {}}]}}
    assert checks.check_bucket_encryption(response, "b", None) == [
        "S3 bucket b: default encryption None, expected AES256 or aws:kms"
    ]


def test_faulty_bucket(stack):
    bucket = stack["bad_bucket"]
    assert checks.check_bucket_versioning(stack["bad_versioning"], bucket) == [
        f"S3 bucket {bucket}: versioning is 'Suspended', expected 'Enabled'"
    ]
    assert checks.check_public_access_block(stack["bad_public_access"], bucket) == [
        f"S3 bucket {bucket}: public access block settings not on: IgnorePublicAcls, RestrictPublicBuckets"
    ]
    assert checks.check_public_access_block(None, bucket) == [
        f"S3 bucket {bucket}: public access block settings not on: "
        "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"
    ]
    assert checks.check_tls_only_policy(stack["bad_policy"], bucket, "aws") == [
        f"S3 bucket {bucket}: no policy statement denies s3:* on the bucket and its objects "
        "when aws:SecureTransport is false"
    ]


def tls_policy(bucket, **changes):
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    statement.update(changes)
    return json.dumps({"Statement": statement})


def test_tls_policy_forms():
    assert checks.check_tls_only_policy(tls_policy("b"), "b", "aws") == []
    assert checks.check_tls_only_policy(tls_policy("b"), "b", "aws-cn") != []
    for changes in (
        {"Effect": "Allow"},
        {"Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
        {"Action": "s3:GetObject"},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": None},
    ):
        assert checks.check_tls_only_policy(tls_policy("b", **changes), "b", "aws") != [], changes
    assert checks.check_tls_only_policy(None, "b", "aws") != []
