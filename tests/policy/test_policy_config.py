"""Policy config: schema checks and defaults, exemptions, and the advisory reporting of exempted findings."""

from __future__ import annotations

import datetime
import json

import pytest
from google.protobuf import json_format, struct_pb2
from policy_fixtures import root_statement
from policy_harness import R, U, analyze, run, servicer
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from trading_policies import config, enforcement
from trading_policies.config import PolicyConfigError, applies_to_environment, resolve

SCHEMA = {
    "minimum": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
    "ratio": {"type": "number", "default": 0.5},
    "flag": {"type": "boolean", "default": True},
    "names": {
        "type": "array",
        "items": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
        "minItems": 1,
        "default": ["ab"],
    },
    "values": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "default": {},
    },
    "strict": {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
        "properties": {"a": {"type": "string"}},
        "default": {"a": "x"},
    },
    "free": {"default": None},
    "exemptions": config.EXEMPTIONS_SCHEMA,
}


def test_defaults_fill_missing_keys_and_whole_floats_become_integers():
    resolved = resolve("p", SCHEMA, {"minimum": 3.0, "enforcementLevel": "advisory", "free": {"any": 1}})
    assert resolved["minimum"] == 3
    assert isinstance(resolved["minimum"], int)
    assert resolved["names"] == ["ab"]
    assert resolved["exemptions"] == []
    assert resolved["free"] == {"any": 1}
    assert resolve("p", SCHEMA, None)["strict"] == {"a": "x"}
    assert resolve("p", SCHEMA, {"ratio": 0.7})["ratio"] == 0.7
    assert resolve("p", SCHEMA, {"values": {"k": ["v"]}, "strict": {"a": "y"}})["values"] == {"k": ["v"]}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            {"typo": 1},
            "unknown key 'typo'; known keys are exemptions, flag, free, minimum, names, ratio, "
            "strict, values",
        ),
        ({"minimum": 2.5}, "minimum must be a whole number, got 2.5"),
        ({"minimum": 0}, "minimum must be at least 1, got 0"),
        ({"minimum": 11}, "minimum must be at most 10, got 11"),
        ({"minimum": True}, "minimum must be a number, got True"),
        ({"ratio": "half"}, "ratio must be a number, got 'half'"),
        ({"flag": "yes"}, "flag must be true or false, got 'yes'"),
        ({"names": "ab"}, "names must be a list, got 'ab'"),
        ({"names": []}, "names must have at least 1 item(s)"),
        ({"names": ["a"]}, "names[0] must be at least 2 characters, got 'a'"),
        ({"names": ["AB"]}, "names[0] is 'AB', which does not match ^[a-z]+$"),
        ({"names": [3]}, "names[0] must be a string, got 3"),
        ({"values": []}, "values must be an object, got []"),
        ({"values": {"k": "v"}}, "values.k must be a list, got 'v'"),
        ({"strict": {}}, "strict is missing the required key 'a'"),
        ({"strict": {"a": "x", "b": 1}}, "strict has the unknown key 'b'; allowed keys are a"),
        ({"strict": {"a": 1}}, "strict.a must be a string, got 1"),
        ({"exemptions": [{"resource": "x"}]}, "exemptions[0] is missing the required key 'reason'"),
        (
            {"exemptions": [{"resource": "x", "reason": "short"}]},
            "exemptions[0].reason must be at least 10 characters, got 'short'",
        ),
        (
            {"exemptions": [{"resource": "", "reason": "long enough reason"}]},
            "exemptions[0].resource must be at least 1 characters",
        ),
        (
            {"exemptions": [{"resource": "x", "reason": "long enough reason", "expires": "next year"}]},
            "exemptions[0].expires is 'next year', which does not match",
        ),
        (
            {"exemptions": [{"resource": "x", "reason": "long enough reason", "expires": "2027-02-30"}]},
            "exemptions[0].expires is '2027-02-30', which is not a calendar date; use YYYY-MM-DD",
        ),
        (
            {"exemptions": [{"resource": "x", "reason": "             "}]},
            "exemptions[0].reason is '             ', which has fewer than 10 characters once outer "
            "whitespace is removed; write why the resource is exempt",
        ),
        (
            {"exemptions": [{"resource": "x", "reason": "\t  too short \n  "}]},
            "exemptions[0].reason is '\\t  too short \\n  ', which has fewer than 10 characters",
        ),
        (
            {"exemptions": [{"resource": "  ", "reason": "long enough reason"}]},
            "exemptions[0].resource is '  ', which has fewer than 1 characters once outer whitespace is "
            "removed; write the resource's name or URN",
        ),
        (
            {"exemptions": [{"resource": "x", "reason": "long enough reason", "until": "2027-01-01"}]},
            "exemptions[0] has the unknown key 'until'; allowed keys are expires, reason, resource, type",
        ),
        (
            {"exemptions": [{"resource": "legacy", "reason": "long enough reason"}]},
            "exemptions[0].resource is 'legacy', a logical name alone, which resources of other types may "
            'share; add "type" with the resource\'s type (e.g. "type": "aws:kms/key:Key") or give its URN',
        ),
        (
            {"exemptions": [{"resource": "legacy-*", "reason": "long enough reason", "type": " "}]},
            "exemptions[0].type is ' ', which has fewer than 1 characters once outer whitespace is removed; "
            "write the resource's type, e.g. aws:kms/key:Key",
        ),
    ],
)
def test_bad_config_is_one_clear_error_naming_policy_key_and_fix(raw, problem):
    with pytest.raises(PolicyConfigError) as error:
        resolve("some-policy", SCHEMA, raw)
    message = str(error.value)
    assert message.startswith("policy config for 'some-policy': ")
    assert problem in message
    assert message.endswith("docs/policies.md lists each policy's settings")
    assert "\n" not in message


