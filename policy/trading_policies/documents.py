"""One parser for AWS policy documents: KMS key policies, IAM identity policies and S3 bucket policies.

A document may arrive as a JSON string, a dict, an unknown value (at preview) or garbage. The parser
never raises: it returns a :class:`Document` whose ``errors`` say, one line each, what AWS would reject,
and whose ``statements`` are normalised (a single statement becomes a list; ``Action``, ``Resource`` and
principal values become tuples; ``Principal: "*"`` and ``{"AWS": "*"}`` both mean everyone; condition
operators keep their ``ForAnyValue:``/``ForAllValues:`` prefix and ``IfExists`` suffix apart). Action
matching is case-insensitive with ``*`` and ``?`` wildcards, as IAM evaluates it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .values import ABSENT, UNKNOWN, Missing, plain

_PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_KIND_NOUNS = {"Service": "service", "Federated": "identity provider", "CanonicalUser": "canonical user id"}
_VERSIONS = ("2012-10-17", "2008-10-17")
WILDCARD = re.compile(r"[*?]")  # IAM's wildcards, in patterns where it reads them
# A policy variable: IAM puts a value of the request in place of ${key} ("${aws:PrincipalAccount}"), except
# ${*}, ${?} and ${$}, which stand for those characters. Only the resource's own keys name something the
# caller does not choose. (AWS substitutes them in Version 2012-10-17 documents only; read as variables
# everywhere, a document that meant them literally is judged as the wider of the two.)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = frozenset({"*", "?", "$"})
RESOURCE_VARIABLES = frozenset({"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"})


def policy_variables(value: str) -> frozenset[str]:
    """The keys of the policy variables in ``value``, in lower case (escapes are not variables)."""
    return frozenset(k.strip().lower() for k in _VARIABLE.findall(value) if k.strip() not in _ESCAPES)


def variables_as_wildcards(value: str, keep: frozenset[str] = frozenset()) -> str:
    """``value`` with each policy variable read as ``*``: what the request puts there is any text. The
    variables ``keep`` names (lower case) stay as they are."""

    def read(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return match.group(0) if key in _ESCAPES or key.lower() in keep else "*"

    return _VARIABLE.sub(read, value)


def with_variables(value: str, values: Mapping[str, str]) -> str:
    """``value`` with each policy variable that ``values`` names (lower case) replaced by its value."""

    def read(match: re.Match[str]) -> str:
        return values.get(match.group(1).strip().lower(), match.group(0))

    return _VARIABLE.sub(read, value)


_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
_DOCUMENT_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = (
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
    "Condition",
)  # fmt: skip
# Every condition operator IAM accepts, before a set prefix and the IfExists suffix. A misspelt operator
# makes AWS reject the policy, and a reader that skipped it would judge a different policy.
_OPERATORS = frozenset(
    [
        f"String{s}"
        for s in ("Equals", "NotEquals", "EqualsIgnoreCase", "NotEqualsIgnoreCase", "Like", "NotLike")
    ]
    + [
        f"{kind}{s}"
        for kind in ("Numeric", "Date")
        for s in ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
    ]
    + ["Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null"]
    + [f"Arn{s}" for s in ("Equals", "Like", "NotEquals", "NotLike")]
)


@lru_cache(maxsize=4096)
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    # "*" and "?" match any character, a newline too (S3 object keys may hold one), in either case mode.
    return re.compile(body, re.DOTALL if case_sensitive else re.IGNORECASE | re.DOTALL)


def glob_match(pattern: str, text: str, *, case_sensitive: bool = False) -> bool:
    """IAM-style wildcard match: ``*`` any run of characters, ``?`` one character, nothing else special."""
    return _glob(pattern, case_sensitive).fullmatch(text) is not None


@dataclass(frozen=True)
class Principal:
    """One principal of a statement, e.g. kind ``Service`` and value ``logs.us-east-1.amazonaws.com``."""

    kind: str
    value: str | Missing

    @property
    def is_everyone(self) -> bool:
        return self.kind == "*" or (self.kind == "AWS" and self.value == "*")

    def render(self) -> str:
        if self.kind == "*":
            return '"*"'
        shown = "<unknown>" if self.value is UNKNOWN else self.value
        return f'{{"{self.kind}": "{shown}"}}'


@dataclass(frozen=True)
class Condition:
    """One ``operator -> key -> values`` entry of a statement's Condition block."""

    operator: str
    key: str
    values: tuple[Any, ...]

    @property
    def base_operator(self) -> str:
        """The operator without its set prefix and ``IfExists`` suffix, e.g. ``ArnLike``."""
        operator = self.operator
        for prefix in _SET_PREFIXES:
            if operator.startswith(prefix):
                operator = operator[len(prefix) :]
        return operator.removesuffix("IfExists")

    @property
    def if_exists(self) -> bool:
        return self.operator.endswith("IfExists")

    def key_is(self, key: str) -> bool:
        return self.key.lower() == key.lower()


