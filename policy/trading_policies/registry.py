"""Rules, and the one place that turns their findings into Pulumi policy violations.

A rule is a check plus its metadata (description, severity, PCI DSS v4.0 requirements, remediation,
AWS documentation link, config schema with defaults). A check only returns findings; this module
resolves the rule's config, applies exemptions (an exempted finding becomes an advisory violation of
the same policy that says why; an expired one stays blocking and says it expired), reports a finding
about a value unknown until deployment (see :func:`unknown_until_deployed`) as an advisory note, and
writes every message in one format, because Pulumi prints nothing but the message:

``[HIGH] aws:kms/key:Key 'logs': <fault>. Fix: <remediation>. PCI DSS v4.0 <req>. See <url>``
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import config as config_module
from . import request_scope
from .config import EXEMPTIONS_SCHEMA, Exemption
from .enforcement import EXEMPTED_PREFIX, UNKNOWN_AT_PREVIEW_PREFIX
from .graph import Resource, Stack

PCI_DSS = "PCI-DSS"
PCI_DSS_VERSION = "4.0"


@dataclass(frozen=True)
class Finding:
    """One fault of one resource, e.g. the exact statement or property at fault.

    ``unknown_at_preview`` marks a finding that only says a value cannot be judged yet: it is reported as
    an advisory note, never as a blocking violation.
    """

    resource: Resource
    fault: str
    unknown_at_preview: bool = False


def unknown_until_deployed(subject: Resource, source: Resource, prop: str, what: str) -> Finding:
    """The advisory note for ``what`` of ``subject``, read from ``source.<prop>``, which is not known yet."""
    depends_on = source.property_dependencies.get(prop, [])
    because = (
        f"it depends on {', '.join(d.label for d in depends_on)}"
        if depends_on
        else "it is built from values computed during deployment"
    )
    return Finding(
        subject,
        f"{what} cannot be checked until {source.label}.{prop} is known ({because}); preview with "
        "preflight --mode update or check after the first deployment",
        unknown_at_preview=True,
    )


# A resource check yields faults of its resource as text, or Findings (e.g. from unknown_until_deployed).
ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[str | Finding]]
StackCheck = Callable[[Stack, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True, eq=False)
class Rule:
    """A policy's check and metadata. Resource rules run for ``resource_types``, for the types that start
    with one of ``resource_type_prefixes`` and for those that match one of ``resource_type_patterns``
    (shell-style, e.g. ``*:tf:aws_*``); none given: every type."""

    name: str
    description: str
    severity: Severity
    pci: tuple[str, ...]
    remediation: str
    url: str
    topic: str
    check: Callable[..., Iterable[Any]]
    resource_types: tuple[str, ...] | None = None
    resource_type_prefixes: tuple[str, ...] = ()
    resource_type_patterns: tuple[str, ...] = ()
    stack: bool = False
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def concerns(self, resource_type: str) -> bool:
        """Whether the rule runs for resources of ``resource_type``."""
        if (
            self.resource_types is None
            and not self.resource_type_prefixes
            and not self.resource_type_patterns
        ):
            return True
        return (
            resource_type in (self.resource_types or ())
            or resource_type.startswith(self.resource_type_prefixes)
            or any(fnmatchcase(resource_type, pattern) for pattern in self.resource_type_patterns)
        )

    @property
    def schema(self) -> dict[str, Mapping[str, Any]]:
        return {**self.config, "exemptions": EXEMPTIONS_SCHEMA}

    @property
    def pci_text(self) -> str:
        return f"PCI DSS v{PCI_DSS_VERSION} {', '.join(self.pci)}"

    def message(self, resource: Resource, fault: str) -> str:
        return (
            f"[{self.severity.value.upper()}] {resource.label}: {fault.rstrip('.')}. "
            f"Fix: {self.remediation.rstrip('.')}. {self.pci_text}. See {self.url}"
        )

    def resolve_config(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        return _resolve_cached(self, _config_key(raw or {}))

    def to_policy(self) -> Policy:
        common: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "enforcement_level": EnforcementLevel.MANDATORY,
            "config_schema": PolicyConfigSchema(properties=self.schema),
            "severity": self.severity,
            "framework": PolicyComplianceFramework(
                name=PCI_DSS,
                version=PCI_DSS_VERSION,
                reference=", ".join(self.pci),
                specification=f"{self.pci_text}: {self.description}",
            ),
            "tags": [self.topic, "pci-dss"],
            "remediation_steps": self.remediation,
            "url": self.url,
        }
        if self.stack:
            return StackValidationPolicy(validate=self._validate_stack, **common)
        return ResourceValidationPolicy(validate=self._validate_resource, **common)

    def _validate_resource(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        settings = self.resolve_config(args.get_config())
        if not self.concerns(args.resource_type):
            return
        resource = shared_resource(args)
        findings = [
            fault if isinstance(fault, Finding) else Finding(resource, fault)
            for fault in self.check(resource, settings)
        ]
        self.report(findings, settings, report_violation)

    def _validate_stack(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        settings = self.resolve_config(args.get_config())
        self.report(list(self.check(shared_stack(args.resources), settings)), settings, report_violation)

    def report(
        self, findings: Iterable[Finding], settings: Mapping[str, Any], report_violation: ReportViolation
    ) -> None:
        """Report each finding once: blocking, or advisory when it is unknown at preview or an active
        exemption covers its resource."""
        day = config_module.today()
        exemptions: list[Exemption] = settings["exemptions"]
        for finding in findings:
            message = self.message(finding.resource, finding.fault)
            if finding.unknown_at_preview:
                message = UNKNOWN_AT_PREVIEW_PREFIX + message
            resource = finding.resource
            matching = [e for e in exemptions if e.matches(resource.name, resource.urn, resource.type)]
            active = [e for e in matching if e.active_on(day)]
            if active:
                exemption = active[0]
                until = f" until {exemption.expires.isoformat()}" if exemption.expires else ""
                message = (
                    f"{EXEMPTED_PREFIX}{message} Exempted by policy config (resource {exemption.label}"
                    f"{until}): {exemption.reason}"
                )
            elif matching:
                expired = matching[0]
                message = (
                    f"{message} (The exemption for {expired.label} expired on "
                    f"{expired.expires}; fix the resource or renew the "
                    "exemption with a new reason and date.)"
                )
            report_violation(message, finding.resource.urn)


def shared_resource(args: ResourceValidationArgs) -> Resource:
    """The view of the one resource of an ``Analyze`` request, built once for all its resource policies."""
    key = ("resource", args.urn, args.resource_type, args.name)
    return request_scope.shared(key, lambda: Resource.from_sdk(args))


def shared_stack(resources: list[Any]) -> Stack:
    """The graph of ``resources``, built once per ``AnalyzeStack`` request for all its stack policies.

    Every stack policy of one request gets its own list of the same resources, so the graph is keyed on
    the request (the scope) and the resources' URNs, never on the list object.
    """
    return request_scope.shared(
        ("stack", tuple(r.urn for r in resources)),
        lambda: Stack.from_sdk(resources, indexed=request_scope.enabled()),
    )


# The same encoder json.dumps(sort_keys=True, default=str) would build on every call, built once.
_config_key = json.JSONEncoder(sort_keys=True, default=str).encode


@lru_cache(maxsize=256)
def _resolve_cached(rule: Rule, raw_json: str) -> dict[str, Any]:
    return config_module.resolve(rule.name, rule.schema, json.loads(raw_json))
