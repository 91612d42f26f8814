"""``AnalyzeStack``'s request, read one resource at a time.

gRPC hands a servicer the request its handler deserialized whole. For ``AnalyzeStack`` that is every
resource of the stack in one protobuf message, held for as long as the call runs: at 5,000 resources the
serialized request is 4.7 MB and the parsed message about 19 MB, a fifth of the pack's peak memory. Yet the
pack reads it once, to build the stack's resources (``dispatch``), and never again.

So :func:`install` gives the ``AnalyzeStack`` handler of the servers the SDK builds from then on another
deserializer, :class:`StackRequest`: it keeps the request's bytes, checks their framing as the parser
would, and parses each ``AnalyzerResource`` only when the build reaches it, so one parsed resource at a time
is alive. Whatever else would read the request (the SDK's own ``AnalyzeStack``, when ``dispatch`` steps
aside or the speedups are off) gets :func:`whole`: the message parsed from the same bytes, the very request
it got before. What is judged does not change, only how much of the request is in memory at once.

The hook is a proxy of the generated ``analyzer_pb2_grpc`` module in the SDK's namespace, so nothing else in
the process is changed; a handler that is not the generated kind (another gRPC release) is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from pulumi.runtime import proto

ANALYZE_STACK = "/pulumirpc.Analyzer/AnalyzeStack"
_RESOURCES = 1  # AnalyzeStackRequest.resources: repeated AnalyzerResource
_LENGTH_DELIMITED = 2
_INSTALLED_MARK = "_trading_policies_stack_request"


class StackRequest:
    """An ``AnalyzeStackRequest`` kept as its bytes; ``resources`` parses one resource at a time."""

    __slots__ = ("_data", "_spans")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._spans = _resource_spans(data)

    @property
    def resources(self) -> Iterator[Any]:
        """Each ``AnalyzerResource``, in the request's order, parsed when reached."""
        view = memoryview(self._data)
        for start, end in self._spans:
            yield proto.AnalyzerResource.FromString(view[start:end])

    def message(self) -> Any:
        """The whole ``AnalyzeStackRequest``, as the generated deserializer gives it."""
        return proto.AnalyzeStackRequest.FromString(self._data)


def whole(request: Any) -> Any:
    """``request`` as the SDK expects it: a streamed request parsed whole, anything else as it is."""
    return request.message() if isinstance(request, StackRequest) else request


def install(sdk_module: Any) -> bool:
    """Streams ``AnalyzeStack``'s request in every server ``sdk_module`` builds from now on; whether the
    module has the generated stubs to hook (and they were not hooked already)."""
    stubs = getattr(sdk_module, "analyzer_pb2_grpc", None)
    if not callable(getattr(stubs, "add_AnalyzerServicer_to_server", None)) or getattr(
        stubs, _INSTALLED_MARK, False
    ):
        return False
    sdk_module.analyzer_pb2_grpc = _Stubs(stubs)
    return True


class _Stubs:
    """The generated stubs module, whose ``add_AnalyzerServicer_to_server`` streams ``AnalyzeStack``."""

    def __init__(self, module: Any) -> None:
        self._module = module
        setattr(self, _INSTALLED_MARK, True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def add_AnalyzerServicer_to_server(self, servicer: Any, server: Any) -> None:
        self._module.add_AnalyzerServicer_to_server(servicer, _Server(server))


class _Server:
    """A gRPC server whose generic handlers are wrapped as they are added."""

    def __init__(self, server: Any) -> None:
        self._server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(tuple(_Streaming(handler) for handler in handlers))


class _Streaming(grpc.GenericRpcHandler):
    """A generic handler whose ``AnalyzeStack`` method deserializes to a :class:`StackRequest`."""

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def service(self, handler_call_details: Any) -> Any:
        found = self._handler.service(handler_call_details)
        if (
            handler_call_details.method == ANALYZE_STACK
            and found is not None
            and found.request_deserializer is not None
            and callable(getattr(found, "_replace", None))
        ):
            return found._replace(request_deserializer=StackRequest)
        return found


def _resource_spans(data: bytes) -> list[tuple[int, int]]:
    """Where each resource's bytes are in a serialized ``AnalyzeStackRequest``. Other fields (none today), and
    field 1 sent with another wire type, are skipped as protobuf skips unknown fields; bytes the parser
    refuses raise its DecodeError (groups, which proto3 never sends, are refused too)."""
    spans = []
    position, size = 0, len(data)
    while position < size:
        key, position = _varint(data, position)
        field, wire_type = key >> 3, key & 7
        if field == 0:
            raise DecodeError("AnalyzeStackRequest: field number 0")
        if wire_type == 0:
            _, position = _varint(data, position)
        elif wire_type == _LENGTH_DELIMITED:
            length, position = _varint(data, position)
            if field == _RESOURCES:
                spans.append((position, position + length))
            position += length
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise DecodeError(f"AnalyzeStackRequest: wire type {wire_type} of field {field}")
    if position > size:
        raise DecodeError("AnalyzeStackRequest: truncated")
    return spans


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise DecodeError("AnalyzeStackRequest: truncated or malformed varint")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
