"""Pure builders for the IAM documents the stack's roles use.

Every identity-policy statement is pinned to the stack's region with ``aws:RequestedRegion``. Trust
policies name one service; where the service documents that it sends ``aws:SourceAccount`` and
``aws:SourceArn`` (VPC flow logs) they are required, closing the confused-deputy path. Lambda and API
Gateway do not document them for their roles, and a condition they never satisfy would make the role
unusable, so those trust policies rely on ``iam:PassRole`` staying within this account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.conventions import AwsTarget


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    target: AwsTarget,
    conditions: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An Allow statement restricted to the stack's region, plus any further conditions."""
    condition: dict[str, dict[str, Any]] = {"StringEquals": {"aws:RequestedRegion": target.region}}
    for operator, values in (conditions or {}).items():
        condition[operator] = {**condition.get(operator, {}), **values}
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": list(resources),
        "Condition": condition,
    }


def policy_document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust_policy(service: str, target: AwsTarget, source_arn: str | None = None) -> dict[str, Any]:
    """Lets one AWS service assume the role; with ``source_arn``, only for that resource of this account."""
    statement: dict[str, Any] = {
        "Sid": "ServiceAssumesRole",
        "Effect": "Allow",
        "Principal": {"Service": target.service_principal(service)},
        "Action": "sts:AssumeRole",
    }
    if source_arn is not None:
        statement["Condition"] = {
            "StringEquals": {"aws:SourceAccount": target.account_id},
            "ArnLike": {"aws:SourceArn": source_arn},
        }
    return policy_document(statement)
