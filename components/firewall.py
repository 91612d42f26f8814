"""The web application firewall in front of the public API stage (PCI DSS 6.4.2).

An AWS WAF (wafv2) web ACL, regional like the API, runs AWS managed rule groups (IP reputation, anonymous
IPs, the common rule set, known bad inputs) before any request reaches API Gateway, and is associated with
the stage. It logs to the stack's encrypted ``aws-waf-logs-`` group through the CloudWatch Logs log delivery
service, allowed by a resource policy on that group only. SigV4 headers are redacted from those logs: the
signature and, for temporary credentials, the session token would otherwise be written to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options

# Evaluated in this order (975 of the web ACL's 1,500 capacity units); each group's listed rules only count:
# the hosting-provider list would block callers running on AWS or other clouds, where this API's SigV4
# clients run, while anonymising proxies and Tor stay blocked. KnownBadInputs carries the Log4j rules.
MANAGED_RULE_GROUPS: dict[str, tuple[str, ...]] = {
    "AWSManagedRulesAmazonIpReputationList": (),
    "AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",),
    "AWSManagedRulesCommonRuleSet": (),
    "AWSManagedRulesKnownBadInputsRuleSet": (),
}
REDACTED_HEADERS = ("authorization", "x-amz-security-token")
LOG_DELIVERY_SERVICE = "delivery.logs"


def waf_log_delivery_policy(target: AwsTarget, log_group_name: str) -> dict[str, Any]:
    """Lets the log delivery service write WAF logs into one log group, on behalf of this account only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WafLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": target.service_principal(LOG_DELIVERY_SERVICE)},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{target.log_group_arn(log_group_name)}:log-stream:*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": target.account_id},
                    "ArnLike": {"aws:SourceArn": target.arn("logs", "*")},
                },
            }
        ],
    }


def _visibility(metric_name: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric_name, "sampled_requests_enabled": True}


def _managed_group(
    group: str, counted: tuple[str, ...]
) -> aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs:
    waf = aws.wafv2
    return waf.WebAclRuleStatementManagedRuleGroupStatementArgs(
        name=group,
        vendor_name="AWS",
        rule_action_overrides=[
            waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
                name=rule,
                action_to_use=waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                    count=waf.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()
                ),
            )
            for rule in counted
        ]
        or None,
    )


@dataclass(frozen=True)
class FirewallArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    stage_arn: pulumi.Input[str]
    log_group: aws.cloudwatch.LogGroup


class Firewall(pulumi.ComponentResource):
    """Web ACL, its association with the stage, and its logging."""

    web_acl: aws.wafv2.WebAcl
    association: aws.wafv2.WebAclAssociation
    log_delivery_policy: aws.cloudwatch.LogResourcePolicy
    logging: aws.wafv2.WebAclLoggingConfiguration

    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:firewall:Firewall", name, None, opts)
        names, child = args.names, child_options(self)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=names.web_acl,
            description="Trading orders API: AWS managed rule groups",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=[
                aws.wafv2.WebAclRuleArgs(
                    name=group,
                    priority=priority,
                    # The groups' own actions (block) apply; "none" overrides nothing.
                    override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                        none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        managed_rule_group_statement=_managed_group(group, counted)
                    ),
                    visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(**_visibility(group)),
                )
                for priority, (group, counted) in enumerate(MANAGED_RULE_GROUPS.items())
            ],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(**_visibility(names.web_acl)),
            tags=args.tags.plain(names.web_acl),
            opts=child,
        )
        self.association = aws.wafv2.WebAclAssociation(
            f"{name}-association", resource_arn=args.stage_arn, web_acl_arn=self.web_acl.arn, opts=child
        )
        self.log_delivery_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-log-delivery",
            resource_arn=args.log_group.arn,
            policy_document=json.dumps(waf_log_delivery_policy(args.target, names.waf_log_group)),
            opts=child,
        )
        self.logging = aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[args.log_group.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name=header
                    )
                )
                for header in REDACTED_HEADERS
            ],
            opts=child_options(self, depends_on=[self.log_delivery_policy]),
        )
        self.register_outputs({"webAclArn": self.web_acl.arn})
