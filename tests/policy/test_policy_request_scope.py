"""The per-request scope: work shared between the policies of one request, never between request_scope."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from policy_cases import BAD
from policy_cases import UNKNOWN as UNKNOWN_CASES
from policy_fixtures import compliant_stack
from policy_harness import R, stack_request
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy import policy as sdk_policy
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import unknown_checking_proxy
from trading_policies import ALL_POLICIES, PACK_NAME, documents, graph, request_scope
from trading_policies.enforcement import SdkShapeError
from trading_policies.values import UNKNOWN


def _struct(values: dict) -> struct_pb2.Struct:
    return json_format.ParseDict(values, struct_pb2.Struct())


def _server() -> _PolicyAnalyzerServicer:
    server = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", list(ALL_POLICIES), EnforcementLevel.MANDATORY)
    server.Configure(proto.ConfigureAnalyzerRequest(), None)
    return server


def _count_graph_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    original = graph.Stack.from_sdk.__func__

    def counting(cls: type[graph.Stack], resources: object, **options: object) -> graph.Stack:
        built = original(cls, resources, **options)
        builds.append(len(built.resources))
        return built

    monkeypatch.setattr(graph.Stack, "from_sdk", classmethod(counting))
    return builds


def test_one_analyze_stack_request_builds_the_graph_once_for_every_stack_policy(monkeypatch):
    builds = _count_graph_builds(monkeypatch)
    server = _server()
    resources = compliant_stack("preview")
    stack_policies = [p for p in ALL_POLICIES if type(p).__name__ == "StackValidationPolicy"]
    assert len(stack_policies) > 1
    assert server.AnalyzeStack(stack_request(resources), None).diagnostics == []
    assert builds == [len(resources)]
    # A second request is served from its own scope: the first request's graph is gone.
    server.AnalyzeStack(stack_request(resources[:3]), None)
    assert builds == [len(resources), 3]
    assert request_scope.current() is None


def test_shared_computes_once_per_key_inside_a_scope_and_every_time_outside():
    calls: list[str] = []

    def build(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert request_scope.shared("k", lambda: build("a")) == "A"
    assert request_scope.shared("k", lambda: build("a")) == "A"
    assert calls == ["a", "a"]
    with request_scope.request_scope() as outer:
        assert request_scope.current() is outer
        assert request_scope.shared("k", lambda: build("b")) == "B"
        assert request_scope.shared("k", lambda: build("c")) == "B"
        assert request_scope.shared("other", lambda: build("d")) == "D"
        with request_scope.request_scope() as inner:
            assert request_scope.current() is inner
            assert request_scope.shared("k", lambda: build("e")) == "E"
        assert request_scope.current() is outer
        assert request_scope.shared("k", lambda: build("f")) == "B"
    assert request_scope.current() is None
    assert calls == ["a", "a", "b", "d", "e"]


def test_conversions_inside_converting_once_are_computed_and_forgotten():
    calls: list[object] = []

    def convert(source: object) -> dict:
        calls.append(source)
        return {"from": source}

    source = object()
    with request_scope.request_scope() as scope:
        with scope.converting_once():
            assert scope.message_to_dict(source, convert) is not scope.message_to_dict(source, convert)
            assert scope.deserialize(source, convert) is not scope.deserialize(source, convert)
        assert len(calls) == 4
        with pytest.raises(RuntimeError, match="inside"), scope.converting_once():
            raise RuntimeError("inside")
        # Remembered again after the block, whichever way it ended.
        assert scope.message_to_dict(source, convert) is scope.message_to_dict(source, convert)
        assert scope.deserialize(source, convert) is scope.deserialize(source, convert)
    assert len(calls) == 6


def test_scopes_are_per_thread():
    seen: dict[str, object] = {}
    entered, release = threading.Event(), threading.Event()

    def other_thread() -> None:
        with request_scope.request_scope():
            seen["other"] = request_scope.shared("k", lambda: "other")
            entered.set()
            release.wait(120)

    worker = threading.Thread(target=other_thread)
    worker.start()
    assert entered.wait(120)
    assert request_scope.current() is None
    with request_scope.request_scope():
        seen["main"] = request_scope.shared("k", lambda: "main")
    release.set()
    worker.join(120)
    assert seen == {"other": "other", "main": "main"}


def test_the_scope_ends_when_the_request_fails():
    class Failing(_Converting):
        def Analyze(self, request, _context):
            deserialized = deserialize_properties(json_format.MessageToDict(request))
            props = unknown_checking_proxy(deserialized)
            raise RuntimeError(f"boom in scope: {request_scope.current() is not None}, {dict(props)}")

        def AnalyzeStack(self, request, _context):
            for r in request:
                deserialized = deserialize_properties(json_format.MessageToDict(r))
                props = unknown_checking_proxy(deserialized)
            return request_scope.current(), props

    request_scope.install(Failing, _sdk_module())
    with pytest.raises(RuntimeError, match=r"boom in scope: True, \{'a': 'b'\}"):
        Failing().Analyze(_struct({"a": "b"}), None)
    assert request_scope.current() is None
    scope, props = Failing().AnalyzeStack([_struct({"a": "b"})], None)
    assert isinstance(scope, request_scope.RequestScope)
    assert props["a"] == "b"
    assert request_scope.current() is None


def test_install_is_idempotent_and_checks_the_sdk_shape():
    before = {name: getattr(_PolicyAnalyzerServicer, name) for name in request_scope.WRAPPED_METHODS}
    request_scope.install()
    assert {name: getattr(_PolicyAnalyzerServicer, name) for name in request_scope.WRAPPED_METHODS} == before

    class Changed:
        def Analyze(self, request, _context):
            return None

        def AnalyzeStack(self, request):
            return None

    with pytest.raises(SdkShapeError, match=r"changed _PolicyAnalyzerServicer\.AnalyzeStack"):
        request_scope.install(Changed)

    class Missing:
        def AnalyzeStack(self, request, _context):
            return None

    with pytest.raises(SdkShapeError, match=r"Analyze, which trading_policies wraps.*pin pulumi-policy"):
        request_scope.install(Missing)


def test_an_sdk_of_another_shape_keeps_its_own_methods_and_gets_a_warning(capsys):
    class Changed:
        def Analyze(self, request, _context):
            return "analyzed"

        def AnalyzeStack(self, request):
            return "stack"

    module = _sdk_module()
    original_format, original_deserialize = module.json_format, module.deserialize_properties

    assert request_scope.install_if_compatible(Changed, module) is False

    assert Changed.__dict__["AnalyzeStack"](Changed(), None) == "stack"
    assert not getattr(Changed.Analyze, "_trading_policies_request_scope", False)
    assert (module.json_format, module.deserialize_properties) == (original_format, original_deserialize)
    warning = capsys.readouterr().err.strip()
    assert warning.startswith("warning: pulumi-policy ")
    assert "AnalyzeStack" in warning
    assert "same verdicts, slower" in warning
    assert len(warning.splitlines()) == 1


def test_a_known_sdk_shape_installs_quietly(capsys):
    assert request_scope.install_if_compatible() is True
    assert capsys.readouterr().err == ""


def test_one_analyze_request_builds_its_resource_view_once_for_every_resource_policy(monkeypatch):
    builds: list[str] = []
    original = graph.Resource.from_sdk.__func__

    def counting(cls: type[graph.Resource], source: object) -> graph.Resource:
        view = original(cls, source)
        builds.append(view.urn)
        return view

    monkeypatch.setattr(graph.Resource, "from_sdk", classmethod(counting))
    server = _server()
    bucket = R("aws:s3/bucket:Bucket", "data", {"bucket": "data", "tags": {"Environment": "dev"}})
    request = proto.AnalyzeRequest(
        type=bucket.type, properties=_struct(bucket.props), urn=bucket.urn, name=bucket.name
    )
    policies = {d.policyName for d in server.Analyze(request, None).diagnostics}
    # Several policies find faults in this bucket, all from one view of it.
    assert {"required-tags", "pci-scope-tags", "s3-bucket-name-includes-account-id"} <= policies
    assert builds == [bucket.urn]
    server.Analyze(request, None)
    assert builds == [bucket.urn, bucket.urn]


def test_a_views_tags_are_merged_once_and_handed_out_as_copies():
    view = graph.Resource(
        "aws:s3/bucket:Bucket",
        "b",
        "urn:b",
        {"tags": {"Environment": "dev"}, "tagsAll": {"Project": "trading"}},
        {"defaultTags": '{"tags": {"Owner": "team"}}'},
    )
    first = view.tags()
    assert first == {"Owner": "team", "Project": "trading", "Environment": "dev"}
    first["Environment"] = "prod"
    assert view.tags() == {"Owner": "team", "Project": "trading", "Environment": "dev"}
    assert view.environment() == "dev"
    unknown = graph.Resource("aws:s3/bucket:Bucket", "u", "urn:u", {"tags": UNKNOWN})
    assert unknown.tags() is UNKNOWN
    assert unknown.tags() is UNKNOWN
    assert unknown.environment() is None


def test_a_policy_text_is_parsed_once_and_a_parsed_object_every_time():
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    first = documents.parse_policy(text, principals_required=False)
    assert documents.parse_policy(text, principals_required=False) is first
    assert first.statements[0].actions == ("s3:*",)
    # The same text read as a resource policy is another parse, with its own errors.
    as_resource_policy = documents.parse_policy(text, principals_required=True)
    assert as_resource_policy is not first
    assert as_resource_policy.errors == ("Statement[0] has no Principal",)
    value = json.loads(text)
    parsed = documents.parse_policy(value, principals_required=False)
    assert documents.parse_policy(value, principals_required=False) is not parsed
    assert documents.parse_policy(value, principals_required=False) == parsed


class SdkOnly(_PolicyAnalyzerServicer):
    """The SDK's own Analyze and AnalyzeStack, without the request scope (and so without its memory)."""

    Analyze = _PolicyAnalyzerServicer.Analyze.__wrapped__
    AnalyzeStack = _PolicyAnalyzerServicer.AnalyzeStack.__wrapped__


