"""Loading a Pulumi Python project and one stack's config the way the Pulumi CLI reads them.

``Pulumi.yaml`` names the project, its runtime (python only) and optionally its ``main`` program and
project-level config defaults; ``Pulumi.<stack>.yaml`` holds the stack's config. Keys are namespaced as the
CLI namespaces them (``aws:region`` stays, ``dbName`` becomes ``<project>:dbName``); scalars reach the program
as the strings the CLI passes (``true`` -> ``"true"``, ``30`` -> ``"30"``); objects and lists stay structured
here and are JSON-encoded for the program by the engine, as the CLI does. ``secure:`` values cannot be
decrypted without the stack's secrets provider, so the program gets a placeholder marked secret, and a
warning says so. YAML is read with the YAML 1.2 core schema (as the CLI's Go YAML reader does): ``yes`` and
``2024-01-01`` stay strings.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from preflight.errors import PreflightError

# What a program gets for a `secure:` config value: the ciphertext cannot be decrypted here.
SECRET_PLACEHOLDER = "preflight-secret-placeholder"


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


class _CoreSchemaLoader(yaml.SafeLoader):
    """PyYAML's safe loader limited to the YAML 1.2 core schema that the CLI's Go YAML reader applies."""


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
    return int(text, 0) if text[:2] in ("0x", "0o") else int(text)


_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)


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
        warnings=tuple(collector.warnings),
    )


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".yaml", ".yml"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_CoreSchemaLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise PreflightError(f"{where}: invalid YAML: {error.problem or error.context}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise PreflightError(f"{path}: invalid YAML: {error}") from None


def _check_runtime(project_file: Path, runtime: Any) -> None:
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name is None:
        raise PreflightError(f"{project_file}: `runtime` is missing; set `runtime: python`")
    if runtime_name != "python":
        raise PreflightError(
            f"{project_file}: runtime {runtime_name} is not supported: preflight runs Python programs "
            "(`runtime: python`)"
        )


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
        program = (directory / main).resolve()
        if program.is_dir():
            program = program / "__main__.py"
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
