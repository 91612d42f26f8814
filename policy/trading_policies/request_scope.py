"""Per-request memory for the analyzer, so work that depends only on the request is done once per request.

pulumi-policy 1.21 serves ``Analyze`` (one resource, every resource policy) and ``AnalyzeStack`` (every
resource, every stack policy) by running the policies one after another on fresh args built from the same
request, converting the request's protobuf properties again for each policy
(``deserialize_properties(json_format.MessageToDict(...))``, most of the pack's time on a large stack).
:func:`install` wraps those two servicer methods so that each call runs inside a :class:`RequestScope` of
its own, in which:

* each protobuf Struct of the request is converted to Python once; every policy still gets its own args
  objects and its own unknown-checking proxies (the SDK's ``unknown_checking_proxy`` copies every list
  and dict of the converted value, which install checks), so no policy sees what another did to its args;
* those proxies and the resource options are lazy (:class:`LazyProxy`, :class:`LazyOptions`): built when
  a policy first reads them, so the SDK's loop of every policy over every resource costs next to nothing
  for the policies that never read them (ours read one shared view of each resource, see
  ``registry.shared_resource``);
* rules use :func:`shared` to compute a value derived from the request once, e.g. the stack's resource
  graph, which every stack policy of one ``AnalyzeStack`` call then reads;
* ``Analyze`` runs only the policies that can concern the resource's type, and ``AnalyzeStack`` builds
  the stack's resources once for all stack policies (see :mod:`trading_policies.dispatch`, which also
  says when it steps aside);
* the SDK's per-request ``_configure_runtime_settings`` (parse ``PULUMI_CONFIG``, set each key, build and
  install fresh runtime settings, an ``inspect.signature`` call included: about a tenth of a millisecond,
  thousands of times on a large stack) runs again only when the environment it reads has changed.

The scope is thread-local (the SDK serves requests on a thread pool) and ends with the call, so nothing
is shared between requests or threads. Outside a scope (``Configure``, ``Remediate``, a policy called
directly) conversions and :func:`shared` compute afresh, exactly as the SDK does. The SDK's shape is
checked first: on a release that converts differently, :func:`install_if_compatible` leaves the SDK as it
is (same verdicts, only slower) and says so once on standard error, as a warning the CLI shows.

``TRADING_POLICIES_SPEEDUPS=off`` in the pack's environment switches all of this off at run time (and the
stack graph's indexes, see ``graph.Stack``): every policy then runs exactly as the SDK runs it. It exists
to compare verdicts and timings; the verdicts are the same either way.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from google.protobuf import json_format
from pulumi_policy import deserialize as sdk_deserialize
from pulumi_policy import policy as sdk_policy
from pulumi_policy import proxy as sdk_proxy
from pulumi_policy.policy import PolicyResourceOptions
from pulumi_policy.version import VERSION

from . import dispatch, stack_request
from .enforcement import SdkShapeError

T = TypeVar("T")

WRAPPED_METHODS = ("Analyze", "AnalyzeStack")
SPEEDUPS_VARIABLE = "TRADING_POLICIES_SPEEDUPS"
# The methods that convert a request's properties, each exactly as the pair of lines below.
CONVERTING_METHODS = ("Analyze", "AnalyzeStack", "_get_provider_resource")
_CONVERSION = re.compile(
    r"^\s*deserialized = deserialize_properties\(json_format\.MessageToDict\([\w.]+\)\)\n"
    r"\s*props = unknown_checking_proxy\(deserialized\)$",
    re.MULTILINE,
)
_EXPECTED_PARAMETERS = ("self", "request", "_context")
_INSTALLED_MARK = "_trading_policies_request_scope"
# What pulumi-policy 1.21's _configure_runtime_settings reads: the stack's config (through get_config_env)
# and the settings' variables. Its effect depends on nothing else, so it is redone only when these change.
SETTINGS_VARIABLES = (
    "PULUMI_CONFIG",
    "PULUMI_PROJECT",
    "PULUMI_STACK",
    "PULUMI_DRY_RUN",
    "PULUMI_ORGANIZATION",
)
_SETTINGS_METHOD = "_configure_runtime_settings"
_CONFIGURED_FOR = "_trading_policies_configured_for"
_ENVIRON_READ = re.compile(r'os\.environ(?:\.get\(|\[)"(\w+)"|"(\w+)" in os\.environ')
_local = threading.local()
_enabled = os.environ.get(SPEEDUPS_VARIABLE, "on").strip().lower() not in ("off", "0", "false", "no")


def enabled() -> bool:
    """Whether requests share their work (the default), or run every policy as the SDK does."""
    return _enabled


@contextmanager
def speedups(on: bool) -> Iterator[None]:
    """Switch the sharing (and the graph's indexes) on or off for a block: tests compare the verdicts."""
    global _enabled
    previous, _enabled = _enabled, on
    try:
        yield
    finally:
        _enabled = previous


class LazyProxy(Mapping):
    """The SDK's unknown-checking proxy of one policy's properties, built on first use.

    Until then it holds only the request's converted properties (``source``, shared, never changed);
    ``values.plain`` reads that directly, as it would read the proxy's target. Any other use builds this
    policy's own proxy (a copy) and delegates to it, so a policy sees and changes only its own.
    """

    __slots__ = ("_build", "_proxy", "source")

    def __init__(self, source: dict[str, Any], build: Callable[[dict[str, Any]], Any]) -> None:
        self.source = source
        self._build = build
        self._proxy: Any = None

    def _target(self) -> Any:
        if self._proxy is None:
            self._proxy = self._build(self.source)
        return self._proxy

    def __getitem__(self, key: Any) -> Any:
        return self._target()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._target()[key] = value

    def __len__(self) -> int:
        return len(self._target())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._target())


