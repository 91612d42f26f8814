"""Policy configuration: schema checking, defaults and reasoned, expiring exemptions.

Every policy declares its configuration as JSON Schema; the Pulumi CLI (and preflight) validate the
``--policy-pack-config`` JSON against it and fill in defaults. The pack does both again here, with the
same schema, because a test or another engine may hand a policy raw or partial config, and because a
malformed exemption must never be ignored: it raises :class:`PolicyConfigError` with one line naming
the policy, the key and the fix.

An exemption names its resource by URN (``urn:pulumi:<stack>::<project>::<type chain>::<name>``, which
holds the type), or by logical name and ``type`` together. A logical name alone is refused: names repeat
across types (a Key and its KeyPolicy are both "legacy"), so it would also exempt resources it was not
written for, and a resource policy, which sees one resource, cannot tell. Resources of one type and name
differ only in their parents' types; a URN tells them apart. An exemption that matches every resource the
policy judges (``"resource": "*"`` with ``"type": "*"``, ``"urn:*"``, ``"urn:pulumi:dev::trading::*"``) is
refused too: it would turn the policy advisory for the whole stack while the pack still lists it as
mandatory; that is what the policy's ``enforcementLevel`` says, where everyone can see it. So is one that
matches resources of any type (:func:`spans_types`): a child's URN holds its parents' types before its own,
joined by ``$``, so ``urn:pulumi:dev::trading::trading:*`` runs on across the ``$`` after a component's type
into the type of each of its children, which in this project are every resource; a logical name in URN form
(``*::legacy``) or with a ``type`` whose package and module are not spelt out (``"*"``,
``"aws:???/*"``, ``"aws:[!s]*"``) is a name alone again. So is an entry of a name allowlist (e.g.
``sseS3AllowedBuckets``) that matches every resource it is about, under any parents (see
:func:`catch_all_schema`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": (
        "Resources this policy does not block, each with a reason and an optional expiry date; "
        "their violations are reported as advisory, with the reason."
    ),
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["resource", "reason"],
        "properties": {
            "resource": {
                "type": "string",
                "minLength": 1,
                "description": (
                    "URN of the resource (urn:pulumi:<stack>::<project>::<type chain>::<name>), or its "
                    "logical name together with type; shell-style wildcards allowed."
                ),
            },
            "type": {
                "type": "string",
                "minLength": 1,
                "description": (
                    "Type of the resource (e.g. aws:kms/key:Key), shell-style wildcards allowed; required "
                    "when resource is a logical name, which resources of other types can share."
                ),
            },
            "reason": {
                "type": "string",
                "minLength": 10,
                "description": (
                    "Why the resource is exempt (at least 10 characters, not counting outer whitespace)."
                ),
            },
            "expires": {
                "type": "string",
                "format": "date",
                "pattern": DATE_PATTERN,
                "description": "ISO date (YYYY-MM-DD); the exemption stops applying after this day.",
            },
        },
    },
    "default": [],
}


_FIX = ". Fix the policy pack config (--policy-pack-config); docs/policies.md lists each policy's settings"


class PolicyConfigError(ValueError):
    """The configuration given to a policy does not match its schema."""


@dataclass(frozen=True)
class Exemption:
    """One reasoned exemption from a policy."""

    resource: str
    reason: str
    expires: date | None = None
    type: str | None = None

    @property
    def by_urn(self) -> bool:
        return is_urn_pattern(self.resource)

    @property
    def label(self) -> str:
        """The exemption's resource as its config wrote it, e.g. ``'legacy' of type aws:kms/key:Key``."""
        return f"'{self.resource}'" + (f" of type {self.type}" if self.type else "")

    def matches(self, name: str, urn: str, type_: str) -> bool:
        if self.type is not None and not fnmatchcase(type_, self.type):
            return False
        return fnmatchcase(urn, self.resource) if self.by_urn else fnmatchcase(name, self.resource)

    def active_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires


def is_urn_pattern(resource: str) -> bool:
    """Whether an exemption's ``resource`` is a URN (or URN pattern) rather than a logical name."""
    return resource.startswith("urn:") or "::" in resource


def today() -> date:
    """The current date in UTC, which decides whether an exemption has expired."""
    return datetime.now(UTC).date()


def resolve(policy_name: str, schema: Mapping[str, Mapping[str, Any]], raw: Mapping[str, Any] | None) -> dict:
    """Check ``raw`` against the policy's config ``schema`` and return it with defaults filled in."""
    given = dict(raw or {})
    given.pop("enforcementLevel", None)
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise PolicyConfigError(
            f"policy config for '{policy_name}': unknown key '{unknown[0]}'; "
            f"known keys are {', '.join(sorted(schema))}{_FIX}"
        )
    resolved: dict[str, Any] = {}
    for key, key_schema in schema.items():
        if key not in given:
            resolved[key] = copy.deepcopy(key_schema.get("default"))
            continue
        value, problem = _check(key_schema, given[key], key)
        if problem:
            raise PolicyConfigError(f"policy config for '{policy_name}': {problem}{_FIX}")
        resolved[key] = value
    resolved["exemptions"] = _exemptions(policy_name, resolved.get("exemptions") or [])
    return resolved


