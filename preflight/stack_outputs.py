"""Other stacks' outputs, for the program's stack references (``--stack-outputs NAME=FILE``).

Under the Pulumi CLI a ``pulumi.StackReference`` reads the referenced stack's outputs from the backend, and
a reference to a stack that does not exist fails the preview. preflight has no backend: it takes each
referenced stack's outputs from a file, the JSON object ``pulumi stack output --stack NAME --json`` prints,
or a JSON report of preflight itself (``--format json`` holds the stack's ``outputs``; run the referenced
stack with ``--mode update``, since a preview leaves its outputs unknown, as no deployed stack has them).

``NAME`` is the reference as the program writes it (``org/project/stack``), or its last part (``stack``),
which then matches a reference to that stack in any organization and project. A reference with no file
reads no outputs, with a warning that says which option would give them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from preflight import files
from preflight.errors import PreflightError
from preflight.report import UNKNOWN_TEXT

REPORT_KEYS = frozenset({"project", "stack", "mode", "resources", "summary"})
_NAME = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,2}")


def parse_argument(text: str) -> tuple[str, Path]:
    """``NAME=FILE`` as a (name, path) pair; ValueError with the reason when it is not one."""
    name, equals, path = text.partition("=")
    if not equals or not path:
        raise ValueError(f"{text!r} is not NAME=FILE (for example dev=dev-outputs.json)")
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a stack name: write the stack (dev) or organization/project/stack as the "
            "program's StackReference names it"
        )
    return name, Path(path)


def load(name: str, path: Path) -> dict[str, Any]:
    """The outputs in ``path`` for the stack ``name``; PreflightError with one line on a bad file."""
    label = f"--stack-outputs {name}: {path}"
    if not files.exists(path):
        raise PreflightError(
            f"{label}: no such file (write it with `pulumi stack output --stack {name} --json`)"
        )
    text = files.read_text(path, label)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PreflightError(
            f"{label}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise PreflightError(f"{label}: nested too deeply to be a stack's outputs") from None
    except ValueError as exc:  # a constant JSON does not have, or an integer of thousands of digits
        raise PreflightError(f"{label}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PreflightError(
            f"{label}: must be a JSON object of output names and values, as `pulumi stack output --json` "
            f"prints, not {type(data).__name__}"
        )
    if data.keys() >= REPORT_KEYS:
        return _report_outputs(label, data)
    return data


def _report_outputs(label: str, report: dict[str, Any]) -> dict[str, Any]:
    outputs = report.get("outputs")
    if not isinstance(outputs, dict):
        raise PreflightError(
            f"{label}: this preflight report has no outputs; write it with a newer preflight"
        )
    if report.get("mode") != "update" or UNKNOWN_TEXT in json.dumps(outputs):
        raise PreflightError(
            f"{label}: a report of --mode {report.get('mode')} has outputs that are unknown until "
            "deployment; run the referenced stack with --mode update"
        )
    return outputs


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def lookup(given: Mapping[str, Mapping[str, Any]], reference: str) -> tuple[str, Mapping[str, Any]] | None:
    """The (option name, outputs) given for the stack ``reference`` names, if any."""
    if reference in given:
        return reference, given[reference]
    last = reference.rsplit("/", 1)[-1]
    if last in given:
        return last, given[last]
    return None


def missing_warning(reference: str) -> str:
    """What a reference with no outputs file reads, and how to give it one."""
    last = reference.rsplit("/", 1)[-1]
    return (
        f"stack reference {reference}: preflight has no Pulumi backend to read that stack's outputs from, so "
        f"it reads none; pass --stack-outputs {last}=FILE, a file from `pulumi stack output --stack {last} "
        f"--json` or a preflight JSON report of {last} in --mode update"
    )
