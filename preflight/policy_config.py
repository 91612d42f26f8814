"""Policy pack configuration, read, merged and validated the way `pulumi preview --policy-pack-config` does.

The file is a JSON object mapping a policy name to an enforcement level (``"advisory"``) or to an object
holding an optional ``enforcementLevel`` and the policy's settings. The Pulumi CLI starts from each policy's
own level and the ``default`` of every setting in its config schema, applies the pack's ``initialConfig``,
then the file (``"all"`` sets the level of every policy), and validates each policy's settings against its
JSON schema before it calls ``Configure``. A policy the pack does not have, a level that does not exist or a
setting that breaks the schema is an error here, in one line naming the file, the policy and the setting.
So is a file that is no regular file or too large (``preflight.files``), JSON nested deeper than
:data:`MAX_DEPTH`, ``NaN``/``Infinity`` (not JSON; the CLI's reader refuses them) and a number no 64-bit
float holds (the CLI passes settings to packs as protobuf numbers).
"""

from __future__ import annotations

import difflib
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight import files
from preflight.errors import PreflightError
from preflight.model import PackInfo, PolicyInfo

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
MAX_DEPTH = 100  # levels of nested objects and arrays; a policy's settings need a few
ALL_POLICIES = "all"


@dataclass(frozen=True)
class PolicyConfig:
    """One policy's entry: its enforcement level (``None``: keep the current one) and its settings."""

    enforcement_level: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def config_count_message(configs: int, packs: int) -> str:
    """Why ``configs`` config files do not go with ``packs`` packs: the CLI wants one per pack, or none."""
    return (
        f"{configs} --policy-config files for {packs} --policy-pack folders: give one config per pack, in "
        "the same order (an empty file for a pack that needs none), or none at all"
    )


