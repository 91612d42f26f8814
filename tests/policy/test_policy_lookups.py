"""Stacks whose resources name one another by literal strings: same verdicts, and work linear in their size.

The pack relates resources by property dependency or, when a program types out a name, id or ARN, by
matching that value. Matching used to scan every resource per reference, and the log group rule asked for
every key's key policies once per log group, so these shapes were quadratic (or worse). Here each shape
is checked twice: the verdicts with the speed-ups on equal those without (``TRADING_POLICIES_SPEEDUPS=off``,
the SDK's own path with scanning lookups), and the work, counted as property reads of the stack's views,
at most 2.2 times as much for twice the resources (work is counted, never timed: property reads of the
stack's views and references followed).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from policy_fixtures import BASE_TAGS, PCI_TAGS, logs_key_policy, root_statement, tls_policy
from policy_harness import ACCOUNT, REGION, R, U, stack_request
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy import proxy as sdk_proxy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from trading_policies import ALL_POLICIES, PACK_NAME, graph, request_scope

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALIAS = "aws:kms/alias:Alias"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"


def _key(i: int) -> R:
    key_id = f"0000000{i}-0000-4000-8000-000000000000"
    props = {
        "enableKeyRotation": True,
        "tags": PCI_TAGS,
        "keyId": key_id,
        "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}",
    }
    return R(KEY, f"key{i}", props)


def log_groups_by_literal_key_arn(units: int) -> list[R]:
    """Keys with separate key policies naming them by id; log groups naming them (or an alias) by ARN."""
    resources: list[R] = []
    for i in range(units):
        key = _key(i)
        # Every third key policy forgets CloudWatch Logs: its log group is a violation.
        policy = logs_key_policy(root_statement()) if i % 3 == 0 else logs_key_policy()
        key_policy = R(KEY_POLICY, f"key{i}-policy", {"keyId": key.props["keyId"], "policy": policy})
        alias = R(ALIAS, f"alias{i}", {"name": f"alias/logs-{i}", "targetKeyId": key.props["keyId"]})
        alias.props["arn"] = f"arn:aws:kms:{REGION}:{ACCOUNT}:{alias.props['name']}"
        target = alias.props["arn"] if i % 2 else key.props["arn"]
        group = R(
            LOG_GROUP,
            f"logs{i}",
            {"name": f"/trading/{i}", "retentionInDays": 365, "kmsKeyId": target, "tags": PCI_TAGS},
        )
        resources += [key, key_policy, alias, group]
    return resources


def public_access_blocks_by_literal_bucket(units: int) -> list[R]:
    """Named buckets whose public access block, versioning, encryption and policy name them literally."""
    resources: list[R] = []
    for i in range(units):
        name = f"trading-{i}-{ACCOUNT}-{REGION}-dev"
        bucket = R(BUCKET, f"bucket{i}", {"bucket": name, "tags": PCI_TAGS})
        if i % 4 == 1:  # names bucket i - 1 its log target by inline logging: SSE-S3 is allowed there
            bucket.props["logging"] = {"targetBucket": f"trading-{i - 1}-{ACCOUNT}-{REGION}-dev"}
        block = {s: i % 5 != 2 for s in _BLOCK_SETTINGS}  # every fifth block leaves ACLs on
        resources += [
            bucket,
            R(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                f"bucket{i}-pab",
                {"bucket": name, **block},
            ),
            R(
                "aws:s3/bucketVersioning:BucketVersioning",
                f"bucket{i}-versioning",
                {"bucket": name, "versioningConfiguration": {"status": "Enabled" if i % 6 else "Suspended"}},
            ),
            R(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                f"bucket{i}-sse",
                {
                    "bucket": name,
                    "rules": [
                        {
                            "applyServerSideEncryptionByDefault": {
                                "sseAlgorithm": "AES256" if i % 2 == 0 else "aws:kms"
                            }
                        }
                    ],
                },
            ),
            R(
                "aws:s3/bucketPolicy:BucketPolicy",
                f"bucket{i}-policy",
                {"bucket": name, "policy": tls_policy(name)},
            ),
        ]
    return resources


_BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def keys_with_policies_and_log_groups(units: int) -> list[R]:
    """Keys with a KeyPolicy each and a log group each, linked by property dependencies (preview)."""
    resources: list[R] = []
    for i in range(units):
        key = R(KEY, f"key{i}", {"enableKeyRotation": True, "tags": PCI_TAGS, "arn": U, "keyId": U})
        policy = logs_key_policy(root_statement()) if i % 3 == 0 else logs_key_policy()
        key_policy = R(KEY_POLICY, f"key{i}-policy", {"keyId": U, "policy": policy}, deps={"keyId": [key]})
        group = R(
            LOG_GROUP,
            f"logs{i}",
            {"name": f"/trading/{i}", "retentionInDays": 365, "kmsKeyId": U, "tags": PCI_TAGS},
            deps={"kmsKeyId": [key]},
            depends_on=[key_policy],  # as a program must, or the group may meet the key's initial policy
        )
        resources += [key, key_policy, group]
    return resources


def functions_and_their_log_groups(units: int) -> list[R]:
    """Functions with literal names and their /aws/lambda groups; others whose group names the function."""
    resources: list[R] = []
    for i in range(units):
        named = R(FUNCTION, f"fn{i}", {"name": f"trading-fn{i}", "tags": BASE_TAGS})
        days = 365 if i % 3 else 0  # every third group never expires
        group = R(LOG_GROUP, f"fn{i}-logs", {"name": f"/aws/lambda/trading-fn{i}", "retentionInDays": days})
        unnamed = R(FUNCTION, f"auto{i}", {"name": U, "tags": BASE_TAGS})
        linked = R(
            LOG_GROUP,
            f"auto{i}-logs",
            {"name": U, "retentionInDays": 365 if i % 2 else 0},
            deps={"name": [unnamed]},
        )
        resources += [named, group, unnamed, linked]
        if i % 4 == 0:  # a function whose group is missing
            resources.append(R(FUNCTION, f"lonely{i}", {"name": f"trading-lonely{i}", "tags": BASE_TAGS}))
    return resources


def roles_and_policies_by_literal_name(units: int) -> list[R]:
    """Named roles, each with a RolePolicy naming it and a managed policy attached by literal ARN; every
    third pair splits all of IAM between the two."""
    resources: list[R] = []
    for i in range(units):
        name = f"trading-role{i}"
        arn = f"arn:aws:iam::{ACCOUNT}:policy/trading-policy{i}"
        halves = ("ABCDEFGHIJKLM", "NOPQRSTUVWXYZ") if i % 3 == 0 else ("G", "L")
        documents = [
            json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [f"iam:{c}*" for c in letters],
                            "Resource": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                        }
                    ]
                }
            )
            for letters in halves
        ]
        resources += [
            R("aws:iam/role:Role", f"role{i}", {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}),
            R("aws:iam/rolePolicy:RolePolicy", f"role{i}-inline", {"role": name, "policy": documents[0]}),
            R(
                "aws:iam/policy:Policy",
                f"policy{i}",
                {"name": f"trading-policy{i}", "arn": arn, "policy": documents[1]},
            ),
            R(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                f"role{i}-attachment",
                {"role": name, "policyArn": arn},
            ),
        ]
    return resources


SHAPES: dict[str, Callable[[int], list[R]]] = {
    "log groups by literal key ARN": log_groups_by_literal_key_arn,
    "public access blocks by literal bucket": public_access_blocks_by_literal_bucket,
    "keys with key policies and log groups": keys_with_policies_and_log_groups,
    "functions and their log groups": functions_and_their_log_groups,
    "roles and policies by literal name": roles_and_policies_by_literal_name,
}
# The policies each shape must make fire, so the comparison is not between two empty lists.
EXPECTED = {
    "log groups by literal key ARN": {"log-group-kms-key-allows-logs"},
    "public access blocks by literal bucket": {
        "s3-public-access-blocked",
        "s3-encrypted-with-kms",
        "s3-versioning-enabled",
    },
    "keys with key policies and log groups": {"log-group-kms-key-allows-logs"},
    "functions and their log groups": {"lambda-log-group-managed"},
    "roles and policies by literal name": {"iam-no-wildcard-actions-across-policies"},
}


def _server() -> _PolicyAnalyzerServicer:
    server = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", list(ALL_POLICIES), EnforcementLevel.MANDATORY)
    server.Configure(proto.ConfigureAnalyzerRequest(), None)
    return server


def _analyze_request(resource: R) -> proto.AnalyzeRequest:
    request = proto.AnalyzeRequest(
        type=resource.type,
        properties=stack_request([resource]).resources[0].properties,
        urn=resource.urn,
        name=resource.name,
    )
    request.provider.CopyFrom(stack_request([resource]).resources[0].provider)
    return request


def _verdicts(resources: list[R]) -> list[tuple]:
    server = _server()
    responses = [server.Analyze(_analyze_request(r), None) for r in resources]
    responses.append(server.AnalyzeStack(stack_request(resources), None))
    return [(d.policyName, d.enforcementLevel, d.urn, d.message) for r in responses for d in r.diagnostics]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_verdicts_are_the_same_with_and_without_the_speedups(shape):
    resources = SHAPES[shape](12)
    fast = _verdicts(resources)
    with request_scope.speedups(False):
        slow = _verdicts(resources)
    assert fast == slow
    assert EXPECTED[shape] <= {policy for policy, *_ in fast}


def _stack_work(resources: list[R], monkeypatch: pytest.MonkeyPatch) -> int:
    """The property reads of the stack's views and the references followed, in one AnalyzeStack."""
    work = [0]

    def counting(method: Callable) -> Callable:
        def counted(*args: object, **kwargs: object) -> object:
            work[0] += 1
            return method(*args, **kwargs)

        return counted

    with monkeypatch.context() as patch:
        patch.setattr(graph.Resource, "get", counting(graph.Resource.get))
        patch.setattr(graph.Stack, "targets", counting(graph.Stack.targets))
        _server().AnalyzeStack(stack_request(resources), None)
    return work[0]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_twice_the_resources_take_at_most_2_2_times_the_work(shape, monkeypatch):
    build = SHAPES[shape]
    small, large = _stack_work(build(12), monkeypatch), _stack_work(build(24), monkeypatch)
    assert large <= 2.2 * small, (small, large)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_work_count_sees_a_scan_per_reference(shape, monkeypatch):
    # The same count without the indexes: quadratic, so the linear bound above is a real check.
    build = SHAPES[shape]
    with request_scope.speedups(False):
        small, large = _stack_work(build(12), monkeypatch), _stack_work(build(24), monkeypatch)
    assert large > 3 * small, (small, large)