def _analyze_request(resource: R) -> proto.AnalyzeRequest:
    request = proto.AnalyzeRequest(
        type=resource.type, properties=_struct(resource.props), urn=resource.urn, name=resource.name
    )
    if resource.provider is not None:
        request.provider.CopyFrom(stack_request([resource]).resources[0].provider)
    return request


def _verdicts(server: _PolicyAnalyzerServicer, resources: list[R]) -> list[tuple]:
    responses = [server.Analyze(_analyze_request(r), None) for r in resources]
    responses.append(server.AnalyzeStack(stack_request(resources), None))
    return [
        (d.policyName, d.enforcementLevel, d.severity, d.urn, d.message)
        for response in responses
        for d in response.diagnostics
    ] + [(n.policy_name, n.reason) for response in responses for n in response.not_applicable]


def _sdk_only_server() -> SdkOnly:
    server = SdkOnly(PACK_NAME, "0.1.0", list(ALL_POLICIES), EnforcementLevel.MANDATORY)
    server.Configure(proto.ConfigureAnalyzerRequest(), None)
    return server


FIXTURES = {
    "compliant-preview": lambda: compliant_stack("preview"),
    "compliant-update": lambda: compliant_stack("update"),
    **{f"bad-{name}": case for name, case in BAD.items()},
    **{f"unknown-{name}": case for name, case in UNKNOWN_CASES.items()},
}


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_verdicts_are_identical_with_and_without_the_request_scope(fixture):
    resources = FIXTURES[fixture]()
    scoped = _verdicts(_server(), resources)
    assert scoped == _verdicts(_sdk_only_server(), resources)
    if fixture.startswith("bad-"):
        assert any(verdict[0] == fixture.removeprefix("bad-") for verdict in scoped)


