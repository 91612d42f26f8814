"""The web application firewall: a regional web ACL of AWS managed rule groups on the public stage, logging
to its own encrypted group with SigV4 credentials redacted."""

import pulumi_aws as aws
from stack_harness import ACCOUNT, BASE_TAGS, component_context, run_program

from components.firewall import (
    MANAGED_RULE_GROUPS,
    REDACTED_HEADERS,
    Firewall,
    FirewallArgs,
    waf_log_delivery_policy,
)

STAGE_ARN = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/dev"


def _firewall(preview=False):
    target, names, tags = component_context()

    def program() -> None:
        group = aws.cloudwatch.LogGroup("waf-logs", name=names.waf_log_group, retention_in_days=365)
        Firewall(
            "firewall",
            FirewallArgs(target=target, names=names, tags=tags, stage_arn=STAGE_ARN, log_group=group),
        )

    return run_program(program, preview=preview)


def test_the_web_acl_is_regional_allows_by_default_and_runs_the_aws_managed_rule_groups():
    acl = _firewall().one("aws:wafv2/webAcl:WebAcl").inputs

    assert acl["name"] == "trading-api-waf-dev"
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert [rule["name"] for rule in acl["rules"]] == list(MANAGED_RULE_GROUPS)
    for priority, rule in enumerate(acl["rules"]):
        assert rule["priority"] == priority
        assert rule["overrideAction"] == {"none": {}}
        statement = rule["statement"]["managedRuleGroupStatement"]
        assert (statement["name"], statement["vendorName"]) == (rule["name"], "AWS")
        counted = [o["name"] for o in statement.get("ruleActionOverrides", [])]
        assert counted == list(MANAGED_RULE_GROUPS[rule["name"]])
        assert all(o["actionToUse"] == {"count": {}} for o in statement.get("ruleActionOverrides", []))
        assert rule["visibilityConfig"] == {
            "cloudwatchMetricsEnabled": True,
            "metricName": rule["name"],
            "sampledRequestsEnabled": True,
        }
    assert acl["visibilityConfig"]["metricName"] == "trading-api-waf-dev"
    assert acl["tags"] == {**BASE_TAGS, "Name": "trading-api-waf-dev"}


def test_anonymising_proxies_are_blocked_but_cloud_hosted_callers_only_counted():
    # checkov's CKV2_AWS_77 asks for both groups; the Log4j rules are in KnownBadInputs.
    assert {"AWSManagedRulesAnonymousIpList", "AWSManagedRulesKnownBadInputsRuleSet"} <= set(
        MANAGED_RULE_GROUPS
    )
    assert MANAGED_RULE_GROUPS["AWSManagedRulesAnonymousIpList"] == ("HostingProviderIPList",)


def test_the_web_acl_guards_the_stage():
    run = _firewall()
    association = run.one("aws:wafv2/webAclAssociation:WebAclAssociation")

    assert association.inputs["resourceArn"] == STAGE_ARN
    assert association.property_dependencies["webAclArn"] == [run.one("aws:wafv2/webAcl:WebAcl").urn]


def test_waf_logs_to_its_group_through_a_policy_on_that_group_only_with_credentials_redacted():
    run = _firewall()
    group = run.named("waf-logs")
    logging = run.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    policy = run.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")

    assert logging.inputs["logDestinationConfigs"] == [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-trading-dev"
    ]
    assert logging.property_dependencies["resourceArn"] == [run.one("aws:wafv2/webAcl:WebAcl").urn]
    assert logging.inputs["redactedFields"] == [{"singleHeader": {"name": h}} for h in REDACTED_HEADERS]
    assert policy.urn in logging.dependencies
    assert policy.property_dependencies["resourceArn"] == [group.urn]
    target = component_context()[0]
    assert policy.json("policyDocument") == waf_log_delivery_policy(target, "aws-waf-logs-trading-dev")


def test_the_log_delivery_policy_serves_one_group_for_this_account_only():
    target = component_context()[0]
    (statement,) = waf_log_delivery_policy(target, "aws-waf-logs-trading-dev")["Statement"]

    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-trading-dev:log-stream:*"
    )
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:*"},
    }