def test_an_analyze_request_builds_no_proxy_and_its_options_once_for_all_policies(monkeypatch):
    built: list[object] = []
    helper = sdk_proxy._proxy_helper

    def counting(value: object, props: list[str]) -> object:
        if not props:
            built.append(value)
        return helper(value, props)

    monkeypatch.setattr(sdk_proxy, "_proxy_helper", counting)
    options: list[object] = []
    original = request_scope.PolicyResourceOptions.__init__

    def counting_options(self: object, *args: object, **kwargs: object) -> None:
        options.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(request_scope.PolicyResourceOptions, "__init__", counting_options)
    bucket = public_access_blocks_by_literal_bucket(1)[0]
    bucket.props["acl"] = "public-read"  # so a resource policy reads the view and fires
    assert _server().Analyze(_analyze_request(bucket), None).diagnostics
    # Every policy's args hold lazy ones; the pack's policies read the one shared view of the resource,
    # which reads the options once (protect, ignoreChanges) and the properties without a proxy.
    assert (built, len(options)) == ([], 1)
    options.clear()
    with request_scope.speedups(False):
        _server().Analyze(_analyze_request(bucket), None)
    resource_policies = [p for p in ALL_POLICIES if type(p).__name__ == "ResourceValidationPolicy"]
    assert len(built) == 2 * len(resource_policies)  # the SDK's own path: properties and provider, per policy
    assert len(options) == len(resource_policies)