def _exemptions(policy_name: str, entries: list[dict[str, Any]]) -> list[Exemption]:
    exemptions = []
    for index, entry in enumerate(entries):
        expires = entry.get("expires")
        day = None
        if expires is not None:
            try:
                day = date.fromisoformat(expires)
            except ValueError:
                raise PolicyConfigError(
                    f"policy config for '{policy_name}': exemptions[{index}].expires is '{expires}', "
                    f"which is not a calendar date; use YYYY-MM-DD{_FIX}"
                ) from None
        for key, minimum in (("resource", 1), ("reason", 10), ("type", 1)):
            # A reason padded with spaces explains nothing more: only the text counts.
            if key in entry and len(entry[key].strip()) < minimum:
                raise PolicyConfigError(
                    f"policy config for '{policy_name}': exemptions[{index}].{key} is {entry[key]!r}, which "
                    f"has fewer than {minimum} characters once outer whitespace is removed; write "
                    + _WRITE[key]
                    + _FIX
                )
        resource, kind = entry["resource"].strip(), entry.get("type")
        if kind is None and not is_urn_pattern(resource):
            raise PolicyConfigError(
                f"policy config for '{policy_name}': exemptions[{index}].resource is {resource!r}, a logical "
                'name alone, which resources of other types may share; add "type" with the resource\'s type '
                '(e.g. "type": "aws:kms/key:Key") or give its URN' + _FIX
            )
        exemption = Exemption(
            resource, entry["reason"].strip(), day, kind.strip() if kind is not None else None
        )
        if _exempts_everything(exemption):
            raise PolicyConfigError(
                f"policy config for '{policy_name}': exemptions[{index}] (resource {exemption.label}) "
                "matches every resource, which would make the policy advisory for the whole stack; exempt "
                'the resources themselves (a URN, or a logical name with "type"), or set the policy\'s '
                '"enforcementLevel" to "advisory"' + _FIX
            )
        if spans_types(exemption):
            raise PolicyConfigError(
                f"policy config for '{policy_name}': exemptions[{index}] (resource {exemption.label}) "
                "matches resources of any type (a wildcard stands for the resource's own type, e.g. every "
                "child of a component, after the '$' that ends the component's type), so it would exempt "
                "resources it was not written for; end the URN pattern with the resource's type and name "
                '(e.g. "urn:pulumi:dev::trading::*$aws:kms/key:Key::legacy"), or give "type" one type '
                '(e.g. "aws:kms/key:Key")' + _FIX
            )
        exemptions.append(exemption)
    return exemptions


# Two resources that share nothing but being AWS resources: names no one writes, types of two services. An
# exemption that matches both matches every resource a policy judges.
_PROBE_NAMES = ("a", "9z")
_PROBE_TYPES = ("aws:kms/key:Key", "aws:s3/bucket:Bucket")


def _exempts_everything(exemption: Exemption) -> bool:
    if exemption.type is not None and not all(fnmatchcase(t, exemption.type) for t in _PROBE_TYPES):
        return False
    probes = {"names": [list(_PROBE_NAMES)], "types": list(_PROBE_TYPES)}
    return catches_all(exemption.resource, probes, parents=False)


CATCH_ALL = "x-refuseCatchAll"


def catch_all_schema(what: str, types: tuple[str, ...], instead: str, routes: tuple[str, ...] = ()) -> dict:
    """The schema of a list of patterns (logical names, URNs, physical names, or keys like ``routes``) of
    the resources of ``types`` a rule lets through, with an entry that matches every ``what`` refused
    (``["*"]`` would turn the rule off without saying so); ``instead`` says what to write."""
    probes = {
        "what": what,
        "names": [list(_PROBE_NAMES)] + ([list(routes)] if routes else []),
        "types": list(types),
        "instead": instead,
    }
    return {"type": "array", "items": {"type": "string", "minLength": 1, CATCH_ALL: probes}, "default": []}


def catches_all(pattern: str, probes: Mapping[str, Any], *, parents: bool = True) -> bool:
    """Whether ``pattern`` matches every name of one of the probes' groups or, as a URN pattern, the URN of
    a resource of each probe type with each probe name, in some stack and project and, with ``parents``,
    under some parents (an entry that lets every child of a component through lets a whole concern of the
    stack through)."""
    if is_urn_pattern(pattern):
        tokens = _glob_tokens(pattern)
        return all(
            _matches_a_urn(tokens, kind, name, parents=parents)
            for kind in probes["types"]
            for name in _PROBE_NAMES
        )
    return any(all(fnmatchcase(name, pattern) for name in group) for group in probes["names"])


