"""The three reports: plain values, the JSON contract, SARIF 2.1.0 and the preview-like text."""

import io
import json

import pytest
from pack_helpers import provider, resource, struct

from preflight import __version__, report
from preflight.model import UNKNOWN, Mode, PackInfo, PolicyInfo, Resource, RunResult, Violation

SIG = "4dabf18193072939515e22adb298388d"


def stack() -> Resource:
    return resource("pulumi:pulumi:Stack", "shop-dev", {}, parent=None, provider=None, custom=False)


def run_result(**changes) -> RunResult:
    component = resource("shop:index:Storage", "storage", {}, provider=None, custom=False)
    bucket = resource(
        "aws:s3/bucket:Bucket",
        "data",
        {"bucket": "acme-data", "arn": UNKNOWN, "tags": {"Env": "dev"}},
        parent=component.urn,
        protect=True,
        dependencies=[component.urn],
    )
    key = resource("aws:kms/key:Key", "key", {"enableKeyRotation": False}, parent=component.urn)
    explicit = resource("pulumi:providers:aws", "eu", {"region": "eu-west-1"})
    pack = PackInfo(
        "shop-pack",
        "1.2.0",
        (
            PolicyInfo(
                "kms-rotation",
                "Keys rotate.",
                "mandatory",
                "high",
                "PCI-DSS 4.0 (3.7.4)",
                "Set enableKeyRotation.",
                "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
            ),
            PolicyInfo("bucket-names", "Names carry a prefix.", "advisory", "low"),
            PolicyInfo("stack-wide", "Stack checks.", "remediate"),
        ),
    )
    values = {
        "project": "shop",
        "stack": "dev",
        "mode": Mode.PREVIEW,
        "resources": [stack(), provider(), component, bucket, key, explicit],
        "packs": [pack],
        "violations": [
            Violation(
                "shop-pack", "bucket-names", "advisory", "low", bucket.urn, "Names carry a prefix.\nacme-data"
            ),
            Violation(
                "shop-pack", "kms-rotation", "mandatory", "high", key.urn, "Keys rotate.\nkey does not rotate"
            ),
            Violation("shop-pack", "stack-wide", "mandatory", "", None, "Stack checks.\nsomething global"),
            Violation(
                "shop-pack", "gone", "advisory", "", "urn:pulumi:dev::shop::a$aws:sns/topic:Topic::t", "m"
            ),
        ],
        "warnings": ["config shop:dbPassword is secure: the program gets a placeholder"],
        "synthesized_invokes": ["aws:ec2/getAmi:getAmi"],
    }
    values.update(changes)
    return RunResult(**values)


# -- plain values ------------------------------------------------------------------------------------------


def test_plain_values_turn_the_wire_form_into_json():
    properties = struct(
        {
            "name": "a",
            "arn": UNKNOWN,
            "count": 3,
            "ratio": 0.5,
            "huge": 1e20,
            "on": True,
            "none": None,
            "list": [UNKNOWN, 1],
            "nested": {"x": {"y": "z"}},
            "password": {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"},
            "key": {SIG: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:k", "id": "k-1"},
            "pending": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4"},
            "known": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "v"},
            "hidden": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "v", "secret": True},
        }
    )
    assert report.plain_properties(properties) == {
        "name": "a",
        "arn": "<unknown>",
        "count": 3,
        "ratio": 0.5,
        "huge": 1e20,
        "on": True,
        "none": None,
        "list": ["<unknown>", 1],
        "nested": {"x": {"y": "z"}},
        "password": "[secret]",
        "key": "urn:k",
        "pending": "<unknown>",
        "known": "v",
        "hidden": "[secret]",
    }
    assert report.plain_properties(None) == {}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"path": "./app"}, "file archive ./app"),
        (
            {"uri": "https://example.com/a.zip", "hash": "ab12"},
            "remote archive https://example.com/a.zip (sha256 ab12)",
        ),
        ({"assets": {"a": {}, "b": {}}}, "asset archive of 2 entries"),
        ({}, "archive"),
    ],
)
def test_archives_are_described_by_their_source(value, text):
    archive = struct({"code": {SIG: "0def7320c3a5731c473e5ecbe6d01bc7", **value}})
    assert report.plain_properties(archive) == {"code": text}


def test_assets_are_described_by_their_source():
    assets = struct(
        {
            "file": {SIG: "c44067f5952c0a294b673a41bacd8c17", "path": "index.py"},
            "text": {SIG: "c44067f5952c0a294b673a41bacd8c17", "text": "hello"},
        }
    )
    assert report.plain_properties(assets) == {
        "file": "file asset index.py",
        "text": "string asset of 5 characters",
    }