def test_a_malformed_exemption_stops_the_analysis_even_without_matching_resources():
    bad = {"log-group-retention": {"exemptions": [{"resource": "x", "reason": "short"}]}}
    server = servicer(["log-group-retention"], bad)
    request = proto.AnalyzeRequest(
        type="aws:s3/bucket:Bucket",
        properties=json_format.ParseDict({}, struct_pb2.Struct()),
        urn="urn",
        name="b",
    )
    with pytest.raises(PolicyConfigError, match=r"exemptions\[0\]\.reason must be at least 10 characters"):
        server.Analyze(request, None)
    with pytest.raises(PolicyConfigError, match="unknown key 'minimumRetentionDay'"):
        run(
            "log-group-retention",
            [R("aws:cloudwatch/logGroup:LogGroup", "g", {})],
            {"minimumRetentionDay": 30},
        )


def test_exemptions_expire_after_their_day(monkeypatch):
    exemption = {
        "resource": "g",
        "type": "aws:cloudwatch/logGroup:LogGroup",
        "reason": "migrating the group next sprint",
        "expires": "2030-06-30",
    }
    group = R("aws:cloudwatch/logGroup:LogGroup", "g", {"retentionInDays": 30})
    monkeypatch.setattr(config, "today", lambda: datetime.date(2030, 6, 30))
    assert [d.level for d in run("log-group-retention", [group], {"exemptions": [exemption]})] == ["advisory"]
    monkeypatch.setattr(config, "today", lambda: datetime.date(2030, 7, 1))
    assert [d.level for d in run("log-group-retention", [group], {"exemptions": [exemption]})] == [
        "mandatory"
    ]


def test_today_is_a_utc_date():
    assert config.today() == datetime.datetime.now(datetime.UTC).date()


def test_environment_patterns():
    assert applies_to_environment("prod", ["prod", "staging"])
    assert not applies_to_environment("dev", ["prod"])
    assert applies_to_environment(None, ["prod"])
    assert not applies_to_environment(None, [])
    # A tag spelt "Prod " is still the prod environment: the requirement is not walked around by its case.
    assert applies_to_environment("Prod ", ["prod"])
    assert applies_to_environment("prod", ["PROD-*", "prod"])
    assert applies_to_environment("PROD-EU", ["prod-*"])


