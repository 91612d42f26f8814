"""S3 rules: exact findings and the edges mutation testing (tools/mutation.py) showed test_policy_s3.py did
not pin, such as a bucket named only by its name at preview, when its id is not known yet."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import tls_policy
from policy_harness import ACCOUNT, R, U, run

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


ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BLOCK_FLAGS = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGS = f"{NAME}-logs"
UNLOGGED = "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access log"


def test_every_account_block_that_may_be_elsewhere_is_named():
    blocks = [
        R(ACCOUNT_BLOCK, logical, {**BLOCK_FLAGS, "accountId": "999999999999"}) for logical in ("a", "b")
    ]
    assert findings("s3-public-access-blocked", [preview_bucket(), *blocks]) == [
        "has no aws.s3.BucketPublicAccessBlock, so an ACL or bucket policy can make it public; account "
        "public access block 'a', 'b' may be in another account (another accountId, assumed role or "
        "provider credentials), so it does not count"
    ]


def test_an_account_block_covers_a_bucket_whose_name_is_not_known_yet():
    # Same credentials and no account in the bucket's name to contradict the block's accountId.
    block = R(ACCOUNT_BLOCK, "account", {**BLOCK_FLAGS, "accountId": ACCOUNT})
    assert run("s3-public-access-blocked", [preview_bucket(U), block]) == []


def test_a_bucket_logging_to_itself_by_name_at_preview_is_no_log_target():
    # With no id yet, the logging names its bucket by name: it is its own source, not a log target.
    bucket = preview_bucket(policy=tls_policy(NAME, log_sources=(NAME,)))
    logging = R(LOGGING, "logging", {"bucket": NAME, "targetBucket": NAME})
    assert findings("s3-bucket-access-logging", [bucket, logging]) == [
        "delivers its server access logs to itself (aws.s3.BucketLogging 'logging' names it as "
        "targetBucket), which AWS warns causes an infinite loop of logs and keeps the logs with the data "
        "they audit; deliver them to a separate access-log bucket"
    ]


def test_a_log_target_named_by_a_property_dependency_is_one_before_its_name_is_known():
    source = preview_bucket()
    logs = preview_bucket(LOGS, "logs", policy=tls_policy(LOGS, log_sources=(NAME,)))
    logging = R(LOGGING, "logging", {"bucket": NAME, "targetBucket": U}, deps={"targetBucket": [logs]})
    assert run("s3-bucket-access-logging", [source, logs, logging]) == []


def test_every_reason_a_log_target_may_hold_more_than_logs_is_given():
    # The object names the target by name only (its id is not known yet): it still writes into it.
    logs = preview_bucket(LOGS, "logs")
    source = preview_bucket(logging={"targetBucket": LOGS})
    put = R("aws:s3/bucketObjectv2:BucketObjectv2", "cards", {"bucket": LOGS, "key": "cards.csv"})
    assert findings("s3-bucket-access-logging", [logs, source, put]) == [
        UNLOGGED + "; it receives server access logs, but no bucket policy lets logging.s3.amazonaws.com "
        "s3:PutObject; object 'cards' is put into it, so it may hold more than logs and is no access-log "
        "bucket: let its bucket policy allow only logging.s3.amazonaws.com (s3:PutObject) and write nothing "
        "else into it"
    ]


def test_a_writer_is_found_in_any_statement_of_an_identity_policy():
    logs = preview_bucket(LOGS, "logs", policy=tls_policy(LOGS, log_sources=(NAME,)))
    source = preview_bucket(logging={"targetBucket": LOGS})
    statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{LOGS}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS}/*"},
    ]
    writer = R(
        "aws:iam/rolePolicy:RolePolicy",
        "app-policy",
        {"role": "app", "policy": json.dumps({"Statement": statements})},
    )
    assert findings("s3-bucket-access-logging", [logs, source, writer]) == [
        UNLOGGED
        + "; it receives server access logs, but aws:iam/rolePolicy:RolePolicy 'app-policy' (policy, "
        "Statement[1]) allows s3:PutObject on its objects, so it may hold more than logs and is no "
        "access-log bucket: let its bucket policy allow only logging.s3.amazonaws.com (s3:PutObject) and "
        "write nothing else into it"
    ]


def test_a_statement_beside_a_public_one_still_gets_its_note():
    public = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{NAME}/*",
    }
    unsure = {**public, "Condition": {"Bool": U}}
    diags = run(
        "s3-bucket-policy-no-public-allow",
        [preview_bucket(policy=json.dumps({"Statement": [public, unsure]}))],
    )
    assert [d.level for d in diags] == ["mandatory", "advisory"]
    assert "bucket policy 'data' Statement[0] allows" in diags[0].message
    assert "whether bucket policy 'data' Statement[1] (" in diags[1].message


FIRST = "first-" + NAME
UNKNOWN_PRINCIPAL = {"Effect": "Allow", "Principal": {"AWS": U}, "Action": "s3:*", "Resource": "*"}


@pytest.mark.parametrize(
    "case",
    [
        "configured-target",
        "logging-unknown",
        "logs-itself",
        "bucket-logging-to-itself",
        "target-policy-unknown",
    ],
)
def test_every_bucket_is_judged_after_one_the_logging_rule_settles(case):
    second = preview_bucket("second-" + NAME, "second")
    first, extra, config = preview_bucket(FIRST, "first"), [], None
    if case == "configured-target":
        config = {"logTargetBuckets": ["first"]}
    elif case == "logging-unknown":
        first = R(BUCKET, "first", {"bucket": FIRST, "logging": U}, deps={"logging": [second]})
    elif case == "logs-itself":
        first = preview_bucket(FIRST, "first", logging={"targetBucket": FIRST})
    elif case == "bucket-logging-to-itself":
        extra = [R(LOGGING, "first-logging", {"bucket": FIRST, "targetBucket": FIRST})]
    else:
        first = preview_bucket(FIRST, "first", policy=json.dumps({"Statement": [UNKNOWN_PRINCIPAL]}))
        extra = [preview_bucket("third-" + NAME, "third", logging={"targetBucket": FIRST})]
    diags = run("s3-bucket-access-logging", [first, second, *extra], config)
    assert [d.urn.rsplit("::", 1)[1] for d in diags if d.level == "mandatory" and UNLOGGED in d.message] == [
        "second"
    ]


def test_every_bucket_is_judged_after_one_with_a_bucket_logging():
    first = preview_bucket("first-" + NAME, "first")
    logging = R(LOGGING, "logging", {"bucket": "first-" + NAME, "targetBucket": "elsewhere"})
    second = preview_bucket("second-" + NAME, "second")
    assert findings("s3-bucket-access-logging", [first, logging, second]) == [UNLOGGED]
