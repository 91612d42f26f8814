"""CloudWatch Logs rules: log groups are encrypted with a key CloudWatch Logs can actually use, and kept.

``log-group-kms-key-allows-logs`` is the check that would have stopped the failed deployment in
MODEL_FAILURES.md: it follows the log group's ``kmsKeyId`` to the key in the stack (through the property
dependency, so it gives the same answer in preview, where the key ARN is unknown, as in update) and reads
that key's effective policy (a ``KeyPolicy`` resource wins over the key's own ``policy``).

Decision: only the regional service principal ``logs.<region>.amazonaws.com`` counts. The AWS
documentation names it, and CloudWatch Logs calls KMS under it; a key that allows only
``logs.amazonaws.com`` makes log group creation fail with AccessDeniedException.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from pulumi_policy import Severity

from .awsfacts import ACCOUNT_PATTERN, CLOUDWATCH_RETENTION_DAYS, REGION_PATTERN, parse_arn
from .config import ACCOUNT_ID_SCHEMA, REGION_SCHEMA
from .documents import Condition, Document, Statement, glob_match, parse_policy
from .graph import Resource, Stack
from .kms import (
    ALIAS,
    KEY,
    KEY_ARNS,
    KEY_POLICY,
    administrators,
    key_account,
    render_principals,
    trusted_account,
)
from .registry import Finding, Rule
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn"
SCOPING_OPERATORS = ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
# Each negated operator and the operator it negates.
NEGATED_OPERATORS = {
    "ArnNotLike": "ArnLike",
    "ArnNotEquals": "ArnEquals",
    "StringNotLike": "StringLike",
    "StringNotEquals": "StringEquals",
}
# The properties a literal kmsKeyId (or an alias's targetKeyId) may name a key or an alias by.
KEY_REFERENCES = ("arn", "keyId", "id")
KEY_OR_ALIAS_REFERENCES = (*KEY_REFERENCES, "name")
REQUIRED_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
)
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[^/\s]+$")
_REGIONAL_LOGS = re.compile(r"^logs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
_LOGS_KMS_DOCS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"


def check_encrypted(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    key = resource.get("kmsKeyId")
    if key is ABSENT or key == "":
        yield "kmsKeyId is not set, so the log data is not encrypted with a key you control"
    elif isinstance(key, str) and not _KEY_ARN.match(key):
        yield (
            f"kmsKeyId is {describe(key)}, which is not a KMS key ARN; CloudWatch Logs accepts only the key "
            "ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not a key id or an alias, so pass key.arn"
        )


def check_retention(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    minimum = config["minimumRetentionDays"]
    log_class = resource.get("logGroupClass")
    if isinstance(log_class, str) and log_class.upper() == "DELIVERY":
        yield (
            "logGroupClass is DELIVERY, so CloudWatch Logs keeps the events for a day or two whatever "
            f"retentionInDays says; audit logs must be kept at least {minimum} days (use STANDARD or "
            "INFREQUENT_ACCESS)"
        )
        return
    raw = resource.get("retentionInDays")
    days = as_number(raw)
    if days is UNKNOWN:
        return
    if days is ABSENT or days == 0:
        yield (
            "retentionInDays is not set, so the logs never expire; set an explicit retention of at least "
            f"{minimum} days"
        )
    elif days is None or days not in CLOUDWATCH_RETENTION_DAYS:
        yield f"retentionInDays is {describe(raw)}, which CloudWatch Logs does not accept"
    elif days < minimum:
        yield f"retentionInDays is {int(days)}; audit logs must be kept at least {minimum} days"


def check_key_allows_logs(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for log_group in stack.of_type(LOG_GROUP):
        if log_group.get("kmsKeyId") in (ABSENT, ""):
            continue
        for key in _keys_of(stack, log_group):
            for fault in _key_faults(stack, log_group, key, config):
                yield Finding(log_group, fault)


def _keys_of(stack: Stack, log_group: Resource) -> list[Resource]:
    keys: list[Resource] = []
    # A key in another region is still this group's key: the rule says CloudWatch Logs cannot use it.
    for target in stack.targets(log_group, "kmsKeyId", (KEY, ALIAS), KEY_OR_ALIAS_REFERENCES, anywhere=True):
        if target.type == ALIAS:
            keys.extend(stack.targets(target, "targetKeyId", (KEY,), KEY_REFERENCES, anywhere=True))
        else:
            keys.append(target)
    return keys


def _key_faults(stack: Stack, log_group: Resource, key: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    region = log_group.region(config["region"] or None)
    key_region = key.region()
    where = f"KMS key '{key.name}'"
    if region and key_region and region != key_region:
        yield (
            f"{where} is in {key_region} but the log group is in {region}; CloudWatch Logs needs a "
            "key in its region"
        )
    if key.get("customerMasterKeySpec") not in (ABSENT, UNKNOWN, "SYMMETRIC_DEFAULT"):
        yield f"{where} is not a symmetric key; CloudWatch Logs supports only symmetric encryption keys"
    if as_bool(key.get("isEnabled")) is False:
        yield (
            f"{where} is disabled (isEnabled false), and CloudWatch Logs refuses a disabled key: creating "
            "the log group fails with InvalidParameterException"
        )
    policies = stack.attached((KEY_POLICY,), "keyId", (KEY,), KEY_REFERENCES).get(key, [])
    if not policies:
        # A key policy the program did not set is AWS's default one (what update shows): the verdict need
        # not wait for it.
        yield from _holder_faults(log_group, key, key, key.program_value("policy"), where, region, config)
    pending: list[Resource] = []
    for holder in policies:
        # Each KeyPolicy replaces the key's whole policy and the last one applied is the one KMS keeps, so
        # each must let CloudWatch Logs use the key.
        named = f"{where} (as KeyPolicy '{holder.name}' sets it)" if len(policies) > 1 else where
        faults = list(_holder_faults(log_group, key, holder, holder.get("policy"), named, region, config))
        yield from faults
        if not faults and not _depends_on(log_group, holder):
            pending.append(holder)
    if pending and any(
        _holder_faults(log_group, key, key, key.program_value("policy"), where, region, config)
    ):
        # The log group waits only for the key: it may be created while the key still has the policy it was
        # created with.
        names = ", ".join(f"'{p.name}'" for p in pending)
        yield (
            f"the log group does not depend on KeyPolicy {names}, so it may be created before {where} gets "
            f"that policy, while the key's own policy does not let logs.{region or '<region>'}.amazonaws.com "
            "use it: creating the log group fails with AccessDeniedException; make the log group depend on "
            "the KeyPolicy (depends_on)"
        )


def _depends_on(resource: Resource, target: Resource) -> bool:
    """Whether the engine creates ``resource`` only after ``target`` (a dependency, however indirect)."""
    seen: set[int] = set()
    todo = list(resource.dependencies)
    while todo:
        current = todo.pop()
        if current is target:
            return True
        if id(current) not in seen:
            seen.add(id(current))
            todo.extend(current.dependencies)
    return False


def _holder_faults(
    log_group: Resource,
    key: Resource,
    holder: Resource,
    value: Any,
    where: str,
    region: str | None,
    config: Mapping[str, Any],
) -> Iterator[str]:
    """What stops CloudWatch Logs using ``key`` under the key policy ``value`` that ``holder`` sets."""
    principal = f"logs.{region or '<region>'}.amazonaws.com"
    if value is ABSENT or value == "":
        yield (
            f"{where} has no key policy, so AWS applies its default policy, which does not let {principal} "
            "use the key: creating the log group fails with AccessDeniedException"
        )
        return
    document = parse_policy(value, principals_required=True)
    if document.errors:
        yield f"the key policy of {where} is unreadable: {document.errors[0]}"
        return
    if document.unknown:
        return
    # The account the log group ARNs must name is the key's, from a source the program cannot forge (the
    # config, the key's ARN, the provider) or AWS's lock-out check, never a root the key policy happens to
    # name: a policy naming another account's root first would otherwise make that account "this" one.
    trusted = trusted_account(key, config["accountId"], KEY_ARNS)
    account = key_account(holder, trusted, administrators(document)).account
    yield from _policy_faults(document, log_group, where, region, account)


def _policy_faults(
    document: Document, log_group: Resource, where: str, region: str | None, account: str | None
) -> Iterator[str]:
    principal = f"logs.{region or '<region>'}.amazonaws.com"
    allows = [s for s in document.statements if s.effect in ("Allow", UNKNOWN)]
    for_logs = [s for s in allows if any(_is_regional_logs(p.kind, p.value, region) for p in s.principals)]
    if not for_logs:
        global_only = [s for s in allows if any(p.value == "logs.amazonaws.com" for p in s.principals)]
        if global_only:
            yield (
                f'{global_only[0].label} of {where} allows "logs.amazonaws.com", but CloudWatch Logs calls '
                f"KMS as {principal}; creating the log group fails with AccessDeniedException"
            )
        else:
            yield (
                f"{where} has no Allow statement for {principal}; creating the log group fails with "
                "AccessDeniedException"
            )
        return
    arn = _log_group_arn(log_group, region, account)
    for statement in for_logs:
        yield from _scope_faults(statement, where, region, account, arn)
    for statement in document.statements:
        denied = _denied_to_logs(statement, region)
        if denied:
            yield (
                f"{statement.label} of {where} denies {render_principals(statement)} {', '.join(denied)} "
                f"without a Condition, and a Deny overrides every Allow: CloudWatch Logs ({principal}) "
                "cannot use the key"
            )
    missing = [a for a in REQUIRED_ACTIONS if all(s.covers_action(a) is False for s in for_logs)]
    if missing:
        yield (
            f"{where} does not allow {principal} {', '.join(missing)}; CloudWatch Logs needs kms:Encrypt*, "
            "kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*"
        )


def _denied_to_logs(statement: Statement, region: str | None) -> list[str]:
    """The actions CloudWatch Logs needs that a Deny statement without a Condition takes from it on this key
    (Resource "*" in a key policy is the key itself)."""
    if statement.effect != "Deny" or statement.has_condition:
        return []
    if statement.negated_resources or "*" not in statement.resources:
        return []
    named = any(_is_regional_logs(p.kind, p.value, region) for p in statement.principals)
    # NotPrincipal denies everyone it does not name.
    hits = not named if statement.negated_principals else named or statement.applies_to_everyone
    if not hits:
        return []
    return [action for action in REQUIRED_ACTIONS if statement.covers_action(action) is True]


def _is_regional_logs(kind: str, value: Any, region: str | None) -> bool:
    match = _REGIONAL_LOGS.match(value) if kind == "Service" and isinstance(value, str) else None
    return match is not None and (region is None or match.group(1) == region)


def _scope_faults(
    statement: Statement, where: str, region: str | None, account: str | None, log_group_arn: str | None
) -> Iterator[str]:
    if statement.condition_unknown:
        return
    scoping = [
        c
        for c in statement.conditions_on(CONTEXT_KEY)
        if c.base_operator in SCOPING_OPERATORS and not c.if_exists
    ]
    if not scoping:
        yield (
            f"{statement.label} of {where} lets CloudWatch Logs use the key without an ArnLike or ArnEquals "
            f"condition on {CONTEXT_KEY}, so log groups of any account could use it"
        )
        return
    values = [v for c in scoping for v in c.values]
    for value in values:
        problem = _context_value_problem(value, region, account)
        if problem:
            yield f"{statement.label} of {where} scopes {CONTEXT_KEY} to {describe(value)}, which {problem}"
    if log_group_arn and not any(_arn_like(v, log_group_arn, c) for c in scoping for v in c.values):
        yield (
            f"{statement.label} of {where} limits {CONTEXT_KEY} to values that do not match this log group "
            f"({log_group_arn}), so CloudWatch Logs cannot use the key for it"
        )
    if log_group_arn:
        yield from _exclusion_faults(statement, where, log_group_arn)


def _exclusion_faults(statement: Statement, where: str, log_group_arn: str) -> Iterator[str]:
    """Every condition must hold, and CloudWatch Logs always sends the context key: a negated operator (with
    IfExists or without) whose values match the log group's ARN fails for it."""
    for condition in statement.conditions_on(CONTEXT_KEY):
        positive = NEGATED_OPERATORS.get(condition.base_operator)
        if positive is None:
            continue
        flip = replace(condition, operator=positive)
        excluded = [v for v in condition.values if isinstance(v, str) and _arn_like(v, log_group_arn, flip)]
        if excluded:
            yield (
                f"{statement.label} of {where} has {condition.operator} {CONTEXT_KEY} "
                f"{describe(excluded[0])}, which excludes this log group ({log_group_arn}), so CloudWatch "
                "Logs cannot use the key for it"
            )