def test_the_stack_answers_lookups_from_indexes_built_once():
    key = graph.Resource(KEY, "k", "urn:k", {"arn": "arn:k", "id": "arn:k", "keyId": "k1"})
    other = graph.Resource(KEY, "o", "urn:o", {"arn": "arn:o", "keyId": 7})
    alias = graph.Resource(ALIAS, "a", "urn:a", {"name": "alias/k", "arn": "arn:k"})
    group = graph.Resource(LOG_GROUP, "g", "urn:g", {"kmsKeyId": "arn:k"})
    for indexed in (True, False):
        stack = graph.Stack([key, other, alias, group], indexed=indexed)
        assert stack.find((KEY, ALIAS), "arn:k") == [key, alias]  # once, though its id is its ARN too
        assert stack.find((KEY,), "k1", ("keyId",)) == [key]
        assert stack.find((KEY,), 7, ("keyId",)) == []  # only strings name a resource
        assert stack.find((KEY,), {"arn": "arn:k"}) == []
        assert stack.targets(group, "kmsKeyId", (KEY,)) == [key]
        first = stack.attached((LOG_GROUP,), "kmsKeyId", (KEY, ALIAS))
        assert dict(first) == {key: [group], alias: [group]}
        assert (stack.attached((LOG_GROUP,), "kmsKeyId", (KEY, ALIAS)) is first) is indexed
        with pytest.raises(TypeError):
            first[other] = []  # shared between the rules of a request: read-only


def test_referrers_follow_property_dependencies_in_stack_order():
    function = graph.Resource(FUNCTION, "f", "urn:f", {})
    others = graph.Resource(FUNCTION, "x", "urn:x", {})
    first = graph.Resource(LOG_GROUP, "g1", "urn:g1", {})
    second = graph.Resource(LOG_GROUP, "g2", "urn:g2", {})
    first.property_dependencies = {"name": [function, function]}
    second.property_dependencies = {"name": [others, function], "kmsKeyId": [function]}
    for indexed in (True, False):
        stack = graph.Stack([function, others, first, second], indexed=indexed)
        assert stack.referrers(function, "name", (LOG_GROUP,)) == [first, second]
        assert stack.referrers(others, "name", (LOG_GROUP, FUNCTION)) == [second]
        assert stack.referrers(second, "name", (LOG_GROUP,)) == []


def test_a_key_policy_document_reads_the_same_through_either_lookup():
    # A literal key id that matches no key: the group's key is unknown to the stack, both ways.
    group = R(LOG_GROUP, "g", {"name": "/x", "retentionInDays": 365, "kmsKeyId": "arn:aws:kms:x:1:key/none"})
    fast = _verdicts([group])
    with request_scope.speedups(False):
        assert _verdicts([group]) == fast
    assert json.dumps(fast)