def spans_types(exemption: Exemption) -> bool:
    """Whether ``exemption`` can match resources of two services' types (a Key and a Bucket, under any
    parents and with any names): its wildcards stand for the resource's own type, as in
    ``urn:pulumi:dev::trading::trading:*``, which runs on across the ``$`` after a component's type into
    the type of every child, or a logical name with a ``type`` that does not spell out its module
    (``"*"``, ``"aws:???/*"``)."""
    if exemption.type is not None and not _spans_modules(exemption.type):
        return False
    if not exemption.by_urn:
        return True
    tokens = _glob_tokens(exemption.resource)
    return all(_matches_a_urn(tokens, kind, None, parents=True) for kind in _PROBE_TYPES)


def _spans_modules(type_pattern: str) -> bool:
    """Whether a ``type`` pattern may match the types of two modules: unless it spells out its package and
    module (``aws:kms/*``), a wildcard, ``?`` or class may stand in them (``aws:???/*`` is KMS, IAM, EC2,
    RDS...; ``aws:[!s]*`` every type but S3's and a few more)."""
    tokens = _glob_tokens(type_pattern)
    fixed = next((i for i, token in enumerate(tokens) if token in "*?" or len(token) > 1), None)
    return fixed is not None and "/" not in "".join(tokens[:fixed])


# The automaton of the URNs a pattern is tried on: each state's edges are (label, next state); a label is
# one character, or the frozenset of the characters it may not be (it stands for any other).
_Label = str | frozenset[str]
_NOT_COLON: frozenset[str] = frozenset(":")
_NOT_IN_TYPE: frozenset[str] = frozenset(":$")
# Characters tried against a [...] class for a label that stands for "any character but these".
_SAMPLES = (*map(chr, range(32, 127)), "\u00e9")


@cache
def _urn_automaton(kind: str, name: str | None, parents: bool) -> tuple[tuple[tuple[_Label, int], ...], int]:
    """The URNs ``urn:pulumi:<stack>::<project>::[<parent type>$...]<kind>::<name>``: stack and project are
    any runs of characters but ":", a parent type is ``<package>:<module>:<Type>`` (none holds ":" or
    "$"), and ``name`` None stands for any name without "::"."""
    edges: list[list[tuple[_Label, int]]] = [[]]

    def new() -> int:
        edges.append([])
        return len(edges) - 1

    def text(at: int, chars: str) -> int:
        for char in chars:
            nxt = new()
            edges[at].append((char, nxt))
            at = nxt
        return at

    def run(at: int, excluded: frozenset[str]) -> int:
        """One or more characters, none of ``excluded``."""
        nxt = new()
        edges[at].append((excluded, nxt))
        edges[nxt].append((excluded, nxt))
        return nxt

    at = run(text(0, "urn:pulumi:"), _NOT_COLON)
    chain = run(text(at, "::"), _NOT_COLON)
    chain = text(chain, "::")
    if parents:
        parent = run(text(run(text(run(chain, _NOT_IN_TYPE), ":"), _NOT_IN_TYPE), ":"), _NOT_IN_TYPE)
        edges[parent].append(("$", chain))
    at = text(text(chain, kind), "::")
    if name is None:
        at = run(at, _NOT_COLON)
        colon = new()
        edges[at].append((":", colon))
        edges[colon].append((_NOT_COLON, at))
    else:
        at = text(at, name)
    return tuple(tuple(state) for state in edges), at


def _matches_a_urn(pattern: tuple[str, ...], kind: str, name: str | None, *, parents: bool) -> bool:
    """Whether the pattern matches some URN of a resource of type ``kind`` named ``name`` (None: any name),
    in some stack and project, under no parents or (``parents``) under any: a walk of the pattern's tokens
    and the automaton's states together."""
    edges, final = _urn_automaton(kind, name, parents)
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, state = todo.pop()
        if (i, state) in seen:
            continue
        seen.add((i, state))
        if i == len(pattern):
            if state == final:
                return True
            continue
        token = pattern[i]
        if token == "*":
            todo.append((i + 1, state))
            todo.extend((i, nxt) for _, nxt in edges[state])
        else:
            todo.extend((i + 1, nxt) for label, nxt in edges[state] if _token_meets(token, label))
    return False


def _glob_tokens(pattern: str) -> tuple[str, ...]:
    """``pattern`` as fnmatch reads it: ``*``, ``?``, a ``[...]`` class, or one literal character each."""
    tokens: list[str] = []
    index = 0
    while index < len(pattern):
        end = -1
        if pattern[index] == "[":
            # As fnmatch reads a class: a "!" and then a "]" just after the "[" belong to it ("[!]]" is any
            # character but "]"); with no closing "]" the "[" is a character.
            start = index + 1 + pattern.startswith("!", index + 1)
            end = pattern.find("]", start + pattern.startswith("]", start))
        token = pattern[index : end + 1] if end != -1 else pattern[index]
        if not (token == "*" and tokens and tokens[-1] == "*"):
            tokens.append(token)
        index += len(token)
    return tuple(tokens)


