"""Which policies a request runs, and one build of the stack per AnalyzeStack: never a different verdict."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from google.protobuf import json_format, struct_pb2
from policy_harness import R, stack_request
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError
from test_policy_request_scope import SdkOnly, _analyze_request
from trading_policies import ALL_POLICIES, PACK_NAME, RULES, dispatch, request_scope
from trading_policies.config import PolicyConfigError
from trading_policies.graph import Stack
from trading_policies.registry import Finding, Rule

BUCKET = R("aws:s3/bucket:Bucket", "data", {"bucket": "data-bucket", "tags": {"Environment": "dev"}})


def _configured(server_class: type, policies: list, config: dict | None = None, levels: dict | None = None):
    server = server_class(PACK_NAME, "0.1.0", list(policies), EnforcementLevel.MANDATORY)
    server.Configure(_configure_request(config, levels), None)
    return server


def _configure_request(config: dict | None, levels: dict | None = None) -> proto.ConfigureAnalyzerRequest:
    request = proto.ConfigureAnalyzerRequest()
    for name in {**(config or {}), **(levels or {})}:
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(
                enforcementLevel=(levels or {}).get(name, proto.MANDATORY),
                properties=json_format.ParseDict((config or {}).get(name, {}), struct_pb2.Struct()),
            )
        )
    return request


def _resolving(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the rules whose validation runs (each resolves its config first)."""
    names: list[str] = []
    original = Rule.resolve_config

    def resolve(self: Rule, raw: object) -> dict:
        names.append(self.name)
        return original(self, raw)

    monkeypatch.setattr(Rule, "resolve_config", resolve)
    return names


def test_analyze_runs_the_rules_for_the_requests_type_and_every_rule_for_any_type(monkeypatch):
    server = _configured(_PolicyAnalyzerServicer, ALL_POLICIES)
    server.Analyze(_analyze_request(BUCKET), None)  # the first request checks every rule's config
    ran = _resolving(monkeypatch)
    server.Analyze(_analyze_request(BUCKET), None)
    concerned = [r.name for r in RULES if not r.stack and r.concerns(BUCKET.type)]
    assert ran == concerned
    assert 0 < len(concerned) < len([r for r in RULES if not r.stack])
    assert "s3-no-public-acl" in ran
    assert "kms-key-rotation-enabled" not in ran


def test_outside_a_request_the_servicer_sees_every_policy():
    server = _configured(_PolicyAnalyzerServicer, ALL_POLICIES)
    server.Analyze(_analyze_request(BUCKET), None)
    policies = server.__dict__["_PolicyAnalyzerServicer__policies"]
    assert isinstance(policies, dispatch.PolicyView)
    assert list(policies) == ALL_POLICIES


def test_a_config_a_skipped_rule_refuses_fails_the_request_as_the_sdk_fails_it(monkeypatch):
    bad = {
        "kms-key-rotation-enabled": {
            "exemptions": [{"resource": "k", "reason": "x" * 12, "expires": "2026-02-31"}]
        }
    }
    errors = []
    servers = [
        _configured(server_class, ALL_POLICIES, bad) for server_class in (_PolicyAnalyzerServicer, SdkOnly)
    ]
    for server in servers:
        with pytest.raises(PolicyConfigError) as raised:
            server.Analyze(_analyze_request(BUCKET), None)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    assert "kms-key-rotation-enabled" in errors[0]
    assert "2026-02-31" in errors[0]

    # Once Configure fixes it, the next request runs only the bucket's rules again.
    server = servers[0]
    server.Configure(_configure_request({}), None)
    ran = _resolving(monkeypatch)
    server.Analyze(_analyze_request(BUCKET), None)
    assert "kms-key-rotation-enabled" in ran  # the config is checked anew after Configure
    ran.clear()
    server.Analyze(_analyze_request(BUCKET), None)
    assert "kms-key-rotation-enabled" not in ran


@dataclass(frozen=True, eq=False)
class RecordingRule(Rule):
    """A rule that keeps the resources list each stack validation was given."""

    seen: list = None  # type: ignore[assignment]

    def _validate_stack(self, args, report_violation) -> None:
        self.seen.append(args.resources)
        super()._validate_stack(args, report_violation)