def test_an_advisory_policy_level_stays_advisory_and_unrelated_messages_keep_their_level():
    server = servicer(["log-group-retention"])
    request = proto.ConfigureAnalyzerRequest()
    request.policyConfig["log-group-retention"].CopyFrom(proto.PolicyConfig(enforcementLevel=proto.ADVISORY))
    server.Configure(request, None)
    group = R("aws:cloudwatch/logGroup:LogGroup", "g", {"retentionInDays": 30})
    response = server.Analyze(
        proto.AnalyzeRequest(
            type=group.type,
            properties=json_format.ParseDict(group.props, struct_pb2.Struct()),
            urn=group.urn,
            name="g",
        ),
        None,
    )
    assert [d.enforcementLevel for d in response.diagnostics] == [proto.ADVISORY]
    assert analyze("log-group-retention", group)[0].level == "mandatory"


def test_install_is_idempotent_and_checks_the_sdk_shape():
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    before = _PolicyAnalyzerServicer._create_report_violation
    enforcement.install()
    assert _PolicyAnalyzerServicer._create_report_violation is before

    class Changed:
        def _create_report_violation(self, response, name, level):
            return None

    with pytest.raises(
        enforcement.SdkShapeError, match=r"changed _PolicyAnalyzerServicer\._create_report_violation"
    ):
        enforcement.install(Changed)

    class Missing:
        pass

    with pytest.raises(enforcement.SdkShapeError, match=r"pin pulumi-policy to 1\.21\.x"):
        enforcement.install(Missing)


def test_the_wrapper_reports_prefixed_messages_as_advisory_on_a_fresh_servicer_class():
    calls = []

    class Fake:
        def _create_report_violation(
            self, response, policy_name, policy_description, enforcement_level, severity=None
        ):
            return lambda message, urn=None: calls.append((enforcement_level, message, urn))

    enforcement.install(Fake)
    report = Fake()._create_report_violation(None, "p", "d", EnforcementLevel.MANDATORY, None)
    report(enforcement.EXEMPTED_PREFIX + "x", "u")
    report(enforcement.UNKNOWN_AT_PREVIEW_PREFIX + "y", "v")
    report("plain [exempted] ")
    assert calls == [
        (EnforcementLevel.ADVISORY, "[exempted] x", "u"),
        (EnforcementLevel.ADVISORY, "[unknown at preview] y", "v"),
        (EnforcementLevel.MANDATORY, "plain [exempted] ", None),
    ]


def test_duplicate_property_dependencies_link_once():
    bucket = R("aws:s3/bucket:Bucket", "b", {"bucket": "trading-123456789012-dev"})
    versioning = R(
        "aws:s3/bucketVersioning:BucketVersioning",
        "v",
        {"bucket": U, "versioningConfiguration": {"status": "Enabled"}},
        deps={"bucket": [bucket, bucket]},
    )
    assert run("s3-versioning-enabled", [bucket, versioning]) == []


def test_an_exemption_is_kept_without_its_outer_whitespace():
    raw = {"resource": " g ", "type": " aws:kms/key:Key ", "reason": "  a real reason  "}
    (exemption,) = resolve("some-policy", SCHEMA, {"exemptions": [raw]})["exemptions"]
    assert (exemption.resource, exemption.type, exemption.reason) == ("g", "aws:kms/key:Key", "a real reason")


KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def _legacy_key_and_key_policy():
    key = R(KEY, "legacy", {"enableKeyRotation": False, "customerMasterKeySpec": "SYMMETRIC_DEFAULT"})
    policy = R(KEY_POLICY, "legacy", {"keyId": "k", "policy": "{}"})
    return key, policy


def test_an_exemption_by_logical_name_covers_only_the_type_it_names():
    # Logical names repeat across types: the KeyPolicy 'legacy' is not the Key 'legacy' its exemption is for.
    key, key_policy = _legacy_key_and_key_policy()
    exemption = {"resource": "legacy", "type": KEY, "reason": "legacy key, migrated in Q3 under CHG-1234"}
    (diag,) = analyze("kms-key-rotation-enabled", key, {"exemptions": [exemption]})
    assert diag.level == "advisory"
    assert diag.message.endswith(
        "Exempted by policy config (resource 'legacy' of type aws:kms/key:Key): legacy key, migrated in Q3 "
        "under CHG-1234"
    )
    (exempted,) = resolve("p", SCHEMA, {"exemptions": [exemption]})["exemptions"]
    assert exempted.matches(key.name, key.urn, key.type)
    assert not exempted.matches(key_policy.name, key_policy.urn, key_policy.type)
    wildcard = {**exemption, "type": "aws:kms/*"}
    (both,) = resolve("p", SCHEMA, {"exemptions": [wildcard]})["exemptions"]
    assert both.matches(key_policy.name, key_policy.urn, key_policy.type)