class _CountingJsonFormat:
    def __init__(self) -> None:
        self.converted: list[object] = []

    def MessageToDict(self, message: object) -> dict:
        self.converted.append(message)
        return json_format.MessageToDict(message)


def test_each_struct_of_a_request_is_converted_once_instead_of_once_per_policy(monkeypatch):
    counting = _CountingJsonFormat()
    monkeypatch.setattr(sdk_policy.json_format, "_module", counting)
    resources = compliant_stack("preview")
    bucket = next(r for r in resources if r.type == "aws:s3/bucket:Bucket")
    _server().Analyze(_analyze_request(bucket), None)
    assert len(counting.converted) == 2  # the bucket's properties and its provider's
    counting.converted.clear()
    _server().AnalyzeStack(stack_request(resources), None)
    # Each resource's properties, and the one provider every resource of the stack shares (built once).
    assert len({resource.provider["region"] for resource in resources}) == 1
    assert len(counting.converted) == len(resources) + 1
    counting.converted.clear()
    _sdk_only_server().Analyze(_analyze_request(bucket), None)
    resource_policies = [p for p in ALL_POLICIES if type(p).__name__ == "ResourceValidationPolicy"]
    assert len(counting.converted) == 2 * len(resource_policies)


def test_each_policy_still_gets_its_own_args_and_proxies():
    seen: list[tuple[object, object, object]] = []

    def meddle(args, report_violation) -> None:
        seen.append((args, args.props, args.props["tags"]["Environment"]))
        args.props["tags"]["Environment"] = "changed"
        args.props["bucket"] = "changed"

    def meddle_stack(args, report_violation) -> None:
        meddle(args.resources[0], report_violation)

    common = {"description": "d", "enforcement_level": EnforcementLevel.MANDATORY}
    policies = [ResourceValidationPolicy(name=f"r{i}", validate=meddle, **common) for i in range(2)]
    policies += [StackValidationPolicy(name=f"s{i}", validate=meddle_stack, **common) for i in range(2)]
    server = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", policies, EnforcementLevel.MANDATORY)
    bucket = R("aws:s3/bucket:Bucket", "b", {"bucket": "x", "tags": {"Environment": "dev"}})
    server.Analyze(_analyze_request(bucket), None)
    server.AnalyzeStack(stack_request([bucket]), None)
    assert [environment for _, _, environment in seen] == ["dev"] * 4
    assert len({id(args) for args, _, _ in seen}) == len({id(props) for _, props, _ in seen}) == 4
    assert all(props["bucket"] == "changed" for _, props, _ in seen)


