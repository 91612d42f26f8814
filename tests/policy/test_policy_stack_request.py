"""AnalyzeStack's request read one resource at a time: the same request, the same verdicts, less memory."""

from __future__ import annotations

from concurrent import futures
from types import SimpleNamespace

import grpc
import pytest
from google.protobuf.message import DecodeError
from policy_harness import R, stack_request
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import StackValidationPolicy
from pulumi_policy import policy as sdk_policy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from test_policy_dispatch import _configured, _every_resource, _linked_stack, _rule, _summary
from test_policy_request_scope import _Converting, _sdk_module
from trading_policies import ALL_POLICIES, request_scope
from trading_policies.stack_request import ANALYZE_STACK, StackRequest, install, whole

KEY = R("aws:kms/key:Key", "key", {"enableKeyRotation": False})
LOGS = R("aws:cloudwatch/logGroup:LogGroup", "logs", {"kmsKeyId": "arn", "retentionInDays": 1}, deps={})
BUCKET = R("aws:s3/bucket:Bucket", "data", {"bucket": "data-bucket"}, ignore_changes=["tags", "acl"])


def _stack() -> list[R]:
    return [*_linked_stack(), KEY, LOGS, BUCKET]


def _bytes(resources: list[R]) -> bytes:
    return stack_request(resources).SerializeToString(deterministic=True)


def _diagnostics(response: proto.AnalyzeResponse) -> list[tuple]:
    return [(d.policyName, d.enforcementLevel, d.urn, d.message) for d in response.diagnostics]


# -- the request --------------------------------------------------------------------------------------------


def test_the_resources_are_those_of_the_message_parsed_one_at_a_time_in_order():
    data = _bytes(_stack())
    streamed = StackRequest(data)
    message = proto.AnalyzeStackRequest.FromString(data)
    assert list(streamed.resources) == list(message.resources)
    assert list(streamed.resources) == list(message.resources)  # read again: parsed again, the same
    assert streamed.message() == message
    assert whole(streamed) == message
    assert whole(message) is message


def test_fields_other_than_resources_are_skipped_as_protobuf_skips_unknown_fields():
    resources = [proto.AnalyzerResource(type="t", urn=f"u{i}").SerializeToString() for i in range(2)]
    data = (
        b"\x10\x96\x01"  # field 2, varint 150
        + b"\x08\x01"  # field 1 as a varint: not a resource, an unknown field to protobuf
        + b"\x0a" + bytes([len(resources[0])]) + resources[0]
        + b"\x19" + bytes(8)  # field 3, fixed64
        + b"\x25" + bytes(4)  # field 4, fixed32
        + b"\x2a\x03abc"  # field 5, length-delimited
        + b"\x0a" + bytes([len(resources[1])]) + resources[1]
    )  # fmt: skip
    streamed = StackRequest(data)
    assert [r.urn for r in streamed.resources] == ["u0", "u1"]
    assert list(streamed.resources) == list(proto.AnalyzeStackRequest.FromString(data).resources)
    assert StackRequest(b"").message() == proto.AnalyzeStackRequest()


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        (b"\x00", "field number 0"),
        (b"\x13", "wire type 3 of field 2"),
        (b"\x0a\x05ab", "truncated"),
        (b"\x2a\x05ab", "truncated"),
        (b"\x0a\x80", "truncated or malformed varint"),
        (b"\x10" + b"\xff" * 10 + b"\x01", "truncated or malformed varint"),
    ],
)
def test_bytes_the_parser_refuses_are_refused_with_its_error(data, fault):
    with pytest.raises(DecodeError):
        proto.AnalyzeStackRequest.FromString(data)
    with pytest.raises(DecodeError, match=f"AnalyzeStackRequest: {fault}"):
        StackRequest(data)


# -- the hook in the SDK's server ---------------------------------------------------------------------------


class _Recording(analyzer_pb2_grpc.AnalyzerServicer):
    """A servicer that answers AnalyzeStack and Analyze with what it was given."""

    def __init__(self) -> None:
        self.requests: list = []

    def AnalyzeStack(self, request, _context):
        self.requests.append(request)
        return proto.AnalyzeResponse(
            diagnostics=[proto.AnalyzeDiagnostic(urn=r.urn) for r in request.resources]
        )

    def Analyze(self, request, _context):
        self.requests.append(request)
        return proto.AnalyzeResponse(diagnostics=[proto.AnalyzeDiagnostic(urn=request.urn)])


def test_a_server_built_through_the_hooked_stubs_hands_analyze_stack_a_streamed_request():
    module = SimpleNamespace(analyzer_pb2_grpc=analyzer_pb2_grpc)
    assert install(module) is True
    assert module.analyzer_pb2_grpc is not analyzer_pb2_grpc
    assert module.analyzer_pb2_grpc.AnalyzerStub is analyzer_pb2_grpc.AnalyzerStub  # the rest as it was
    assert install(module) is False  # once

    servicer = _Recording()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    module.analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            stacked = stub.AnalyzeStack(stack_request(_stack()), timeout=30)
            single = stub.Analyze(proto.AnalyzeRequest(urn="urn:one"), timeout=30)
    finally:
        server.stop(None)
    streamed, analyzed = servicer.requests
    assert isinstance(streamed, StackRequest)
    assert streamed.message() == stack_request(_stack())
    assert [d.urn for d in stacked.diagnostics] == [r.urn for r in _stack()]
    assert isinstance(analyzed, proto.AnalyzeRequest)
    assert [d.urn for d in single.diagnostics] == ["urn:one"]