# -- JSON --------------------------------------------------------------------------------------------------


def test_json_follows_the_contract():
    document = json.loads(report.render_json(run_result()))
    assert list(document) == [
        "project",
        "stack",
        "mode",
        "resources",
        "outputs",
        "policyPacks",
        "violations",
        "warnings",
        "summary",
        "synthesizedInvokes",
    ]
    assert (document["project"], document["stack"], document["mode"]) == ("shop", "dev", "preview")
    assert document["outputs"] == {}  # the test run's resources have no root stack
    bucket = document["resources"][3]
    assert bucket == {
        "urn": "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::data",
        "type": "aws:s3/bucket:Bucket",
        "name": "data",
        "parent": "urn:pulumi:dev::shop::shop:index:Storage::storage",
        "protect": True,
        "dependencies": ["urn:pulumi:dev::shop::shop:index:Storage::storage"],
        "inputs": {"bucket": "acme-data", "arn": "<unknown>", "tags": {"Env": "dev"}},
    }
    assert document["resources"][0]["parent"] is None
    assert document["policyPacks"] == [
        {
            "name": "shop-pack",
            "version": "1.2.0",
            "policies": [
                {
                    "name": "kms-rotation",
                    "description": "Keys rotate.",
                    "enforcementLevel": "mandatory",
                    "severity": "high",
                    "framework": "PCI-DSS 4.0 (3.7.4)",
                    "remediationSteps": "Set enableKeyRotation.",
                },
                {
                    "name": "bucket-names",
                    "description": "Names carry a prefix.",
                    "enforcementLevel": "advisory",
                    "severity": "low",
                    "framework": "",
                    "remediationSteps": "",
                },
                {
                    "name": "stack-wide",
                    "description": "Stack checks.",
                    "enforcementLevel": "remediate",
                    "severity": "",
                    "framework": "",
                    "remediationSteps": "",
                },
            ],
        }
    ]
    assert document["violations"][1] == {
        "policyPack": "shop-pack",
        "policy": "kms-rotation",
        "enforcementLevel": "mandatory",
        "severity": "high",
        "urn": "urn:pulumi:dev::shop::aws:kms/key:Key::key",
        "message": "Keys rotate.\nkey does not rotate",
    }
    assert document["violations"][2]["urn"] is None
    assert document["warnings"] == ["config shop:dbPassword is secure: the program gets a placeholder"]
    assert document["summary"] == {"resources": 6, "mandatory": 2, "advisory": 2}
    assert document["synthesizedInvokes"] == ["aws:ec2/getAmi:getAmi"]


# -- SARIF -------------------------------------------------------------------------------------------------


def test_sarif_has_one_rule_per_policy_and_one_result_per_violation():
    sarif = json.loads(report.render_sarif(run_result()))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"] == report.SARIF_SCHEMA
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("shop-pack", "1.2.0")
    rotation, names, stack_wide = driver["rules"]
    assert rotation["id"] == "kms-rotation"
    assert rotation["shortDescription"] == {"text": "Keys rotate."}
    assert rotation["help"] == {"text": "Set enableKeyRotation."}
    assert rotation["helpUri"] == "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    assert rotation["defaultConfiguration"] == {"level": "error"}
    assert rotation["properties"]["severity"] == "high"
    assert rotation["properties"]["framework"] == "PCI-DSS 4.0 (3.7.4)"
    assert rotation["properties"]["security-severity"] == "8.0"
    assert "helpUri" not in names
    assert names["help"] == {"text": "Names carry a prefix."}
    assert names["defaultConfiguration"] == {"level": "warning"}
    assert "security-severity" not in stack_wide["properties"]
    assert stack_wide["defaultConfiguration"] == {"level": "error"}
    results = run["results"]
    assert [(r["ruleId"], r["level"], r.get("ruleIndex")) for r in results] == [
        ("bucket-names", "warning", 1),
        ("kms-rotation", "error", 0),
        ("stack-wide", "error", 2),
        ("gone", "warning", None),
    ]
    assert results[1]["message"] == {"text": "Keys rotate.\nkey does not rotate"}
    (location,) = results[1]["locations"][0]["logicalLocations"]
    assert location == {
        "fullyQualifiedName": "urn:pulumi:dev::shop::aws:kms/key:Key::key",
        "name": "key",
        "kind": "resource",
        "decoratedName": "aws:kms/key:Key",
    }
    assert "locations" not in results[2]
    assert results[3]["locations"][0]["logicalLocations"][0]["decoratedName"] == "aws:sns/topic:Topic"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes == [
        {"level": "warning", "message": {"text": run_result().warnings[0]}},
        {
            "level": "note",
            "message": {
                "text": "invoke aws:ec2/getAmi:getAmi was answered from its result type in the installed "
                "SDK: its values are invented"
            },
        },
    ]
    assert run["properties"]["synthesizedInvokes"] == ["aws:ec2/getAmi:getAmi"]