def test_concurrent_requests_on_the_sdks_thread_pool_get_their_own_results():
    resources = compliant_stack("preview") + [r for case in BAD.values() for r in case()][:40]
    expected = [_verdicts(_sdk_only_server(), [r]) for r in resources]
    server = _server()
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda r: _verdicts(server, [r]), resources * 3))
    assert found == expected * 3
    assert any(found)


def test_conversions_outside_a_scope_or_with_options_are_the_sdks_own():
    struct = _struct({"a": [1, {"b": "c"}]})
    shim = sdk_policy.json_format
    assert shim.MessageToDict(struct) == {"a": [1.0, {"b": "c"}]}
    assert shim.MessageToDict(struct) is not shim.MessageToDict(struct)
    assert shim.ParseDict({"x": 1}, struct_pb2.Struct()) == _struct({"x": 1})
    with request_scope.request_scope():
        once = shim.MessageToDict(struct)
        assert shim.MessageToDict(struct) is once
        assert shim.MessageToDict(struct, preserving_proto_field_name=True) is not once
        deserialized = sdk_policy.deserialize_properties(once)
        assert sdk_policy.deserialize_properties(once) is deserialized
        secret = {"s": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "v"}}
        assert sdk_policy.deserialize_properties(secret, True) is not sdk_policy.deserialize_properties(
            secret, True
        )
    assert sdk_policy.deserialize_properties(once) is not deserialized
    assert sdk_policy.deserialize_properties(once) == deserialized == {"a": [1.0, {"b": "c"}]}


class _Converting:
    """A servicer shaped like pulumi-policy 1.21's, for the shape checks."""

    def Analyze(self, request, _context):
        deserialized = deserialize_properties(json_format.MessageToDict(request.properties))
        props = unknown_checking_proxy(deserialized)
        return request, props

    def AnalyzeStack(self, request, _context):
        for r in request.resources:
            deserialized = deserialize_properties(json_format.MessageToDict(r.properties))
            props = unknown_checking_proxy(deserialized)
        return props

    def _get_provider_resource(self, request):
        prov = request.provider
        deserialized = deserialize_properties(json_format.MessageToDict(prov.properties))
        props = unknown_checking_proxy(deserialized)
        return prov, props

    def _get_resource_options(self, request):
        return request.options


