"""Report marked findings (exempted, or not checkable until deployment) as advisory violations.

pulumi-policy fixes one enforcement level per policy: ``_PolicyAnalyzerServicer._create_report_violation``
builds each policy's ``report_violation`` callback with that level. Two kinds of finding must leave a note
under the policy's own name without blocking the deployment: an exempted one (the audit trail of the
exemption) and one about a value that is unknown until deployment (a preview cannot judge it, but must
not pass it silently either). So :func:`install` wraps that method: a message that starts with one of
:data:`ADVISORY_PREFIXES` is reported at the advisory level, anything else at the policy's configured
level. The pack runs under the same SDK in the Pulumi CLI, so this holds for every
user of the pack. The SDK's shape is checked first; if a new SDK release changed it, importing the pack
fails with a message that says so instead of silently blocking (or passing) exempted resources.
"""

from __future__ import annotations

import inspect
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation
from pulumi_policy import policy as sdk_policy
from pulumi_policy.version import VERSION

EXEMPTED_PREFIX = "[exempted] "
UNKNOWN_AT_PREVIEW_PREFIX = "[unknown at preview] "
ADVISORY_PREFIXES = (EXEMPTED_PREFIX, UNKNOWN_AT_PREVIEW_PREFIX)

_EXPECTED_PARAMETERS = (
    "self",
    "response",
    "policy_name",
    "policy_description",
    "enforcement_level",
    "severity",
)
_INSTALLED_MARK = "_trading_policies_exemptions"


class SdkShapeError(RuntimeError):
    """The installed pulumi-policy no longer has the method this module wraps."""


def install(servicer_class: Any = None) -> None:
    """Wrap the SDK's violation reporter once so messages marked with an advisory prefix are advisory."""
    servicer = servicer_class or sdk_policy._PolicyAnalyzerServicer
    original = getattr(servicer, "_create_report_violation", None)
    if getattr(original, _INSTALLED_MARK, False):
        return
    if original is None or tuple(inspect.signature(original).parameters) != _EXPECTED_PARAMETERS:
        raise SdkShapeError(
            f"pulumi-policy {VERSION} changed _PolicyAnalyzerServicer._create_report_violation, which "
            "trading_policies wraps to report marked findings as advisory; pin pulumi-policy to 1.21.x "
            "or update trading_policies/enforcement.py"
        )

    def create_report_violation(
        self: Any,
        response: Any,
        policy_name: str,
        policy_description: str,
        enforcement_level: EnforcementLevel,
        severity: Any = None,
    ) -> ReportViolation:
        configured = original(self, response, policy_name, policy_description, enforcement_level, severity)

        def report_violation(message: str, urn: str | None = None) -> None:
            if isinstance(message, str) and message.startswith(ADVISORY_PREFIXES):
                # Built per marked finding: building it up front cost every policy run of every request.
                advisory = original(
                    self, response, policy_name, policy_description, EnforcementLevel.ADVISORY, severity
                )
                advisory(message, urn)
            else:
                configured(message, urn)

        return report_violation

    setattr(create_report_violation, _INSTALLED_MARK, True)
    servicer._create_report_violation = create_report_violation
