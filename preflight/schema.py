"""What the installed provider SDKs say about a type: each property's shape and whether it is always present.

A generated Pulumi SDK annotates every property getter of a resource class (``pulumi.Output[T]``, with
``Optional[T]`` where the provider may leave the value empty, and ``@pulumi.getter(name=...)`` for the wire
name), and every invoke's result class (a ``@pulumi.output_type``). preflight reads those annotations to give
each output the program did not set a value of the right shape (``preflight.synthesis``), for any provider
SDK that is installed, not only AWS.

Reading is lazy and cached per type: a 5,000-resource program touches a few dozen types, and importing every
module of a large SDK up front costs seconds. The only SDK module imported here is the one that defines a type
preflight is asked about, which the program has normally imported already.
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import inspect
import re
import sys
import types
import typing
from collections import abc
from dataclasses import dataclass
from functools import cache
from typing import Any

import pulumi
from pulumi import _types
from pulumi.runtime import rpc


@dataclass(frozen=True)
class Scalar:
    """A string, integer, number, boolean, or any JSON value."""

    kind: str  # "string" | "integer" | "number" | "boolean" | "any"


@dataclass(frozen=True)
class Choice:
    """An enum: one of fixed values."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class ListOf:
    item: Shape


@dataclass(frozen=True)
class MapOf:
    item: Shape
    keys: tuple[str, ...] = ()  # keys the provider's docs name (``uris["GRAPHQL"]``): a program reads them


@dataclass(frozen=True)
class ObjectOf:
    """An object type (``@pulumi.output_type``); its fields are read when first needed (types can recurse)."""

    cls: type

    @property
    def fields(self) -> tuple[Field, ...]:
        return object_fields(self.cls)


Shape = Scalar | Choice | ListOf | MapOf | ObjectOf


@dataclass(frozen=True)
class Field:
    """One property: its wire (camelCase) name, its shape, and whether the provider always gives a value."""

    name: str
    shape: Shape
    required: bool


@dataclass(frozen=True)
class ResourceSchema:
    outputs: tuple[Field, ...]
    inputs: frozenset[str]  # wire names of the properties a program can set
    optional_inputs: frozenset[str]  # those it may leave out


_NO_SCHEMA = ResourceSchema((), frozenset(), frozenset())
_NOT_INPUTS = frozenset({"__self__", "resource_name", "opts", "__props__"})
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", Any: "any"}


def resource_class(type_: str) -> type | None:
    """The installed SDK's class for a resource type token, or None when no installed SDK defines it."""
    parts = type_.split(":")
    if len(parts) != 3:
        return None
    # A package's SDK registers its resource modules when imported; the program normally has imported it.
    with contextlib.suppress(ImportError):
        importlib.import_module(_package_module(parts[0]))
    module = rpc.get_resource_module(parts[0], parts[1], "")
    mod_info = getattr(module, "mod_info", None)
    if mod_info is None:
        return None
    return getattr(importlib.import_module(mod_info["fqn"]), mod_info["classes"][type_])


@cache
def resource_schema(type_: str) -> ResourceSchema:
    """Every output property of a resource type, and which inputs are optional; empty when not installed."""
    cls = resource_class(type_)
    if cls is None:
        return _NO_SCHEMA
    wire = _types.resource_py_to_pulumi_names(cls)
    # The constructor's parameters are the inputs; its Args class says which of them may be left out.
    constructor = set(inspect.signature(cls._internal_init).parameters) - _NOT_INPUTS
    args_cls = _args_class(cls)
    parameters = (
        [] if args_cls is None else list(inspect.signature(args_cls.__init__).parameters.values())[1:]
    )
    inputs = frozenset(wire.get(name, name) for name in constructor | {p.name for p in parameters})
    optional = frozenset(
        wire.get(p.name, p.name) for p in parameters if p.default is not inspect.Parameter.empty
    )
    return ResourceSchema(_fields(cls), inputs, optional)


def _args_class(cls: type) -> type | None:
    """The resource's Args class, defined next to it: ``<Name>Args``, or ``<Name>InitArgs`` where an input
    type of the package already has that name (``s3.BucketVersioningArgs`` is ``Bucket.versioning``'s type,
    which the module imports too)."""
    module = vars(sys.modules[cls.__module__])
    candidates = (module.get(f"{cls.__name__}InitArgs"), module.get(f"{cls.__name__}Args"))
    return next((c for c in candidates if isinstance(c, type) and c.__module__ == cls.__module__), None)


