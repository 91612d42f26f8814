"""S3 rules: bucket names, and each bucket's public access block, encryption, versioning and policy."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from policy_fixtures import tls_policy
from policy_harness import ACCOUNT, FUZZ, R, U, run
from test_policy_documents import DOCUMENTS
from trading_policies.config import PolicyConfigError

NAME = f"trading-data-{ACCOUNT}-us-east-1-dev"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def bucket(name=NAME, logical="data", type_="aws:s3/bucket:Bucket", **props):
    return R(type_, logical, {"bucket": name, "id": name, **props})


def attach(type_, target, props, logical="child", linked=True):
    deps = {"bucket": [target]} if linked else {}
    return R(type_, logical, {"bucket": target.props["bucket"], **props}, deps=deps)


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


DATA_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def log_delivery(name, sources=(NAME,)):
    """The bucket policy of an access-log bucket: TLS only, and S3 log delivery writes the sources' logs."""
    return tls_policy(name, log_sources=sources)


def sse(algorithm, key=DATA_KEY):
    default = {"sseAlgorithm": algorithm}
    if algorithm != "AES256" and key is not None:
        default["kmsMasterKeyId"] = key  # None: no key set
    return {"rules": [{"applyServerSideEncryptionByDefault": default}]}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (NAME, []),
        ("data-1a2b3c4", []),
        (
            "Trading_Data-123456789012",
            ["contains characters other than lowercase letters, digits, hyphens and dots"],
        ),
        ("-trading-123456789012", ["must begin and end with a lowercase letter or digit"]),
        ("a..b-123456789012", ["contains two adjacent periods"]),
        ("xn--bucket-123456789012", ["starts with the reserved prefix 'xn--'"]),
        ("bucket-123456789012-s3alias", ["ends with the reserved suffix '-s3alias'"]),
        ("192.168.1.1", ["is formatted as an IP address", "contains no 12-digit account id"]),
        ("ab", ["is 2 characters long (S3 allows 3-63)", "contains no 12-digit account id"]),
        ("bucket-1234567890123", ["contains no 12-digit account id"]),
    ],
)
def test_bucket_names(name, expected):
    found = faults("s3-bucket-name-includes-account-id", [bucket(name)])
    assert len(found) == len(expected)
    for fault, problem in zip(found, expected, strict=True):
        assert problem in fault


def test_bucket_names_can_be_pinned_to_configured_accounts_and_v2_buckets_count():
    config = {"accountIds": ["999999999999"]}
    (fault,) = faults("s3-bucket-name-includes-account-id", [bucket()], config)
    assert "does not contain the account id (999999999999)" in fault
    assert faults("s3-bucket-name-includes-account-id", [bucket("logs-999999999999")], config) == []
    assert faults("s3-bucket-name-includes-account-id", [bucket("logs", type_="aws:s3/bucketV2:BucketV2")])


def test_bucket_names_are_pinned_to_the_providers_allowed_accounts():
    # Red-team b29: the stack's account is 123456789012, the name carries another account's id.
    foreign = bucket("trading-data-999999999999-us-east-1-dev")
    foreign.provider = {"region": "us-east-1", "allowedAccountIds": json.dumps([ACCOUNT])}
    (fault,) = faults("s3-bucket-name-includes-account-id", [foreign])
    assert fault == (
        "bucket name 'trading-data-999999999999-us-east-1-dev' does not contain the account id "
        f"({ACCOUNT}), so it may already be taken in another account (bucket names are global)"
    )
    foreign.provider = {"region": "us-east-1", "allowedAccountIds": [ACCOUNT]}
    assert len(faults("s3-bucket-name-includes-account-id", [foreign])) == 1
    own = bucket()
    own.provider = {"allowedAccountIds": json.dumps([ACCOUNT])}
    assert faults("s3-bucket-name-includes-account-id", [own]) == []
    # Configured accounts win over the provider's; an unreadable or absent list pins nothing.
    assert faults("s3-bucket-name-includes-account-id", [foreign], {"accountIds": ["999999999999"]}) == []
    for allowed in ("[not json", 42):
        foreign.provider = {"allowedAccountIds": allowed}
        assert faults("s3-bucket-name-includes-account-id", [foreign]) == []


def test_public_access_block_settings_must_all_be_true():
    b = bucket()
    block = attach(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        b,
        {"blockPublicAcls": True, "ignorePublicAcls": "false"},
        "pab",
    )
    (fault,) = faults("s3-public-access-blocked", [b, block])
    assert fault == (
        "public access block 'pab' does not set blockPublicPolicy=true, ignorePublicAcls=true, "
        "restrictPublicBuckets=true"
    )
    settings = dict.fromkeys(("blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    block.props.update(settings)
    assert faults("s3-public-access-blocked", [b, block]) == []


def test_a_block_computed_from_two_buckets_protects_only_the_one_it_names():
    # bucket=Output.all(a.id, b.id).apply(lambda ids: ids[0]) depends on both buckets but names one.
    a, b = bucket(), bucket(f"trading-logs-{ACCOUNT}-us-east-1-dev", "logs")
    flags = dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
    )
    block = R(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "pab",
        {"bucket": a.props["bucket"], **flags},
        deps={"bucket": [a, b]},
    )
    (diag,) = run("s3-public-access-blocked", [a, b, block])
    assert diag.urn == b.urn
    assert "has no aws.s3.BucketPublicAccessBlock, so an ACL or bucket policy can make it public" in (
        diag.message
    )
    # A value that names neither protects neither.
    block.props["bucket"] = f"trading-other-{ACCOUNT}-us-east-1-dev"
    assert sorted(d.urn for d in run("s3-public-access-blocked", [a, b, block])) == sorted([a.urn, b.urn])
    # While the value is unknown (a preview), the dependencies are all there is to go by.
    block.props["bucket"] = U
    assert run("s3-public-access-blocked", [a, b, block]) == []


def test_an_account_level_block_covers_every_bucket_only_when_complete():
    flags = dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
    )
    account = R("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account", flags)
    assert faults("s3-public-access-blocked", [bucket(), account]) == []
    partial = R(
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        "account",
        {**flags, "restrictPublicBuckets": False},
    )
    assert faults("s3-public-access-blocked", [bucket(), partial]) == [
        "has no aws.s3.BucketPublicAccessBlock, so an ACL or bucket policy can make it public"
    ]


ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BLOCK_FLAGS = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)
NO_BLOCK = "has no aws.s3.BucketPublicAccessBlock, so an ACL or bucket policy can make it public"
ELSEWHERE = (
    "; account public access block 'account' may be in another account (another accountId, assumed role or "
    "provider credentials), so it does not count"
)


def roles(*arns, region="us-east-1"):
    return {"region": region, "assumeRoles": json.dumps([{"roleArn": arn} for arn in arns])}


def account_block(provider=None, **props):
    block = R(ACCOUNT_BLOCK, "account", {**BLOCK_FLAGS, **props})
    block.provider = provider if provider is not None else dict(block.provider)
    return block


def with_provider(resource, provider):
    resource.provider = provider
    return resource


@pytest.mark.parametrize(
    ("block", "target"),
    [
        # An account block is put in the account its provider assumes a role in, or its accountId names.
        (account_block(roles("arn:aws:iam::999999999999:role/x")), bucket()),
        (account_block(accountId="999999999999"), bucket()),
        (
            account_block(
                {"region": "us-east-1", "assumeRole": {"roleArn": "arn:aws:iam::999999999999:role/x"}}
            ),
            bucket(),
        ),
        (account_block({"assumeRoleWithWebIdentity": json.dumps({"roleArn": "not-an-arn"})}), bucket()),
        (
            account_block(roles(f"arn:aws:iam::{ACCOUNT}:role/a", "arn:aws:iam::999999999999:role/b")),
            bucket(),
        ),
        (account_block({"assumeRoles": "[oops"}), bucket()),
        # Other credentials may be another account; a bucket pinned to another account is in it.
        (account_block({"region": "us-east-1", "profile": "other"}), bucket()),
        (account_block(), with_provider(bucket(), roles("arn:aws:iam::999999999999:role/x"))),
        (
            account_block({"allowedAccountIds": json.dumps([ACCOUNT])}),
            with_provider(bucket(), {"allowedAccountIds": json.dumps(["999999999999"])}),
        ),
    ],
)
def test_an_account_block_in_another_account_covers_no_bucket(block, target):
    (diag,) = run("s3-public-access-blocked", [target, block])
    assert diag.level == "mandatory"
    assert faults("s3-public-access-blocked", [target, block]) == [NO_BLOCK + ELSEWHERE]
    # The bucket's own block, put in the bucket's account, is what protects it then.
    own = attach("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", target, BLOCK_FLAGS, "pab")
    own.provider = target.provider
    assert run("s3-public-access-blocked", [target, block, own]) == []


