"""The trading platform's CrossGuard policy pack: its rules, as pulumi-policy policies.

Importing the package installs the exemption reporter (see :mod:`trading_policies.enforcement`), so a
pack built from :data:`ALL_POLICIES` reports exempted findings as advisory wherever it runs, and the
per-request scope (see :mod:`trading_policies.request_scope`), so the policies of one request share its work
(skipped, with a warning, on a pulumi-policy release whose shape it does not know: same verdicts, slower).
"""

from __future__ import annotations

from . import (
    apigateway,
    dynamodb,
    endpoint_access,
    enforcement,
    generic,
    iam,
    kms,
    lambda_,
    lifecycle,
    logs,
    messaging,
    network,
    opensearch,
    rds,
    request_scope,
    resource_access,
    s3,
    secretsmanager,
    sharing,
    tags,
)
from .registry import Rule

PACK_NAME = "trading-pci-policies"
PACK_DESCRIPTION = (
    "PCI DSS v4.0 guardrails for the trading platform on AWS: key policies CloudWatch Logs can use, no "
    "unconditional grants, globally unique bucket names, encryption, logging, least privilege and tagging."
)

RULES: list[Rule] = [
    *kms.RULES,
    *logs.RULES,
    *s3.RULES,
    *dynamodb.RULES,
    *rds.RULES,
    *lifecycle.RULES,
    *lambda_.RULES,
    *messaging.RULES,
    *apigateway.RULES,
    *iam.RULES,
    *network.RULES,
    *resource_access.RULES,
    *sharing.RULES,
    *endpoint_access.RULES,
    *opensearch.RULES,
    *secretsmanager.RULES,
    *tags.RULES,
    *generic.RULES,
]

enforcement.install()
request_scope.install_if_compatible()

ALL_POLICIES = [rule.to_policy() for rule in RULES]

__all__ = ["ALL_POLICIES", "PACK_DESCRIPTION", "PACK_NAME", "RULES"]