def _sdk_module() -> SimpleNamespace:
    return SimpleNamespace(
        json_format=json_format,
        deserialize_properties=deserialize_properties,
        unknown_checking_proxy=unknown_checking_proxy,
    )


def test_install_routes_a_correctly_shaped_sdks_conversion_through_the_scope():
    class Fine(_Converting):
        pass

    module = _sdk_module()
    request_scope.install(Fine, module)
    assert isinstance(module.json_format, type(sdk_policy.json_format))
    assert module.deserialize_properties.__wrapped__ is deserialize_properties
    assert Fine.Analyze.__wrapped__ is _Converting.Analyze


def test_install_refuses_an_sdk_whose_conversion_result_could_reach_a_policy(monkeypatch):
    class Leaky(_Converting):
        def Analyze(self, request, _context):
            deserialized = deserialize_properties(json_format.MessageToDict(request.properties))
            props = unknown_checking_proxy(deserialized)
            return props, deserialized

    class Raw(_Converting):
        def _get_provider_resource(self, request):
            return json_format.MessageToDict(request.provider.properties)

    class NoProvider(_Converting):
        _get_provider_resource = None

    for servicer, name in (
        (Leaky, "Analyze"),
        (Raw, "_get_provider_resource"),
        (NoProvider, "_get_provider"),
    ):
        with pytest.raises(SdkShapeError, match=rf"changed _PolicyAnalyzerServicer\.{name}"):
            request_scope.install(servicer, _sdk_module())
    foreign = SimpleNamespace(json_format=SimpleNamespace(), deserialize_properties=deserialize_properties)
    with pytest.raises(SdkShapeError, match=r"Analyze's conversion \(json_format"):
        request_scope.install(_Converting, foreign)
    not_copying = _sdk_module()
    not_copying.unknown_checking_proxy = lambda props: {"__target": props}
    monkeypatch.setattr(request_scope.sdk_proxy, "unknown_checking_proxy", not_copying.unknown_checking_proxy)
    with pytest.raises(SdkShapeError, match=r"unknown_checking_proxy \(it no longer copies\)"):
        request_scope.install(_Converting, not_copying)


def test_lazy_proxies_and_options_read_as_the_sdks_own():
    seen: list[tuple] = []

    def read(args, report_violation) -> None:
        props, opts = args.props, args.opts
        opts.protect = "set by the policy"
        with pytest.raises(AttributeError, match=r"no_such_option"):
            _ = opts.no_such_option
        seen.append(
            (
                len(props),
                sorted(props),
                dict(props)["bucket"],
                "tags" in props,
                opts.protect,
                opts.parent,
                list(opts.ignore_changes),
                isinstance(opts, sdk_policy.PolicyResourceOptions),
            )
        )

    common = {"description": "d", "enforcement_level": EnforcementLevel.MANDATORY}
    policies = [ResourceValidationPolicy(name=f"r{i}", validate=read, **common) for i in range(2)]
    bucket = R("aws:s3/bucket:Bucket", "b", {"bucket": "x", "tags": {"Environment": "dev"}})
    request = _analyze_request(bucket)
    request.options.parent = "urn:parent"
    request.options.ignoreChanges.append("tags")
    _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", policies, EnforcementLevel.MANDATORY).Analyze(request, None)
    scoped = list(seen)
    seen.clear()
    SdkOnly(PACK_NAME, "0.1.0", policies, EnforcementLevel.MANDATORY).Analyze(request, None)
    assert scoped == seen
    assert seen[0] == (2, ["bucket", "tags"], "x", True, "set by the policy", "urn:parent", ["tags"], True)


def test_install_refuses_an_sdk_without_the_options_it_defers():
    class NoOptions(_Converting):
        def _get_resource_options(self, request, extra):
            return request.options

    with pytest.raises(SdkShapeError, match=r"changed _PolicyAnalyzerServicer\._get_resource_options"):
        request_scope.install(NoOptions, _sdk_module())