def _context_value_problem(value: Any, region: str | None, account: str | None) -> str | None:
    if value is UNKNOWN:
        return None
    arn = parse_arn(value) if isinstance(value, str) else None
    if arn is None or arn.service != "logs" or not _may_name_log_groups(arn.resource):
        return "is not a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)"
    if not REGION_PATTERN.match(arn.region) or (region and arn.region != region):
        return f"does not name this stack's region ({region or 'a single region'})"
    if not ACCOUNT_PATTERN.match(arn.account) or (account and arn.account != account):
        return f"does not name this stack's account ({account or 'a single 12-digit account'})"
    return None


def _may_name_log_groups(resource_glob: str) -> bool:
    """True when the ARN's resource part, as a glob, matches some ``log-group:<name>`` (e.g. ``*``)."""
    # Run the glob over the prefix "log-group:" as a small automaton: the positions in the glob that can
    # have consumed it. A name can follow when one of them is not the glob's end. A "*" also matches
    # nothing, but the paths that skip it need not be followed: the "*" itself, which stays reachable,
    # already lets a name follow.
    positions = {0}
    for char in "log-group:":
        positions = {
            i if resource_glob[i] == "*" else i + 1
            for i in positions
            if i < len(resource_glob) and resource_glob[i] in ("*", "?", char)
        }
    return any(i < len(resource_glob) for i in positions)