def _rule(name: str, check, *, stack: bool = True, types: tuple[str, ...] | None = None) -> Rule:
    return RecordingRule(
        name=name,
        description=f"{name} checks",
        severity=Severity.HIGH,
        pci=("3.5.1",),
        remediation="fix it",
        url="https://example.com",
        topic="test",
        check=check,
        resource_types=types,
        stack=stack,
        seen=[],
    )


def _every_resource(stack, settings):
    return [Finding(r, f"{r.name} seen with {len(r.dependencies)} dependencies") for r in stack.resources]


def _unknown(stack, settings):
    raise UnknownValueError(UNKNOWN_STRING_VALUE, ["bucket"])


def _not_applicable(stack, settings):
    raise _NotApplicableError("nothing to judge")


def _not_applicable_without_reason(stack, settings):
    raise _NotApplicableError()


def _linked_stack() -> list[R]:
    key = R("aws:kms/key:Key", "key", {"enableKeyRotation": True})
    bucket = R("aws:s3/bucket:Bucket", "data", {"bucket": "b"}, parent=key, depends_on=[key])
    encryption = R(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "enc",
        {"bucket": "b"},
        deps={"bucket": [bucket], "rules": [key]},
        provider=None,
        protect=True,
    )
    return [key, bucket, encryption]