def test_only_generated_stubs_are_hooked_and_other_handlers_pass_through():
    assert install(SimpleNamespace()) is False
    assert install(SimpleNamespace(analyzer_pb2_grpc=SimpleNamespace())) is False

    added: list = []
    server = SimpleNamespace(add_generic_rpc_handlers=added.extend, port=lambda: 7)

    def add(servicer, given):
        assert given.port() == 7  # the server's own methods are reached through the wrapper
        given.add_generic_rpc_handlers((servicer,))

    module = SimpleNamespace(analyzer_pb2_grpc=SimpleNamespace(add_AnalyzerServicer_to_server=add))
    assert install(module) is True
    handlers = {
        ANALYZE_STACK: grpc.unary_unary_rpc_method_handler(lambda r, c: r, request_deserializer=bytes),
        "/pulumirpc.Analyzer/Analyze": grpc.unary_unary_rpc_method_handler(
            lambda r, c: r, request_deserializer=bytes
        ),
    }
    generic = SimpleNamespace(service=lambda details: handlers.get(details.method))
    module.analyzer_pb2_grpc.add_AnalyzerServicer_to_server(generic, server)
    (wrapped,) = added

    def service(method: str):
        return wrapped.service(SimpleNamespace(method=method))

    assert service(ANALYZE_STACK).request_deserializer is StackRequest
    assert service("/pulumirpc.Analyzer/Analyze") is handlers["/pulumirpc.Analyzer/Analyze"]
    assert service("/pulumirpc.Analyzer/Missing") is None
    handlers[ANALYZE_STACK] = grpc.unary_unary_rpc_method_handler(lambda r, c: r)  # no deserializer
    assert service(ANALYZE_STACK) is handlers[ANALYZE_STACK]
    handlers[ANALYZE_STACK] = SimpleNamespace(request_deserializer=bytes)  # not the generated kind
    assert service(ANALYZE_STACK) is handlers[ANALYZE_STACK]


def test_the_pack_hooks_the_sdks_stubs_when_it_is_imported():
    assert sdk_policy.analyzer_pb2_grpc is not analyzer_pb2_grpc
    assert getattr(sdk_policy.analyzer_pb2_grpc, "_trading_policies_stack_request", False)
    assert install(sdk_policy) is False


# -- the verdicts -------------------------------------------------------------------------------------------


def test_the_pack_judges_a_streamed_request_as_the_message():
    server = _configured(_PolicyAnalyzerServicer, ALL_POLICIES)
    message = server.AnalyzeStack(stack_request(_stack()), None)
    streamed = server.AnalyzeStack(StackRequest(_bytes(_stack())), None)
    assert _diagnostics(streamed) == _diagnostics(message)
    assert any(d.policyName for d in message.diagnostics)  # the stack is judged, not empty
    with request_scope.speedups(False):  # the SDK's own AnalyzeStack gets the whole message
        assert _diagnostics(server.AnalyzeStack(StackRequest(_bytes(_stack())), None)) == _diagnostics(
            message
        )


def test_the_streamed_build_is_the_sdks_build_with_options_read_at_once():
    rule = _rule("every", _every_resource)
    server = _configured(_PolicyAnalyzerServicer, [rule.to_policy()])
    server.AnalyzeStack(stack_request(_stack()), None)
    server.AnalyzeStack(StackRequest(_bytes(_stack())), None)
    built, streamed = rule.seen
    assert _summary(streamed) == _summary(built)
    bucket = streamed[-1]
    assert type(bucket.opts.ignore_changes) is list
    assert bucket.opts.ignore_changes == ["tags", "acl"] == list(built[-1].opts.ignore_changes)
    assert bucket.opts.aliases == []
    assert bucket.opts.additional_secret_outputs == []
    repeated = ("ignore_changes", "aliases", "additional_secret_outputs")

    def plain(options) -> dict:
        return {
            name: list(value) if name in repeated else vars(value) if name == "custom_timeouts" else value
            for name, value in vars(options).items()
        }

    assert [plain(r.opts) for r in streamed] == [plain(r.opts) for r in built]


def test_a_pack_with_a_stack_policy_of_its_own_gets_the_whole_message():
    seen: list = []
    own = StackValidationPolicy(
        name="own", description="d", validate=lambda args, report: seen.append(len(args.resources))
    )
    server = _configured(_PolicyAnalyzerServicer, [own, _rule("rule", _every_resource).to_policy()])
    server.AnalyzeStack(StackRequest(_bytes(_stack())), None)
    assert seen == [len(_stack())]


def test_an_sdk_served_differently_gets_the_whole_message():
    class Different(_Converting):
        pass

    request_scope.install(Different, _sdk_module())
    props = Different().AnalyzeStack(StackRequest(_bytes(_stack())), None)
    assert dict(props) == BUCKET.props
