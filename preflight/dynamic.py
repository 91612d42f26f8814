"""Dynamic providers as the engine runs them at preview: configured with the stack's config, then ``check``.

A ``pulumi.dynamic.Resource`` carries its provider, pickled with dill, in the ``__provider`` input. Under the
CLI the engine starts the language's dynamic provider plugin, configures it with the whole stack config
(``GetPackageConfig`` passes every key, namespace kept, to the ``pulumi-python`` and ``pulumi-nodejs``
packages) and calls ``Check`` before anything else, in preview as in update: a ``configure`` that raises or a
``check`` that returns failures fails ``pulumi preview``, and the checked inputs are what gets registered and
analysed. preflight does the same in the program's process, on a thread of its own (the plugin's code never
runs on the program's event loop). ``create`` and ``update`` are never run: offline they would still run
their side effects, so a dynamic resource's outputs are its checked inputs.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

from preflight import wire
from preflight.model import UNKNOWN
from preflight.project import Project

# The packages whose default provider is the language's dynamic provider plugin.
PACKAGES = frozenset({"pulumi-python", "pulumi-nodejs"})
PROVIDER_KEY = "__provider"


class DynamicProviderError(Exception):
    """The dynamic provider refused the resource, or failed; ``str()`` is the sentence to report."""


def is_dynamic(type_: str) -> bool:
    """Whether a resource of ``type_`` is a dynamic provider's (``pulumi-python:dynamic:Resource``)."""
    return type_.split(":", 1)[0] in PACKAGES


class DynamicProviders:
    """Configures each distinct pickled provider once (as the plugin caches it) and checks registrations."""

    def __init__(self, project: Project) -> None:
        self._project_name = project.name
        self._config = project.config_strings()  # secrets in plain text, as the plugin unwraps them
        self._providers: dict[str, Any] = {}

    def check(self, type_: str, name: str, inputs: struct_pb2.Struct) -> struct_pb2.Struct:
        """The inputs after the provider's ``check`` (``__provider`` kept), or DynamicProviderError."""
        outcome: dict[str, Any] = {}
        worker = threading.Thread(
            target=self._check, args=(type_, name, inputs, outcome), name=f"dynamic provider of {name}"
        )
        worker.start()
        worker.join()
        if "error" in outcome:
            raise DynamicProviderError(outcome["error"])
        return outcome["inputs"]

    def _check(self, type_: str, name: str, inputs: struct_pb2.Struct, outcome: dict[str, Any]) -> None:
        what = f"{name} ({type_})"
        try:
            news = _deserialized(inputs)
            serialized = news.get(PROVIDER_KEY)
            if not isinstance(serialized, str) or serialized == UNKNOWN:
                outcome["error"] = f"{what} has no serialized dynamic provider in its {PROVIDER_KEY} input"
                return
            provider = self._provider(serialized, what)
            result = provider.check({}, news)
            failures = [f"{failure.property}: {failure.reason}" for failure in result.failures or []]
            if failures:
                outcome["error"] = f"{what} failed its dynamic provider's check: {'; '.join(failures)}"
                return
            checked = dict(result.inputs)
            checked[PROVIDER_KEY] = serialized
            outcome["inputs"] = _serialized(checked, inputs)
        except DynamicProviderError as error:
            outcome["error"] = str(error)
        except BaseException as error:  # noqa: BLE001 - the plugin reports whatever the provider's code raises
            text = " ".join(str(error).split()) or "no message"
            outcome["error"] = f"the dynamic provider of {what} raised {type(error).__name__}: {text}"

    def _provider(self, serialized: str, what: str) -> Any:
        provider = self._providers.get(serialized)
        if provider is None:
            # Imported here: only programs with dynamic resources need them (dill comes with the SDK).
            import dill
            from pulumi.dynamic import Config, ConfigureRequest

            try:
                provider = dill.loads(base64.b64decode(serialized))
            except Exception as error:  # noqa: BLE001 - any unpickling failure is the provider's
                text = " ".join(str(error).split()) or "no message"
                raise DynamicProviderError(
                    f"the dynamic provider of {what} cannot be unpickled: {type(error).__name__}: {text}"
                ) from None
            provider.configure(ConfigureRequest(Config(dict(self._config), self._project_name)))
            self._providers[serialized] = provider
        return provider


def _deserialized(inputs: struct_pb2.Struct) -> dict[str, Any]:
    """The inputs as the engine sends them to a provider that accepts neither secrets nor resource
    references, through the SDK's deserializer as the plugin reads them (unknowns kept)."""
    sent = wire.wire_properties(inputs, internal=True, secrets=False)
    return rpc.deserialize_properties(sent, keep_unknowns=True)


def _serialized(checked: dict[str, Any], declared: struct_pb2.Struct) -> struct_pb2.Struct:
    """``check``'s inputs as a property map, through the SDK's serializer on a loop of this thread, with the
    secrets of the declared inputs marked again where ``check`` kept them (as the engine re-marks them for a
    provider that accepts no secrets)."""
    loop = asyncio.new_event_loop()
    try:
        struct = loop.run_until_complete(rpc.serialize_properties(checked, {}))
    finally:
        loop.close()
    for key, value in struct.fields.items():
        if key in declared.fields:
            _mark_secrets(value, declared.fields[key])
    return struct


def _mark_secrets(value: struct_pb2.Value, declared: struct_pb2.Value) -> None:
    if wire.is_secret(value):
        return
    if wire.is_secret(declared):
        wire.make_secret(value)
    elif value.HasField("struct_value") and declared.HasField("struct_value"):
        for key, item in value.struct_value.fields.items():
            if key in declared.struct_value.fields:
                _mark_secrets(item, declared.struct_value.fields[key])
    elif value.HasField("list_value") and declared.HasField("list_value"):
        for item, before in zip(value.list_value.values, declared.list_value.values, strict=False):
            _mark_secrets(item, before)