@pytest.mark.parametrize(
    ("block", "target"),
    [
        (account_block(), bucket()),
        (account_block({"region": "eu-west-1"}), bucket()),
        (account_block(accountId=ACCOUNT), bucket()),
        (account_block(accountId=ACCOUNT), bucket("trading-data-dev")),
        (
            account_block(roles("arn:aws:iam::999999999999:role/x")),
            with_provider(bucket(), roles("arn:aws:iam::999999999999:role/x", region="eu-west-1")),
        ),
        (
            account_block(roles(f"arn:aws:iam::{ACCOUNT}:role/blocks")),
            with_provider(bucket(), {"allowedAccountIds": [ACCOUNT]}),
        ),
        (account_block(accountId=ACCOUNT), with_provider(bucket(), roles(f"arn:aws:iam::{ACCOUNT}:role/x"))),
        # Every form of assumed role names the account: a single assumeRole, a web identity.
        (
            account_block({"assumeRole": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/x"}}),
            with_provider(bucket(), {"allowedAccountIds": [ACCOUNT]}),
        ),
        (
            account_block(
                {"assumeRoleWithWebIdentity": json.dumps({"roleArn": f"arn:aws:iam::{ACCOUNT}:role/x"})}
            ),
            with_provider(bucket(), {"allowedAccountIds": [ACCOUNT]}),
        ),
    ],
)
def test_an_account_block_covers_the_buckets_of_its_own_account(block, target):
    assert run("s3-public-access-blocked", [target, block]) == []


def test_an_account_block_whose_account_is_unknown_at_preview_is_a_note():
    block = account_block(accountId=U)
    (note,) = run("s3-public-access-blocked", [bucket(), block])
    assert note.level == "advisory"
    assert faults("s3-public-access-blocked", [bucket(), block]) == [
        "whether account public access block 'account' is in the bucket's account cannot be checked until "
        f"{ACCOUNT_BLOCK} 'account'.accountId is known (it is built from values computed during deployment); "
        "preview with preflight --mode update or check after the first deployment"
    ]
    # The last role of a chain is the one the provider acts as: unknown when it is, whatever comes before.
    last_unknown = json.dumps([{"roleArn": f"arn:aws:iam::{ACCOUNT}:role/a"}, {"roleArn": U}])
    for provider in (
        {"assumeRoles": U},
        {"assumeRoles": json.dumps([{"roleArn": U}])},
        {"assumeRoles": last_unknown},
    ):
        (note,) = run("s3-public-access-blocked", [bucket(), account_block(provider)])
        assert note.level == "advisory"
        assert faults("s3-public-access-blocked", [bucket(), account_block(provider)]) == [
            "whether account public access block 'account' is in the bucket's account cannot be checked "
            "until the role its provider or the bucket's assumes is known; preview with preflight --mode "
            "update or check after the first deployment"
        ]
    own = attach("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket(), BLOCK_FLAGS, "pab")
    assert run("s3-public-access-blocked", [own.deps["bucket"][0], block, own]) == []


def test_an_account_block_that_turns_settings_off_replaces_a_complete_one_in_its_account():
    # An account has one public access block configuration: whichever block is applied last is it.
    off = R(ACCOUNT_BLOCK, "off", {**BLOCK_FLAGS, "blockPublicPolicy": False, "ignorePublicAcls": False})
    (diag,) = run("s3-public-access-blocked", [bucket(), account_block(), off])
    assert diag.level == "mandatory"
    assert faults("s3-public-access-blocked", [bucket(), account_block(), off]) == [
        NO_BLOCK + "; account public access block 'off' in its account sets blockPublicPolicy=false, "
        "ignorePublicAcls=false, and an account keeps only the block applied last, so 'account' does not "
        "count"
    ]
    # The bucket's own block still protects it; a block in another account replaces nothing here.
    own = attach("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket(), BLOCK_FLAGS, "pab")
    assert run("s3-public-access-blocked", [bucket(), account_block(), off, own]) == []
    off.props["accountId"] = "999999999999"
    assert run("s3-public-access-blocked", [bucket(), account_block(), off]) == []


def test_an_account_block_that_turns_settings_off_in_an_account_unknown_at_preview_is_a_note():
    off = R(ACCOUNT_BLOCK, "off", {**BLOCK_FLAGS, "restrictPublicBuckets": False, "accountId": U})
    (note,) = run("s3-public-access-blocked", [bucket(), account_block(), off])
    assert note.level == "advisory"
    assert faults("s3-public-access-blocked", [bucket(), account_block(), off]) == [
        "whether account public access block 'off' is in the bucket's account cannot be checked until "
        f"{ACCOUNT_BLOCK} 'off'.accountId is known (it is built from values computed during deployment); "
        "preview with preflight --mode update or check after the first deployment"
    ]


@pytest.mark.parametrize("algorithm", ["aws:kms", "aws:kms:dsse", U])
def test_kms_encryption_passes(algorithm):
    b = bucket()
    assert faults("s3-encrypted-with-kms", [b, attach(SSE_V2, b, sse(algorithm))]) == []


@pytest.mark.parametrize(
    "object_type",
    [
        "aws:s3/bucketObjectv2:BucketObjectv2",
        "aws:s3/bucketObject:BucketObject",
        "aws:s3/objectCopy:ObjectCopy",
    ],
)
def test_an_object_put_with_sse_s3_escapes_the_buckets_kms_default(object_type):
    # S3 applies a bucket's default encryption only to a request that asks for none.
    b = bucket()
    obj = attach(object_type, b, {"key": "orders.csv", "serverSideEncryption": "AES256"}, "obj")
    resources = [b, attach(SSE, b, sse("aws:kms")), obj]
    (diag,) = run("s3-encrypted-with-kms", resources)
    assert (diag.level, diag.urn) == ("mandatory", obj.urn)
    assert faults("s3-encrypted-with-kms", resources) == [
        "is put into bucket 'data' with serverSideEncryption 'AES256', which overrides the bucket's default "
        "encryption: the object is encrypted with SSE-S3 keys you cannot control or audit; leave "
        "serverSideEncryption unset or use aws:kms with the bucket's key"
    ]
    # Unset (unknown at preview, filled in by the provider), aws:kms, or a bucket allowed SSE-S3: no finding.
    for value in (U, "aws:kms"):
        obj.props["serverSideEncryption"] = value
        assert run("s3-encrypted-with-kms", resources) == []
    obj.props["serverSideEncryption"] = "AES256"
    assert run("s3-encrypted-with-kms", resources, {"sseS3AllowedBuckets": ["data"]}) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            None,
            "default encryption uses aws:kms without kmsMasterKeyId, so S3 uses the AWS managed key aws/s3, "
            "whose policy and rotation the stack cannot manage",
        ),
        (
            "",
            "default encryption uses aws:kms without kmsMasterKeyId, so S3 uses the AWS managed key aws/s3, "
            "whose policy and rotation the stack cannot manage",
        ),
        (
            "alias/aws/s3",
            "default encryption names the AWS managed key alias/aws/s3, not a customer-managed key",
        ),
        (
            f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3",
            f"default encryption names the AWS managed key arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3, "
            "not a customer-managed key",
        ),
        ("alias/trading-data", None),
        (U, None),
    ],
)
def test_kms_encryption_needs_a_customer_managed_key(key, expected):
    b = bucket()
    found = faults("s3-encrypted-with-kms", [b, attach(SSE_V2, b, sse("aws:kms", key))])
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("rule", "key", "instead"),
    [
        (
            "s3-encrypted-with-kms",
            "sseS3AllowedBuckets",
            "name the buckets that may use AES256 by logical name, URN or bucket name "
            '(e.g. "legacy-exports-*")',
        ),
        (
            "s3-bucket-access-logging",
            "logTargetBuckets",
            "name the buckets that receive access logs from outside the stack by logical name, URN or bucket "
            'name (e.g. "org-access-logs-*")',
        ),
    ],
)
@pytest.mark.parametrize("entry", ["*", "urn:*", "urn:pulumi:dev::trading::*", "?*"])
def test_a_bucket_allowlist_entry_that_matches_every_bucket_is_refused(rule, key, instead, entry):
    # The red-team input: ["*"] let every bucket use AES256 (or go unlogged) while the rule stayed mandatory.
    b = bucket()
    with pytest.raises(PolicyConfigError) as error:
        run(rule, [b, attach(SSE, b, sse("AES256"))], {key: ["legacy", entry]})
    assert str(error.value) == (
        f"policy config for '{rule}': {key}[1] is '{entry}', which matches every bucket; {instead}. Fix the "
        "policy pack config (--policy-pack-config); docs/policies.md lists each policy's settings"
    )


def test_sse_s3_and_other_algorithms_fail_unless_allowed():
    b = bucket()
    (fault,) = faults("s3-encrypted-with-kms", [b, attach(SSE, b, sse("AES256"))])
    assert fault.startswith("default encryption uses sseAlgorithm 'AES256'")
    assert (
        faults(
            "s3-encrypted-with-kms",
            [b, attach(SSE, b, sse("AES256"))],
            {"sseS3AllowedBuckets": [f"trading-data-{ACCOUNT}-*"]},
        )
        == []
    )
    assert (
        faults("s3-encrypted-with-kms", [b, attach(SSE, b, sse("AES256"))], {"sseS3AllowedBuckets": ["data"]})
        == []
    )
    assert faults("s3-encrypted-with-kms", [b, attach(SSE, b, {"rules": [{}]})]) == [
        "default encryption uses sseAlgorithm <not set>; only aws:kms or aws:kms:dsse (or AES256 for an "
        "allowed access-log bucket) is accepted"
    ]
    assert faults("s3-encrypted-with-kms", [b, attach(SSE, b, {"rules": []})]) == [
        "has no default encryption configuration with aws:kms, so S3 falls back to SSE-S3 keys "
        "you cannot control or audit"
    ]