@cache
def object_fields(cls: type) -> tuple[Field, ...]:
    """The fields of an output type (an invoke's result or a nested object)."""
    return _fields(cls)


@cache
def invoke_result(token: str) -> tuple[Field, ...] | None:
    """The fields of invoke ``token``'s result type in the installed SDK; None when no SDK defines it."""
    function = _invoke_function(token)
    if function is None:
        return None
    result = _hints(function).get("return")
    if not (isinstance(result, type) and _types.is_output_type(result)):
        return None
    # The SDK returns ``Awaitable<Name>Result``, a subclass of the output type ``<Name>Result``.
    return object_fields(result)


def _package_module(package: str) -> str:
    return f"pulumi_{package.replace('-', '_')}"


def _invoke_function(token: str) -> Any:
    """The SDK function of invoke ``token``: ``aws:ec2/getVpc:getVpc`` -> ``pulumi_aws.ec2.get_vpc``."""
    parts = token.split(":")
    if len(parts) != 3:
        return None
    package, module, member = parts
    segments = module.split("/")
    if len(segments) > 1 and segments[-1] == member:
        segments = segments[:-1]  # aws and gcp name a function's own file in the token
    package_module = _package_module(package)
    # ``index`` is the package itself; a module named like a Python keyword gets an underscore (``lambda_``).
    path = ".".join(segment.replace("-", "_").lower() for segment in segments if segment != "index")
    names = [f"{package_module}.{path}", f"{package_module}.{path}_"] if path else [package_module]
    for name in names:
        try:
            python_module = importlib.import_module(name)
        except ImportError:
            continue
        function = _find_function(python_module, token, member)
        if function is not None:
            return function
    return None


def _find_function(python_module: types.ModuleType, token: str, member: str) -> Any:
    # The name is usually the member in snake case; the token in the function's code makes sure of it.
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", member).lower()
    candidates = [snake] + [name for name in dir(python_module) if name.startswith("get")]
    for name in candidates:
        function = getattr(python_module, name, None)
        code = getattr(function, "__code__", None)
        if code is not None and token in code.co_consts and not name.endswith("_output"):
            return function
    return None


def _hints(function: Any, globalns: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function, globalns=globalns)
    except (NameError, TypeError, AttributeError):
        return {}


def _fields(cls: type) -> tuple[Field, ...]:
    # Forward references (``'outputs.Foo'``) resolve in the class's own module, where the SDK imports them.
    module = sys.modules.get(cls.__module__)
    globalns = vars(module) if module is not None else None
    result = []
    for python_name, wire_name, prop in _types._py_properties(cls):
        hint = _hints(prop.fget, globalns).get("return")
        if hint is None:
            continue
        unwrapped, required = _unwrap(hint)
        shape = _shape(unwrapped, _documented_keys(prop.fget.__doc__, python_name, wire_name))
        if shape is not None:
            result.append(Field(wire_name, shape, required))
    return tuple(result)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """``Output[Optional[T]]`` -> (T, False): the type, and whether a value is always present."""
    if typing.get_origin(hint) is pulumi.Output:
        hint = typing.get_args(hint)[0]
    required = True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        required = len(members) == len(typing.get_args(hint))
        hint = members[0]
    return hint, required


def _shape(hint: Any, keys: tuple[str, ...] = ()) -> Shape | None:
    hint, _ = _unwrap(hint)
    if hint in _SCALARS:
        return Scalar(_SCALARS[hint])
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (list, abc.Sequence):
        item = _shape(args[0]) if args else Scalar("any")
        return None if item is None else ListOf(item)
    if origin in (dict, abc.Mapping):
        item = _shape(args[1]) if len(args) == 2 else Scalar("any")
        return None if item is None else MapOf(item, keys)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return Choice(tuple(member.value for member in hint))
    if isinstance(hint, type) and _types.is_output_type(hint):
        return ObjectOf(hint)
    return None  # assets, archives, resources: nothing a provider computes


def _documented_keys(doc: str | None, python_name: str, wire_name: str) -> tuple[str, ...]:
    # Most docs index no key: checked first, the pattern (one per property) is compiled only where one does.
    if not doc or (f"{python_name}[" not in doc and f"{wire_name}[" not in doc):
        return ()
    pattern = rf"\b(?:{re.escape(python_name)}|{re.escape(wire_name)})\[[\"']([^\"']+)[\"']\]"
    return tuple(dict.fromkeys(re.findall(pattern, doc)))