def test_an_exemption_for_the_key_legacy_leaves_a_public_key_policy_legacy_blocked():
    public = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [root_statement(), public]})
    key_policy = R(
        KEY_POLICY, "legacy", {"keyId": "arn:aws:kms:us-east-1:123456789012:key/k", "policy": document}
    )
    exemption = {"resource": "legacy", "reason": "legacy key, migrated in Q3 under CHG-1234"}
    name = "kms-key-policy-no-unconditional-grants"
    with pytest.raises(
        PolicyConfigError, match=r"exemptions\[0\]\.resource is \'legacy\', a logical name alone"
    ):
        run(name, [key_policy], {"exemptions": [exemption]})
    diags = run(name, [key_policy], {"exemptions": [{**exemption, "type": KEY}]})
    assert diags
    assert {d.level for d in diags} == {"mandatory"}
    assert not any("[exempted]" in d.message for d in diags)


def test_an_exemption_by_urn_needs_no_type_and_a_type_narrows_it():
    key, key_policy = _legacy_key_and_key_policy()
    by_urn = {"resource": key.urn, "reason": "legacy key, migrated in Q3 under CHG-1234"}
    (exempted,) = resolve("p", SCHEMA, {"exemptions": [by_urn]})["exemptions"]
    assert exempted.matches(key.name, key.urn, key.type)
    assert not exempted.matches(key_policy.name, key_policy.urn, key_policy.type)
    # A URN pattern names the type too; the logical name alone never matches it.
    stack_wide = {
        "resource": "urn:pulumi:dev::trading::*",
        "type": KEY,
        "reason": "sandbox keys, no card data",
    }
    (narrowed,) = resolve("p", SCHEMA, {"exemptions": [stack_wide]})["exemptions"]
    assert narrowed.matches(key.name, key.urn, key.type)
    assert not narrowed.matches(key_policy.name, key_policy.urn, key_policy.type)
    # A pattern with "::" is a URN pattern: its wildcards cover what they say, the logical name is not read.
    tail = {**by_urn, "resource": "*$aws:kms/keyPolicy:KeyPolicy::legacy"}
    (tail,) = resolve("p", SCHEMA, {"exemptions": [tail]})["exemptions"]
    assert tail.matches(
        key_policy.name, f"urn:pulumi:dev::trading::trading:kms:Keys${KEY_POLICY}::legacy", ""
    )
    assert not tail.matches(key_policy.name, key_policy.urn, key_policy.type)  # no parent, no "$"
    assert not tail.matches("legacy", f"urn:pulumi:dev::trading::trading:kms:Keys${KEY_POLICY}::other", "")


EVERYTHING = (
    "matches every resource, which would make the policy advisory for the whole stack; exempt the resources "
    'themselves (a URN, or a logical name with "type"), or set the policy\'s "enforcementLevel" to "advisory"'
)


