"""The mock engine: runs a Pulumi Python program in-process and records what it registers, as the CLI would.

Built on the SDK's mock monitor (``pulumi.runtime.mocks.MockMonitor``), replacing what a faithful preview
needs: URNs as the engine makes them, a ``Resource`` record per registration (with parent, dependencies,
property dependencies, protect, provider and inputs), default providers registered per package the way
the engine registers them (with that package's config and version), a duplicate-URN check, provider-computed
outputs (unknown in preview, realistic in update: ``preflight.values``), invoke answers
(``preflight.invokes``), and errors that name what failed and where.

Speed: the SDK hands every monitor call to a thread pool and the mock monitor re-serializes every value; on
a 5,000-resource program that costs seconds. Here monitor calls run inline on the program's event loop,
responses are built directly as protobuf Structs, the SDK's per-resource stack walk is replaced by one that
records only the program's call site, and the cyclic garbage collector (which rescans the SDK's millions of
live futures again and again) is paused while the program runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import gc
import importlib.util
import json
import os
import pathlib
import runpy
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.log
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.proto import engine_pb2, provider_pb2, resource_pb2, source_pb2

from preflight import conform, dynamic, invokes, schema, stack_outputs, values, wire
from preflight.errors import PreflightError
from preflight.model import UNKNOWN, Mode, Resource
from preflight.project import Project

_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_ASSET_MARKERS = (_ASSET_SIG.encode(), _ARCHIVE_SIG.encode())
_STACK_TYPE = "pulumi:pulumi:Stack"
_STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
_PROVIDER_PREFIX = "pulumi:providers:"
_DEFAULT_REGION = "us-east-1"


# A resource as declared and its provider -> the inputs to register it with (None: unchanged).
Remediate = Callable[[Resource, "Resource | None"], "struct_pb2.Struct | None"]


@dataclass
class ProgramRun:
    """What one run of the program produced."""

    resources: list[Resource]  # registration order; default providers before their first user
    outputs: dict[str, Any]  # stack outputs as plain values (unknown -> model.UNKNOWN)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    synthesized_invokes: list[str] = field(default_factory=list)  # answered from their SDK result type


def run_program(
    project: Project,
    mode: Mode,
    account_id: str,
    on_resource: Callable[[Resource], None] | None = None,
    remediate: Remediate | None = None,
) -> ProgramRun:
    """Runs ``project``'s program under the mock engine; PreflightError (one line) when it fails.

    ``on_resource`` is called on the program's thread as soon as each resource (default providers included)
    is registered, so analysis can start while the program goes on; it must be cheap. ``remediate``, when
    given, gets each custom resource as declared (and its provider) before it is registered, and returns the
    inputs to register it with (None: as declared), or raises PreflightError.
    """
    _collect_deferred_garbage()
    monitor = _Monitor(project, mode, account_id, on_resource, remediate)
    state = _ProcessState(project)
    started = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # The program's prints go to standard error, as diagnostics: standard output carries the report.
        with _fast_sdk(), contextlib.redirect_stdout(sys.stderr):
            failure = contextvars.copy_context().run(_run_in_fresh_runtime, project, mode, monitor)
    finally:
        seconds = time.perf_counter() - started
        state.restore()
        _defer_garbage()
        if gc_was_enabled:
            gc.enable()
    if monitor.failure is not None:
        raise PreflightError(monitor.failure, _format_detail(failure))
    if failure is not None:
        raise _program_error(project, failure, monitor.unmocked, monitor.unread_references)
    if monitor.errors:
        raise PreflightError(
            f"program {_relative(project, project.program)} reported an error: {monitor.errors[0]}",
            "\n".join(monitor.errors),
        )
    unread = [
        f"--stack-outputs {name}: the program references no stack of that name, so the file was not read"
        for name in project.stack_outputs
        if name not in monitor.referenced_stacks
    ]
    return ProgramRun(
        monitor.resources,
        monitor.stack_outputs,
        [*project.warnings, *monitor.warnings, *unread],
        seconds,
        sorted(monitor.synthesized_invokes),
    )


# A finished program leaves millions of SDK objects in reference cycles (resources, outputs, futures) that
# only the cyclic collector can free, and collecting them takes seconds. They are frozen out of the
# collector's sight when the run ends, so a one-run process (the CLI) never pays for it. A process that runs
# programs one after another (the tests, the benchmark's in-process baseline) collects them when a run starts
# and the frozen objects have grown by a quarter since the last collection, which is the rule Python's own
# collector uses for its oldest generation: a full collection rescans every live object, so collecting at
# every run of a small program in a large process cost more than the run.
_garbage = {"deferred": False, "live": 0}  # live: objects tracked after the last collection


def _defer_garbage() -> None:
    gc.freeze()
    _garbage["deferred"] = True


def _collect_deferred_garbage() -> None:
    if _garbage["deferred"] and gc.get_freeze_count() > _garbage["live"] * 5 // 4:
        gc.unfreeze()
        gc.collect()
        _garbage["deferred"] = False
        gc.freeze()  # only to count what is left: get_freeze_count is the one count gc gives
        _garbage["live"] = gc.get_freeze_count()
        gc.unfreeze()


def _run_in_fresh_runtime(project: Project, mode: Mode, monitor: _Monitor) -> BaseException | None:
    """Runs the program with new SDK settings, config and root stack (this context only), on a new loop."""
    settings = runtime_settings.Settings(
        project=project.name,
        stack=project.stack,
        monitor=monitor,
        engine=monitor.engine,
        dry_run=mode is Mode.PREVIEW,
        organization="organization",
        root_directory=str(project.directory),
    )
    settings.monitor_features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    runtime_settings.configure(settings)
    runtime_settings.ROOT.set(None)
    runtime_config.set_all_config(project.config_strings(), sorted(project.secret_keys))

    loop = _InlineLoop()
    asyncio.set_event_loop(loop)
    program = str(project.program)
    try:
        loop.run_until_complete(
            runtime_stack.run_in_stack(lambda: runpy.run_path(program, run_name="__main__"))
        )
    except (Exception, SystemExit) as error:  # noqa: BLE001 reported as the program's failure
        return error
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
    return None


class _InlineLoop(asyncio.SelectorEventLoop):
    """An event loop that runs default-executor work inline instead of on a thread pool.

    The SDK sends each monitor call through ``run_in_executor(None, ...)``; the mock monitor answers from
    memory, so a thread hop per call is pure overhead (and contention for the GIL).
    """

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        if executor is not None:
            return super().run_in_executor(executor, func, *args)
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as error:  # noqa: BLE001 delivered to the awaiting SDK code, as a thread would
            future.set_exception(error)
        return future


class _ProcessState:
    """What a program run changes in the process (cwd, sys.path, argv, imported modules), to restore after."""

    def __init__(self, project: Project) -> None:
        self.cwd = os.getcwd()
        self.path = list(sys.path)
        self.argv = list(sys.argv)
        self.modules = set(sys.modules)
        self.roots = {str(project.directory), str(project.program.parent)}
        program_dir = str(project.program.parent)
        os.chdir(program_dir)
        sys.path.insert(0, program_dir)
        sys.argv = [str(project.program)]

    def restore(self) -> None:
        os.chdir(self.cwd)
        sys.path[:] = self.path
        sys.argv = self.argv
        for name in set(sys.modules) - self.modules:
            location = getattr(sys.modules[name], "__file__", None) or ""
            if (
                any(location.startswith(root + os.sep) for root in self.roots)
                and "site-packages" not in location
            ):
                del sys.modules[name]


@contextlib.contextmanager
def _fast_sdk() -> Iterator[None]:
    """Replaces two SDK costs that only a real engine needs, for the duration of a run."""
    stack_trace = runtime_resource._get_stack_trace
    debug = pulumi.log.debug
    runtime_resource._get_stack_trace = _call_site_stack_trace
    # Debug messages go nowhere here, and the SDK builds one per resource and output.
    pulumi.log.debug = _ignore_debug
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = stack_trace
        pulumi.log.debug = debug


def _ignore_debug(msg: str, *args: Any, **kwargs: Any) -> None:
    """Stands in for ``pulumi.log.debug`` while a program runs."""


def _call_site_stack_trace() -> source_pb2.StackTrace:
    """The program line that made the resource: the caller of the third ``__init__`` (the SDK's rule)."""
    frame = sys._getframe(1)
    seen = 0
    while frame is not None:
        if frame.f_code.co_name == "__init__":
            seen += 1
            if seen == 3:
                caller = frame.f_back
                uri = _file_uri(caller.f_code.co_filename) if caller is not None else None
                if uri is None:
                    break
                position = source_pb2.SourcePosition(uri=uri, line=caller.f_lineno)
                return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=position)])
        frame = frame.f_back
    return source_pb2.StackTrace()


