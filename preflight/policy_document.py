"""The IAM policy JSON that ``aws.iam.get_policy_document`` returns, built as the AWS provider builds it.

Follows the provider's data source (terraform-provider-aws ``aws_iam_policy_document``, which pulumi-aws
bridges): source documents are merged first (duplicate Sids across them are an error), then the document the
statements describe, then the override documents, each merge replacing a statement with the same Sid.
Within a statement a single action, resource or principal identifier is a string and several are a list in
reverse-sorted order; condition values keep their order and a single value becomes a string; ``&{`` in
resources, principals and condition values becomes ``${`` (AWS policy variables). ``json`` is indented by
two spaces, ``minifiedJson`` is compact, both escaped like Go's encoder, and ``id`` is the CRC-32 of ``json``.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

DEFAULT_VERSION = "2012-10-17"
_VERSIONS = ("2008-10-17", "2012-10-17")
_SID = re.compile(r"^[a-zA-Z0-9]*$")


class PolicyDocumentError(ValueError):
    """The arguments describe no valid document; ``argument`` names the offending argument."""

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(reason)
        self.argument = argument
        self.reason = reason


def build(args: dict[str, Any]) -> dict[str, Any]:
    """The invoke's result: its arguments (``version`` defaulted) plus json, minifiedJson and id."""
    version = args.get("version") or DEFAULT_VERSION
    if version not in _VERSIONS:
        raise PolicyDocumentError(
            "version", f"expected version to be one of {list(_VERSIONS)}, got {version}"
        )
    for deprecated in ("sourceJson", "overrideJson"):
        if args.get(deprecated):
            raise PolicyDocumentError(
                deprecated, f"{deprecated} is not used by the provider; it must be empty"
            )

    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    seen_sids: set[str] = set()
    for index, source in enumerate(args.get("sourcePolicyDocuments") or []):
        document = _parse_document(source, "sourcePolicyDocuments", index)
        for position, statement in enumerate(document["Statement"]):
            sid = statement.get("Sid", "")
            if sid:
                if sid in seen_sids:
                    raise PolicyDocumentError(
                        "sourcePolicyDocuments",
                        f"merging source document {index}: duplicate Sid ({sid}) in source_policy_documents "
                        f"(statement {position}). Remove the Sid or ensure Sids are unique.",
                    )
                seen_sids.add(sid)
        _merge(merged, document)

    own = {"Version": version, "Id": args.get("policyId") or "", "Statement": _statements(args, version)}
    _merge(merged, own)
    for index, override in enumerate(args.get("overridePolicyDocuments") or []):
        _merge(merged, _parse_document(override, "overridePolicyDocuments", index))

    document = _render(merged)
    indented = _go_escape(json.dumps(document, indent=2, ensure_ascii=False))
    minified = _go_escape(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
    return {
        **args,
        "version": version,
        "json": indented,
        "minifiedJson": minified,
        "id": str(zlib.crc32(indented.encode())),
    }


def _go_escape(text: str) -> str:
    # Go's JSON encoder escapes HTML-significant characters and the two JavaScript line separators.
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _merge(target: dict[str, Any], document: dict[str, Any]) -> None:
    if document["Id"]:
        target["Id"] = document["Id"]
    if document["Version"] > target["Version"]:
        target["Version"] = document["Version"]
    statements = target["Statement"]
    for statement in document["Statement"]:
        sid = statement.get("Sid", "")
        for position, existing in enumerate(statements):
            if sid and existing.get("Sid", "") == sid:
                statements[position] = statement
                break
        else:
            statements.append(statement)


def _statements(args: dict[str, Any], version: str) -> list[dict[str, Any]]:
    statements = []
    sids: set[str] = set()
    for index, given in enumerate(args.get("statements") or []):
        sid = given.get("sid") or ""
        if not _SID.match(sid):
            raise PolicyDocumentError(
                f"statements[{index}].sid", f"sid {sid!r} must only include alphanumeric characters"
            )
        if sid in sids:
            raise PolicyDocumentError(
                f"statements[{index}].sid",
                f"duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique.",
            )
        if sid:
            sids.add(sid)
        effect = given.get("effect") or "Allow"
        if effect not in ("Allow", "Deny"):
            raise PolicyDocumentError(
                f"statements[{index}].effect", f"expected effect to be Allow or Deny, got {effect}"
            )
        statement: dict[str, Any] = {"Sid": sid, "Effect": effect}
        for key, name, variables in (
            ("actions", "Action", False),
            ("notActions", "NotAction", False),
            ("resources", "Resource", True),
            ("notResources", "NotResource", True),
        ):
            values = _unique(given.get(key))
            if values:
                statement[name] = _string_or_list(
                    [_variables(v, version) if variables else v for v in values]
                )
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = [
                (
                    principal["type"],
                    _string_or_list([_variables(v, version) for v in _unique(principal.get("identifiers"))]),
                )
                for principal in given.get(key) or []
            ]
            if principals:
                statement[name] = principals
        conditions = [
            (
                condition["test"],
                condition["variable"],
                [_variables(v, version) for v in condition.get("values") or []],
            )
            for condition in given.get("conditions") or []
        ]
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return statements


def _unique(values: list[str] | None) -> list[str]:
    # The provider's schema holds actions, resources and identifiers as sets.
    return list(dict.fromkeys(values or []))


def _string_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _variables(value: str, version: str) -> str:
    if "&{" in value and version == "2008-10-17":
        raise PolicyDocumentError(
            "version",
            f"found &{{ sequence in ({value}), which is not supported in document version 2008-10-17",
        )
    return value.replace("&{", "${")


def _parse_document(text: str, argument: str, index: int) -> dict[str, Any]:
    kind = "source" if argument == "sourcePolicyDocuments" else "override"
    try:
        raw = json.loads(text)
    except (TypeError, ValueError) as error:
        raise PolicyDocumentError(argument, f"merging {kind} document {index}: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("Statement", []), list):
        raise PolicyDocumentError(
            argument, f"merging {kind} document {index}: expected an object whose Statement is a list"
        )
    try:
        statements = [_parse_statement(statement) for statement in raw.get("Statement", [])]
    except (AttributeError, TypeError, ValueError) as error:
        raise PolicyDocumentError(
            argument, f"merging {kind} document {index}: unreadable statement: {error}"
        ) from None
    return {"Version": raw.get("Version", ""), "Id": raw.get("Id", ""), "Statement": statements}


def _parse_statement(statement: dict[str, Any]) -> dict[str, Any]:
    parsed = dict(statement)
    for name in ("Principal", "NotPrincipal"):
        if name in parsed:
            parsed[name] = _parse_principals(parsed[name])
    if "Condition" in parsed:
        parsed["Condition"] = [
            (test, variable, _condition_values(values))
            for test, variables in parsed["Condition"].items()
            for variable, values in variables.items()
            if isinstance(values, str | bool | list)
        ]
    return parsed


def _condition_values(values: str | bool | list[Any]) -> list[str]:
    if isinstance(values, bool):
        return ["true" if values else "false"]
    if isinstance(values, str):
        return [values]
    return [str(value) for value in values]


def _parse_principals(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, str):
        return [("*", ["*"])]
    return [
        (kind, identifiers if isinstance(identifiers, str) else sorted(identifiers))
        for kind, identifiers in value.items()
    ]


def _render(document: dict[str, Any]) -> dict[str, Any]:
    # The document's own arguments always set a version, so the merge always has one.
    rendered: dict[str, Any] = {"Version": document["Version"]}
    if document["Id"]:
        rendered["Id"] = document["Id"]
    if document["Statement"]:
        rendered["Statement"] = [_render_statement(statement) for statement in document["Statement"]]
    return rendered


def _render_statement(statement: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for name in ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"):
        if statement.get(name):
            rendered[name] = statement[name]
    for name in ("Principal", "NotPrincipal"):
        if statement.get(name):
            rendered[name] = _render_principals(statement[name])
    if statement.get("Condition"):
        rendered["Condition"] = _render_conditions(statement["Condition"])
    return rendered


def _render_principals(principals: list[tuple[str, Any]]) -> Any:
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in principals:
        existing = raw.get(kind)
        if isinstance(identifiers, list):
            previous = [] if existing is None else [existing] if isinstance(existing, str) else existing
            raw[kind] = previous + sorted(identifiers, reverse=True)
        elif existing is None:
            raw[kind] = identifiers
        else:
            raw[kind] = ([existing] if isinstance(existing, str) else existing) + [identifiers]
    return dict(sorted(raw.items()))


def _render_conditions(conditions: list[tuple[str, str, list[str]]]) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        raw.setdefault(test, {}).setdefault(variable, []).extend(values)
    return {
        test: {
            variable: values[0] if len(values) == 1 else values
            for variable, values in sorted(variables.items())
        }
        for test, variables in sorted(raw.items())
    }