@dataclass(frozen=True)
class Statement:
    """A statement, normalised. ``effect`` is ``Allow``, ``Deny`` or UNKNOWN."""

    index: int
    sid: str | None
    effect: str | Missing
    actions: tuple[str | Missing, ...]
    negated_actions: bool
    resources: tuple[str | Missing, ...]
    negated_resources: bool
    principals: tuple[Principal, ...]
    negated_principals: bool
    conditions: tuple[Condition, ...]
    condition_unknown: bool = False

    @property
    def label(self) -> str:
        where = f"Statement[{self.index}]"
        return f"statement '{self.sid}' ({where})" if self.sid else where

    @property
    def has_condition(self) -> bool:
        return bool(self.conditions) or self.condition_unknown

    @property
    def action_field(self) -> str:
        return "NotAction" if self.negated_actions else "Action"

    def covers_action(self, action: str) -> bool | Missing:
        """Whether the statement's Action (or NotAction complement) includes ``action``; UNKNOWN if unsure."""
        matched = any(isinstance(p, str) and glob_match(p, action) for p in self.actions)
        unsure = any(p is UNKNOWN for p in self.actions)
        if self.negated_actions:
            if matched:
                return False
            return UNKNOWN if unsure else True
        if matched:
            return True
        return UNKNOWN if unsure else False

    @property
    def applies_to_everyone(self) -> bool:
        """True for ``Principal: "*"``, ``{"AWS": "*"}`` and for any ``NotPrincipal``."""
        return self.negated_principals or any(p.is_everyone for p in self.principals)

    def conditions_on(self, key: str) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.key_is(key))


@dataclass(frozen=True)
class Document:
    """A parsed policy document. ``unknown`` means its content is not known yet (preview)."""

    statements: tuple[Statement, ...] = ()
    errors: tuple[str, ...] = ()
    unknown: bool = False
    raw: Any = field(default=None, compare=False)

    @property
    def substitutes_variables(self) -> bool:
        """Whether IAM reads ``${...}`` in the document as policy variables: only under Version 2012-10-17.
        Under 2008-10-17, the Version of a document that names none, they are literal text."""
        return isinstance(self.raw, dict) and self.raw.get("Version") == "2012-10-17"


def parse_policy(value: Any, *, principals_required: bool, resources_required: bool = True) -> Document:
    """Parse and normalise a policy document; never raises.

    ``principals_required`` is True for resource-based policies (key and bucket policies), which need a
    Principal in every statement, and False for identity policies, which must not have one.
    ``resources_required`` is False for role trust policies, whose statements name no Resource.
    """
    if isinstance(value, str):
        return _parse_text(value, principals_required, resources_required)
    return _parse(value, principals_required, resources_required)


@lru_cache(maxsize=512)
def _parse_text(text: str, principals_required: bool, resources_required: bool) -> Document:
    # Several rules read the same document (a key policy, per request and per stack policy), and a
    # Document is immutable, so the text is parsed once.
    return _parse(text, principals_required, resources_required)


