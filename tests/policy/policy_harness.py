"""Drives the pack's policies through pulumi-policy's own analyzer servicer, as the engine does.

Resources are small dicts turned into the protobuf requests the engine sends (``AnalyzeRequest`` for a
resource policy, ``AnalyzeStackRequest`` with parents, dependencies and property dependencies for a stack
policy), so properties are wrapped, deserialized and proxied by the SDK exactly as in a real run:
unknowns use the engine's sentinel and numbers arrive as floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from trading_policies import ALL_POLICIES, PACK_NAME

# The property tests (hundreds of random documents each) run without coverage's tracer: what they are worth is
# their assertions, every line they reach is also reached by an example test (the threshold says so), and
# traced they took three times as long (23 s against 8 s, run alone).
FUZZ = pytest.mark.untraced
U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ACCOUNT = "123456789012"
REGION = "us-east-1"
POLICIES = {policy.name: policy for policy in ALL_POLICIES}
PROVIDER = {"region": REGION}


@dataclass(eq=False)
class R:
    """A resource as the engine knows it: type, logical name, properties and how it links to others."""

    type: str
    name: str
    props: dict[str, Any]
    deps: dict[str, list[R]] = field(default_factory=dict)
    depends_on: list[R] = field(default_factory=list)
    parent: R | None = None
    provider: dict[str, Any] | None = field(default_factory=lambda: dict(PROVIDER))
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)

    @property
    def urn(self) -> str:
        return f"urn:pulumi:dev::trading::{self.type}::{self.name}"


@dataclass(frozen=True)
class Diag:
    policy: str
    level: str
    message: str
    urn: str


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(values, struct_pb2.Struct())


def _provider(resource: R) -> proto.AnalyzerProviderResource | None:
    if resource.provider is None:
        return None
    return proto.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        properties=_struct(resource.provider),
        urn="urn:pulumi:dev::trading::pulumi:providers:aws::default",
        name="default",
    )


def _options(resource: R) -> proto.AnalyzerResourceOptions:
    return proto.AnalyzerResourceOptions(protect=resource.protect, ignoreChanges=resource.ignore_changes)


def servicer(names: list[str], config: dict[str, Any] | None = None) -> _PolicyAnalyzerServicer:
    """A servicer holding the named policies, configured as ``pulumi preview --policy-pack-config`` would."""
    server = _PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", [POLICIES[n] for n in names], EnforcementLevel.MANDATORY
    )
    request = proto.ConfigureAnalyzerRequest()
    for name, properties in (config or {}).items():
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(enforcementLevel=proto.MANDATORY, properties=_struct(properties))
        )
    server.Configure(request, None)
    return server


def _diags(response: proto.AnalyzeResponse) -> list[Diag]:
    levels = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory"}
    return [Diag(d.policyName, levels[d.enforcementLevel], d.message, d.urn) for d in response.diagnostics]


def analyze(name: str, resource: R, config: dict[str, Any] | None = None) -> list[Diag]:
    """Run resource policy ``name`` on one resource; ``config`` is that policy's config properties."""
    server = servicer([name], {name: config} if config is not None else None)
    request = proto.AnalyzeRequest(
        type=resource.type,
        properties=_struct(resource.props),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
    )
    provider = _provider(resource)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return _diags(server.Analyze(request, None))


def analyze_stack(name: str, resources: list[R], config: dict[str, Any] | None = None) -> list[Diag]:
    """Run stack policy ``name`` over ``resources``."""
    server = servicer([name], {name: config} if config is not None else None)
    return _diags(server.AnalyzeStack(stack_request(resources), None))


def stack_request(resources: list[R]) -> proto.AnalyzeStackRequest:
    request = proto.AnalyzeStackRequest()
    for resource in resources:
        item = proto.AnalyzerResource(
            type=resource.type,
            properties=_struct(resource.props),
            urn=resource.urn,
            name=resource.name,
            parent=resource.parent.urn if resource.parent else "",
            dependencies=sorted(
                {d.urn for d in resource.depends_on} | {d.urn for ds in resource.deps.values() for d in ds}
            ),
            options=_options(resource),
        )
        for prop, targets in resource.deps.items():
            item.propertyDependencies[prop].CopyFrom(
                proto.AnalyzerPropertyDependencies(urns=[t.urn for t in targets])
            )
        provider = _provider(resource)
        if provider is not None:
            item.provider.CopyFrom(provider)
        request.resources.append(item)
    return request


def run(name: str, resources: list[R], config: dict[str, Any] | None = None) -> list[Diag]:
    """Run policy ``name`` the way the engine would: per resource, or once over the stack."""
    policy = POLICIES[name]
    if type(policy).__name__ == "StackValidationPolicy":
        return analyze_stack(name, resources, config)
    return [diag for resource in resources for diag in analyze(name, resource, config)]


def mandatory(diags: list[Diag]) -> list[Diag]:
    return [d for d in diags if d.level == "mandatory"]
