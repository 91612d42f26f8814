"""Loading a Pulumi Python project and one stack's config the way the Pulumi CLI reads them.

``Pulumi.yaml`` names the project, its runtime (python only) and optionally its ``main`` program and
project-level config defaults; ``Pulumi.<stack>.yaml`` holds the stack's config. Keys are namespaced as the
CLI namespaces them (``aws:region`` stays, ``dbName`` becomes ``<project>:dbName``); scalars reach the program
as the strings the CLI passes (``true`` -> ``"true"``, ``30`` -> ``"30"``); objects and lists stay structured
here and are JSON-encoded for the program by the engine, as the CLI does. ``secure:`` values cannot be
decrypted without the stack's secrets provider, so the program gets a placeholder marked secret, and a
warning says so. YAML is read with the YAML 1.2 core schema (as the CLI's Go YAML reader does): ``yes`` and
``2024-01-01`` stay strings.

A file is refused, in one line naming it and the fault, when it is no regular file or too large (see
``preflight.files``), nests deeper than :data:`MAX_DEPTH`, expands its aliases to more than
:data:`MAX_VALUES` values (an alias bomb) or into itself, repeats a key in one mapping (the CLI's reader
refuses that too), has an empty key, carries a tag outside the core schema (``!!python/object`` and the
like), or an integer too long to be a number.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from preflight import files
from preflight.errors import PreflightError

# What a program gets for a `secure:` config value: the ciphertext cannot be decrypted here.
SECRET_PLACEHOLDER = "preflight-secret-placeholder"
MAX_DEPTH = 100  # levels of nested mappings and lists; config needs a handful
MAX_VALUES = 100_000  # values in a file once its aliases are expanded
MAX_INTEGER_DIGITS = 1000  # longer is no number a config value can mean; quoted, it is text
_CORE_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
}


@dataclass(frozen=True)
class Project:
    """A Pulumi project and the config of one of its stacks, as the CLI hands them to the program."""

    name: str
    directory: Path
    program: Path
    stack: str
    config: dict[str, Any]
    secret_keys: frozenset[str]
    warnings: tuple[str, ...]
    # Other stacks' outputs by the name given to --stack-outputs, for the program's stack references.
    stack_outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The Python that runs the program, as the CLI picks it (runtime.options), and its virtualenv if any.
    interpreter: str = sys.executable
    virtualenv: Path | None = None

    def config_strings(self) -> dict[str, str]:
        """The config as the CLI hands it to the program and to providers: every value a string, structured
        values as JSON (the SDK's ``get_object`` parses them back)."""
        return {
            key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
            for key, value in self.config.items()
        }


class _Refused(yaml.MarkedYAMLError):
    """A YAML document that parses but that preflight will not read; says where and why."""

    def __init__(self, mark: yaml.Mark | None, problem: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _CoreSchemaLoader(yaml.SafeLoader):
    """PyYAML's safe loader limited to the YAML 1.2 core schema that the CLI's Go YAML reader applies,
    and to documents of a bounded depth and size, with unique non-empty keys."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Refused(key_node.start_mark, "a key is a list or a mapping; keys are plain values")
                key = self.construct_object(key_node)
                if key is None or key == "":
                    raise _Refused(key_node.start_mark, "empty key; give the key a name or remove the entry")
                if key in seen:
                    raise _Refused(
                        key_node.start_mark, f"duplicate key {key!r} (first at line {seen[key]}); keep one"
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


_CoreSchemaLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    _CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if len(text) > MAX_INTEGER_DIGITS:
        raise _Refused(
            node.start_mark,
            f"an integer of {len(text)} characters is too large for a config value; quote it to pass text",
        )
    return int(text, 0) if text[:2] in ("0x", "0o") else int(text)


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    if tag.startswith("!!python/"):
        problem = f"the Python-specific tag {tag} is not allowed: Pulumi config files hold plain data"
    else:
        problem = f"the tag {tag} is not part of the YAML the Pulumi CLI reads; remove it"
    raise _Refused(node.start_mark, problem)


_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)
_CoreSchemaLoader.add_constructor(None, _refuse_tag)
for _tag in list(_CoreSchemaLoader.yaml_constructors):
    if _tag is not None and _tag not in _CORE_TAGS:
        _CoreSchemaLoader.add_constructor(_tag, _refuse_tag)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Counts the values the document holds once every alias is expanded (in time linear in its nodes,
    without expanding anything): an alias bomb or an alias into itself is refused before it is built."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes on the path from the root to the one visited
    work: list[tuple[yaml.Node, bool]] = [(root, False)]
    while work:
        node, finished = work.pop()
        if finished:
            open_nodes.discard(id(node))
            sizes[id(node)] = size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_VALUES:
                raise _Refused(
                    node.start_mark,
                    f"holds more than {MAX_VALUES:,} values once its aliases are expanded (an alias bomb?)",
                )
            continue
        if id(node) in sizes:
            continue
        open_nodes.add(id(node))
        work.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise _Refused(child.start_mark, "an alias refers to a mapping or list that contains it")
            if id(child) not in sizes:
                work.append((child, False))


def load_project(directory: Path, stack: str) -> Project:
    """Reads ``directory``'s Pulumi.yaml and ``Pulumi.<stack>.yaml``; a one-line PreflightError if wrong."""
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise PreflightError(
            f"project folder {directory} does not exist: pass the folder holding Pulumi.yaml"
        )
    project_file = _find(directory, "Pulumi")
    if project_file is None:
        raise PreflightError(
            f"{directory} has no Pulumi.yaml: pass the folder of a Pulumi project (the one holding it)"
        )
    settings = _read_yaml(project_file)
    if not isinstance(settings, dict):
        raise PreflightError(f"{project_file}: expected a mapping with at least `name` and `runtime`")
    name = settings.get("name")
    if not isinstance(name, str) or not name:
        raise PreflightError(f"{project_file}: `name` is missing; set `name: <project name>`")
    _check_runtime(project_file, settings.get("runtime"))
    interpreter, virtualenv, venv_warnings = _interpreter(directory, project_file, settings.get("runtime"))
    program = _program(directory, project_file, settings.get("main"))

    stack_name = stack.rsplit("/", 1)[-1]
    stack_file = _find(directory, f"Pulumi.{stack_name}")
    if stack_file is None:
        raise PreflightError(_unknown_stack_message(directory, stack_name))
    stack_settings = _read_yaml(stack_file)
    if stack_settings is None:
        stack_settings = {}
    if not isinstance(stack_settings, dict):
        raise PreflightError(f"{stack_file}: expected a mapping with a `config:` section")

    collector = _ConfigCollector(name, stack_name)
    collector.add_project_defaults(project_file, settings.get("config"))
    collector.add_stack_values(stack_file, stack_settings.get("config"))
    collector.check_required(stack_file)
    return Project(
        name=name,
        directory=directory,
        program=program,
        stack=stack_name,
        config=collector.values,
        secret_keys=frozenset(collector.secret_keys),
        warnings=(*venv_warnings, *collector.warnings),
        interpreter=interpreter,
        virtualenv=virtualenv,
    )


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".yaml", ".yml"):
        candidate = directory / f"{stem}{suffix}"
        if files.exists(candidate):  # a pipe or a broken link is named when it is read, not skipped
            return candidate
    return None


def _read_yaml(path: Path) -> Any:
    text = files.read_text(path)
    try:
        return yaml.load(text, Loader=_CoreSchemaLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise PreflightError(f"{where}: invalid YAML: {error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:  # its own text spans two lines
        line = text[: error.position].count("\n") + 1
        raise PreflightError(
            f"{path}:{line}: invalid YAML: the character #x{error.character:04x} is not allowed in YAML "
            "(a control character); remove it"
        ) from None
    except RecursionError:  # MAX_DEPTH keeps the composer well inside the limit; this is the last guard
        raise PreflightError(f"{path}: invalid YAML: nested too deeply to read") from None


def _check_runtime(project_file: Path, runtime: Any) -> None:
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name is None:
        raise PreflightError(f"{project_file}: `runtime` is missing; set `runtime: python`")
    if runtime_name != "python":
        raise PreflightError(
            f"{project_file}: runtime {runtime_name} is not supported: preflight runs Python programs "
            "(`runtime: python`)"
        )


def _interpreter(directory: Path, project_file: Path, runtime: Any) -> tuple[str, Path | None, list[str]]:
    """The Python that runs the program, as the CLI picks it from ``runtime.options``: the virtualenv's
    (uv's default is ``.venv``), else the one running preflight. A virtualenv that does not exist, and a
    toolchain whose environment only its own tool knows (poetry), run the program with preflight's and say so.
    """
    options = runtime.get("options") if isinstance(runtime, dict) else None
    options = options if isinstance(options, dict) else {}
    toolchain = options.get("toolchain", "pip")
    venv = options.get("virtualenv", ".venv" if toolchain == "uv" else None)
    if venv is None and toolchain == "poetry":
        warning = (
            f"{project_file}: toolchain poetry: the program runs with {sys.executable}; run preflight from "
            "the project's poetry environment (poetry run python -m preflight ...) to use its packages"
        )
        return sys.executable, None, [warning]
    if venv is None:
        return sys.executable, None, []
    if not isinstance(venv, str) or not venv:
        raise PreflightError(
            f"{project_file}: runtime.options.virtualenv must be the path of a virtualenv folder, relative "
            "to the project or absolute"
        )
    path, python = virtualenv_python(directory, venv)
    if python is None:
        warning = (
            f"{project_file}: the virtualenv {path} does not exist, so the program runs with "
            f"{sys.executable} (the Pulumi CLI creates it: pulumi install, or python -m venv {path} && "
            f"{path}/bin/pip install -r {directory}/requirements.txt)"
        )
        return sys.executable, None, [warning]
    return str(python), path, []


def virtualenv_python(directory: Path, venv: str) -> tuple[Path, Path | None]:
    """A ``virtualenv`` option as the CLI resolves it, for a program or a policy pack: the folder (relative
    to ``directory`` unless absolute) and its interpreter, None when that does not exist."""
    path = Path(venv) if Path(venv).is_absolute() else directory / venv
    python = path / "bin" / "python"
    return path, python if python.exists() else None


def _program(directory: Path, project_file: Path, main: Any) -> Path:
    if main is None:
        program = directory / "__main__.py"
    elif not isinstance(main, str) or not main:
        raise PreflightError(f"{project_file}: `main` must be a file or folder path relative to the project")
    else:
        # The CLI's rules for `main`: a relative path that stays inside the project (compared as written,
        # before symbolic links are followed).
        if Path(main).is_absolute():
            raise PreflightError(
                f"{project_file}: `main: {main}` is an absolute path; the Pulumi CLI takes only a path "
                "relative to the project folder"
            )
        if not _inside(directory, Path(os.path.normpath(directory / main))):
            raise PreflightError(
                f"{project_file}: `main: {main}` leaves the project folder; the Pulumi CLI takes only a file "
                "or subfolder of the project"
            )
        try:
            program = (directory / main).resolve()
        except (OSError, RuntimeError):  # RuntimeError: Python 3.11's word for a loop of symbolic links
            raise PreflightError(
                f"{project_file}: `main: {main}` is a loop of symbolic links; point it at the program"
            ) from None
        if program.is_dir():
            program = program / "__main__.py"
    if files.exists(program) and not program.is_file():
        raise PreflightError(
            f"{project_file}: the program {program} is not a regular file (a pipe, a device or a broken or "
            "looping link); point `main:` at the program"
        )
    if not program.is_file():
        raise PreflightError(
            f"{project_file}: the program {program} does not exist: create it or point `main:` at the program"
        )
    return program


def _inside(directory: Path, path: Path) -> bool:
    return path == directory or directory in path.parents


def _unknown_stack_message(directory: Path, stack: str) -> str:
    stacks = sorted(
        {
            path.name[len("Pulumi.") : -len(path.suffix)]
            for path in directory.iterdir()
            if path.suffix in (".yaml", ".yml")
            and path.name.startswith("Pulumi.")
            and path.name.count(".") >= 2
        }
    )
    known = f"stacks here: {', '.join(stacks)}" if stacks else "no stacks here"
    return (
        f"stack {stack} not found: no Pulumi.{stack}.yaml in {directory} ({known}); "
        "pass --stack with one of them"
    )


class _ConfigCollector:
    """Builds the namespaced config map the CLI would pass to the program."""

    def __init__(self, project: str, stack: str) -> None:
        self.project = project
        self.stack = stack
        self.values: dict[str, Any] = {}
        self.secret_keys: set[str] = set()
        self.warnings: list[str] = []
        self._required: dict[str, Path] = {}

    def add_project_defaults(self, project_file: Path, config: Any) -> None:
        for key, declaration in self._entries(project_file, config):
            if isinstance(declaration, dict) and not _is_secure(declaration):
                if "value" in declaration or "default" in declaration:
                    raw = declaration.get("value", declaration.get("default"))
                    self._set(project_file, key, raw)
                elif "type" in declaration:
                    self._required[key] = project_file
                else:
                    raise PreflightError(
                        f"{project_file}: config {key} declares none of `type`, `default` or `value`; "
                        "give it a `default:` or a `type:`"
                    )
            else:
                self._set(project_file, key, declaration)

    def add_stack_values(self, stack_file: Path, config: Any) -> None:
        for key, value in self._entries(stack_file, config):
            self._set(stack_file, key, value)

    def check_required(self, stack_file: Path) -> None:
        for key in self._required:
            if key not in self.values:
                raise PreflightError(
                    f"missing required configuration value {key}: Pulumi.yaml declares it without a default; "
                    f"set it in {stack_file.name}"
                )

    def _entries(self, path: Path, config: Any) -> list[tuple[str, Any]]:
        if config is None:
            return []
        if not isinstance(config, dict):
            raise PreflightError(f"{path}: `config` must be a mapping of keys to values")
        return [(self._namespaced(path, str(key)), value) for key, value in config.items()]

    def _namespaced(self, path: Path, key: str) -> str:
        parts = key.split(":")
        if len(parts) == 1:
            return f"{self.project}:{key}"
        if len(parts) == 2 and all(parts):
            return key
        raise PreflightError(
            f"{path}: config key {key!r} is not of the form <namespace>:<name> "
            "(or a plain name for this project)"
        )

    def _set(self, path: Path, key: str, raw: Any) -> None:
        if raw is None:
            raise PreflightError(f"{path}: config {key} has no value; give it a value or remove the key")
        secret = _contains_secure(raw)
        value = _plain(raw)
        self.values[key] = value if isinstance(value, dict | list) else _scalar_text(value)
        if secret:
            self.secret_keys.add(key)
            self.warnings.append(
                f"config {key} is a `secure:` value that cannot be decrypted without the stack's secrets "
                f'provider: the program gets the secret placeholder "{SECRET_PLACEHOLDER}" instead'
            )
        else:
            self.secret_keys.discard(key)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _contains_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_secure(item) for item in value)
    return False


def _plain(value: Any) -> Any:
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    return str(value)