def load_policy_config(path: Path) -> dict[str, PolicyConfig]:
    """Reads a ``--policy-config`` file; an empty file is an empty config, as the CLI allows."""
    if not files.exists(path):
        raise PreflightError(
            f"policy config {path}: no such file (pass the JSON file that "
            "`pulumi preview --policy-pack-config` takes)"
        )
    text = files.read_text(path, f"policy config {path}")
    if not text.strip():
        return {}
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PreflightError(
            f"policy config {path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except _NotJson as exc:
        raise PreflightError(f"policy config {path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise PreflightError(_too_deep(str(path))) from None
    except ValueError:  # Python's limit on the digits of an integer it converts from text (4,300)
        raise PreflightError(
            f"policy config {path}: a number has more than {sys.get_int_max_str_digits():,} digits; no "
            "policy setting needs it (the CLI passes numbers as 64-bit floats)"
        ) from None
    _check_values(data, str(path))
    return parse_policy_config(data, str(path))


class _NotJson(ValueError):
    """A constant Python's JSON reader accepts and JSON (and the CLI's reader) does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value; write a number or a string")


def _check_values(data: Any, source: str) -> None:
    """Refuses depth and numbers the CLI could not pass on; iterative, so no depth can overflow it."""
    work: list[tuple[Any, str, int]] = [(data, "", 0)]
    while work:
        value, where, depth = work.pop()
        if depth > MAX_DEPTH:
            raise PreflightError(_too_deep(source))
        if isinstance(value, dict):
            work += [(item, f"{where}.{key}", depth + 1) for key, item in value.items()]
        elif isinstance(value, list):
            work += [(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)]
        elif isinstance(value, int | float) and not isinstance(value, bool) and not _fits_a_double(value):
            raise PreflightError(
                f"policy config {source}: {where.lstrip('.')}: the number is too large; the Pulumi CLI "
                "passes settings as 64-bit floating point numbers (up to about 1.8e308)"
            )


def _too_deep(source: str) -> str:
    return f"policy config {source}: nested more than {MAX_DEPTH} levels deep; no policy setting needs that"


def _fits_a_double(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def parse_policy_config(data: Any, source: str) -> dict[str, PolicyConfig]:
    """Turns the decoded JSON into entries, rejecting what the CLI rejects while parsing."""
    if not isinstance(data, dict):
        raise PreflightError(
            f"policy config {source}: must be a JSON object mapping policy names to an enforcement level "
            f"or to an object of settings, not {_json_type(data)}"
        )
    result: dict[str, PolicyConfig] = {}
    for name, value in data.items():
        if isinstance(value, str):
            result[name] = PolicyConfig(_check_level(value, source, name), {})
        elif isinstance(value, dict):
            properties = dict(value)
            level = None
            if "enforcementLevel" in properties:
                raw = properties.pop("enforcementLevel")
                if not isinstance(raw, str):
                    raise PreflightError(
                        f"policy config {source}: {name}.enforcementLevel: {json.dumps(raw)} is not a "
                        f"string; use one of {', '.join(LEVELS)}"
                    )
                level = _check_level(raw, source, f"{name}.enforcementLevel")
            result[name] = PolicyConfig(level, properties)
        else:
            raise PreflightError(
                f"policy config {source}: {name}: {json.dumps(value)} is not valid; use an enforcement level "
                f"({', '.join(LEVELS)}) or an object of settings"
            )
    return result


def reconcile(
    pack: PackInfo,
    initial: Mapping[str, PolicyConfig],
    given: Mapping[str, PolicyConfig],
    source: str,
) -> tuple[dict[str, PolicyConfig], list[str]]:
    """Merges defaults, the pack's initial config and the file; validates the result like the CLI.

    Returns the config ``Configure`` gets (one entry per policy) and warnings for settings a policy's schema
    does not name (the CLI passes those on silently; a typo there would otherwise go unnoticed).
    """
    by_name = {policy.name: policy for policy in pack.policies}
    for name in given:
        if name != ALL_POLICIES and name not in by_name:
            raise PreflightError(f"policy config {source}: {name}: {_unknown_policy(pack, name)}")
    result = {
        policy.name: PolicyConfig(policy.enforcement_level, _defaults(policy)) for policy in pack.policies
    }
    result = _apply(result, {k: v for k, v in initial.items() if k in by_name or k == ALL_POLICIES})
    result = _apply(result, given)
    warnings = []
    for name, entry in given.items():
        if name == ALL_POLICIES:
            continue
        known = set((by_name[name].config_schema or {}).get("properties", {}))
        for key in entry.properties:
            if key not in known:
                settings = ", ".join(sorted(known)) or "none"
                warnings.append(
                    f"policy config {source}: {name}.{key} is not a setting of this policy (its settings: "
                    f"{settings}); the Pulumi CLI passes it on unchecked"
                )
    for policy in pack.policies:
        _validate(pack, policy, result[policy.name].properties, source)
    return result, warnings


def _apply(result: dict[str, PolicyConfig], config: Mapping[str, PolicyConfig]) -> dict[str, PolicyConfig]:
    everything = config.get(ALL_POLICIES)
    if everything is not None and everything.enforcement_level is not None:
        result = {
            name: PolicyConfig(everything.enforcement_level, entry.properties)
            for name, entry in result.items()
        }
    for name, entry in config.items():
        if name == ALL_POLICIES:
            continue
        current = result[name]
        level = entry.enforcement_level or current.enforcement_level
        result[name] = PolicyConfig(level, {**current.properties, **entry.properties})
    return result


def preload() -> None:
    """Imports the schema validator that ``reconcile`` uses (jsonschema, about 0.1 s of CPU), so that a caller
    can pay for it while it waits anyway, as the analyzer client does while a pack starts."""
    import jsonschema  # noqa: F401
    import referencing.exceptions  # noqa: F401


def _defaults(policy: PolicyInfo) -> dict[str, Any]:
    properties = (policy.config_schema or {}).get("properties", {})
    return {name: schema["default"] for name, schema in properties.items() if "default" in schema}


def _validate(pack: PackInfo, policy: PolicyInfo, properties: dict[str, Any], source: str) -> None:
    import jsonschema
    import referencing.exceptions

    config_schema = policy.config_schema or {}
    schema: dict[str, Any] = {
        "type": "object",
        # The CLI adds the level to every schema so an object entry may carry it.
        "properties": {
            **config_schema.get("properties", {}),
            "enforcementLevel": {"type": "string", "enum": list(LEVELS)},
        },
    }
    if config_schema.get("required"):
        schema["required"] = list(config_schema["required"])
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise PreflightError(
            f"policy pack {pack.name}: policy {policy.name} has an invalid config schema: {exc.message}; "
            "fix the policy's config_schema"
        ) from None
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    try:
        errors = sorted(validator.iter_errors(properties), key=lambda e: [str(p) for p in e.absolute_path])
    except referencing.exceptions.Unresolvable as exc:  # a $ref to another file or a missing definition
        raise PreflightError(
            f"policy pack {pack.name}: policy {policy.name} has an invalid config schema: it refers to "
            f"{exc.ref!r}, which a pack's schema cannot resolve; fix the policy's config_schema"
        ) from None
    if errors:
        first = errors[0]
        where = policy.name + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path
        )
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise PreflightError(f"policy config {source}: {where}: {first.message}{more}")


def _check_level(value: str, source: str, where: str) -> str:
    if value not in LEVELS:
        raise PreflightError(
            f"policy config {source}: {where}: {json.dumps(value)} is not an enforcement level; "
            f"use one of {', '.join(LEVELS)}"
        )
    return value


def _unknown_policy(pack: PackInfo, name: str) -> str:
    names = [policy.name for policy in pack.policies]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]}?" if close else f"its policies: {', '.join(names)}"
    return f"policy pack {pack.name} has no such policy ({hint})"


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "a string"