def _parse(value: Any, principals_required: bool, resources_required: bool) -> Document:
    if value is UNKNOWN:
        return Document(unknown=True)
    if value is ABSENT:
        return Document(errors=("no policy document is set",))
    if isinstance(value, str):
        try:
            # A document built from values unknown at preview carries the engine's unknown sentinels.
            value = plain(json.loads(value, object_pairs_hook=_once_each))
        except _RepeatedKey as error:
            return Document(errors=(f"policy document is ambiguous: {error}",))
        except (ValueError, RecursionError) as error:
            return Document(errors=(f"policy document is not valid JSON: {_json_error(error)}",))
    if not isinstance(value, dict):
        return Document(errors=(f"policy document must be a JSON object, got {_type_name(value)}",))
    errors: list[str] = [
        f"policy document has the unknown key {_short(key)}; use only Version, Id and Statement"
        for key in value
        if key not in _DOCUMENT_KEYS
    ]
    version = value.get("Version", ABSENT)
    if version is not ABSENT and version is not UNKNOWN and version not in _VERSIONS:
        errors.append(f'policy Version is {_short(version)}; use "2012-10-17"')
    raw_statements = value.get("Statement", ABSENT)
    if raw_statements is UNKNOWN:
        return Document(errors=tuple(errors), unknown=True, raw=value)
    if raw_statements is ABSENT or raw_statements is None:
        errors.append("policy document has no Statement")
        return Document(errors=tuple(errors), raw=value)
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        errors.append(f"Statement must be an object or a list of objects, got {_type_name(raw_statements)}")
        return Document(errors=tuple(errors), raw=value)
    if not raw_statements:
        errors.append("policy document has an empty Statement list")
    statements: list[Statement] = []
    unknown = False
    for index, raw in enumerate(raw_statements):
        if raw is UNKNOWN:
            unknown = True
            continue
        statement = _parse_statement(index, raw, principals_required, resources_required, errors)
        if statement is not None:
            statements.append(statement)
    return Document(statements=tuple(statements), errors=tuple(errors), unknown=unknown, raw=value)


def _parse_statement(
    index: int, raw: Any, principals_required: bool, resources_required: bool, errors: list[str]
) -> Statement | None:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        errors.append(f"{where} must be an object, got {_type_name(raw)}")
        return None
    problems = [f"{where} has the unknown key {_short(key)}" for key in raw if key not in _STATEMENT_KEYS]
    sid = raw.get("Sid", ABSENT)
    if sid is not ABSENT and sid is not UNKNOWN and not isinstance(sid, str):
        problems.append(f"{where}.Sid must be a string")
    effect = raw.get("Effect", ABSENT)
    if effect is ABSENT:
        problems.append(f'{where} has no Effect; use "Allow" or "Deny"')
    elif effect is not UNKNOWN and effect not in ("Allow", "Deny"):
        problems.append(f'{where}.Effect is {_short(effect)}; use "Allow" or "Deny"')
    actions, negated_actions = _either(raw, "Action", "NotAction", where, problems)
    if resources_required:
        resources, negated_resources = _either(raw, "Resource", "NotResource", where, problems)
    else:
        resources, negated_resources = (), False
        if "Resource" in raw or "NotResource" in raw:
            problems.append(f"{where} has a Resource, which a trust policy must not have")
    principals, negated_principals = _principal_block(raw, where, principals_required, problems)
    conditions, condition_unknown = _condition_block(raw.get("Condition", ABSENT), where, problems)
    if problems:
        errors.extend(problems)
        return None
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else None,
        effect=effect,
        actions=actions,
        negated_actions=negated_actions,
        resources=resources,
        negated_resources=negated_resources,
        principals=principals,
        negated_principals=negated_principals,
        conditions=conditions,
        condition_unknown=condition_unknown,
    )


def _either(
    raw: dict[str, Any], name: str, negated: str, where: str, problems: list[str]
) -> tuple[tuple[str | Missing, ...], bool]:
    has_plain, has_negated = name in raw, negated in raw
    if has_plain and has_negated:
        problems.append(f"{where} has both {name} and {negated}; keep one")
        return (), False
    if not has_plain and not has_negated:
        problems.append(f"{where} has neither {name} nor {negated}")
        return (), False
    field_name = negated if has_negated else name
    return _string_list(raw[field_name], f"{where}.{field_name}", problems), has_negated


def _string_list(value: Any, where: str, problems: list[str]) -> tuple[str | Missing, ...]:
    if value is UNKNOWN or isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) or v is UNKNOWN for v in value):
        return tuple(value)
    if isinstance(value, list) and not value:
        problems.append(f"{where} is an empty list")
    else:
        problems.append(f"{where} must be a string or a list of strings, got {_type_name(value)}")
    return ()


