"""OpenSearch Serverless: collections encrypted with a customer-managed key, and the reader of the security
policy documents that decide a collection's key and network (``opensearch-access-policy-not-public``, in
:mod:`trading_policies.endpoint_access`, judges the network ones).

A security policy (``ServerlessSecurityPolicy``) is not an IAM document: an encryption policy is one JSON
object (``{"Rules": [{"ResourceType": "collection", "Resource": ["collection/orders*"]}], "AWSOwnedKey":
false, "KmsARN": "arn:aws:kms:..."}``), a network policy a list of such rule sets, each with
``AllowFromPublic`` or ``SourceVPCEs``/``SourceServices``. A rule set applies to every collection, present
or future, whose name its patterns match. Keys are read whatever their case, and a key written twice in
one object (also in another case) makes the document ambiguous, as in IAM documents.

Decision: a collection holds the same order data a table or a queue does, so it is held to a
customer-managed key as they are (``dynamodb-encrypted-with-cmk``, ``sqs-queue-encrypted-with-cmk``). An
AWS owned key (``AWSOwnedKey: true``) is shared by AWS across accounts: no key policy of the stack's
limits who uses it and CloudTrail records none of its use. A key set on the collection itself
(``encryptionConfigs``) takes precedence over the policies that match it, and is judged too. A collection
that sets none and that no encryption policy of the stack matches takes its key from a policy outside the
stack (AWS creates no collection without one), which may be an AWS owned key: a note says so. Data access
policies (``ServerlessAccessPolicy``) are not judged: their principals can only be IAM users and roles or
SAML identities of the collection's own account, and each caller needs ``aoss:APIAccessAll`` in its own
IAM policy as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from .documents import glob_match
from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, Missing, as_bool, describe, plain

SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"


@dataclass(frozen=True)
class RuleSets:
    """A security policy document: its rule sets with every key in lower case, or why it cannot be read.
    ``single`` is True for a document that is one object (an encryption policy's shape)."""

    sets: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    single: bool = False


class _RepeatedKey(ValueError):
    pass


def _lower_once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        folded = key.lower()
        if folded in found:
            raise _RepeatedKey(
                f'the key "{key}" appears twice in one object (in any case); write each key once'
            )
        found[folded] = value
    return found


def read_rule_sets(text: str) -> RuleSets:
    """The rule sets of the security policy document ``text`` (known, not empty)."""
    try:
        value = plain(json.loads(text, object_pairs_hook=_lower_once_each))
    except _RepeatedKey as error:
        return RuleSets(error=f"the document is ambiguous: {error}")
    except (ValueError, RecursionError):
        return RuleSets(error="the document is not valid JSON")
    single = isinstance(value, dict)
    sets = [value] if single else value
    if not isinstance(sets, list) or not all(isinstance(s, dict) for s in sets):
        return RuleSets(error="the document must be a rule set (a JSON object) or a list of rule sets")
    return RuleSets(sets=tuple(sets), single=single)


def policy_kind(resource: Resource) -> str | Missing:
    """A security policy's ``type`` in lower case (``encryption``, ``network``), or ABSENT/UNKNOWN."""
    kind = resource.get("type")
    return kind.lower() if isinstance(kind, str) else kind


def _rules(rule_set: Mapping[str, Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Each rule of a rule set's ``Rules``: its ResourceType and its list of resource patterns."""
    rules = rule_set.get("rules", ABSENT)
    rules = [rules] if isinstance(rules, dict) else rules if isinstance(rules, list) else []
    for rule in rules:
        if isinstance(rule, dict):
            resources = rule.get("resource", ABSENT)
            yield rule.get("resourcetype", "?"), resources if isinstance(resources, list) else [resources]


def patterns(rule_set: Mapping[str, Any]) -> str:
    """The resource patterns a rule set's ``Rules`` name, e.g. ``collection collection/orders*``."""
    return "; ".join(
        f"{kind} {', '.join(r if isinstance(r, str) else describe(r) for r in resources)}"
        for kind, resources in _rules(rule_set)
    )


def _matches(rule_set: Mapping[str, Any], collection: str) -> bool:
    """Whether a rule set applies to the collection named ``collection`` ("collection/orders*" matches
    "orders-dev")."""
    return any(
        isinstance(kind, str)
        and kind.lower() == "collection"
        and any(
            isinstance(r, str) and glob_match(r, f"collection/{collection}", case_sensitive=True)
            for r in found
        )
        for kind, found in _rules(rule_set)
    )


def check_serverless_encryption(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    policies = stack.of_type(SECURITY_POLICY)
    for policy in policies:
        yield from _on(policy, _policy_key(policy))
    for collection in stack.of_type(COLLECTION):
        yield from _on(collection, _collection_key(collection))
        yield from _key_from_outside(collection, policies)


def _on(resource: Resource, faults: Iterator[str | Finding]) -> Iterator[Finding]:
    yield from (f if isinstance(f, Finding) else Finding(resource, f) for f in faults)


def _policy_key(resource: Resource) -> Iterator[str | Finding]:
    kind = policy_kind(resource)
    value = resource.get("policy")
    if kind not in ("encryption", UNKNOWN) or value is ABSENT or value == "":
        return
    what = "the key the encryption policy puts collections on"
    if value is UNKNOWN:
        yield unknown_until_deployed(resource, resource, "policy", what)
        return
    document = read_rule_sets(value) if isinstance(value, str) else RuleSets(error="it is not a string")
    if kind is UNKNOWN and not document.single:
        return  # a list of rule sets is a network policy's shape, judged by its own rule
    if document.error:
        yield f"the encryption policy (policy) is unreadable: {document.error}"
        return
    for index, rule_set in enumerate(document.sets):
        where = "policy" if document.single else f"policy[{index}]"
        matching = patterns(rule_set) or "no collection"
        owned = as_bool(rule_set.get("awsownedkey", ABSENT))
        key = rule_set.get("kmsarn", ABSENT)
        if owned is UNKNOWN:
            yield unknown_until_deployed(resource, resource, "policy", what)
        elif owned is None:
            shown = describe(rule_set["awsownedkey"])
            yield f"{where} sets AWSOwnedKey to {shown}, which is not true or false"
        elif owned is True:
            yield (
                f"{where} sets AWSOwnedKey true, so the collections it matches ({matching}) are encrypted "
                "with an AWS owned key, whose use no key policy of yours limits and CloudTrail does not log"
            )
        elif key is ABSENT or key == "":
            yield (
                f"{where} names no KmsARN, so the collections it matches ({matching}) are not encrypted with "
                "a customer-managed key"
            )


def _configs(collection: Resource) -> list[Any]:
    configs = collection.get("encryptionConfigs")
    return [configs] if isinstance(configs, dict) else configs if isinstance(configs, list) else []


def _key_from_outside(collection: Resource, policies: list[Resource]) -> Iterator[Finding]:
    """A note when no encryption policy of the stack decides the collection's key."""
    name = collection.get("name")
    if _configs(collection) or collection.get("encryptionConfigs") is UNKNOWN or not isinstance(name, str):
        return
    for policy in policies:
        kind, value = policy_kind(policy), policy.get("policy")
        if kind not in ("encryption", UNKNOWN) or value is ABSENT or value == "":
            continue
        if not isinstance(value, str):
            return  # not known yet, or unreadable: the policy's own finding says so
        document = read_rule_sets(value)
        if document.error or any(
            _matches(s, name) for s in document.sets if kind != UNKNOWN or document.single
        ):
            return
    yield Finding(
        collection,
        f"no encryption policy of the stack matches collection {name} and it sets no encryptionConfigs, so "
        "its key comes from an encryption policy outside the stack, which may be an AWS owned key: whether "
        "it is a customer-managed key cannot be checked",
        unknown_at_preview=True,
    )


def _collection_key(collection: Resource) -> Iterator[str | Finding]:
    # encryptionConfigs=[some.output]: the whole block is not known yet.
    configs = (
        [{"awsOwnedKey": UNKNOWN}] if collection.get("encryptionConfigs") is UNKNOWN else _configs(collection)
    )
    for index, config in enumerate(configs):
        owned = as_bool(config.get("awsOwnedKey", ABSENT)) if isinstance(config, dict) else None
        if owned is UNKNOWN:
            yield unknown_until_deployed(
                collection, collection, "encryptionConfigs", "whether the collection uses an AWS owned key"
            )
        elif owned is True:
            yield (
                f"encryptionConfigs[{index}].awsOwnedKey is true, so the collection is encrypted with an AWS "
                "owned key, whose use no key policy of yours limits and CloudTrail does not log"
            )


RULES = [
    Rule(
        name="opensearch-serverless-encrypted-with-cmk",
        description=(
            "OpenSearch Serverless collections are encrypted with a customer-managed KMS key: every "
            "encryption security policy (a ServerlessSecurityPolicy of type encryption) names a KmsARN and "
            "does not set AWSOwnedKey true, and no collection's own encryptionConfigs asks for an AWS owned "
            "key. A collection that sets no encryptionConfigs and that no encryption policy of the stack "
            "matches takes its key from a policy outside the stack: a note."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation=(
            'Write the encryption policy as {"Rules": [...], "AWSOwnedKey": false, "KmsARN": data_key.arn} '
            "(or set encryption_configs=[{'aws_owned_key': False, 'kms_key_arn': data_key.arn}] on the "
            "collection)"
        ),
        url="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-encryption.html",
        topic="opensearch",
        check=check_serverless_encryption,
        stack=True,
    ),
]
