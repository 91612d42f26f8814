"""The pack as a whole: metadata, entry point, catalog, and every policy's paired cases."""

from __future__ import annotations

import copy
import runpy
import sys
from pathlib import Path

import pytest
import yaml
from policy_cases import ADVISORY_WHEN_UNKNOWN, BAD, UNKNOWN
from policy_fixtures import compliant_stack
from policy_harness import POLICIES, R, mandatory, run
from pulumi_policy import EnforcementLevel, Severity, StackValidationPolicy
from trading_policies import ALL_POLICIES, PACK_NAME, RULES, catalog
from trading_policies.anchors import ANCHORS

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_POLICIES = {
    "kms-key-policy-no-unconditional-grants",
    "kms-key-policy-keeps-account-access",
    "kms-key-rotation-enabled",
    "log-group-kms-key-allows-logs",
    "log-group-encrypted",
    "log-group-retention",
    "s3-bucket-name-includes-account-id",
    "s3-public-access-blocked",
    "s3-encrypted-with-kms",
    "s3-versioning-enabled",
    "s3-tls-only",
    "dynamodb-pitr-enabled",
    "dynamodb-encrypted-with-cmk",
    "rds-storage-encrypted-with-cmk",
    "rds-serverless-v2-valid",
    "rds-master-password-managed",
    "rds-deletion-protection",
    "lambda-tracing-active",
    "lambda-in-vpc",
    "lambda-env-encrypted-with-cmk",
    "lambda-log-group-managed",
    "apigateway-stage-access-logging",
    "apigateway-stage-xray",
    "apigateway-method-authorization",
    "iam-no-wildcard-actions",
    "iam-region-restricted",
    "required-tags",
    "pci-scope-tags",
    "physical-name-has-environment-suffix",
}
STACK_POLICIES = {
    "log-group-kms-key-allows-logs",
    "s3-public-access-blocked",
    "s3-encrypted-with-kms",
    "s3-versioning-enabled",
    "s3-tls-only",
    "rds-serverless-v2-valid",
    "lambda-log-group-managed",
}
EXEMPTION = {
    "resource": "bad",
    "reason": "accepted by the platform team in ticket SEC-42",
    "expires": "2999-12-31",
}


def test_every_contract_policy_exists_under_its_exact_name():
    assert set(POLICIES) >= CONTRACT_POLICIES
    assert len(POLICIES) == len(ALL_POLICIES)


def test_cross_resource_contract_policies_are_stack_policies():
    assert {
        name for name in STACK_POLICIES if isinstance(POLICIES[name], StackValidationPolicy)
    } == STACK_POLICIES


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_every_policy_carries_full_metadata_and_is_mandatory(policy):
    assert policy.enforcement_level is EnforcementLevel.MANDATORY
    assert policy.description.endswith(".")
    assert len(policy.description) > 30
    assert isinstance(policy.severity, Severity)
    assert policy.framework.name == "PCI-DSS"
    assert policy.framework.version == "4.0"
    assert all(req[0].isdigit() for req in policy.framework.reference.split(", "))
    assert policy.remediation_steps
    assert policy.url.startswith("https://docs.aws.amazon.com/")
    assert "exemptions" in policy.config_schema.properties
    for spec in policy.config_schema.properties.values():
        assert "default" in spec
        assert spec["description"]


def test_every_policy_has_a_bad_and_an_unknown_case():
    assert set(BAD) == set(POLICIES) == set(UNKNOWN)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_compliant_stack_passes_in_preview_and_in_update(name):
    assert run(name, compliant_stack("preview")) == []
    assert run(name, compliant_stack("update")) == []


@pytest.mark.parametrize(
    "name", sorted(STACK_POLICIES | {"vpc-flow-logs-enabled", "vpc-default-security-group-closed"})
)
def test_update_mode_finds_related_resources_by_value_without_property_dependencies(name):
    resources = compliant_stack("update")
    for resource in resources:
        resource.deps = {}
    assert run(name, resources) == []


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_a_bad_resource_is_a_mandatory_violation_with_an_actionable_message(name):
    diags = run(name, BAD[name]())
    rule = next(r for r in RULES if r.name == name)
    assert diags, name
    for diag in diags:
        assert diag.level == "mandatory"
        assert diag.policy == name
        assert "'bad': " in diag.message
        assert f"[{rule.severity.value.upper()}]" in diag.message
        assert "Fix: " in diag.message
        assert rule.pci_text in diag.message
        assert rule.url in diag.message
        assert diag.urn.endswith("::bad")


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_values_set_but_unknown_at_preview_are_not_violations(name):
    diags = run(name, UNKNOWN[name]())
    if name not in ADVISORY_WHEN_UNKNOWN:
        assert diags == []
        return
    # A deciding value unknown at preview is a note that says what to do, never a blocking violation.
    (diag,) = diags
    assert diag.level == "advisory"
    assert "\n[unknown at preview] [" in diag.message
    assert f".{ADVISORY_WHEN_UNKNOWN[name]} is known (" in diag.message
    assert "preview with preflight --mode update or check after the first deployment" in diag.message