def test_access_log_targets_may_use_sse_s3_or_default_encryption():
    data, logs = bucket(), bucket("logs-123456789012", "logs", policy=log_delivery("logs-123456789012"))
    logging = R(
        "aws:s3/bucketLogging:BucketLogging", "logging", {"bucket": NAME, "targetBucket": "logs-123456789012"}
    )
    kms = attach(SSE, data, sse("aws:kms"), "data-sse")
    assert faults("s3-encrypted-with-kms", [data, logs, logging, kms]) == []
    assert (
        faults(
            "s3-encrypted-with-kms", [data, logs, logging, kms, attach(SSE, logs, sse("AES256"), "logs-sse")]
        )
        == []
    )
    found = faults("s3-encrypted-with-kms", [data, logs, logging, kms], {"allowSseS3ForLogTargets": False})
    assert len(found) == 1
    assert "no default encryption configuration" in found[0]
    inline = bucket(
        logging={"targetBucket": "logs-123456789012"},
        serverSideEncryptionConfiguration=[
            {
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": "key-arn",
                        }
                    }
                ]
            }
        ],
    )
    assert faults("s3-encrypted-with-kms", [inline, logs]) == []


def test_legacy_inline_encryption_is_read_when_no_resource_configures_it():
    v7 = bucket(
        serverSideEncryptionConfiguration={
            "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
        }
    )
    (fault,) = faults("s3-encrypted-with-kms", [v7])
    assert "'AES256'" in fault
    assert faults("s3-encrypted-with-kms", [bucket(serverSideEncryptionConfiguration=U)]) == []
    assert len(faults("s3-encrypted-with-kms", [bucket(serverSideEncryptionConfigurations=[])])) == 1
    assert len(faults("s3-encrypted-with-kms", [bucket(serverSideEncryptionConfiguration=[])])) == 1
    linked_by_name = attach(SSE, v7, sse("aws:kms"), linked=False)
    assert faults("s3-encrypted-with-kms", [v7, linked_by_name]) == []


def test_versioning_status_and_legacy_inline_versioning():
    b = bucket()
    (fault,) = faults(
        "s3-versioning-enabled",
        [
            b,
            attach(
                "aws:s3/bucketVersioningV2:BucketVersioningV2",
                b,
                {"versioningConfiguration": {"status": "Suspended"}},
                "v",
            ),
        ],
    )
    assert fault == "versioning 'v' sets status 'Suspended'; use Enabled"
    enabled = attach(
        "aws:s3/bucketVersioning:BucketVersioning", b, {"versioningConfiguration": {"status": "Enabled"}}, "v"
    )
    assert faults("s3-versioning-enabled", [b, enabled]) == []
    assert faults("s3-versioning-enabled", [bucket(versioning={"enabled": True})]) == []
    assert faults("s3-versioning-enabled", [bucket(versioning=U)]) == []
    assert faults("s3-versioning-enabled", [bucket(versioning={"enabled": False})]) == [
        "has no aws.s3.BucketVersioning with status Enabled"
    ]