def _principal_block(
    raw: dict[str, Any], where: str, required: bool, problems: list[str]
) -> tuple[tuple[Principal, ...], bool]:
    has_plain, has_negated = "Principal" in raw, "NotPrincipal" in raw
    if not required:
        if has_plain or has_negated:
            problems.append(f"{where} has a Principal, which an identity policy must not have")
        return (), False
    if has_plain and has_negated:
        problems.append(f"{where} has both Principal and NotPrincipal; keep one")
        return (), False
    if not has_plain and not has_negated:
        problems.append(f"{where} has no Principal")
        return (), False
    field_name = "NotPrincipal" if has_negated else "Principal"
    return _principals(raw[field_name], f"{where}.{field_name}", problems), has_negated


def _principals(value: Any, where: str, problems: list[str]) -> tuple[Principal, ...]:
    if value == "*":
        return (Principal("*", "*"),)
    if value is UNKNOWN:
        return (Principal("AWS", UNKNOWN),)
    if not isinstance(value, dict) or not value:
        problems.append(f'{where} must be "*" or an object such as {{"AWS": "..."}}, got {_type_name(value)}')
        return ()
    found: list[Principal] = []
    for kind, entries in value.items():
        if kind not in _PRINCIPAL_KINDS:
            problems.append(
                f"{where} has unknown principal type {_short(kind)}; use one of {', '.join(_PRINCIPAL_KINDS)}"
            )
            continue
        for entry in _string_list(entries, f"{where}.{kind}", problems):
            # IAM refuses a wildcard inside an AWS principal ("arn:aws:iam::*:root", "role/app-*"): only "*"
            # alone means everyone, and only a Condition narrows it.
            if kind == "AWS" and isinstance(entry, str) and entry != "*" and WILDCARD.search(entry):
                problems.append(
                    f"{where}.AWS names {_short(entry)}, but AWS refuses a wildcard inside a principal; name "
                    'the principals, or use "*" with a Condition on aws:PrincipalArn or aws:PrincipalAccount'
                )
                continue
            # Nor is a service, provider or canonical user matched by pattern: {"Federated": "*"} would read
            # as one provider named "*" here, and as everyone to a person or another reader.
            if kind != "AWS" and isinstance(entry, str) and WILDCARD.search(entry):
                problems.append(
                    f"{where}.{kind} names {_short(entry)}, but AWS does not match principals by wildcard; "
                    f"name the {_KIND_NOUNS[kind]}"
                )
                continue
            found.append(Principal(kind, entry))
    return tuple(found)


def _condition_block(value: Any, where: str, problems: list[str]) -> tuple[tuple[Condition, ...], bool]:
    if value is ABSENT:
        return (), False
    if value is UNKNOWN:
        return (), True
    if not isinstance(value, dict):
        problems.append(f"{where}.Condition must be an object, got {_type_name(value)}")
        return (), False
    conditions: list[Condition] = []
    unknown = False
    for operator, entries in value.items():
        if entries is UNKNOWN:
            unknown = True
            continue
        if not _known_operator(operator):
            problems.append(f"{where}.Condition has the unknown operator {_short(operator)}")
            continue
        if not isinstance(entries, dict) or not entries:
            problems.append(f"{where}.Condition.{operator} must be an object of condition keys to values")
            continue
        for key, values in entries.items():
            listed = values if isinstance(values, list) else [values]
            if not all(isinstance(v, str | bool | int | float) or v is UNKNOWN for v in listed) or not listed:
                problems.append(f"{where}.Condition.{operator}.{key} must be a value or a list of values")
                continue
            conditions.append(Condition(str(operator), str(key), tuple(listed)))
    return tuple(conditions), unknown


def _known_operator(operator: str) -> bool:
    prefixes = [p for p in _SET_PREFIXES if operator.startswith(p)]
    base = operator.removeprefix(prefixes[0]) if prefixes else operator
    if base.endswith("IfExists") and base != "NullIfExists":
        base = base.removesuffix("IfExists")
    return base in _OPERATORS


class _RepeatedKey(ValueError):
    pass


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys, another reader may keep the first: "Principal": "*" and then
    # "Principal": {"AWS": <account>} must not read as restricted here and public elsewhere.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _RepeatedKey(f"the key {_short(key)} appears twice in one object; write each key once")
        found[key] = value
    return found


def _json_error(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return "it is nested too deeply to read"


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {_short(value)}"
    names = {list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null" if value is None else f"a {type(value).__name__}")


def _short(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