def exemption_for_bad(resources):
    (kind,) = {r.type for r in resources if r.name == "bad"}
    return {**EXEMPTION, "type": kind}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_an_exemption_turns_the_violation_advisory_and_says_why(name):
    resources = BAD[name]()
    diags = run(name, resources, {"exemptions": [exemption_for_bad(resources)]})
    assert diags
    assert mandatory(diags) == []
    for diag in diags:
        assert "[exempted] " in diag.message
        assert "until 2999-12-31): accepted by the platform team in ticket SEC-42" in diag.message


def test_an_expired_exemption_blocks_again_and_says_it_expired():
    resources = BAD["log-group-retention"]()
    config = {"exemptions": [{**exemption_for_bad(resources), "expires": "2020-01-31"}]}
    (diag,) = run("log-group-retention", resources, config)
    assert diag.level == "mandatory"
    assert (
        "(The exemption for 'bad' of type aws:cloudwatch/logGroup:LogGroup expired on 2020-01-31; fix the "
        "resource or renew the exemption with a new reason and date.)"
    ) in diag.message


def test_exemptions_match_urns_with_wildcards_and_without_expiry():
    config = {
        "exemptions": [
            {"resource": "urn:pulumi:*::aws:s3/bucket:Bucket::b*", "reason": "legacy bucket import"}
        ]
    }
    (diag,) = run("s3-bucket-name-includes-account-id", BAD["s3-bucket-name-includes-account-id"](), config)
    assert diag.level == "advisory"
    assert "(resource 'urn:pulumi:*::aws:s3/bucket:Bucket::b*'): legacy bucket import" in diag.message


def test_an_exemption_for_another_resource_changes_nothing():
    other = {
        "resource": "other",
        "type": "aws:cloudwatch/logGroup:LogGroup",
        "reason": "something else entirely",
    }
    config = {"exemptions": [other]}
    assert [d.level for d in run("log-group-retention", BAD["log-group-retention"](), config)] == [
        "mandatory"
    ]


def test_main_builds_one_mandatory_pack_of_every_policy(monkeypatch):
    built = {}

    def record(**kwargs):
        built.update(kwargs)

    monkeypatch.setattr("pulumi_policy.PolicyPack", record)
    runpy.run_path(str(ROOT / "policy" / "__main__.py"), run_name="__main__")
    assert built["name"] == PACK_NAME
    assert built["enforcement_level"] is EnforcementLevel.MANDATORY
    assert [p.name for p in built["policies"]] == [p.name for p in ALL_POLICIES]


def test_pulumi_policy_yaml_declares_a_python_pack_with_a_virtualenv():
    spec = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert spec["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert spec["version"] == "0.1.0"
    assert spec["description"]


def test_the_committed_catalog_is_current():
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == catalog.render(), (
        f"docs/policies.md is stale; regenerate it with: {catalog.REGENERATE}"
    )


def test_the_catalog_lists_every_policy_with_its_metadata():
    text = catalog.render()
    for rule in RULES:
        row = next(line for line in text.splitlines() if f"[`{rule.name}`]" in line)
        assert rule.severity.value in row
        assert ", ".join(rule.pci) in row
        assert "`exemptions`" in row
    assert "`minimumRetentionDays` (default `365`)" in text


def test_catalog_main_writes_a_file_or_standard_output(tmp_path, capsys, monkeypatch):
    target = tmp_path / "policies.md"
    assert catalog.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == catalog.render()
    monkeypatch.setattr("sys.argv", ["catalog"])
    monkeypatch.delitem(sys.modules, "trading_policies.catalog")
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("trading_policies.catalog", run_name="__main__")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == catalog.render()


def test_fixtures_are_not_shared_between_cases():
    first, second = compliant_stack(), compliant_stack()
    assert all(a is not b for a, b in zip(first, second, strict=True))
    assert copy.deepcopy(BAD["s3-tls-only"]())[0].props == BAD["s3-tls-only"]()[0].props
    assert isinstance(first[0], R)


def test_every_policy_is_mapped_to_the_other_tools_or_says_why_none_has_it():
    assert set(ANCHORS) == {rule.name for rule in RULES}
    for name, anchors in ANCHORS.items():
        if anchors.unique:
            assert anchors.only_here, f"{name}: no equivalent anywhere, so say what only the pack checks"


def test_the_catalog_shows_the_anchor_map_and_the_rows_no_other_tool_has():
    text = catalog.render()
    assert "## What the pack replaces, and what only it checks" in text
    row = next(line for line in text.splitlines() if line.startswith("| `apigateway-stage-waf` |"))
    assert "CKV2_AWS_29" in row
    assert "PCI.DSS.321-APIGWAssociatedWithWAF" in row
    assert "api-gw-associated-with-waf" in row
    row = next(line for line in text.splitlines() if line.startswith("| `log-group-kms-key-allows-logs` |"))
    assert row.count("none: a lesson of this stack") == 3
    row = next(line for line in text.splitlines() if line.startswith("| `rds-postgresql-query-logging` |"))
    assert "| none | none |" in row
    unique = next(line for line in text.splitlines() if line.startswith("Policies no other tool has: "))
    assert "`log-group-kms-key-allows-logs`" in unique
    assert "`kms-key-rotation-enabled`" not in unique