def _log_group_arn(log_group: Resource, region: str | None, account: str | None) -> str | None:
    name = log_group.get("name")
    if not (isinstance(name, str) and region and account):
        return None
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def _arn_like(pattern: Any, arn: str, condition: Condition) -> bool:
    if not isinstance(pattern, str):
        return True
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6:
        return False
    wanted[1] = actual[1]  # The partition is checked by the ARN itself, not by this stack.
    if condition.base_operator == "StringEquals":
        return ":".join(wanted) == arn
    # ArnEquals and ArnLike are the same operator in IAM: both match each ARN part as a glob.
    return all(glob_match(wanted[i], actual[i], case_sensitive=True) for i in range(6))


RULES = [
    Rule(
        name="log-group-kms-key-allows-logs",
        description=(
            "A log group's kmsKeyId key (in the stack) is enabled and lets logs.<region>.amazonaws.com "
            "Encrypt, Decrypt, ReEncrypt, GenerateDataKey and Describe, only under an ArnLike/ArnEquals "
            "condition on kms:EncryptionContext:aws:logs:arn naming this account and region that no negated "
            "condition undoes, and no Deny without a Condition takes those actions back; every KeyPolicy "
            "of the key is judged (the last one applied wins), and the log group depends on it unless the "
            "key's own policy already serves. Same verdict in preview (key ARN unknown) and update."
        ),
        severity=Severity.CRITICAL,
        pci=("10.3.2", "3.6.1"),
        remediation=(
            'Add to the key policy: {"Effect": "Allow", "Principal": {"Service": '
            '"logs.<region>.amazonaws.com"}, "Action": ["kms:Encrypt*", "kms:Decrypt*", '
            '"kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], "Resource": "*", '
            '"Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": '
            '"arn:aws:logs:<region>:<account>:log-group:*"}}}, built from the account and region, not '
            "from the log group's ARN"
        ),
        url=_LOGS_KMS_DOCS,
        topic="logs",
        check=check_key_allows_logs,
        stack=True,
        config={"accountId": ACCOUNT_ID_SCHEMA, "region": REGION_SCHEMA},
    ),
    Rule(
        name="log-group-encrypted",
        description="CloudWatch log groups are encrypted with a customer-managed KMS key (kmsKeyId set).",
        severity=Severity.HIGH,
        pci=("10.3.2", "3.5.1"),
        remediation=(
            "Set kms_key_id to the ARN of a customer-managed key whose policy allows "
            "logs.<region>.amazonaws.com (see log-group-kms-key-allows-logs); to opt a log group out, add a "
            "reasoned, expiring exemption"
        ),
        url=_LOGS_KMS_DOCS,
        topic="logs",
        check=check_encrypted,
        resource_types=(LOG_GROUP,),
    ),
    Rule(
        name="log-group-retention",
        description=(
            "CloudWatch log groups set retentionInDays to a value CloudWatch accepts and at least the "
            "configured minimum (default 365 days: PCI DSS keeps audit logs 12 months), and are not of the "
            "DELIVERY class, whose events are kept only a day or two whatever retentionInDays says."
        ),
        severity=Severity.MEDIUM,
        pci=("10.5.1",),
        remediation=(
            "Set retention_in_days to one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, "
            "1096, 1827, 2192, 2557, 2922, 3288, 3653 that is at least minimumRetentionDays"
        ),
        url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
        topic="logs",
        check=check_retention,
        resource_types=(LOG_GROUP,),
        config={
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3653,
                "default": 365,
                "description": "Shortest retention accepted, in days.",
            }
        },
    ),
]