class LazyOptions(PolicyResourceOptions):
    """A policy's ``PolicyResourceOptions``, read from the request the first time a policy asks for one."""

    def __init__(self, build: Callable[[], PolicyResourceOptions]) -> None:
        # The SDK's __init__ is the work deferred: it runs in __getattr__, on first use.
        self.__dict__["_build"] = build

    def __getattr__(self, name: str) -> Any:
        build = self.__dict__.pop("_build", None)
        if build is None:
            raise AttributeError(name)
        for key, value in vars(build()).items():
            self.__dict__.setdefault(key, value)  # what the policy set itself stays
        return getattr(self, name)


class RequestScope:
    """What one ``Analyze`` or ``AnalyzeStack`` call computes once and shares between its policies."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._dicts: dict[int, tuple[Any, Any]] = {}
        self._deserialized: dict[int, tuple[Any, Any]] = {}
        self._remember = True

    def shared(self, key: Hashable, build: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = build()
        return self._values[key]

    def message_to_dict(self, message: Any, convert: Callable[[Any], Any]) -> Any:
        return _once(self._dicts, message, convert) if self._remember else convert(message)

    def deserialize(self, props: Any, convert: Callable[[Any], Any]) -> Any:
        return _once(self._deserialized, props, convert) if self._remember else convert(props)

    @contextmanager
    def converting_once(self) -> Iterator[None]:
        """Conversions in the block are of Structs that nothing converts again in this request (each
        resource's, as ``AnalyzeStack`` builds the stack once): done without being remembered, so each
        intermediate dict is freed as soon as it is deserialized instead of living to the end of the
        request."""
        previous, self._remember = self._remember, False
        try:
            yield
        finally:
            self._remember = previous


def _once(table: dict[int, tuple[Any, Any]], source: Any, convert: Callable[[Any], Any]) -> Any:
    # Keyed on identity: the table holds the source, so no other object can take its id during the
    # request, and the request does not change while it is served.
    entry = table.get(id(source))
    if entry is not None:
        return entry[1]
    value = convert(source)
    table[id(source)] = (source, value)
    return value


def current() -> RequestScope | None:
    """The scope of the request this thread is serving, if any."""
    return getattr(_local, "scope", None)


@contextmanager
def request_scope() -> Iterator[RequestScope]:
    """Serve one request: a fresh scope for this thread, dropped (and the previous one restored) after."""
    previous = current()
    scope = _local.scope = RequestScope()
    try:
        yield scope
    finally:
        _local.scope = previous


def shared(key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per request for ``key`` (the key must identify what ``build`` reads)."""
    scope = current()
    return build() if scope is None else scope.shared(key, build)


def install(servicer_class: Any = None, sdk_module: Any = None) -> None:
    """Wrap the servicer's ``Analyze`` and ``AnalyzeStack`` once so each call runs in its own scope, and
    route the SDK module's property conversion through the scope."""
    servicer = servicer_class or sdk_policy._PolicyAnalyzerServicer
    module = sdk_module or sdk_policy
    originals = {name: getattr(servicer, name, None) for name in WRAPPED_METHODS}
    if all(getattr(method, _INSTALLED_MARK, False) for method in originals.values()):
        return
    for name, method in originals.items():
        if not callable(method) or tuple(inspect.signature(method).parameters) != _EXPECTED_PARAMETERS:
            raise _shape_error(name)
    _check_conversions(servicer, module)
    options = getattr(servicer, "_get_resource_options", None)
    if not callable(options) or tuple(inspect.signature(options).parameters) != ("self", "request"):
        raise _shape_error("_get_resource_options")
    settings = getattr(servicer, _SETTINGS_METHOD, None)
    memoize_settings = _reads_only_settings_variables(settings)
    module.json_format = _ScopedJsonFormat(module.json_format)
    module.deserialize_properties = _scoped_deserialize(module.deserialize_properties)
    module.unknown_checking_proxy = _scoped_proxy(module.unknown_checking_proxy)
    servicer._get_resource_options = _scoped_options(options)
    if memoize_settings:
        setattr(servicer, _SETTINGS_METHOD, _configured_once(settings))
    dispatched = {"Analyze": dispatch.serve_analyze, "AnalyzeStack": dispatch.serve_analyze_stack}
    fast = dispatch.matches_sdk(servicer)
    for name, method in originals.items():
        setattr(servicer, name, _scoped(method, dispatched[name] if fast else None))
    if fast:  # the stack is then built once, from one resource parsed at a time
        stack_request.install(module)


def install_if_compatible(servicer_class: Any = None, sdk_module: Any = None) -> bool:
    """:func:`install`, unless the SDK's shape has changed: the scope only saves time, so then the pack runs
    as the SDK does and warns once (every check runs before anything is changed, so nothing is half done)."""
    try:
        install(servicer_class, sdk_module)
    except SdkShapeError as error:
        print(f"warning: {error}; the policies now run without it: same verdicts, slower", file=sys.stderr)
        return False
    if not dispatch.matches_sdk(servicer_class or sdk_policy._PolicyAnalyzerServicer):
        print(
            f"warning: pulumi-policy {VERSION} serves Analyze and AnalyzeStack differently from 1.21, so "
            "trading_policies runs every policy on every resource, as the SDK does: same verdicts, slower",
            file=sys.stderr,
        )
    return True


def _shape_error(name: str) -> SdkShapeError:
    return SdkShapeError(
        f"pulumi-policy {VERSION} changed _PolicyAnalyzerServicer.{name}, which trading_policies "
        "wraps to share work between the policies of one request; pin pulumi-policy to 1.21.x or "
        "update trading_policies/request_scope.py"
    )


def _reads_only_settings_variables(method: Any) -> bool:
    """Whether ``method`` is the SDK's runtime configuration as 1.21 writes it, reading nothing from the
    environment but :data:`SETTINGS_VARIABLES`; otherwise it keeps running on every request, as the SDK
    runs it."""
    if not callable(method) or tuple(inspect.signature(method).parameters) != ("self",):
        return False
    source = inspect.getsource(method)
    reads = _ENVIRON_READ.findall(source)
    names = {subscript or membership for subscript, membership in reads}
    return (
        "get_config_env()" in source
        and len(reads) == source.count("os.environ")
        and names <= set(SETTINGS_VARIABLES)
    )


def _configured_once(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(method)
    def _configure_runtime_settings(self: Any) -> Any:
        if not _enabled:
            return method(self)
        environ = os.environ
        key = tuple(environ.get(name) for name in SETTINGS_VARIABLES)
        if self.__dict__.get(_CONFIGURED_FOR) != key:
            method(self)
            self.__dict__[_CONFIGURED_FOR] = key
        return None

    return _configure_runtime_settings


def _check_conversions(servicer: Any, module: Any) -> None:
    """Memoizing the conversion is only sound if its result goes nowhere but into a copying proxy."""
    for name in CONVERTING_METHODS:
        method = getattr(servicer, name, None)
        source = inspect.getsource(method) if callable(method) else ""
        pairs = len(_CONVERSION.findall(source))
        uses = (source.count("MessageToDict("), source.count("deserialize_properties("))
        if not pairs or uses != (pairs, pairs) or source.count("deserialized") != 2 * pairs:
            raise _shape_error(name)
    if (
        module.json_format is not json_format
        or module.deserialize_properties is not sdk_deserialize.deserialize_properties
        or getattr(module, "unknown_checking_proxy", None) is not sdk_proxy.unknown_checking_proxy
    ):
        raise _shape_error(
            "Analyze's conversion (json_format, deserialize_properties, unknown_checking_proxy)"
        )
    converted = {"list": [{"key": "value"}]}
    proxy = sdk_proxy.unknown_checking_proxy(converted)
    target = proxy["__target"]
    if target is converted or target["list"]["__target"] is converted["list"]:
        raise _shape_error("Analyze's unknown_checking_proxy (it no longer copies)")


class _ScopedJsonFormat:
    """Stands in for ``json_format`` in the SDK module: ``MessageToDict`` once per Struct per request."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def MessageToDict(self, message: Any, *args: Any, **kwargs: Any) -> Any:
        scope = current()
        if scope is None or args or kwargs:
            return self._module.MessageToDict(message, *args, **kwargs)
        return scope.message_to_dict(message, self._module.MessageToDict)


def _scoped_deserialize(deserialize: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(deserialize)
    def deserialize_properties(props: Any, proxy_secrets: bool = False) -> Any:
        scope = current()
        if scope is None or proxy_secrets:
            return deserialize(props, proxy_secrets)
        return scope.deserialize(props, deserialize)

    return deserialize_properties


def _scoped_proxy(proxy: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(proxy)
    def unknown_checking_proxy(props: Any) -> Any:
        if current() is None or type(props) is not dict:
            return proxy(props)
        return LazyProxy(props, proxy)

    return unknown_checking_proxy


def _scoped_options(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    @functools.wraps(method)
    def _get_resource_options(self: Any, request: Any) -> Any:
        if current() is None:
            return method(self, request)
        return LazyOptions(functools.partial(method, self, request))  # smaller than a closure

    return _get_resource_options


def _scoped(
    method: Callable[[Any, Any, Any], Any], dispatched: Callable[..., Any] | None
) -> Callable[[Any, Any, Any], Any]:
    @functools.wraps(method)
    def serve(self: Any, request: Any, _context: Any) -> Any:
        if not _enabled:  # switched off: the SDK's own method, with nothing shared
            return method(self, stack_request.whole(request), _context)
        with request_scope():
            if dispatched is None:
                return method(self, stack_request.whole(request), _context)
            return dispatched(method, self, request, _context)

    setattr(serve, _INSTALLED_MARK, True)
    return serve