@pytest.mark.parametrize(
    ("exemption", "label"),
    [
        ({"resource": "*", "type": "*"}, "'*' of type *"),
        ({"resource": "?*", "type": "aws:*"}, "'?*' of type aws:*"),
        ({"resource": "urn:*"}, "'urn:*'"),
        ({"resource": "urn:**"}, "'urn:**'"),
        ({"resource": "*::*"}, "'*::*'"),
        ({"resource": "urn:pulumi:dev::trading::*"}, "'urn:pulumi:dev::trading::*'"),
        ({"resource": "urn:pulumi:d?v::trading::aws:*::*"}, "'urn:pulumi:d?v::trading::aws:*::*'"),
        ({"resource": "urn:pulumi:[ds]*::*", "type": "*"}, "'urn:pulumi:[ds]*::*' of type *"),
        # fnmatch reads "[!]]" as any character but "]", ":" too.
        ({"resource": "urn[!]]*::*"}, "'urn[!]]*::*'"),
        ({"resource": "urn:[!]]*"}, "'urn:[!]]*'"),
        # "?" stands for a character the URN spells out ("u" of "pulumi").
        ({"resource": "urn:pul?mi:*"}, "'urn:pul?mi:*'"),
    ],
)
def test_an_exemption_of_every_resource_is_refused(exemption, label):
    # The red-team input: each of these turned a mandatory policy advisory for every resource of the stack
    # while the pack still listed it as mandatory.
    with pytest.raises(PolicyConfigError) as error:
        resolve("p", SCHEMA, {"exemptions": [{**exemption, "reason": "temporary, see ticket 42"}]})
    assert str(error.value).startswith(
        f"policy config for 'p': exemptions[0] (resource {label}) {EVERYTHING}. "
    )


ANY_TYPE = (
    "matches resources of any type (a wildcard stands for the resource's own type, e.g. every child of a "
    "component, after the '$' that ends the component's type), so it would exempt resources it was not "
    "written for; end the URN pattern with the resource's type and name (e.g. \"urn:pulumi:dev::trading::*"
    '$aws:kms/key:Key::legacy"), or give "type" one type (e.g. "aws:kms/key:Key")'
)


@pytest.mark.parametrize(
    "exemption",
    [
        # The red-team input: the project's components are the parents of every resource of the stack, and a
        # child's URN holds its parents' types before its own, joined by "$", so a wildcard after the
        # component's type ran on into every child's type: in practice the whole stack.
        {"resource": "urn:pulumi:dev::trading::trading:*"},
        {"resource": "urn:pulumi:dev::trading::trading:*$*"},
        {"resource": "urn:pulumi:*::*::trading:*"},
        {"resource": "urn:pulumi:dev::trading::trading:storage:Storage$*"},
        {"resource": "urn:pulumi:dev::trading::*$aws:*"},
        # A type family in a URN pattern: its "*" runs on across a "$", into the type of a resource's child.
        {"resource": "urn:pulumi:dev::trading::trading:storage:Storage$aws:s3/*::*"},
        {"resource": "urn:pulumi:dev::trading::trading:[a-z]*:*[$]*::*"},
        {"resource": "urn:pulumi:dev::trading::trading:*", "type": "aws:*"},
        # fnmatch reads "[!]]" as any character but "]": every URN of the stack again (the red-team input).
        {"resource": "urn:pulumi:dev::trading::trading[!]]*"},
        {"resource": "urn:pulumi:dev::trading::*", "type": "aws:[!s]*"},
        # A logical name in URN form, or with a type that is every type, is a logical name alone.
        {"resource": "*::legacy"},
        {"resource": "urn:pulumi:dev::trading::*::legacy-*"},
        {"resource": "legacy-*", "type": "*"},
        # A type pattern whose wildcard stands in the module matches the types of many services, of which a
        # Key and a Bucket may not both be (the red-team input): "aws:???/*" is KMS, IAM, EC2, RDS, SNS...
        {"resource": "*", "type": "aws:???/*"},
        {"resource": "*", "type": "aws:[!s]*"},
        {"resource": "legacy", "type": "aws:*[!t]"},
        {"resource": "*", "type": "aws:k*"},
        {"resource": "legacy", "type": "a*"},
        # A logical name may hold any character, not only ASCII.
        {"resource": "urn:pulumi:dev::trading::*::bücher-*"},
    ],
)
def test_an_exemption_of_resources_of_any_type_is_refused(exemption):
    with pytest.raises(PolicyConfigError) as error:
        resolve("p", SCHEMA, {"exemptions": [{**exemption, "reason": "temporary, see ticket 42"}]})
    label = f"'{exemption['resource']}'" + (f" of type {exemption['type']}" if "type" in exemption else "")
    assert str(error.value) == (
        f"policy config for 'p': exemptions[0] (resource {label}) {ANY_TYPE}. Fix the policy pack config "
        "(--policy-pack-config); docs/policies.md lists each policy's settings"
    )


