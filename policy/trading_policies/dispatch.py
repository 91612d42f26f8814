"""Which policies a request runs, and how often ``AnalyzeStack`` builds the stack's resources.

pulumi-policy 1.21 runs every resource policy on every resource (this pack's 29 on each ``Analyze``) and,
in ``AnalyzeStack``, builds every resource of the stack again for each stack policy (20 times). On 5,000
resources that was most of the pack's time, although a rule for ``aws:kms/key:Key`` returns at once on
anything else. Inside a request scope (see :mod:`trading_policies.request_scope`) this module changes two
things, and nothing a policy or the engine can see:

* **Analyze** iterates only the policies that can concern the request's type. A policy is left out only
  when it is one of this pack's rules that does not concern the type (``Rule.concerns``): the rule would
  resolve its config and return without reporting anything. So that a config a rule would refuse still fails
  the request exactly as before, every skipped rule's config is resolved first (once per ``Configure``);
  if one is refused, nothing is left out and the request fails as the SDK would fail it.
* **AnalyzeStack** builds the stack's resources once, as the SDK builds them, and hands the same list to
  every stack policy, when every stack policy of the pack is one of this pack's rules (they read the list
  and never change it: each reads the one graph built from it, see ``registry.shared_stack``). A pack that
  mixes in a stack policy of its own gets the SDK's method, a list for each policy. In that one build,
  resources whose provider messages are identical share one provider object, and no converted Struct is
  kept beyond its resource: at 5,000 resources this took the pack's peak memory from 107-110 MB to
  96-100 MB.

Both are exact only for the SDK methods they were written against, so :func:`matches_sdk` compares the
installed methods' source with pulumi-policy 1.21's; on any other text the request scope keeps the SDK's
own methods.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
from collections.abc import Iterator
from typing import Any

from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, StackValidationArgs, StackValidationPolicy
from pulumi_policy import policy as sdk_policy
from pulumi_policy.policy import PolicyResource, _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

from . import stack_request

# sha256 of inspect.getsource() of pulumi-policy 1.21's _PolicyAnalyzerServicer.Analyze and .AnalyzeStack.
SDK_SOURCES = {
    "Analyze": "75db9cf8fc9d1585",
    "AnalyzeStack": "3917a008482c2387",
}
_POLICIES = "_PolicyAnalyzerServicer__policies"
_CONFIG = "_PolicyAnalyzerServicer__policy_pack_config"
_local = threading.local()


def fingerprint(method: Any) -> str:
    """The first 16 hex digits of the sha256 of a method's source."""
    return hashlib.sha256(inspect.getsource(method).encode()).hexdigest()[:16]


def matches_sdk(servicer_class: Any) -> bool:
    """Whether the servicer's ``Analyze`` and ``AnalyzeStack`` are the text this module was written for."""
    return all(
        fingerprint(inspect.unwrap(getattr(servicer_class, name))) == source
        for name, source in SDK_SOURCES.items()
    )


def rule_of(policy: Any) -> Any:
    """The pack's :class:`registry.Rule` behind ``policy``, or None for any other policy."""
    from .registry import Rule  # registry imports this package's request scope, which imports this

    validate = getattr(policy, "_ResourceValidationPolicy__validate", None) or getattr(
        policy, "_StackValidationPolicy__validate", None
    )
    owner = getattr(validate, "__self__", None)
    return owner if isinstance(owner, Rule) else None


class PolicyView(list):
    """The servicer's list of policies; iterated inside :func:`only_for`, it yields those for one type."""

    def __init__(self, policies: list[Any]) -> None:
        super().__init__(policies)
        self._by_type: dict[str, list[Any]] = {}
        self._checked_config: Any = None
        self._config_resolves = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[Any]:
        selection = getattr(_local, "selection", None)
        if selection is None:
            return super().__iter__()
        servicer, resource_type = selection
        with self._lock:
            config = servicer.__dict__.get(_CONFIG)
            if config is not self._checked_config:
                self._config_resolves = self._resolves(servicer)
                self._checked_config = config
            if not self._config_resolves:
                return super().__iter__()
            chosen = self._by_type.get(resource_type)
            if chosen is None:
                chosen = self._by_type[resource_type] = [
                    policy for policy in list.__iter__(self) if _concerns(policy, resource_type)
                ]
        return iter(chosen)

    def _resolves(self, servicer: Any) -> bool:
        for policy in list.__iter__(self):
            rule = rule_of(policy)
            if rule is not None and not rule.stack:
                try:
                    rule.resolve_config(servicer._get_policy_config(policy.name))
                except Exception:  # noqa: BLE001 - whatever it raises, the SDK's own loop raises it again
                    return False
        return True


def _concerns(policy: Any, resource_type: str) -> bool:
    rule = rule_of(policy)
    return rule is None or rule.concerns(resource_type)