def _summary(resources: list) -> list[tuple]:
    return [
        (
            r.resource_type,
            r.urn,
            r.name,
            dict(r.props),
            r.opts.protect,
            r.provider.urn if r.provider else None,
            r.parent.urn if r.parent else None,
            [d.urn for d in r.dependencies],
            {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
        )
        for r in resources
    ]


def _response(server, resources: list[R]) -> tuple:
    response = server.AnalyzeStack(stack_request(resources), None)
    return (
        [(d.policyName, d.enforcementLevel, d.urn, d.message) for d in response.diagnostics],
        [(n.policy_name, n.reason) for n in response.not_applicable],
    )


def test_analyze_stack_builds_the_stack_once_as_the_sdk_builds_it_and_gives_the_same_verdicts():
    def rules() -> list[Rule]:
        return [
            _rule("first", _every_resource),
            _rule("resource-rule", lambda r, s: [], stack=False),
            _rule("unknown", _unknown),
            _rule("not-applicable", _not_applicable),
            _rule("not-applicable-plain", _not_applicable_without_reason),
            _rule("off", _every_resource),
            _rule("remediated", _every_resource),
            _rule("last", _every_resource),
        ]

    levels = {"off": proto.DISABLED, "remediated": proto.REMEDIATE}
    outcomes = []
    for server_class in (_PolicyAnalyzerServicer, SdkOnly):
        built = rules()
        server = _configured(server_class, [r.to_policy() for r in built], levels=levels)
        server.ConfigureStack(proto.AnalyzerStackConfigureRequest(tags={"team": "trading"}), None)
        outcomes.append((_response(server, _linked_stack()), built))
    (fast, fast_rules), (sdk, sdk_rules) = outcomes
    assert fast == sdk
    diagnostics, not_applicable = fast
    assert {d[0] for d in diagnostics} == {"first", "remediated", "last", "unknown"}
    assert {d[1] for d in diagnostics if d[0] == "remediated"} == {proto.MANDATORY}
    assert not_applicable == [("not-applicable", "nothing to judge"), ("not-applicable-plain", "")]
    assert "can't run policy 'unknown'" in next(d[3] for d in diagnostics if d[0] == "unknown")

    lists = [seen for rule in fast_rules for seen in rule.seen]
    assert len(lists) == 6
    assert all(seen is lists[0] for seen in lists)
    sdk_lists = [seen for rule in sdk_rules for seen in rule.seen]
    assert len({id(seen) for seen in sdk_lists}) == 6
    assert _summary(lists[0]) == _summary(sdk_lists[0])
    assert _summary(lists[0])[2][6:] == (
        None,
        [r.urn for r in _linked_stack()[:2]],
        {"bucket": [_linked_stack()[1].urn], "rules": [_linked_stack()[0].urn]},
    )


def test_analyze_stack_builds_each_distinct_provider_once_and_remembers_no_conversion():
    # Memory at 5,000 resources (issue 10): one provider object per distinct provider message, not one per
    # resource, and no converted Struct kept to the end of the request (nothing converts one twice).
    scopes = []

    def check(stack, settings):
        scopes.append(request_scope.current())
        return []

    east = [R("aws:s3/bucket:Bucket", f"east-{i}", {"bucket": f"b{i}"}) for i in range(3)]
    west = R("aws:s3/bucket:Bucket", "west", {"bucket": "w"}, provider={"region": "eu-west-1"})
    bare = R("aws:s3/bucket:Bucket", "bare", {"bucket": "x"}, provider=None)
    empty = R("aws:s3/bucket:Bucket", "empty", {"bucket": "y"}, provider=None)
    request = stack_request([*east, west, bare, empty])
    request.resources[5].provider.SetInParent()  # present but empty: the SDK gives it an object, not None
    outcomes = []
    for server_class in (_PolicyAnalyzerServicer, SdkOnly):
        rule = _rule("providers", check)
        _configured(server_class, [rule.to_policy()]).AnalyzeStack(request, None)
        outcomes.append(rule.seen[0])
    fast, sdk = outcomes
    assert _summary(fast) == _summary(sdk)
    assert [(r.provider.urn, dict(r.provider.props)) for r in fast if r.provider] == [
        (r.provider.urn, dict(r.provider.props)) for r in sdk if r.provider
    ]
    providers = [r.provider for r in fast]
    assert providers[0] is providers[1] is providers[2]
    assert providers[3] is not providers[0]
    assert dict(providers[3].props) == {"region": "eu-west-1"}
    assert providers[4] is None
    assert providers[5] is not None
    assert providers[5].urn == ""
    assert dict(providers[5].props) == {}
    assert len({id(r.provider) for r in sdk}) == 6  # the SDK builds one per resource
    fast_scope = scopes[0]
    assert isinstance(fast_scope, request_scope.RequestScope)
    assert fast_scope._dicts == {}
    assert fast_scope._deserialized == {}


def test_the_stacks_views_share_their_providers_plain_properties_when_the_provider_is_shared():
    resources = [R("aws:s3/bucket:Bucket", f"b{i}", {"bucket": f"b{i}"}) for i in range(2)]
    resources.append(R("aws:s3/bucket:Bucket", "other", {"bucket": "o"}, provider={"region": "eu-west-1"}))
    rule = _rule("views", lambda stack, settings: [])
    _configured(_PolicyAnalyzerServicer, [rule.to_policy()]).AnalyzeStack(stack_request(resources), None)
    built = rule.seen[0]
    shared = Stack.from_sdk(built)
    assert shared.resources[0].provider_props is shared.resources[1].provider_props
    assert [r.provider_props for r in shared.resources] == [
        {"region": "us-east-1"},
        {"region": "us-east-1"},
        {"region": "eu-west-1"},
    ]
    # Views of resources with providers of their own (as the SDK builds them) are the same views.
    sdk_rule = _rule("views", lambda stack, settings: [])
    _configured(SdkOnly, [sdk_rule.to_policy()]).AnalyzeStack(stack_request(resources), None)
    separate = Stack.from_sdk(sdk_rule.seen[0])
    assert separate.resources[0].provider_props is not separate.resources[1].provider_props
    assert [vars(r) for r in separate.resources] == [vars(r) for r in shared.resources]


def test_a_pack_with_a_stack_policy_of_its_own_gets_the_sdks_analyze_stack():
    from pulumi_policy import StackValidationPolicy

    lists: list = []
    own = StackValidationPolicy(
        name="own", description="d", validate=lambda args, report: lists.append(args.resources)
    )
    rule = _rule("rule", _every_resource)
    server = _configured(_PolicyAnalyzerServicer, [own, rule.to_policy()])
    server.AnalyzeStack(stack_request(_linked_stack()), None)
    assert len(lists) == len(rule.seen) == 1
    assert lists[0] is not rule.seen[0]


def test_the_installed_sdk_is_the_text_the_dispatch_was_written_for():
    assert dispatch.matches_sdk(_PolicyAnalyzerServicer)

    class Other(_PolicyAnalyzerServicer):
        def Analyze(self, request, _context):
            return super().Analyze(request, _context)

    assert not dispatch.matches_sdk(Other)
    assert dispatch.rule_of(ALL_POLICIES[0]) is RULES[0]