@functools.cache
def _file_uri(filename: str) -> str | None:
    path = pathlib.Path(filename)
    return path.as_uri() if path.is_absolute() else None


@dataclass
class _ProviderConfig:
    """What a provider instance tells the values it computes: its region and its default tags."""

    region: str | None
    default_tags: dict[str, Any]


class _Engine:
    """The engine service the SDK logs to: warnings become run warnings, errors fail the run."""

    def __init__(self, monitor: _Monitor) -> None:
        self.monitor = monitor

    def Log(self, request: engine_pb2.LogRequest) -> empty_pb2.Empty:
        resource = self.monitor.registered.get(request.urn)
        message = f"{resource.name}: {request.message}" if resource is not None else request.message
        if request.severity == engine_pb2.WARNING:
            self.monitor.warn(message)
        elif request.severity == engine_pb2.ERROR:
            self.monitor.errors.append(message)
        return empty_pb2.Empty()

    def RequirePulumiVersion(self, request: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()


class _Monitor(mocks.MockMonitor):
    """The resource monitor the program talks to: records registrations and answers as the engine would."""

    def __init__(
        self,
        project: Project,
        mode: Mode,
        account_id: str,
        on_resource: Callable[[Resource], None] | None,
        remediate: Remediate | None = None,
    ) -> None:
        super().__init__(None)  # type: ignore[arg-type]  # no Mocks: every call the SDK makes is answered here
        self.project = project
        self.remediate = remediate
        self.preview = mode is Mode.PREVIEW
        self.account_id = account_id
        self.on_resource = on_resource
        region = project.config.get("aws:region")
        self.region = region if isinstance(region, str) and region else _DEFAULT_REGION
        self.urn_prefix = f"urn:pulumi:{project.stack}::{project.name}::"
        self.stack_urn = f"{self.urn_prefix}{_STACK_TYPE}::{project.name}-{project.stack}"
        self.engine = _Engine(self)
        self.resources: list[Resource] = []  # type: ignore[assignment]  # a list here, not the mock's dict
        self.registered: dict[str, Resource] = {}
        self.qualified_types: dict[str, str] = {}
        self.providers: dict[str, _ProviderConfig] = {}
        self.default_providers: dict[str, str] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.failure: str | None = None
        self.unmocked: list[str] = []  # invoke tokens answered with no values, to explain a failure
        self.synthesized_invokes: list[str] = []  # invoke tokens answered from their result type
        self.referenced_stacks: set[str] = set()  # the --stack-outputs names a stack reference read
        self.unread_references: list[str] = []  # stack references with no --stack-outputs
        self.dynamic_providers = dynamic.DynamicProviders(project)

    # --- reporting ---------------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def fail(self, message: str) -> PreflightError:
        """Records why the run must fail (the program sees an exception and stops)."""
        if self.failure is None:
            self.failure = message
        return PreflightError(message)

    def _record(self, resource: Resource) -> None:
        self.resources.append(resource)
        self.registered[resource.urn] = resource
        if self.on_resource is not None:
            self.on_resource(resource)

    def _where(self, request: Any) -> str:
        position = request.sourcePosition
        if not position.uri:
            return ""
        path = Path(position.uri.removeprefix("file://"))
        return f" (at {_relative(self.project, path)}:{position.line})"

    # --- URNs --------------------------------------------------------------------------------------------

    def _urn(self, parent: str, type_: str, name: str, request: Any) -> str:
        if parent and parent != self.stack_urn:
            parent_type = self.qualified_types.get(parent) or parent.split("::")[2]
            qualified = f"{parent_type}${type_}"
        else:
            qualified = type_
        urn = f"{self.urn_prefix}{qualified}::{name}"
        if urn in self.registered:
            raise self.fail(
                f"program {_relative(self.project, self.project.program)} failed: duplicate resource URN "
                f"{urn}: two resources of type {type_} are named {name!r}{self._where(request)}; "
                "give each a unique name"
            )
        self.qualified_types[urn] = qualified
        return urn

    # --- providers ---------------------------------------------------------------------------------------

    def _provider_for(self, token: str, explicit: str, version: str) -> str | None:
        """The provider reference a custom resource or invoke uses: its own, or its package's default."""
        if explicit:
            return explicit
        package = token.split(":", 1)[0]
        if package == "pulumi":
            return None
        reference = self.default_providers.get(package)
        if reference is None:
            reference = self._register_default_provider(package, token, version)
        return reference

    def _register_default_provider(self, package: str, token: str, version: str) -> str:
        disabled = self.project.config.get("pulumi:disable-default-providers")
        if isinstance(disabled, list) and (package in disabled or "*" in disabled):
            raise self.fail(
                f"default provider for {package} is disabled (pulumi:disable-default-providers) but {token} "
                "uses no explicit provider: pass `opts=pulumi.ResourceOptions(provider=...)`"
            )
        version = version or _installed_version(package)
        name = (
            "default_" + version.replace(".", "_").replace("-", "_").replace("+", "_")
            if version
            else "default"
        )
        type_ = f"{_PROVIDER_PREFIX}{package}"
        urn = f"{self.urn_prefix}{type_}::{name}"
        self.qualified_types[urn] = type_
        # As the engine's GetPackageConfig: the package's own config keys, without their namespace; a dynamic
        # provider gets every key, namespace kept.
        everything = package in dynamic.PACKAGES
        inputs = struct_pb2.Struct()
        for key, encoded in self.project.config_strings().items():
            namespace, _, config_name = key.partition(":")
            if not everything and namespace != package:
                continue
            field_name = key if everything else config_name
            if key in self.project.secret_keys:
                inputs[field_name] = {values.SIG_KEY: values.SECRET_SIG, "value": encoded}
            else:
                inputs[field_name] = encoded
        if version:
            inputs["version"] = version
        provider_id = UNKNOWN if self.preview else values.Ids(urn).uuid("provider")
        self._remember_provider(urn, inputs, aws=package == "aws", default=True)
        self._record(
            Resource(
                urn=urn,
                type=type_,
                name=name,
                custom=True,
                parent=None,
                protect=False,
                dependencies=[],
                property_dependencies={},
                inputs=inputs,
                id=provider_id,
                outputs=inputs,
            )
        )
        reference = f"{urn}::{provider_id}"
        self.default_providers[package] = reference
        return reference

    def _remember_provider(
        self, urn: str, inputs: struct_pb2.Struct, *, aws: bool = False, default: bool = False
    ) -> None:
        region = values.text(inputs, "region")
        if region is None and aws:
            self._warn_no_region(urn, default)
        tags: dict[str, Any] = {}
        default_tags = values.text(inputs, "defaultTags")
        if default_tags is not None:
            with contextlib.suppress(ValueError):
                parsed = json.loads(default_tags)
                if isinstance(parsed, dict) and isinstance(parsed.get("tags"), dict):
                    tags = parsed["tags"]
        self.providers[urn] = _ProviderConfig(region, tags)

    def _warn_no_region(self, urn: str, default: bool) -> None:
        # The AWS provider needs a region (or AWS_REGION in the environment); without one `pulumi preview`
        # fails, while preflight would silently put every ARN in its fallback region.
        stack_file = f"Pulumi.{self.project.stack}.yaml"
        if default:
            self.warn(
                f"aws:region is not set in {stack_file}: preflight assumes {self.region}, but the Pulumi CLI "
                "needs a region for the AWS provider (set aws:region, or AWS_REGION in the environment)"
            )
        else:
            self.warn(
                f"provider {urn.rsplit('::', 1)[1]} sets no region: preflight assumes {self.region}, but an "
                "explicit provider does not read aws:region from the stack config (pass region=..., or set "
                "AWS_REGION in the environment)"
            )

    def _target(
        self, provider: str | None, inputs: struct_pb2.Struct | dict[str, Any]
    ) -> tuple[values.Target, dict]:
        config = self.providers.get(provider.rsplit("::", 1)[0]) if provider else None
        own_region = inputs.get("region") if isinstance(inputs, dict) else values.text(inputs, "region")
        region = own_region or (config.region if config is not None else None) or self.region
        return values.Target(self.account_id, region), (config.default_tags if config is not None else {})

    # --- registrations -----------------------------------------------------------------------------------

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        type_ = request.type
        name = request.name
        parent = request.parent
        urn = self._urn(parent, type_, name, request)
        inputs = request.object
        custom = request.custom
        provider: str | None = None
        resource_id: str | None = None
        outputs: struct_pb2.Struct | None = None
        if type_ == _STACK_TYPE:
            parent = ""
        elif custom and type_.startswith(_PROVIDER_PREFIX):
            resource_id = UNKNOWN if self.preview else values.Ids(urn).uuid("provider")
            outputs = inputs
            self._remember_provider(urn, inputs, aws=type_ == f"{_PROVIDER_PREFIX}aws")
        elif custom:
            provider = self._provider_for(type_, request.provider, request.version)
            self._check_assets(urn, name, inputs, request)
            values.autoname(type_, name, urn, inputs)
            if dynamic.is_dynamic(type_):
                inputs = self._dynamic_check(type_, name, inputs, request)
            if self.remediate is not None:
                inputs = self._remediated(self._declared(request, urn, parent, inputs, provider), provider)
            resource_id, outputs = self._outputs(type_, name, urn, inputs, provider, request)
        elif request.remote:
            self.warn(
                f"{name}: component {type_} is a multi-language component; its children are not constructed"
            )
        resource = self._declared(request, urn, parent, inputs, provider)
        resource.id, resource.outputs = resource_id, outputs
        if request.transforms:
            self.warn(f"{name}: resource transforms are not run by preflight; it is analysed as declared")
        self._record(resource)
        response = resource_pb2.RegisterResourceResponse(urn=urn)
        if custom:
            response.id = "" if resource_id is None or resource_id == UNKNOWN else resource_id
            response.object.CopyFrom(outputs)
        return response

    def _declared(
        self,
        request: resource_pb2.RegisterResourceRequest,
        urn: str,
        parent: str,
        inputs: struct_pb2.Struct,
        provider: str | None,
    ) -> Resource:
        """The registration as declared: no id or outputs yet."""
        return Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=parent or None,
            protect=request.protect,
            # The SDK sends these from sets, in an order that changes from run to run: sorted, every report
            # of the same program is the same, byte for byte.
            dependencies=sorted(request.dependencies),
            property_dependencies={
                key: sorted(request.propertyDependencies[key].urns)
                for key in sorted(request.propertyDependencies)
            },
            inputs=inputs,
            provider=provider,
            retain_on_delete=request.retainOnDelete,
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=self._aliases(request, parent),
        )

    def _remediated(self, declared: Resource, provider: str | None) -> struct_pb2.Struct:
        """The inputs after the policy packs' remediations, as the engine applies them before registering."""
        assert self.remediate is not None
        registered_provider = self.registered.get(provider.rsplit("::", 1)[0]) if provider else None
        try:
            remediated = self.remediate(declared, registered_provider)
        except PreflightError as error:
            raise self.fail(error.message) from None
        return declared.inputs if remediated is None else remediated

    def _dynamic_check(
        self, type_: str, name: str, inputs: struct_pb2.Struct, request: resource_pb2.RegisterResourceRequest
    ) -> struct_pb2.Struct:
        """The inputs after the dynamic provider's ``check``, as the engine registers them
        (``preflight.dynamic``); a refusal or failure fails the run, as it fails ``pulumi preview``."""
        try:
            return self.dynamic_providers.check(type_, name, inputs)
        except dynamic.DynamicProviderError as error:
            program = _relative(self.project, self.project.program)
            raise self.fail(f"program {program} failed: {error}{self._where(request)}") from None

    def _outputs(
        self,
        type_: str,
        name: str,
        urn: str,
        inputs: struct_pb2.Struct,
        provider: str | None,
        request: Any,
    ) -> tuple[str | None, struct_pb2.Struct]:
        target, default_tags = self._target(provider, inputs)
        resource_id, computed = values.computed_values(type_, name, urn, inputs, target)
        info = values.type_info(type_)
        outputs = _echoed_inputs(type_, inputs)
        fields = outputs.fields
        if self.preview:
            # Output-only properties: the provider sets them when it creates the resource.
            for key in info.computed:
                fields[key].string_value = UNKNOWN
            for key in computed:
                fields[key].string_value = UNKNOWN
            resource_id = request.importId or None
        else:
            for key, value in computed.items():
                outputs[key] = value
            resource_id = request.importId or resource_id
        if info.taggable:
            outputs["tagsAll"] = values.tags_all(inputs, default_tags)
        for key in request.additionalSecretOutputs:
            if key in fields:
                wire.make_secret(fields[key])
        return resource_id, outputs

    def _aliases(self, request: Any, parent: str) -> list[str]:
        aliases = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                aliases.append(alias.urn)
                continue
            spec = alias.spec
            alias_parent = "" if spec.noParent else (spec.parentUrn or parent)
            type_ = spec.type or request.type
            if alias_parent and alias_parent != self.stack_urn:
                parent_type = self.qualified_types.get(alias_parent) or alias_parent.split("::")[2]
                type_ = f"{parent_type}${type_}"
            stack = spec.stack or self.project.stack
            project = spec.project or self.project.name
            aliases.append(f"urn:pulumi:{stack}::{project}::{type_}::{spec.name or request.name}")
        return aliases

    def _check_assets(self, urn: str, name: str, inputs: struct_pb2.Struct, request: Any) -> None:
        serialized = inputs.SerializeToString()
        if not any(marker in serialized for marker in _ASSET_MARKERS):
            return
        for path in _asset_paths(inputs):
            if not Path(path).exists():
                raise self.fail(
                    f"program {_relative(self.project, self.project.program)} failed: {name} "
                    f"({request.type}) uses the file asset or archive {path!r}, which does not exist in "
                    f"{Path.cwd()}{self._where(request)}; the Pulumi CLI would fail to read it"
                )

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> Any:
        self.registered[request.urn].outputs = request.outputs
        if request.urn == self.stack_urn:
            self.stack_outputs = {key: values.plain(value) for key, value in request.outputs.fields.items()}
        return empty_pb2.Empty()

    def ReadResource(self, request: resource_pb2.ReadResourceRequest) -> Any:
        urn = self._urn(request.parent, request.type, request.name, request)
        state = struct_pb2.Struct()
        state.CopyFrom(request.properties)
        if request.type == _STACK_REFERENCE_TYPE:
            given = stack_outputs.lookup(self.project.stack_outputs, request.id)
            if given is None:
                self.warn(stack_outputs.missing_warning(request.id))
                self.unread_references.append(request.id)
                outputs: Mapping[str, Any] = {}
            else:
                self.referenced_stacks.add(given[0])
                outputs = given[1]
            state.update({"name": request.id, "outputs": dict(outputs), "secretOutputNames": []})
        else:
            provider = self._provider_for(request.type, request.provider, request.version)
            target, _ = self._target(provider, state)
            values.adopt_id(request.type, state, request.id)
            _, computed = values.computed_values(request.type, request.name, urn, state, target)
            for key, value in computed.items():
                state[key] = value
        self.registered[urn] = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            protect=False,
            dependencies=sorted(request.dependencies),
            property_dependencies={},
            inputs=request.properties,
            id=request.id,
            outputs=state,
        )
        return resource_pb2.ReadResourceResponse(urn=urn, properties=state)

    def ExistsResource(self, request: Any) -> Any:
        exists = any(
            resource.id == request.id and resource.type == request.type
            for resource in self.registered.values()
        )
        return resource_pb2.ExistsResourceResponse(exists=exists)

    # --- invokes -----------------------------------------------------------------------------------------

    def Invoke(self, request: resource_pb2.ResourceInvokeRequest) -> Any:
        token = request.tok
        args = {key: values.plain(value) for key, value in request.args.fields.items()}
        result = struct_pb2.Struct()
        if token == "pulumi:pulumi:getResource":
            resource = self.registered.get(args.get("urn", ""))
            if resource is None:
                return resource_pb2.ResourceInvokeResponse(
                    failures=[
                        provider_pb2.CheckFailure(
                            property="urn", reason=f"unknown resource {args.get('urn')}"
                        )
                    ]
                )
            result["urn"] = resource.urn
            result["id"] = resource.id if resource.id is not None and resource.id != UNKNOWN else ""
            result.fields["state"].struct_value.CopyFrom(resource.outputs or resource.inputs)
            return resource_pb2.ResourceInvokeResponse(**{"return": result})
        provider = self._provider_for(token, request.provider, request.version)
        target, _ = self._target(provider, args)
        try:
            answer = invokes.answer(token, args, target)
        except invokes.InvokeFailure as failure:
            return resource_pb2.ResourceInvokeResponse(
                failures=[provider_pb2.CheckFailure(property=failure.argument, reason=failure.reason)]
            )
        if answer is None:
            # No hand-written answer: one built from the result type the installed SDK declares, and the
            # report lists the invoke so a reader knows its values are invented (preflight.invokes).
            answer = invokes.synthesized(token, args, target)
            if answer is not None and token not in self.synthesized_invokes:
                self.synthesized_invokes.append(token)
        if answer is None:
            self.warn(f"invoke {token} is not mocked; it returned no values")
            if token not in self.unmocked:
                self.unmocked.append(token)
        else:
            result.update(answer)
        return resource_pb2.ResourceInvokeResponse(**{"return": result})

    def Call(self, request: resource_pb2.ResourceCallRequest) -> Any:
        self.warn(f"call {request.tok} is not mocked; it returned no values")
        return provider_pb2.CallResponse()

    def RegisterStackTransform(self, request: Any) -> empty_pb2.Empty:
        self.warn("stack transforms are not run by preflight; resources are analysed as declared")
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request: Any) -> empty_pb2.Empty:
        self.warn("invoke transforms are not run by preflight; invokes are answered as declared")
        return empty_pb2.Empty()