def serve_analyze(method: Any, servicer: Any, request: Any, context: Any) -> Any:
    """The SDK's ``Analyze``, iterating only the policies that concern ``request.type``."""
    policies = servicer.__dict__.get(_POLICIES)
    if type(policies) is list:
        servicer.__dict__[_POLICIES] = PolicyView(policies)
    previous = getattr(_local, "selection", None)
    _local.selection = (servicer, request.type)
    try:
        return method(servicer, request, context)
    finally:
        _local.selection = previous


def serve_analyze_stack(method: Any, servicer: Any, request: Any, context: Any) -> Any:
    """The SDK's ``AnalyzeStack``; when every stack policy is the pack's own, with one build of the stack."""
    policies = list.__iter__(servicer.__dict__[_POLICIES])
    if any(isinstance(p, StackValidationPolicy) and rule_of(p) is None for p in policies):
        return method(servicer, stack_request.whole(request), context)
    return _analyze_stack_once(servicer, request)


def _analyze_stack_once(servicer: Any, request: Any) -> Any:
    # pulumi-policy 1.21's AnalyzeStack, with the resources built at most once instead of once per policy.
    servicer._configure_runtime_settings()
    response = proto.AnalyzeResponse()
    resources: list[PolicyResource] | None = None
    for policy in list.__iter__(servicer.__dict__[_POLICIES]):
        level = servicer._get_enforcement_level(policy)
        if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
            continue
        if level == EnforcementLevel.REMEDIATE:
            level = EnforcementLevel.MANDATORY
        report_violation = servicer._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        if resources is None:
            resources = _stack_resources(servicer, request)
        args = StackValidationArgs(
            resources,
            servicer._get_policy_config(policy.name),
            servicer.__dict__["_PolicyAnalyzerServicer__stack_tags"],
        )
        try:
            policy.validate(args, report_violation)  # a rule's validation is never awaitable
        except UnknownValueError as error:
            pack = servicer.__dict__["_PolicyAnalyzerServicer__policy_pack_name"]
            version = servicer.__dict__["_PolicyAnalyzerServicer__policy_pack_version"]
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=pack,
                    policyPackVersion=version,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack '{pack}@v{version}' during "
                        f"preview: {error.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=servicer._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(
                proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )
    return response


def _stack_resources(servicer: Any, request: Any) -> list[PolicyResource]:
    # The SDK's build of the stack: each resource, then its parent and dependencies as resource objects. The
    # conversions are read from the SDK module at call time, so they are the ones request_scope routes.
    from .request_scope import current  # request_scope imports this module

    scope = current()
    assert scope is not None, "AnalyzeStack is dispatched inside its request's scope"
    built: list[tuple[PolicyResource, Any, list[str], dict[str, list[str]]]] = []
    # A provider's resource object is built once per distinct provider message, not once per resource
    # (thousands of resources share the default provider); the pack's rules only read it.
    providers: dict[tuple[bool, bytes], Any] = {}
    # A streamed request's resources are parsed one at a time; their options are read at once, so that
    # nothing of the build keeps a parsed resource alive (see stack_request).
    streamed = isinstance(request, stack_request.StackRequest)
    with scope.converting_once():
        for r in request.resources:
            deserialized = sdk_policy.deserialize_properties(
                sdk_policy.json_format.MessageToDict(r.properties)
            )
            props = sdk_policy.unknown_checking_proxy(deserialized)
            opts = _detached_options(servicer, r) if streamed else servicer._get_resource_options(r)
            provider = (r.HasField("provider"), r.provider.SerializeToString(deterministic=True))
            if provider not in providers:
                providers[provider] = servicer._get_provider_resource(r)
            resource = PolicyResource(r.type, props, r.urn, r.name, opts, providers[provider], None, [], {})
            dependencies = {k: list(v.urns) for k, v in r.propertyDependencies.items()}
            built.append((resource, r.parent, list(r.dependencies), dependencies))
    by_urn = {resource.urn: resource for resource, _, _, _ in built}
    for resource, parent, dependencies, property_dependencies in built:
        if parent is not None and parent in by_urn:
            resource.parent = by_urn[parent]
        resource.dependencies.extend(by_urn[d] for d in dependencies if d in by_urn)
        for key, urns in property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
    return [resource for resource, _, _, _ in built]


_REPEATED_OPTIONS = ("ignore_changes", "aliases", "additional_secret_outputs")


def _detached_options(servicer: Any, resource: Any) -> Any:
    # The SDK's options of the resource, built now (not lazily), with its repeated fields as lists: the
    # protobuf containers it would hold are views that keep the whole parsed resource in memory.
    method = type(servicer)._get_resource_options
    options = getattr(method, "__wrapped__", method)(servicer, resource)
    for name in _REPEATED_OPTIONS:
        setattr(options, name, list(getattr(options, name)))
    return options
