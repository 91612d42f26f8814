"""S3 rules: exact findings and the edges mutation testing (tools/mutation.py) showed test_policy_s3.py did
not pin, such as a bucket named only by its name at preview, when its id is not known yet."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import tls_policy
from policy_harness import ACCOUNT, R, run

NAME = f"trading-data-{ACCOUNT}-us-east-1-dev"
BUCKET = "aws:s3/bucket:Bucket"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def findings(rule, resources, config=None):
    """What each violation says about its resource, without the rule's description and fix."""
    return [
        d.message.split("\n", 1)[1].split("': ", 1)[1].split(". Fix:")[0]
        for d in run(rule, resources, config)
    ]


def preview_bucket(name=NAME, logical="data", **props):
    # At preview a new bucket's id is unknown: only its `bucket` name can tie other resources to it.
    return R(BUCKET, logical, {"bucket": name, **props})


def tls_deny(name=NAME):
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_a_name_missing_every_pinned_account_lists_them_all():
    assert findings(
        "s3-bucket-name-includes-account-id",
        [preview_bucket("trading-data-dev")],
        {"accountIds": [ACCOUNT, "999999999999"]},
    ) == [
        f"bucket name 'trading-data-dev' does not contain the account id ({ACCOUNT}, 999999999999), so it "
        "may already be taken in another account (bucket names are global)"
    ]


def test_a_public_acl_says_whether_it_opens_a_bucket_or_an_object():
    resources = [
        preview_bucket(acl="public-read"),
        R(
            "aws:s3/bucketObjectv2:BucketObjectv2",
            "object",
            {"bucket": NAME, "key": "k", "acl": "public-read"},
        ),
    ]
    assert findings("s3-no-public-acl", resources) == [
        "acl is 'public-read', which opens the bucket to everyone",
        "acl is 'public-read', which opens the object to everyone",
    ]


def test_a_buckets_inline_grant_blocks_are_judged_like_an_acl():
    grants = [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]
    assert findings("s3-no-public-acl", [preview_bucket(grants=grants)]) == [
        f"grants ['READ'] to {ALL_USERS}"
    ]


@pytest.mark.parametrize(
    ("rule", "child"),
    [
        (
            "s3-public-access-blocked",
            R(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "block",
                {
                    "bucket": NAME,
                    "blockPublicAcls": True,
                    "blockPublicPolicy": True,
                    "ignorePublicAcls": True,
                    "restrictPublicBuckets": True,
                },
            ),
        ),
        (
            "s3-encrypted-with-kms",
            R(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "sse",
                {
                    "bucket": NAME,
                    "rules": [
                        {
                            "applyServerSideEncryptionByDefault": {
                                "sseAlgorithm": "aws:kms",
                                "kmsMasterKeyId": "key-arn",
                            }
                        }
                    ],
                },
            ),
        ),
        (
            "s3-versioning-enabled",
            R(
                "aws:s3/bucketVersioning:BucketVersioning",
                "versioning",
                {"bucket": NAME, "versioningConfiguration": {"status": "Enabled"}},
            ),
        ),
        (
            "s3-tls-only",
            R(
                "aws:s3/bucketPolicy:BucketPolicy",
                "policy",
                {"bucket": NAME, "policy": json.dumps({"Statement": [tls_deny()]})},
            ),
        ),
        (
            "s3-bucket-access-logging",
            R(
                "aws:s3/bucketLogging:BucketLogging",
                "logging",
                {"bucket": NAME, "targetBucket": f"{NAME}-logs"},
            ),
        ),
    ],
)
def test_a_resource_naming_its_bucket_by_name_at_preview_is_attached_to_it(rule, child):
    config = {"logTargetBuckets": [f"{NAME}-logs"]} if rule == "s3-bucket-access-logging" else None
    assert findings(rule, [preview_bucket(), child], config) == []


def test_every_bucket_is_judged_after_one_that_may_use_sse_s3():
    logs = preview_bucket(f"{NAME}-logs", "logs", policy=tls_policy(f"{NAME}-logs", log_sources=(NAME,)))
    source = preview_bucket(logging={"targetBucket": f"{NAME}-logs"})
    assert findings("s3-encrypted-with-kms", [logs, source]) == [
        "has no default encryption configuration with aws:kms, so S3 falls back to SSE-S3 keys you cannot "
        "control or audit"
    ]


def test_every_rule_of_an_encryption_configuration_is_judged():
    rules = [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "key-arn"}},
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}},
    ]
    sse = R(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "sse",
        {"bucket": NAME, "rules": rules},
    )
    assert findings("s3-encrypted-with-kms", [preview_bucket(), sse]) == [
        "default encryption uses sseAlgorithm 'AES256'; only aws:kms or aws:kms:dsse (or AES256 for an "
        "allowed access-log bucket) is accepted"
    ]


def test_every_bucket_without_a_tls_deny_is_named_after_one_that_has_it():
    first = preview_bucket(
        "first-" + NAME, "first", policy=json.dumps({"Statement": [tls_deny("first-" + NAME)]})
    )
    second = preview_bucket("second-" + NAME, "second", policy=json.dumps({"Statement": [tls_deny("other")]}))
    third = preview_bucket("third-" + NAME, "third")
    fourth = preview_bucket("fourth-" + NAME, "fourth")
    assert findings("s3-tls-only", [first, second, third, fourth]) == [
        'bucket policy has no Deny statement for Principal "*" on s3:* for the bucket and its objects with '
        'Condition {"Bool": {"aws:SecureTransport": "false"}}',
        "has no bucket policy, so requests over plain HTTP are not denied",
        "has no bucket policy, so requests over plain HTTP are not denied",
    ]


def test_a_tls_deny_must_name_the_bucket_in_its_own_case():
    # S3 ARNs are matched case-sensitively: a Deny on another spelling of the name protects nothing.
    upper = tls_deny(NAME.upper())
    assert findings("s3-tls-only", [preview_bucket(policy=json.dumps({"Statement": [upper]}))]) == [
        'bucket policy has no Deny statement for Principal "*" on s3:* for the bucket and its objects with '
        'Condition {"Bool": {"aws:SecureTransport": "false"}}'
    ]


def test_an_inline_logging_block_without_a_target_logs_nothing():
    assert findings("s3-bucket-access-logging", [preview_bucket(logging={"targetPrefix": "logs/"})]) == [
        "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access log"
    ]


def test_a_log_target_named_by_its_id_is_exempt_from_logging_itself():
    # An autonamed target bucket: its `bucket` name is computed, its id is what the source names.
    target = R(
        BUCKET, "logs", {"id": "logs-bucket-1", "policy": tls_policy("logs-bucket-1", log_sources=(NAME,))}
    )
    source = preview_bucket(logging={"targetBucket": "logs-bucket-1"})
    assert findings("s3-bucket-access-logging", [target, source]) == []


def test_a_name_without_any_account_id_says_so_in_full():
    assert findings("s3-bucket-name-includes-account-id", [preview_bucket("trading-data-dev")]) == [
        "bucket name 'trading-data-dev' contains no 12-digit account id, so it may already be taken in "
        "another account (bucket names are global)"
    ]


def test_every_bucket_is_judged_after_one_that_logs_through_its_inline_block():
    first = preview_bucket("first-" + NAME, "first", logging={"targetBucket": "logs-elsewhere"})
    second = preview_bucket("second-" + NAME, "second")
    assert findings("s3-bucket-access-logging", [first, second]) == [
        "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access log"
    ]