def _echoed_inputs(type_: str, inputs: struct_pb2.Struct) -> struct_pb2.Struct:
    """The inputs as the provider returns them among the outputs: each converted to the output's declared
    shape (``preflight.conform``), and left out where it cannot be (an azure-native ``userAssignedIdentities``
    list comes back as a map of identities, which the SDK would otherwise reject)."""
    outputs = struct_pb2.Struct()
    outputs.CopyFrom(inputs)
    for declared in schema.resource_schema(type_).outputs:
        name = declared.name
        if name not in outputs.fields:
            continue
        converted = conform.conform(json_format.MessageToDict(outputs.fields[name]), declared.shape)
        if converted is conform.MISFIT:
            del outputs.fields[name]
        else:
            outputs[name] = converted
    return outputs


def _asset_paths(struct: struct_pb2.Struct) -> Iterator[str]:
    """Local paths of the file assets and archives anywhere in ``struct``."""
    for value in struct.fields.values():
        yield from _value_asset_paths(value)


def _value_asset_paths(value: struct_pb2.Value) -> Iterator[str]:
    kind = value.WhichOneof("kind")
    if kind == "list_value":
        for item in value.list_value.values:
            yield from _value_asset_paths(item)
    elif kind == "struct_value":
        fields = value.struct_value.fields
        signature = fields[values.SIG_KEY].string_value if values.SIG_KEY in fields else ""
        if signature in (_ASSET_SIG, _ARCHIVE_SIG) and "path" in fields:
            yield fields["path"].string_value
        else:
            yield from _asset_paths(value.struct_value)