def test_a_bucket_v2s_own_encryption_and_versioning_blocks_are_read():
    # pulumi-aws v7 still offers BucketV2, whose inline blocks keep their v6 plural names and list form:
    # a BucketV2 that encrypts with a customer-managed key and versions itself was reported as neither.
    v2 = "aws:s3/bucketV2:BucketV2"
    kms = [
        {
            "rules": [
                {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}}
            ]
        }
    ]
    assert faults("s3-encrypted-with-kms", [bucket(type_=v2, serverSideEncryptionConfigurations=kms)]) == []
    aes = [{"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}]
    (fault,) = faults("s3-encrypted-with-kms", [bucket(type_=v2, serverSideEncryptionConfigurations=aes)])
    assert "'AES256'" in fault
    managed = [{"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}]
    (fault,) = faults("s3-encrypted-with-kms", [bucket(type_=v2, serverSideEncryptionConfigurations=managed)])
    assert fault.startswith(
        "default encryption uses aws:kms without kmsMasterKeyId, so S3 uses the AWS managed key"
    )
    assert faults("s3-versioning-enabled", [bucket(type_=v2, versionings=[{"enabled": True}])]) == []
    assert faults("s3-versioning-enabled", [bucket(type_=v2, versionings=[{"enabled": False}])]) == [
        "has no aws.s3.BucketVersioning with status Enabled"
    ]
    # A Bucket's singular block on a BucketV2 is not what the provider reads there.
    assert faults("s3-versioning-enabled", [bucket(type_=v2, versioning={"enabled": True})]) == [
        "has no aws.s3.BucketVersioning with status Enabled"
    ]


def deny(**changes):
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    statement.update(changes)
    return {key: value for key, value in statement.items() if value is not None}


def tls(*statements, linked=True):
    b = bucket()
    return [b, attach(POLICY, b, {"policy": json.dumps({"Statement": list(statements)})}, "policy", linked)]


NO_TLS_DENY = (
    'bucket policy has no Deny statement for Principal "*" on s3:* for the bucket and its objects with '
    'Condition {"Bool": {"aws:SecureTransport": "false"}}'
)
ARN = f"arn:aws:s3:::{NAME}"


@pytest.mark.parametrize(
    "statement",
    [
        deny(),
        deny(Principal="*", Action="s3:*"),
        deny(Principal={"AWS": ["*"]}, Action=["s3:GetObject", "S3:*"]),
        deny(Action="s*"),
        deny(Action="s3:?*"),
        deny(Action=None, NotAction=["iam:*", "s4:*", "s3"]),
        deny(Resource="*"),
        deny(Resource="arn:aws:s3:::*"),
        deny(Resource=[ARN, f"{ARN}/?*"]),
        deny(Resource=f"{ARN}*"),
        deny(Resource=None, NotResource=["arn:aws:s3:::other", "arn:aws:s3:::other/*", f"{ARN}x/*"]),
        # NotResource in another case spares another bucket, not this one (S3 ARNs are case-sensitive).
        deny(Resource=None, NotResource=f"arn:aws:s3:::{NAME.upper()}"),
        deny(Resource=None, NotResource=f"arn:aws:s3:::{NAME.upper()}/*"),
        deny(Condition={"Bool": {"aws:SecureTransport": "false"}}),
        deny(Condition={"Bool": {"AWS:SecureTransport": ["true", "false"]}}),
        # aws:SecureTransport is in every request, so these forms hold exactly when it is false.
        deny(Condition={"BoolIfExists": {"aws:SecureTransport": "false"}}),
        deny(Condition={"ForAnyValue:Bool": {"aws:SecureTransport": "false"}}),
    ],
)
def test_a_deny_of_plain_http_in_any_form_passes(statement):
    assert run("s3-tls-only", tls(statement)) == []


def test_a_deny_naming_buckets_by_pattern_or_partition_passes():
    assert run("s3-tls-only", tls(deny(Resource="arn:aws-us-gov:s3:::trading-*"), linked=False)) == []


@pytest.mark.parametrize(
    "statement",
    [
        deny(Effect="Allow"),
        deny(Principal={"AWS": "arn:aws:iam::1:role/r"}),
        # NotPrincipal spares the principals it names.
        deny(Principal=None, NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"}),
        # Every S3 action, not a sample of them.
        deny(Action=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]),
        deny(Action=["s3:Get*", "s3:Put*", "s3:List*", "s3:Delete*"]),
        deny(Action="s3:?"),
        deny(Action=None, NotAction="s3:GetObject"),
        deny(Action=None, NotAction="s?:Get*"),
        deny(Action=None, NotAction="*"),
        # Only aws:SecureTransport false: anything else must also hold, and spares what does not meet it.
        deny(
            Condition={"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:username": "nobody"}}
        ),
        deny(Condition={"Bool": {"aws:SecureTransport": "false", "aws:MultiFactorAuthPresent": "false"}}),
        deny(
            Condition={
                "Bool": {"aws:SecureTransport": "false"},
                "BoolIfExists": {"aws:SecureTransport": True},
            }
        ),
        deny(Condition={"Null": {"aws:SecureTransport": "false"}}),
        deny(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
        deny(Condition=None),
        # Every object: a sample key proves nothing.
        deny(Resource=f"arn:aws:s3:::{NAME}"),
        deny(Resource=[ARN, f"{ARN}/a*"]),
        deny(Resource=[ARN, f"{ARN}/??*"]),
        deny(Resource=None, NotResource=f"arn:aws:s3:::{NAME}/*"),
        deny(Resource=None, NotResource=f"{ARN}/private/*"),
        deny(Resource=None, NotResource="arn:aws:s3:::trading-*"),
        # S3 ARNs are case-sensitive: another spelling of the bucket is another bucket.
        deny(Resource=[f"arn:aws:s3:::{NAME.upper()}", f"{ARN}/*"]),
        deny(Resource=[ARN, f"arn:aws:s3:::{NAME.upper()}/*"]),
        # Actions are not: NotAction "S3:*" spares every S3 action.
        deny(Action=None, NotAction="S3:*"),
        # Patterns that take only the actions or keys starting with one character.
        deny(Action="s3:a*"),
        deny(Resource=[ARN, f"{ARN}/!*"]),
    ],
)
def test_incomplete_tls_statements_fail(statement):
    (diag,) = run("s3-tls-only", tls(statement))
    assert diag.level == "mandatory"
    assert faults("s3-tls-only", tls(statement)) == [NO_TLS_DENY]


@pytest.mark.parametrize(
    "statement",
    [
        deny(Effect=U),
        deny(Principal=U),
        deny(Action=U),
        deny(Action=None, NotAction=["iam:*", U]),
        deny(Resource=U),
        deny(Resource=[ARN, U]),
        deny(Resource=None, NotResource=U),
        deny(Condition=U),
        deny(Condition={"Bool": U}),
        deny(Condition={"Bool": {"aws:SecureTransport": "false"}, "StringEquals": U}),
        deny(Condition={"Bool": {"aws:SecureTransport": ["true", U]}}),
    ],
)
def test_a_deny_with_a_part_unknown_at_preview_is_a_note_never_a_pass(statement):
    (note,) = run("s3-tls-only", tls(statement))
    assert note.level == "advisory"
    assert faults("s3-tls-only", tls(statement)) == [
        "bucket policy 'policy' cannot be checked until aws:s3/bucketPolicy:BucketPolicy 'policy'.policy is "
        "known (it is built from values computed during deployment); preview with preflight --mode update or "
        "check after the first deployment"
    ]
    # A complete Deny beside it settles the question; a known narrowing Condition fails it whatever the rest.
    assert run("s3-tls-only", tls(statement, deny())) == []
    narrowed = deny(Condition={"StringEquals": {"aws:username": "nobody"}, "Bool": U})
    assert faults("s3-tls-only", tls(narrowed)) == [NO_TLS_DENY]


@pytest.mark.parametrize(
    "props", [{"bucket": U}, {"bucketPrefix": "trading-data-"}], ids=["unknown-name", "autonamed"]
)
def test_a_deny_on_named_buckets_is_a_note_while_the_buckets_name_is_unknown(props):
    unnamed = R("aws:s3/bucket:Bucket", "data", props)
    other = deny(Resource=["arn:aws:s3:::other", "arn:aws:s3:::other/*"])

    def policy(*statements):
        document = json.dumps({"Statement": list(statements)})
        return R(POLICY, "p", {"bucket": U, "policy": document}, deps={"bucket": [unnamed]})

    (note,) = run("s3-tls-only", [unnamed, policy(other)])
    assert note.level == "advisory"
    assert faults("s3-tls-only", [unnamed, policy(other)]) == [
        "whether the TLS Deny of bucket policy 'p' covers the bucket cannot be checked until "
        "aws:s3/bucket:Bucket 'data'.bucket is known (it is built from values computed during deployment); "
        "preview with preflight --mode update or check after the first deployment"
    ]
    # A Deny on every bucket covers this one whatever its name; a narrowed one fails whatever its name.
    for everything in ("*", "arn:aws:s3:::*", ["arn:aws:s3:::*"]):
        assert run("s3-tls-only", [unnamed, policy(deny(Resource=everything))]) == []
    spares_some = deny(Resource=None, NotResource="arn:aws:s3:::x")
    assert faults("s3-tls-only", [unnamed, policy(spares_some)]) == faults(
        "s3-tls-only", [unnamed, policy(other)]
    )
    for spares_all in ("*", "arn:aws:s3:::*"):
        assert faults("s3-tls-only", [unnamed, policy(deny(Resource=None, NotResource=spares_all))]) == [
            NO_TLS_DENY
        ]
    assert run("s3-tls-only", [unnamed, policy(deny(Resource=None, NotResource="arn:aws:sqs:*"))]) == []
    assert faults("s3-tls-only", [unnamed, policy(deny(Resource="arn:aws:sqs:*"))]) == [NO_TLS_DENY]
    # S3 ARNs are case-sensitive: a pattern that takes them only in another case takes none of them.
    assert faults("s3-tls-only", [unnamed, policy(deny(Resource="arn:aws:S3:::*"))]) == [NO_TLS_DENY]
    (note,) = run("s3-tls-only", [unnamed, policy(deny(Resource=U))])
    assert (
        "bucket policy 'p' cannot be checked until aws:s3/bucketPolicy:BucketPolicy 'p'.policy"
        in note.message
    )
    assert faults("s3-tls-only", [unnamed, policy({**other, "Action": "s3:GetObject"})]) == [NO_TLS_DENY]


def test_inline_empty_unknown_and_unreadable_policies():
    assert faults("s3-tls-only", [bucket(policy=json.dumps({"Statement": [deny()]}))]) == []
    (note,) = run("s3-tls-only", [bucket(policy=U)])
    assert note.level == "advisory"
    assert "bucket policy 'data' cannot be checked until aws:s3/bucket:Bucket 'data'.policy is known" in (
        note.message
    )
    assert faults("s3-tls-only", [bucket(policy="")]) == [
        "has no bucket policy, so requests over plain HTTP are not denied"
    ]
    broken = faults("s3-tls-only", [bucket(policy="{oops")])
    assert broken[0].startswith("bucket policy 'data' is unreadable: policy document is not valid JSON")
    assert len(broken) == 2


def test_public_allows_are_violations_unless_conditioned():
    allow = {
        "Sid": "Public",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{NAME}/*",
    }
    (fault,) = faults("s3-bucket-policy-no-public-allow", tls(allow))
    assert fault == (
        "bucket policy 'policy' statement 'Public' (Statement[0]) allows \"*\" Action "
        "[s3:GetObject] without a Condition, which makes the bucket public"
    )
    conditioned = {**allow, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
    assert faults("s3-bucket-policy-no-public-allow", tls(conditioned, deny())) == []
    (fault,) = faults("s3-bucket-policy-no-public-allow", [bucket(policy="[]")])
    assert fault == "bucket policy 'data' is unreadable: policy document must be a JSON object, got a list"


def test_an_inline_policy_is_judged_beside_a_bucket_policy_as_either_may_be_the_one_s3_keeps():
    # The bucket's inline policy and a BucketPolicy both put the bucket's one policy; the last applied wins.
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{ARN}/*"}
    b = bucket(policy=json.dumps({"Statement": [public, deny()]}))
    guarded = attach(POLICY, b, {"policy": json.dumps({"Statement": [deny()]})}, "policy")
    (diag,) = run("s3-bucket-policy-no-public-allow", [b, guarded])
    assert diag.level == "mandatory"
    assert faults("s3-bucket-policy-no-public-allow", [b, guarded]) == [
        "bucket policy 'data' Statement[0] allows \"*\" Action [s3:GetObject] without a Condition, which "
        "makes the bucket public"
    ]
    assert run("s3-tls-only", [b, guarded]) == []
    plain = attach(POLICY, b, {"policy": json.dumps({"Statement": [public]})}, "policy")
    assert faults("s3-tls-only", [b, plain]) == [
        f"bucket policy 'policy' {NO_TLS_DENY.removeprefix('bucket policy ')}; 'data', 'policy' each set "
        "this bucket's one policy and the last one applied replaces the others, so each needs it"
    ]
    safe = bucket(policy=json.dumps({"Statement": [deny()]}))
    assert (
        run("s3-bucket-policy-no-public-allow", [safe, attach(POLICY, safe, guarded.props, "policy")]) == []
    )


PUBLIC_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{ARN}/*"}


@pytest.mark.parametrize(
    "statement",
    [
        {**PUBLIC_READ, "Condition": {"Bool": U}},
        {**PUBLIC_READ, "Condition": {"StringEquals": U}},
        {**PUBLIC_READ, "Condition": U},
        {**PUBLIC_READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": U}},
        {**PUBLIC_READ, "Effect": U},
        {
            **PUBLIC_READ,
            "Principal": None,
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Condition": {"Bool": U},
        },
    ],
)
@pytest.mark.parametrize("as_text", [True, False], ids=["json", "object"])
def test_a_public_allow_whose_condition_is_unknown_at_preview_is_a_note_never_a_pass(statement, as_text):
    statement = {key: value for key, value in statement.items() if value is not None}
    document = {"Statement": [statement, deny()]}
    b = bucket()
    policy = attach(POLICY, b, {"policy": json.dumps(document) if as_text else document}, "policy")
    (note,) = run("s3-bucket-policy-no-public-allow", [b, policy])
    assert note.level == "advisory"
    (fault,) = faults("s3-bucket-policy-no-public-allow", [b, policy])
    assert fault.startswith("whether bucket policy 'policy' Statement[0] (")
    assert fault.endswith(
        "Action [s3:GetObject]) makes the bucket public cannot be checked until "
        "aws:s3/bucketPolicy:BucketPolicy 'policy'.policy is known (it is built from values computed during "
        "deployment); preview with preflight --mode update or check after the first deployment"
    )


@pytest.mark.parametrize(
    "statement",
    [
        {**PUBLIC_READ, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": U}},
        {**PUBLIC_READ, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, "Condition": {"Bool": U}},
        {**PUBLIC_READ, "Effect": "Deny", "Condition": {"Bool": U}},
    ],
)
def test_an_unknown_condition_needs_no_note_where_the_statement_is_not_public_anyway(statement):
    assert run("s3-bucket-policy-no-public-allow", tls(statement, deny())) == []


# ---- service principals must be bound to whose resources they act for ------------------------------
PUBLIC_ALLOW = "s3-bucket-policy-no-public-allow"
AWSLOGS = ", nor does every Resource lie under an AWSLogs/<account>/ prefix"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit"
OTHER = "210987654321"
ELB = "logdelivery.elasticloadbalancing.amazonaws.com"


def service_writes(service, resource=f"{ARN}/*", action="s3:PutObject", **changes):
    return {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": action,
        "Resource": resource,
        **changes,
    }


@pytest.mark.parametrize(
    ("statement", "unless"),
    [
        (service_writes("logging.s3.amazonaws.com"), ""),
        (service_writes("s3.amazonaws.com", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}), ""),
        # Anywhere in the bucket: any account's trail could write there.
        (service_writes("cloudtrail.amazonaws.com"), ""),
        # CloudTrail, Config and log delivery take any key prefix, "AWSLogs/<your account>" too: an attacker's
        # trail with that prefix writes under the path, so only a source condition binds them.
        (service_writes("cloudtrail.amazonaws.com", f"{ARN}/AWSLogs/{ACCOUNT}/*"), ""),
        (service_writes("delivery.logs.amazonaws.com", f"{ARN}/AWSLogs/{ACCOUNT}/*"), ""),
        (service_writes("config.amazonaws.com", f"arn:aws-cn:s3:::{NAME}/AWSLogs/{ACCOUNT}/Config/*"), ""),
        # For ELB, a wildcard or a variable before the account, or no account, is any account's prefix.
        (service_writes(ELB, f"{ARN}/AWSLogs/*"), AWSLOGS),
        (service_writes(ELB, f"{ARN}/*/AWSLogs/{ACCOUNT}/*"), AWSLOGS),
        (service_writes(ELB, f"{ARN}/AWSLogs/${{aws:SourceAccount}}/*"), AWSLOGS),
        (service_writes(ELB, [f"{ARN}/AWSLogs/{ACCOUNT}/*", f"{ARN}/x/*"]), AWSLOGS),
        (service_writes(ELB, None, NotResource=f"{ARN}/AWSLogs/{ACCOUNT}/*"), AWSLOGS),
        # S3 server access logging writes under the prefix the source bucket chooses, not under AWSLogs/.
        (service_writes("logging.s3.amazonaws.com", f"{ARN}/AWSLogs/{ACCOUNT}/*"), ""),
        # More than the bucket checks a service makes before delivering.
        (service_writes(ELB, ARN, ["s3:GetBucketAcl", "s3:ListBucket"]), AWSLOGS),
    ],
)
def test_a_service_that_may_act_for_any_accounts_resources_opens_the_bucket(statement, unless):
    # The confused deputy: any account's trail, log delivery or inventory could write into the bucket.
    statement = {key: value for key, value in statement.items() if value is not None}
    resources = tls(statement, deny())
    assert [d.level for d in run(PUBLIC_ALLOW, resources)] == ["mandatory"]
    service = statement["Principal"]["Service"]
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    assert faults(PUBLIC_ALLOW, resources) == [
        f'bucket policy \'policy\' Statement[0] allows {{"Service": "{service}"}} '
        f"Action [{', '.join(actions)}] without an aws:SourceArn or aws:SourceAccount naming an "
        f"account{unless}, so any {service.split('.')[0]} resource in any account can reach the bucket"
    ]


@pytest.mark.parametrize(
    "statement",
    [
        # The project's own log bucket policy, and AWS's documented bindings.
        service_writes(
            "logging.s3.amazonaws.com",
            Condition={"ArnLike": {"aws:SourceArn": ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
        ),
        service_writes("cloudtrail.amazonaws.com", Condition={"StringEquals": {"aws:SourceArn": TRAIL}}),
        service_writes("s3.amazonaws.com", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        # ELB writes only under AWSLogs/<source account>/ and rejects AWSLogs in its prefix.
        service_writes(ELB, f"{ARN}/lb/AWSLogs/{ACCOUNT}/*"),
        service_writes(ELB, [f"{ARN}/AWSLogs/{ACCOUNT}/*", f"{ARN}/AWSLogs/{OTHER}/*"]),
        # The bucket checks before a delivery reveal nothing.
        service_writes("cloudtrail.amazonaws.com", ARN, "s3:GetBucketAcl"),
        service_writes("delivery.logs.amazonaws.com", ARN, ["s3:GetBucketAcl", "s3:GetBucketLocation"]),
        {**service_writes("cloudtrail.amazonaws.com"), "Effect": "Deny"},
    ],
)
def test_a_service_bound_to_a_source_or_to_its_accounts_logs_passes(statement):
    assert run(PUBLIC_ALLOW, tls(statement, deny())) == []


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"NotAction": "s3:DeleteObject"}, "NotAction [s3:DeleteObject]"),
        ({"Action": U}, "Action [<unknown>]"),  # an action not known yet may be more than a bucket check
    ],
)
def test_only_known_bucket_checks_spare_an_unbound_service(changes, shown):
    statement = {
        key: value for key, value in service_writes("s3.amazonaws.com", ARN).items() if key != "Action"
    }
    b = bucket()
    resources = [b, attach(POLICY, b, {"policy": {"Statement": [{**statement, **changes}]}}, "policy")]
    assert faults(PUBLIC_ALLOW, resources) == [
        f'bucket policy \'policy\' Statement[0] allows {{"Service": "s3.amazonaws.com"}} {shown} without an '
        "aws:SourceArn or aws:SourceAccount naming an account, so any s3 resource in any account can reach "
        "the bucket"
    ]


def test_a_log_prefix_not_known_at_preview_is_a_note():
    document = {"Statement": [service_writes(ELB, [f"{ARN}/AWSLogs/{ACCOUNT}/*", U])]}
    b = bucket()
    resources = [b, attach(POLICY, b, {"policy": document}, "policy")]
    (note,) = run(PUBLIC_ALLOW, resources)
    assert note.level == "advisory"
    assert faults(PUBLIC_ALLOW, resources) == [
        "whether bucket policy 'policy' Statement[0] keeps {\"Service\": "
        '"logdelivery.elasticloadbalancing.amazonaws.com"} to one '
        "account's AWSLogs/<account>/ prefix cannot be checked until aws:s3/bucketPolicy:BucketPolicy "
        "'policy'.policy is known (it is built from values computed during deployment); preview with "
        "preflight --mode update or check after the first deployment"
    ]
    # A prefix that cannot bind decides it whatever the unknown one turns out to be.
    document["Statement"][0]["Resource"] = [f"{ARN}/*", U]
    assert [d.level for d in run(PUBLIC_ALLOW, resources)] == ["mandatory"]


@FUZZ
@settings(max_examples=100, deadline=None)
@given(document=DOCUMENTS)
def test_random_bucket_policies_never_crash(document):
    resources = [bucket(), R(POLICY, "p", {"bucket": NAME, "policy": json.dumps(document)})]
    for rule in ("s3-tls-only", "s3-bucket-policy-no-public-allow"):
        for diag in run(rule, resources):
            unknown_note = "\n[unknown at preview] " in diag.message
            assert diag.level == ("advisory" if unknown_note else "mandatory")
            assert "'data'" in diag.message


def test_public_acls_and_grants():
    grant = {
        "grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "permission": "READ",
    }
    acl = R(
        "aws:s3/bucketAclV2:BucketAclV2",
        "acl",
        {"bucket": NAME, "accessControlPolicy": {"grants": [grant, {"grantee": {"id": "me"}}]}},
    )
    assert faults("s3-no-public-acl", [acl]) == [
        "accessControlPolicy grants 'READ' to http://acs.amazonaws.com/groups/global/AllUsers"
    ]
    assert (
        faults(
            "s3-no-public-acl", [R("aws:s3/bucketAcl:BucketAcl", "acl", {"bucket": NAME, "acl": "private"})]
        )
        == []
    )


def test_bucket_policies_unknown_at_preview_are_advisory_notes_naming_what_they_depend_on():
    # Red-team b26/b05: policy=pulumi.Output.json_dumps({... "Resource": pulumi.Output.concat(b.arn, "/*")})
    b = bucket()
    role = R("aws:iam/role:Role", "app", {"arn": U})
    policy = R(POLICY, "pol", {"bucket": U, "policy": U}, deps={"bucket": [b], "policy": [b, role]})
    for rule, severity in (("s3-tls-only", "HIGH"), ("s3-bucket-policy-no-public-allow", "CRITICAL")):
        (note,) = run(rule, [b, role, policy])
        assert note.level == "advisory"
        assert note.urn.endswith("::data")
        assert note.message.split("\n", 1)[1].startswith(
            f"[unknown at preview] [{severity}] aws:s3/bucket:Bucket 'data': bucket policy 'pol' cannot be "
            "checked until aws:s3/bucketPolicy:BucketPolicy 'pol'.policy is known (it depends on "
            "aws:s3/bucket:Bucket 'data', aws:iam/role:Role 'app'); preview with preflight --mode update or "
            "check after the first deployment. Fix: "
        )


def test_every_policy_set_on_a_bucket_needs_the_tls_deny_as_the_last_one_applied_replaces_the_others():
    b = bucket()
    known = attach(POLICY, b, {"policy": json.dumps({"Statement": [deny()]})}, "known")
    unknown = attach(POLICY, b, {"policy": U}, "later")
    (note,) = run("s3-tls-only", [b, known, unknown])
    assert note.level == "advisory"
    assert "bucket policy 'later' cannot be checked until" in note.message
    (note,) = run("s3-bucket-policy-no-public-allow", [b, known, unknown])
    assert "bucket policy 'later' cannot be checked until" in note.message
    other = attach(POLICY, b, {"policy": json.dumps({"Statement": [deny(Effect="Allow")]})}, "other")
    assert faults("s3-tls-only", [b, known, other]) == [
        f"bucket policy 'other' {NO_TLS_DENY.removeprefix('bucket policy ')}; 'known', 'other' each set this "
        "bucket's one policy and the last one applied replaces the others, so each needs it"
    ]
    assert run("s3-tls-only", [b, known, attach(POLICY, b, {"policy": known.props["policy"]}, "again")]) == []


LOGGING = "aws:s3/bucketLogging:BucketLogging"


def test_a_logging_block_unknown_at_preview_is_not_access_logging_unless_a_bucket_logging_names_it():
    # The program set no logging: the provider computes the block, unknown at preview and empty once created.
    unlogged = bucket(logging=U)
    assert faults("s3-bucket-access-logging", [unlogged]) == [
        "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access log"
    ]
    logs = bucket(f"logs-{ACCOUNT}", "logs", policy=log_delivery(f"logs-{ACCOUNT}"))
    logging = attach(LOGGING, unlogged, {"targetBucket": logs.props["bucket"]}, "data-logging")
    assert run("s3-bucket-access-logging", [unlogged, logs, logging]) == []
    # A block the program set, known only in part, names a target: logged.
    assert run("s3-bucket-access-logging", [bucket(logging={"targetBucket": U})]) == []


def test_a_logging_block_built_from_other_resources_is_a_note_until_it_is_known():
    # logging=logs.bucket.apply(lambda name: {"target_bucket": name}): set, but what it holds is not known.
    logs = bucket(f"logs-{ACCOUNT}", "logs")
    data = R("aws:s3/bucket:Bucket", "data", {"bucket": NAME, "logging": U}, deps={"logging": [logs]})
    (note,) = run("s3-bucket-access-logging", [data, logs], {"logTargetBuckets": ["logs"]})
    assert note.level == "advisory"
    assert note.urn.endswith("::data")
    assert (
        "[unknown at preview] [MEDIUM] aws:s3/bucket:Bucket 'data': the bucket's access logging cannot be "
        "checked until aws:s3/bucket:Bucket 'data'.logging is known (it depends on aws:s3/bucket:Bucket "
        "'logs')"
    ) in note.message


SELF_LOGGING = (
    "delivers its server access logs to itself ({} names it as targetBucket), which AWS warns causes an "
    "infinite loop of logs and keeps the logs with the data they audit; deliver them to a separate "
    "access-log bucket"
)


@pytest.mark.parametrize("linked", [True, False], ids=["by-dependency", "by-name"])
def test_a_bucket_logging_to_itself_is_neither_logged_nor_a_log_target(linked):
    data = bucket()
    deps = {"bucket": [data], "targetBucket": [data]} if linked else {}
    to_itself = R(LOGGING, "data-logging", {"bucket": NAME, "targetBucket": NAME}, deps=deps)
    aes = attach(SSE, data, sse("AES256"), "data-sse")
    assert faults("s3-bucket-access-logging", [data, aes, to_itself]) == [
        SELF_LOGGING.format("aws.s3.BucketLogging 'data-logging'")
    ]
    assert faults("s3-encrypted-with-kms", [data, aes, to_itself]) == [
        "default encryption uses sseAlgorithm 'AES256'; only aws:kms or aws:kms:dsse (or AES256 for an "
        "allowed access-log bucket) is accepted"
    ]
    # A target unknown at preview is not taken for the bucket the logging depends on.
    unknown_target = R(LOGGING, "data-logging", {"bucket": U, "targetBucket": U}, deps={"bucket": [data]})
    assert run("s3-bucket-access-logging", [data, aes, unknown_target]) == []
    inline = bucket(logging={"targetBucket": NAME})
    inline_aes = attach(SSE, inline, sse("AES256"), "data-sse")
    assert faults("s3-bucket-access-logging", [inline, inline_aes]) == [
        SELF_LOGGING.format("its logging block")
    ]
    assert len(faults("s3-encrypted-with-kms", [inline, inline_aes])) == 1


def test_an_access_log_bucket_that_also_logs_itself_keeps_its_exemptions():
    data, logs = bucket(), bucket(f"logs-{ACCOUNT}", "logs", policy=log_delivery(f"logs-{ACCOUNT}"))
    resources = [
        data,
        logs,
        attach(SSE, data, sse("aws:kms"), "data-sse"),
        attach(SSE, logs, sse("AES256"), "logs-sse"),
        R(
            LOGGING,
            "data-logging",
            {"bucket": NAME, "targetBucket": logs.props["bucket"]},
            deps={"bucket": [data]},
        ),
        R(LOGGING, "logs-logging", {"bucket": logs.props["bucket"], "targetBucket": logs.props["bucket"]}),
    ]
    assert run("s3-bucket-access-logging", resources) == []
    assert run("s3-encrypted-with-kms", resources) == []
    # Logs of a bucket the stack does not declare make a log target too.
    external = R(LOGGING, "external", {"bucket": f"legacy-{ACCOUNT}", "targetBucket": logs.props["bucket"]})
    assert run("s3-encrypted-with-kms", [logs, resources[3], external]) == []


DIRECTORY = "aws:s3/directoryBucket:DirectoryBucket"
EXPRESS = f"trading-data-{ACCOUNT}--use1-az4--x-s3"


def directory_bucket(name=EXPRESS):
    return R(
        DIRECTORY, "express", {"bucket": name, "location": {"name": "use1-az4", "type": "AvailabilityZone"}}
    )


def test_directory_buckets_need_sse_kms_with_a_customer_managed_key():
    # S3 Express One Zone encrypts with SSE-S3 unless the bucket's default encryption names a KMS key.
    express = directory_bucket()
    assert faults("s3-encrypted-with-kms", [express]) == [
        "has no default encryption configuration with aws:kms, so S3 falls back to SSE-S3 keys you cannot "
        "control or audit"
    ]
    assert faults("s3-encrypted-with-kms", [express, attach(SSE, express, sse("AES256"))]) == [
        "default encryption uses sseAlgorithm 'AES256'; only aws:kms or aws:kms:dsse (or AES256 for an "
        "allowed access-log bucket) is accepted"
    ]
    (diag,) = run("s3-encrypted-with-kms", [express, attach(SSE, express, sse("AES256"), linked=False)])
    assert diag.level == "mandatory"
    assert run("s3-encrypted-with-kms", [express, attach(SSE, express, sse("aws:kms"))]) == []


def test_directory_buckets_are_not_asked_for_what_aws_fixes_or_does_not_support():
    # Block Public Access always on, HTTPS only, no versioning, no server access logging.
    for rule in (
        "s3-public-access-blocked",
        "s3-tls-only",
        "s3-versioning-enabled",
        "s3-bucket-access-logging",
    ):
        assert run(rule, [directory_bucket()]) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (EXPRESS, []),
        (f"trading-data-{ACCOUNT}", ["does not end with --<zone id>--x-s3 (e.g. --use1-az4--x-s3)"]),
        (
            f"{'a' * 40}-{ACCOUNT}--use1-az4--x-s3",
            ["is 69 characters long (S3 allows 3-63, suffix included)"],
        ),
        (f"-trading-{ACCOUNT}--use1-az4--x-s3", ["must begin and end with a lowercase letter or digit"]),
        (f"xn--trading-{ACCOUNT}--use1-az4--x-s3", ["starts with the reserved prefix 'xn--'"]),
        (
            f"trading.data-{ACCOUNT}--use1-az4--x-s3",
            ["contains characters other than lowercase letters, digits and hyphens"],
        ),
        (
            "trading-data--use1-az4--x-s3",
            [
                "contains no 12-digit account id, so it may already be taken in another account (directory "
                "bucket names are shared by every account in the zone)"
            ],
        ),
    ],
)
def test_directory_bucket_names_follow_the_directory_bucket_rules(name, expected):
    found = faults("s3-bucket-name-includes-account-id", [directory_bucket(name)])
    assert found == [f"bucket name '{name}' {problem}" for problem in expected]


# ---- access-log buckets hold only logs ---------------------------------------------------------------
NOT_ONLY_LOGS = (
    "; it receives server access logs, but {}, so it may hold more than logs and is no access-log bucket: "
    "let its bucket policy allow only logging.s3.amazonaws.com (s3:PutObject) and write nothing else into it"
)
AES256_FAULT = (
    "default encryption uses sseAlgorithm 'AES256'; only aws:kms or aws:kms:dsse (or AES256 for an allowed "
    "access-log bucket) is accepted"
)
UNLOGGED = "has no aws.s3.BucketLogging, so requests to it and its objects leave no server access log"
LOGS = f"logs-{ACCOUNT}"


def logged_into(target, *extra):
    """A source bucket whose access logs go to ``target`` (AES256), and ``extra`` resources."""
    source = bucket(logical="source")
    return [
        source,
        target,
        attach(SSE, source, sse("aws:kms"), "source-sse"),
        attach(SSE, target, sse("AES256"), "target-sse"),
        attach(LOGGING, source, {"targetBucket": target.props["bucket"]}, "source-logging"),
        *extra,
    ]


def test_a_bucket_that_only_receives_logs_is_no_access_log_bucket_without_a_log_delivery_policy():
    # A throwaway bucket logging into a data bucket must not spare it SSE-KMS and its own access log.
    resources = logged_into(bucket(LOGS, "target"))
    why = NOT_ONLY_LOGS.format("no bucket policy lets logging.s3.amazonaws.com s3:PutObject")
    assert faults("s3-encrypted-with-kms", resources) == [AES256_FAULT + why]
    assert faults("s3-bucket-access-logging", resources) == [UNLOGGED + why]
    assert all(d.level == "mandatory" for d in run("s3-encrypted-with-kms", resources))
    # Without any encryption configuration the same reason is given.
    assert faults("s3-encrypted-with-kms", [r for r in resources if r.name != "target-sse"]) == [
        "has no default encryption configuration with aws:kms, so S3 falls back to SSE-S3 keys you cannot "
        "control or audit" + why
    ]
    # The pack's config can still name it, for buckets whose log delivery the stack does not show.
    assert run("s3-encrypted-with-kms", resources, {"sseS3AllowedBuckets": ["target"]}) == []
    assert run("s3-bucket-access-logging", resources, {"logTargetBuckets": ["target"]}) == []
    # With the policy S3 log delivery needs, it is an access-log bucket.
    logs = bucket(LOGS, "target", policy=log_delivery(LOGS))
    assert run("s3-encrypted-with-kms", logged_into(logs)) == []
    assert run("s3-bucket-access-logging", logged_into(logs)) == []


def allow_statement(principal, action="s3:GetObject", resource=f"arn:aws:s3:::{LOGS}/*", **changes):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **changes}


def with_statements(*statements):
    document = json.loads(log_delivery(LOGS))
    document["Statement"] += list(statements)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        (
            allow_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}),
            f'{{"AWS": "arn:aws:iam::{ACCOUNT}:role/app"}}',
        ),
        (allow_statement({"Service": "lambda.amazonaws.com"}), '{"Service": "lambda.amazonaws.com"}'),
        (
            {**allow_statement({"Service": "logging.s3.amazonaws.com"}), "NotPrincipal": {"AWS": "x"}},
            None,
        ),
    ],
)
def test_a_log_bucket_whose_policy_lets_another_principal_in_may_hold_more_than_logs(statement, shown):
    if shown is None:
        statement = allow_statement(None)
        del statement["Principal"]
        statement["NotPrincipal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        shown = f'NotPrincipal {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}}'
    logs = bucket(LOGS, "target", policy=with_statements(statement))
    why = NOT_ONLY_LOGS.format(f"bucket policy 'target' Statement[2] allows {shown} Action [s3:GetObject]")
    assert faults("s3-encrypted-with-kms", logged_into(logs)) == [AES256_FAULT + why]


def test_a_log_delivery_grant_must_allow_put_object():
    logs = bucket(
        LOGS, "target", policy=json.dumps({"Statement": [allow_statement({"Service": LOG_SERVICE})]})
    )
    why = NOT_ONLY_LOGS.format("no bucket policy lets logging.s3.amazonaws.com s3:PutObject")
    assert faults("s3-bucket-access-logging", logged_into(logs)) == [UNLOGGED + why]


LOG_SERVICE = "logging.s3.amazonaws.com"


def role_policy(statement, type_="aws:iam/rolePolicy:RolePolicy"):
    return R(
        type_,
        "app-policy",
        {"role": "app", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})},
    )


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS}/*"},
        {"Effect": "Allow", "Action": ["s3:Put*"], "Resource": f"arn:aws-us-gov:s3:::{LOGS}/data/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": f"arn:aws:s3:::other-{ACCOUNT}/*"},
        # S3 ARNs are case-sensitive: NotResource on another spelling spares another bucket.
        {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": f"arn:aws:s3:::{LOGS.upper()}/*"},
    ],
)
def test_a_log_bucket_the_stacks_identity_policies_write_into_may_hold_more_than_logs(statement):
    logs = bucket(LOGS, "target", policy=log_delivery(LOGS))
    why = NOT_ONLY_LOGS.format(
        "aws:iam/rolePolicy:RolePolicy 'app-policy' (policy, Statement[0]) allows s3:PutObject on its objects"
    )
    assert faults("s3-encrypted-with-kms", logged_into(logs, role_policy(statement))) == [AES256_FAULT + why]


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{LOGS}/*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS}-archive/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS}"},
        {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": U},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOGS.upper()}/*"},
    ],
)
def test_identity_policies_that_cannot_write_into_a_log_bucket_leave_it_one(statement):
    logs = bucket(LOGS, "target", policy=log_delivery(LOGS))
    assert run("s3-encrypted-with-kms", logged_into(logs, role_policy(statement))) == []


def test_an_object_put_into_a_log_bucket_makes_it_hold_more_than_logs():
    logs = bucket(LOGS, "target", policy=log_delivery(LOGS))
    put = attach("aws:s3/bucketObjectv2:BucketObjectv2", logs, {"key": "cards.csv"}, "cards")
    why = NOT_ONLY_LOGS.format("object 'cards' is put into it")
    assert faults("s3-bucket-access-logging", logged_into(logs, put)) == [UNLOGGED + why]
    # A target whose name is not known yet is judged on its policy and objects alone.
    unnamed = R("aws:s3/bucket:Bucket", "target", {"id": LOGS, "policy": log_delivery(LOGS)})
    source = bucket(logical="source", logging={"targetBucket": LOGS})
    writer = role_policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})
    assert run("s3-bucket-access-logging", [source, unnamed, writer]) == []


@pytest.mark.parametrize(
    "policy",
    [
        U,
        with_statements(allow_statement({"AWS": U})),
        with_statements({**allow_statement({"AWS": "x"}), "Effect": U}),
    ],
    ids=["policy", "principal", "effect"],
)
def test_whether_a_log_bucket_holds_only_logs_is_a_note_while_its_policy_is_unknown(policy):
    logs = bucket(LOGS, "target")
    attached = attach(POLICY, logs, {"policy": policy}, "target-policy")
    for rule, what in (
        ("s3-encrypted-with-kms", "may use SSE-S3"),
        ("s3-bucket-access-logging", "needs no access log"),
    ):
        (note,) = run(rule, logged_into(logs, attached))
        assert note.level == "advisory"
        assert (
            f"whether bucket 'target' holds only access logs, and so {what} cannot be checked until "
            "aws:s3/bucketPolicy:BucketPolicy 'target-policy'.policy is known"
        ) in note.message
    # A known reason outweighs the unknown part, and a bucket encrypted with KMS needs no answer.
    put = attach("aws:s3/bucketObjectv2:BucketObjectv2", logs, {"key": "cards.csv"}, "cards")
    (fault,) = faults("s3-encrypted-with-kms", logged_into(logs, attached, put))
    assert fault == AES256_FAULT + NOT_ONLY_LOGS.format("object 'cards' is put into it")
    kms = [r for r in logged_into(logs, attached) if r.name != "target-sse"]
    kms.append(attach(SSE, logs, sse("aws:kms"), "target-kms"))
    assert run("s3-encrypted-with-kms", kms) == []


# ---- s3-access-log-retention -----------------------------------------------------------------------

RETENTION = "s3-access-log-retention"
LOG_TARGET = f"trading-logs-{ACCOUNT}-us-east-1-dev"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
KEPT_LESS = (
    "PCI DSS 10.5.1 keeps audit logs at least 365 days: raise expiration.days, or set this policy's "
    "minimumRetentionDays in the policy pack config of a stack that may keep them less"
)


def expiring(days=90, **rule):
    return {"id": "expire-logs", "status": "Enabled", "expiration": {"days": days}, **rule}


def logs_lifecycle(rules, *, prefix="data/", linked=True, type_=LIFECYCLE):
    """Bucket 'data' logging into bucket 'logs' under ``prefix``, and a lifecycle of 'logs' with ``rules``."""
    data, logs = bucket(), bucket(LOG_TARGET, "logs")
    logging = attach(
        "aws:s3/bucketLogging:BucketLogging",
        data,
        {"targetBucket": LOG_TARGET, "targetPrefix": prefix},
        "logging",
    )
    return [data, logs, logging, attach(type_, logs, {"rules": rules}, "logs-lifecycle", linked)]


def test_a_lifecycle_that_expires_access_logs_before_a_year_is_blocked_by_literal_names_too():
    # The red-team input: every name literal, no output linking the lifecycle to the log bucket.
    for linked in (True, False):
        (diag,) = run(RETENTION, logs_lifecycle([expiring(90, filter={"prefix": ""})], linked=linked))
        assert diag.level == "mandatory"
        assert diag.urn.endswith("::logs-lifecycle")
        assert (
            "rules[0] (id 'expire-logs') expires the server access logs aws:s3/bucket:Bucket 'logs' "
            f"receives after 90 days; {KEPT_LESS}"
        ) in diag.message


def test_a_stack_may_lower_the_minimum_in_its_policy_config():
    resources = logs_lifecycle([expiring(90)])
    assert run(RETENTION, resources, {"minimumRetentionDays": 90}) == []
    (diag,) = run(RETENTION, resources, {"minimumRetentionDays": 180})
    assert "after 90 days; PCI DSS 10.5.1 keeps audit logs at least 180 days" in diag.message
    assert run(RETENTION, logs_lifecycle([expiring(365), expiring("400")])) == []


def test_a_bucket_outside_the_stack_named_as_target_is_read_by_its_name():
    data = bucket()
    logging = attach("aws:s3/bucketLogging:BucketLogging", data, {"targetBucket": "org-logs"}, "logging")
    lifecycle = R(LIFECYCLE, "org-lifecycle", {"bucket": "org-logs", "rules": [expiring(30)]})
    (diag,) = run(RETENTION, [data, logging, lifecycle])
    assert "expires the server access logs bucket 'org-logs' receives after 30 days" in diag.message
    other = R(LIFECYCLE, "other", {"bucket": "scratch", "rules": [expiring(1)]})
    assert run(RETENTION, [data, logging, other]) == []


def test_an_expiry_by_date_removes_every_log_whatever_its_age():
    (diag,) = run(
        RETENTION, logs_lifecycle([{"id": "d", "status": "Enabled", "expiration": {"date": "2030-01-01"}}])
    )
    assert diag.level == "mandatory"
    assert (
        "rules[0] (id 'd') expires the server access logs aws:s3/bucket:Bucket 'logs' receives on 2030-01-01 "
        "whatever their age, so a log delivered the day before goes too"
    ) in diag.message


@pytest.mark.parametrize(
    "rule",
    [
        expiring(30, filter={"prefix": "data/2024-"}),  # a part of the logs
        expiring(30, filter={"and": {"prefix": "d", "objectSizeGreaterThan": 1}}),
        expiring(30, prefix=""),  # the deprecated rule-level prefix
        expiring(30, filter={"prefix": U}),
        expiring(30, filter=U),
        {"id": "u", "status": "Enabled", "expiration": [{"days": 30}]},  # v6: a one-element list
        {"id": "e", "status": "Enabled", "filter": [], "expiration": {"days": 30}},  # an empty filter block
        expiring(30, filter={"prefix": None}),  # no prefix: every key
    ],
)
def test_a_rule_whose_filter_may_select_the_logs_counts(rule):
    assert [d.level for d in run(RETENTION, logs_lifecycle([rule]))] == ["mandatory"]


def test_a_single_day_is_less_than_a_year():
    (diag,) = run(RETENTION, logs_lifecycle([expiring(1)]))
    assert diag.level == "mandatory"
    assert (
        "rules[0] (id 'expire-logs') expires the server access logs aws:s3/bucket:Bucket 'logs' receives "
        f"after 1 days; {KEPT_LESS}" in diag.message
    )


def test_every_rule_is_read_after_ones_unknown_disabled_or_not_selecting_the_logs():
    rules = [
        U,
        expiring(30, status="Disabled"),
        expiring(30, filter={"tag": {"key": "k", "value": "v"}}),
        expiring(30, id="last"),
    ]
    diags = run(RETENTION, logs_lifecycle(rules))
    assert [d.level for d in diags] == ["advisory", "mandatory"]
    assert "rules[3] (id 'last') expires the server access logs" in diags[1].message


@pytest.mark.parametrize(
    "rule",
    [
        expiring(30, status="Disabled"),
        expiring(30, filter={"prefix": "exports/"}),  # outside targetPrefix data/
        expiring(30, prefix="exports/"),  # the deprecated rule-level prefix
        expiring(30, filter={"and": {"prefix": "exports/", "objectSizeGreaterThan": 1}}),
        expiring(30, filter={"and": {"prefix": "data/", "tags": {"k": "v"}}}),  # logs carry no tags
        expiring(30, filter={"tag": {"key": "k", "value": "v"}}),
        {"id": "n", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 1}},
        {"id": "t", "status": "Enabled", "transitions": [{"days": 30, "storageClass": "GLACIER"}]},
        {"id": "a", "status": "Enabled", "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}},
        {"id": "m", "status": "Enabled", "expiration": {"expiredObjectDeleteMarker": True}},
    ],
)
def test_rules_that_keep_every_log_current_pass(rule):
    assert run(RETENTION, logs_lifecycle([rule])) == []


def test_a_target_prefix_unknown_or_unset_may_be_any_rules_prefix():
    assert len(run(RETENTION, logs_lifecycle([expiring(30, filter={"prefix": "x/"})], prefix=U))) == 1
    assert len(run(RETENTION, logs_lifecycle([expiring(30, filter={"prefix": "x/"})], prefix=None))) == 1


def test_the_v2_lifecycle_and_a_buckets_inline_rules_count_too():
    v2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
    assert len(run(RETENTION, logs_lifecycle([expiring(7)], type_=v2))) == 1
    data = bucket(logging={"targetBucket": LOG_TARGET, "targetPrefix": "data/"})
    inline = [{"enabled": True, "prefix": "data/", "expiration": {"days": 30}}]
    (diag,) = run(RETENTION, [data, bucket(LOG_TARGET, "logs", lifecycleRules=inline)])
    assert "lifecycleRules[0] expires the server access logs it receives after 30 days" in diag.message
    off = [{**inline[0], "enabled": False}]
    assert run(RETENTION, [data, bucket(LOG_TARGET, "logs", lifecycleRules=off)]) == []
    # Unset, the provider fills the block in: unknown at preview, and nothing the program chose.
    assert run(RETENTION, [data, bucket(LOG_TARGET, "logs", lifecycleRules=U)]) == []


def test_an_inline_loggings_prefix_and_an_inline_rules_tags_decide_which_rules_select_the_logs():
    data = bucket(logging={"targetBucket": LOG_TARGET, "targetPrefix": "data/"})
    logs = bucket(LOG_TARGET, "logs")
    elsewhere = attach(LIFECYCLE, logs, {"rules": [expiring(30, filter={"prefix": "exports/"})]}, "lc")
    assert run(RETENTION, [data, logs, elsewhere]) == []
    under = attach(LIFECYCLE, logs, {"rules": [expiring(30, filter={"prefix": "data/2024"})]}, "lc")
    assert [d.level for d in run(RETENTION, [data, logs, under])] == ["mandatory"]
    # S3 delivers access logs without tags: an inline rule on tagged objects never selects them.
    tagged = [{"enabled": True, "tags": {"k": "v"}, "expirations": [{"days": 30}]}]
    v2 = "aws:s3/bucketV2:BucketV2"
    assert run(RETENTION, [data, bucket(LOG_TARGET, "logs", type_=v2, lifecycleRules=tagged)]) == []


def test_only_buckets_that_receive_access_logs_are_held_to_the_retention():
    data = bucket()
    scratch = attach(LIFECYCLE, data, {"rules": [expiring(1)]}, "scratch")
    logs = bucket(LOG_TARGET, "logs")
    logging = attach("aws:s3/bucketLogging:BucketLogging", data, {"targetBucket": LOG_TARGET}, "logging")
    assert run(RETENTION, [data, logs, logging, scratch]) == []


def test_a_log_bucket_named_by_its_literal_name_is_found_while_its_id_is_unknown():
    # At preview a new bucket's name is known and its id is not: a lifecycle naming it still names it.
    resources = logs_lifecycle([expiring(30)], linked=False)
    resources[1].props["id"] = U
    (diag,) = run(RETENTION, resources)
    assert "expires the server access logs aws:s3/bucket:Bucket 'logs' receives after 30 days" in diag.message


def test_a_bucket_v2s_inline_loggings_and_expirations_count_too():
    # The red-team input: pulumi-aws v7 still offers BucketV2, whose inline blocks keep their v6 names, one-
    # element lists "loggings" and, in lifecycleRules, "expirations"; S3 reads them as Bucket's.
    v2 = "aws:s3/bucketV2:BucketV2"
    data = bucket(type_=v2, loggings=[{"targetBucket": LOG_TARGET, "targetPrefix": "data/"}])
    inline = [{"enabled": True, "prefix": "data/", "expirations": [{"days": 30}]}]
    (diag,) = run(RETENTION, [data, bucket(LOG_TARGET, "logs", type_=v2, lifecycleRules=inline)])
    assert diag.level == "mandatory"
    assert (
        "aws:s3/bucketV2:BucketV2 'logs': lifecycleRules[0] expires the server access logs it receives after "
        f"30 days; {KEPT_LESS}"
    ) in diag.message
    # A log bucket outside the stack, named by an inline logging block, is read by its name as a
    # BucketLogging's is.
    for source in (data, bucket(logging={"targetBucket": LOG_TARGET, "targetPrefix": "data/"})):
        outside = R(LIFECYCLE, "org-lifecycle", {"bucket": LOG_TARGET, "rules": [expiring(30)]})
        (diag,) = run(RETENTION, [source, outside])
        assert f"expires the server access logs bucket '{LOG_TARGET}' receives after 30 days" in diag.message
    # The bucket that logs through "loggings" is logged, and one that names itself there is not.
    assert run("s3-bucket-access-logging", [data]) == []
    itself = bucket(type_=v2, loggings=[{"targetBucket": NAME}])
    assert faults("s3-bucket-access-logging", [itself]) == [SELF_LOGGING.format("its logging block")]


@pytest.mark.parametrize("rules", [U, [U], [expiring(U)], [{"id": "d", "expiration": {"date": U}}]])
def test_an_expiry_unknown_at_preview_is_a_note(rules):
    (diag,) = run(RETENTION, logs_lifecycle(rules))
    assert diag.level == "advisory"
    assert (
        "how long the server access logs aws:s3/bucket:Bucket 'logs' receives are kept cannot be checked "
        f"until {LIFECYCLE} 'logs-lifecycle'.rules is known"
    ) in diag.message