@pytest.mark.parametrize(
    "exemption",
    [
        {"resource": "urn:pulumi:*::aws:s3/bucket:Bucket::b*"},
        {"resource": "urn:pulumi:dev::trading::*", "type": "aws:kms/key:Key"},
        {"resource": "urn:pulumi:dev::trading::trading:*", "type": "aws:kms/key:Key"},
        {"resource": "urn:pulumi:dev::trading::*$aws:kms/key:Key::legacy"},
        {"resource": "urn:pulumi:dev::trading::trading:storage:Storage$*", "type": "aws:s3/*"},
        {"resource": "urn:pulumi:sandbox::trading::*::aws:cloudwatch/logGroup:LogGroup::scratch-*"},
        {"resource": "urn:pulumi:sandbox::trading::*aws:cloudwatch/logGroup:LogGroup::scratch-*"},
        {"resource": "urn:pulumi:sandbox::trading::*$aws:cloudwatch/logGroup:LogGroup::scratch-*"},  # README
        {"resource": "urn:pulumi:dev::trading::trading:logging:Logging$aws:kms/key:Key::trading-logs-key"},
        {"resource": "*", "type": "aws:s3/*"},
        {"resource": "[a-z]*", "type": "aws:kms/*"},
        {"resource": "legacy-*", "type": "aws:kms/key:Key"},
        {"resource": "legacy-*", "type": "aws:kms/key:*"},
        # A broad type narrows nothing, but a URN that ends with one type and name is one resource.
        {"resource": "urn:pulumi:dev::trading::*$aws:kms/key:Key::legacy", "type": "aws:*"},
        # "[!]" with no "]" after it is three characters, as fnmatch reads it.
        {"resource": "urn:pulumi:dev::trading::[!]*", "type": "aws:kms/key:Key"},
        # A class of ":" alone cannot begin a stack's name: this names no resource, let alone every one.
        {"resource": "urn:pulumi:[:]*"},
    ],
)
def test_an_exemption_of_some_resources_is_kept(exemption):
    (kept,) = resolve("p", SCHEMA, {"exemptions": [{**exemption, "reason": "legacy, migrating in Q3"}]})[
        "exemptions"
    ]
    assert (kept.resource, kept.type) == (exemption["resource"], exemption.get("type"))


def test_a_catch_all_entry_of_a_name_allowlist_is_refused_and_narrower_ones_kept():
    schema = {
        "allowed": config.catch_all_schema(
            "bucket", ("aws:s3/bucket:Bucket",), 'name the buckets (e.g. "legacy-*")', routes=("GET /a",)
        )
    }
    # Every child of the project's components (the red-team input), or of one component, is every bucket.
    children = ("urn:pulumi:dev::trading::trading:*", "urn:pulumi:*::trading:storage:Storage$*")
    for entry in ("*", "urn:*", "urn:pulumi:prod::trading::*", "[!:]*", "GET *", *children):
        with pytest.raises(PolicyConfigError) as error:
            resolve("p", schema, {"allowed": ["legacy-logs", entry]})
        assert (
            f"allowed[1] is '{entry}', which matches every bucket; name the buckets (e.g. \"legacy-*\")"
            in str(error.value)
        )
    narrow = [
        "legacy-*",
        "urn:pulumi:*::aws:s3/bucket:Bucket::logs",
        "*::logs",
        "POST *",
        "[[]x",
        "urn:pulumi:dev::trading::trading:*::logs-*",
    ]
    assert resolve("p", schema, {"allowed": narrow})["allowed"] == narrow


def test_a_name_allowlist_without_routes_is_empty_by_default_and_refuses_an_empty_name():
    schema = {"allowed": config.catch_all_schema("bucket", ("aws:s3/bucket:Bucket",), "name the buckets")}
    assert resolve("p", schema, None)["allowed"] == []
    assert resolve("p", schema, {"allowed": ["legacy-*", "logs"]})["allowed"] == ["legacy-*", "logs"]
    with pytest.raises(PolicyConfigError) as error:
        resolve("p", schema, {"allowed": [""]})
    assert "allowed[0] must be at least 1 characters, got ''" in str(error.value)