def _installed_version(package: str) -> str:
    """The version of the installed SDK for ``package`` (its pulumi-plugin.json), or "" when unknown."""
    spec = importlib.util.find_spec(f"pulumi_{package.replace('-', '_')}")
    if spec is None or spec.origin is None:
        return ""
    plugin = Path(spec.origin).parent / "pulumi-plugin.json"
    try:
        return str(json.loads(plugin.read_text()).get("version", ""))
    except (OSError, ValueError):
        return ""


# --- errors ------------------------------------------------------------------------------------------------


def _relative(project: Project, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.directory))
    except ValueError:
        return str(path)


def _program_location(project: Project, error: BaseException) -> str | None:
    """``file:line`` of the innermost project frame in the error's traceback (or its causes')."""
    seen: set[int] = set()
    current: BaseException | None = error
    roots = (str(project.directory) + os.sep, str(project.program.parent) + os.sep)
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        location = None
        for frame in traceback.extract_tb(current.__traceback__):
            if frame.filename.startswith(roots) and "site-packages" not in frame.filename:
                location = f"{_relative(project, Path(frame.filename))}:{frame.lineno}"
        if location is not None:
            return location
        current = current.__cause__ or current.__context__
    return None


def _program_error(
    project: Project, error: BaseException, unmocked: list[str], unread: list[str]
) -> PreflightError:
    location = _program_location(project, error)
    where = f" (at {location})" if location else ""
    for reference in unread:
        # A stack reference that read nothing is the usual cause; say how to give it the outputs.
        last = reference.rsplit("/", 1)[-1]
        where += f"; stack reference {reference} read no outputs: pass --stack-outputs {last}=FILE"
    if unmocked:
        # A value missing from an unmocked invoke is the usual cause; say so next to the error.
        where += (
            f"; the program used {', '.join(unmocked)}, which preflight does not mock and answered with "
            "no values"
        )
    if isinstance(error, pulumi.ConfigMissingError):
        message = (
            f"missing required configuration value {error.key}: set it in Pulumi.{project.stack}.yaml{where}"
        )
    else:
        text = " ".join(str(error).split()) or "no message"
        if isinstance(error, SystemExit):
            text = f"exit status {error.code}"
        message = (
            f"program {_relative(project, project.program)} failed: {type(error).__name__}: {text}{where}"
        )
    return PreflightError(message, _format_detail(error))


def _format_detail(error: BaseException | None) -> str | None:
    if error is None:
        return None
    return "".join(traceback.format_exception(error))