def test_sarif_without_packs_is_one_empty_preflight_run():
    (run,) = report.to_sarif(run_result(packs=[], violations=[]))["runs"]
    assert run["tool"]["driver"]["name"] == "preflight"
    assert run["tool"]["driver"]["version"] == __version__
    assert (run["tool"]["driver"]["rules"], run["results"]) == ([], [])


# -- text --------------------------------------------------------------------------------------------------


def test_text_shows_the_tree_then_policies_mandatory_first_then_the_summary():
    text = report.render_text(run_result())
    lines = text.splitlines()
    assert lines[0].startswith("Preflight of shop/dev in preview mode (computed values unknown")
    assert lines[2].split() == ["Type", "Name", "Plan"]
    assert lines[3].split() == ["+", "pulumi:pulumi:Stack", "shop-dev", "create"]
    assert lines[4].split() == ["+", "├─", "shop:index:Storage", "storage", "create"]
    assert lines[5].split() == ["+", "│", "├─", "aws:s3:Bucket", "data", "create"]
    assert lines[6].split() == ["+", "│", "└─", "aws:kms:Key", "key", "create"]
    assert lines[7].split() == ["+", "└─", "pulumi:providers:aws", "eu", "create"]
    assert "default_7_51_1" not in text  # default providers are not shown, as in `pulumi preview`
    policies = text[text.index("Policies:") :].splitlines()
    assert policies[1] == "    shop-pack@v1.2.0: 4 violations"
    assert policies[2] == "        - [mandatory]  kms-rotation  (aws:kms/key:Key: key)"
    assert policies[3:5] == ["          Keys rotate.", "          key does not rotate"]
    assert policies[5] == "        - [mandatory]  stack-wide"
    assert policies[8] == "        - [advisory]  bucket-names  (aws:s3/bucket:Bucket: data)"
    assert policies[11] == "        - [advisory]  gone  (aws:sns/topic:Topic: t)"
    assert "Resources:\n    + 5 to create" in text
    assert "Warnings:\n    - config shop:dbPassword is secure" in text
    assert (
        "Invokes answered from their SDK result type (no hand-written answer; values invented):\n"
        "    - aws:ec2/getAmi:getAmi\n"
    ) in text
    assert lines[-1] == (
        "Summary: 6 resources, 2 mandatory and 2 advisory violations: "
        "`pulumi preview` with these packs would fail"
    )


def test_text_of_a_clean_update_run():
    result = run_result(mode=Mode.UPDATE, violations=[], warnings=[], synthesized_invokes=[])
    text = report.render_text(result)
    assert "Invokes answered" not in text
    assert "in update mode (computed values as `pulumi up` gives them" in text
    assert "    shop-pack@v1.2.0: no violations" in text
    assert "Warnings:" not in text
    assert text.endswith(
        "0 mandatory and 0 advisory violations: `pulumi preview` with these packs would pass\n"
    )


def test_text_without_packs_or_resources():
    text = report.render_text(run_result(packs=[], violations=[], resources=[provider()]))
    assert "(the program registered no resources)" in text
    assert "no policy pack given (use --policy-pack DIR)" in text
    assert text.endswith("no policies were checked\n")


def test_text_names_a_single_violation_and_an_unparseable_urn():
    one = Violation("shop-pack", "kms-rotation", "mandatory", "high", "not-a-urn", "Keys rotate.")
    text = report.render_text(run_result(violations=[one]))
    assert "shop-pack@v1.2.0: 1 violation\n" in text
    assert "- [mandatory]  kms-rotation  (: not-a-urn)" in text


def test_a_resource_whose_parent_is_unknown_is_shown_at_the_top():
    orphan = resource("aws:sns/topic:Topic", "t", {}, parent="urn:pulumi:dev::shop::x:y:Z::gone")
    lines = report.render_text(run_result(resources=[stack(), orphan], violations=[])).splitlines()
    assert lines[3].split()[1] == "pulumi:pulumi:Stack"
    assert lines[4].split()[1] == "aws:sns:Topic"


@pytest.mark.parametrize(
    ("document", "render"), [(report.to_json, report.render_json), (report.to_sarif, report.render_sarif)]
)
def test_a_report_written_as_it_is_encoded_is_the_rendered_text(document, render):
    stream = io.StringIO()
    report.dump(document(run_result()), stream)
    assert stream.getvalue() == render(run_result())