def test_an_sdk_that_serves_requests_differently_runs_every_policy_and_gets_a_warning(capsys):
    class Different(_Converting):
        pass

    assert request_scope.install_if_compatible(Different, _sdk_module()) is True
    assert Different.Analyze.__wrapped__ is _Converting.Analyze
    warning = capsys.readouterr().err.strip()
    assert warning == (
        f"warning: pulumi-policy {sdk_policy.VERSION} serves Analyze and AnalyzeStack differently from 1.21, "
        "so trading_policies runs every policy on every resource, as the SDK does: same verdicts, slower"
    )


def _count_configures(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool]]:
    configured: list[tuple[str, str, bool]] = []
    original = sdk_policy.pulumi.runtime.configure

    def counting(settings: object) -> None:
        original(settings)
        configured.append((settings.project, settings.stack, settings.dry_run))

    monkeypatch.setattr(sdk_policy.pulumi.runtime, "configure", counting)
    return configured


def test_the_runtime_is_configured_again_only_when_its_environment_changes(monkeypatch):
    configured = _count_configures(monkeypatch)
    environment = {"PULUMI_PROJECT": "trading", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"trading:owner": "platform"}))
    server = _server()
    bucket = _analyze_request(R("aws:s3/bucket:Bucket", "b", {"bucket": "x"}))
    for _ in range(3):
        server.Analyze(bucket, None)
    server.AnalyzeStack(stack_request(compliant_stack("preview")[:2]), None)
    assert configured == [("trading", "dev", True)]
    assert sdk_policy.pulumi.Config("trading").get("owner") == "platform"
    # Any variable the SDK reads changes: configured again, with the new values.
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"trading:owner": "payments"}))
    server.Analyze(bucket, None)
    monkeypatch.setenv("PULUMI_DRY_RUN", "false")
    server.Analyze(bucket, None)
    server.Analyze(bucket, None)
    assert configured == [("trading", "dev", True)] * 2 + [("trading", "dev", False)]
    assert sdk_policy.pulumi.Config("trading").get("owner") == "payments"
    # Another servicer (another pack in the same process) configures for itself.
    _server().Analyze(bucket, None)
    assert len(configured) == 4
    # With the speed-ups off, as the SDK does it: every request.
    with request_scope.speedups(False):
        server.Analyze(bucket, None)
        server.Analyze(bucket, None)
    assert len(configured) == 6


def test_a_runtime_configuration_that_reads_more_of_the_environment_runs_every_time():
    class ReadsMore(_Converting):
        def _configure_runtime_settings(self):
            config_env = pulumi.runtime.get_config_env()  # noqa: F841 - a shape, never called
            return os.environ.get("PULUMI_ORGANIZATION"), os.environ.get("PULUMI_BACKEND_URL")

    class ReadsItAnotherWay(_Converting):
        def _configure_runtime_settings(self):
            config_env = pulumi.runtime.get_config_env()  # noqa: F841 - a shape, never called
            return dict(os.environ)

    class TakesArguments(_Converting):
        def _configure_runtime_settings(self, settings):
            return settings

    class NoConfig(_Converting):
        def _configure_runtime_settings(self):
            return os.environ.get("PULUMI_STACK")

    class Fine(_Converting):
        def _configure_runtime_settings(self):
            config_env = pulumi.runtime.get_config_env()  # noqa: F841 - a shape, never called
            return "PULUMI_STACK" in os.environ and os.environ["PULUMI_PROJECT"]

    class Plain(_Converting):
        """_Converting itself stays unwrapped: other tests install onto subclasses of it, in any order."""

    for servicer in (ReadsMore, ReadsItAnotherWay, TakesArguments, NoConfig, Fine, Plain):
        original = servicer.__dict__.get("_configure_runtime_settings")
        request_scope.install(servicer, _sdk_module())
        installed = servicer.__dict__.get("_configure_runtime_settings")
        if servicer is Fine:
            assert installed.__wrapped__ is original
        else:
            assert installed is original