def _token_meets(token: str, label: _Label) -> bool:
    """Whether a pattern token (``?``, a ``[...]`` class or one character) matches some character the
    automaton's ``label`` allows."""
    if isinstance(label, str):
        return token == "?" or (fnmatchcase(label, token) if len(token) > 1 else token == label)
    if len(token) == 1 and token != "?":
        return token not in label
    return any(fnmatchcase(char, token) for char in _SAMPLES if char not in label)


_WRITE = {
    "resource": "the resource's name or URN",
    "reason": "why the resource is exempt",
    "type": "the resource's type, e.g. aws:kms/key:Key",
}


def _check(schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    """Validate ``value`` against a JSON Schema subset; returns the normalised value or a problem."""
    checker = _CHECKERS.get(schema.get("type", ""))
    return checker(schema, value, path) if checker is not None else (value, None)


def _check_string(schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return value, f"{path} must be a string, got {value!r}"
    if len(value) < schema.get("minLength", 0):
        return value, f"{path} must be at least {schema['minLength']} characters, got {value!r}"
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, value):
        return value, f"{path} is {value!r}, which does not match {pattern}"
    probes = schema.get(CATCH_ALL)
    if probes and catches_all(value, probes):
        return value, f"{path} is {value!r}, which matches every {probes['what']}; {probes['instead']}"
    return value, None


def _check_number(schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, f"{path} must be a number, got {value!r}"
    if schema.get("type") == "integer":
        # Policy config travels as a protobuf Struct, so whole numbers arrive as floats.
        if not float(value).is_integer():
            return value, f"{path} must be a whole number, got {value!r}"
        value = int(value)
    if "minimum" in schema and value < schema["minimum"]:
        return value, f"{path} must be at least {schema['minimum']}, got {value!r}"
    if "maximum" in schema and value > schema["maximum"]:
        return value, f"{path} must be at most {schema['maximum']}, got {value!r}"
    return value, None


def _check_boolean(_schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    if not isinstance(value, bool):
        return value, f"{path} must be true or false, got {value!r}"
    return value, None


def _check_array(schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    if not isinstance(value, list):
        return value, f"{path} must be a list, got {value!r}"
    if len(value) < schema.get("minItems", 0):
        return value, f"{path} must have at least {schema['minItems']} item(s)"
    items = schema.get("items", {})
    checked = []
    for index, item in enumerate(value):
        item, problem = _check(items, item, f"{path}[{index}]")
        if problem:
            return value, problem
        checked.append(item)
    return checked, None


def _check_object(schema: Mapping[str, Any], value: Any, path: str) -> tuple[Any, str | None]:
    if not isinstance(value, Mapping):
        return value, f"{path} must be an object, got {value!r}"
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            return value, f"{path} is missing the required key '{key}'"
    extra = schema.get("additionalProperties", True)
    checked = {}
    for key, item in value.items():
        if key in properties:
            item, problem = _check(properties[key], item, f"{path}.{key}")
        elif extra is False:
            return (
                value,
                f"{path} has the unknown key '{key}'; allowed keys are {', '.join(sorted(properties))}",
            )
        else:
            item, problem = _check(extra if isinstance(extra, Mapping) else {}, item, f"{path}.{key}")
        if problem:
            return value, problem
        checked[key] = item
    return checked, None


_CHECKERS = {
    "string": _check_string,
    "integer": _check_number,
    "number": _check_number,
    "boolean": _check_boolean,
    "array": _check_array,
    "object": _check_object,
}


# Settings several rules share; empty strings mean "work it out from the resources".
ACCOUNT_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^(\d{12})?$",
    "default": "",
    "description": "The AWS account id of the stack; empty: inferred from the key policy's account root.",
}
REGION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})?$",
    "default": "",
    "description": "Region used when neither the resource nor its provider names one; empty: none.",
}
ENVIRONMENTS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "default": ["*"],
    "description": (
        "Environments (values of the Environment tag, shell-style wildcards, any case) where the setting is "
        "required; a resource without an Environment tag is always checked. [] turns the check off."
    ),
}


def applies_to_environment(environment: str | None, patterns: list[str]) -> bool:
    """Whether a per-environment requirement applies to a resource tagged with ``environment``. Case and
    outer spaces do not count: a resource tagged "Prod " is still in the "prod" environment."""
    if environment is None:
        return bool(patterns)
    return any(fnmatchcase(environment.strip().lower(), pattern.strip().lower()) for pattern in patterns)
