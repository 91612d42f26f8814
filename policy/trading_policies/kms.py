"""KMS key rules: key policies that cannot be abused or lock the account out, and key rotation.

The account is the policy config's ``accountId`` when given, else the account whose root
(``arn:aws:iam::<account>:root``) an Allow statement of the key policy lets administer the key. Every rule
here reads the key policy through :mod:`documents` and judges what it grants through :mod:`evaluator`
(who can act after the conditions), so a policy that is garbage is reported, never a crash, and a
Condition that restricts nothing (``aws:SecureTransport``, a wildcard account) does not hide a public key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .awsfacts import ACCOUNT_PATTERN, parse_arn, root_account
from .config import ACCOUNT_ID_SCHEMA
from .documents import Document, Principal, Statement, parse_policy
from .evaluator import (
    ACCOUNT,
    SERVICE,
    UNKNOWN_CALLER,
    allowed,
    classify,
    describe_callers,
    public_statements,
    why_open,
)
from .graph import Resource
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALIAS = "aws:kms/alias:Alias"
GRANT = "aws:kms/grant:Grant"
# Every resource that holds a key and its own key policy: a replica or an imported-material key is as
# much a key as a Key.
KEYS = (
    KEY,
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
)
KEY_TYPES = (*KEYS, KEY_POLICY)
ADMIN_ACTION = "kms:PutKeyPolicy"
_KMS_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"


def policy_account(document: Document, configured: str) -> str | None:
    """The stack's account: configured, else the root that may administer the key, else any root named."""
    if configured:
        return configured
    roots = [
        (statement, account)
        for statement in document.statements
        if statement.effect == "Allow"
        for principal in statement.principals
        if isinstance(principal.value, str) and principal.kind == "AWS"
        for account in [root_account(principal.value)]
        if account
    ]
    for statement, account in roots:
        if statement.covers_action(ADMIN_ACTION) is True:
            return account
    return roots[0][1] if roots else None


CREATE_GRANT = "kms:CreateGrant"


def render_actions(statement: Statement) -> str:
    shown = ", ".join("<unknown>" if a is UNKNOWN else str(a) for a in statement.actions)
    return f"{statement.action_field} [{shown}]"


def render_principals(statement: Statement) -> str:
    prefix = "NotPrincipal " if statement.negated_principals else ""
    return prefix + ", ".join(p.render() for p in statement.principals)


def key_policy_document(resource: Resource) -> Document | None:
    """The parsed key policy, or None when the resource sets none (AWS then applies its default policy)."""
    value = resource.get("policy")
    if value is ABSENT or value == "":
        return None
    return parse_policy(value, principals_required=True)


def _unknown_policy(resource: Resource) -> Finding:
    return unknown_until_deployed(resource, resource, "policy", "the key policy")


def check_unconditional_grants(resource: Resource, config: Mapping[str, Any]) -> Iterator[str | Finding]:
    document = key_policy_document(resource)
    if document is None:
        return
    yield from (f"key policy is unreadable: {error}" for error in document.errors)
    if document.unknown:
        yield _unknown_policy(resource)
    account = policy_account(document, config["accountId"])
    public = public_statements(document)
    for statement, bound in public:
        yield (
            f"{statement.label} allows {render_principals(statement)} {render_actions(statement)} "
            f"{why_open(bound)}, so every AWS account can use the key"
        )
    passers: dict[int, tuple[Statement, list[Any]]] = {}
    for access in allowed(document):
        statement, caller, bound = access.statement, access.caller, access.binding
        if (
            any(statement is s for s, _ in public)
            or caller.kind == UNKNOWN_CALLER
            or caller.is_account(account)
            # A service bound to an account acts for that account's resources; when the stack's account
            # cannot be told, the binding gets the benefit of the doubt.
            or (caller.kind == SERVICE and caller.account is not None and account in (None, caller.account))
            or bound.grants_for_aws_resources
            or bound.via_service
            or statement.covers_action(CREATE_GRANT) is not True
        ):
            continue
        passers.setdefault(statement.index, (statement, []))[1].append(caller)
    for statement, found in passers.values():
        yield (
            f"{statement.label} allows {describe_callers(found)} {render_actions(statement)} with no "
            "Condition that limits grants; that includes kms:CreateGrant, so the principal can hand the key "
            'on to anyone. Add a Condition such as "Bool": {"kms:GrantIsForAWSResource": "true"} or '
            "kms:ViaService, or narrow the actions"
        )


def check_account_access(resource: Resource, config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if as_bool(resource.get("bypassPolicyLockoutSafetyCheck")) is True:
        yield (
            "bypassPolicyLockoutSafetyCheck is true, which skips the AWS check that stops a key policy "
            "from locking the account out of the key"
        )
    document = key_policy_document(resource)
    if document is None:
        return
    yield from (f"key policy is unreadable: {error}" for error in document.errors)
    if document.errors:
        return
    configured = config["accountId"]
    root = f"arn:aws:iam::{configured or '<account>'}:root"
    admins = [
        s
        for s in document.statements
        if s.effect in ("Allow", UNKNOWN)
        and s.covers_action(ADMIN_ACTION) is not False
        and any(p.value is UNKNOWN or _is_root(p, configured) for p in s.principals)
    ]
    if not admins and document.unknown:
        yield _unknown_policy(resource)
    elif not admins:
        yield (
            f"no Allow statement gives the account ({root}) kms:* or kms:PutKeyPolicy, so AWS rejects the "
            "policy (lock-out safety check) or, if bypassed, nobody can manage the key again"
        )
    for statement in document.statements:
        locks_out = statement.effect == "Deny" and not statement.has_condition
        if (
            locks_out
            and statement.covers_action(ADMIN_ACTION) is True
            and (statement.applies_to_everyone or any(_is_root(p, configured) for p in statement.principals))
        ):
            yield (
                f"{statement.label} denies {render_principals(statement)} kms:PutKeyPolicy without a "
                "Condition, so nobody can change the key policy again"
            )


def _is_root(principal: Principal, configured: str) -> bool:
    if principal.kind != "AWS" or not isinstance(principal.value, str):
        return False
    account = root_account(principal.value)
    return account is not None and (not configured or account == configured)


def check_grant(resource: Resource, config: Mapping[str, Any]) -> Iterator[str | Finding]:
    operations = resource.get("operations")
    if isinstance(operations, list) and any(str(o).lower() == "creategrant" for o in operations):
        yield (
            "operations include CreateGrant, so the grantee can hand the key on to anyone with grants of "
            "its own, which no key policy shows"
        )
    grantee = resource.get("granteePrincipal")
    if not isinstance(grantee, str):
        return
    # A service grantee ("logs.<region>.amazonaws.com") is no account: it is placed nowhere, like any name
    # that is not an account, an account's principal or "*".
    caller = classify(Principal("AWS", grantee))
    if caller.public:
        yield 'granteePrincipal is "*", which KMS refuses and which would give the key to everyone'
        return
    if caller.kind != ACCOUNT:
        return
    key_id = resource.get("keyId")
    key_arn = parse_arn(key_id) if isinstance(key_id, str) else None
    key_account = key_arn.account if key_arn is not None and ACCOUNT_PATTERN.match(key_arn.account) else None
    account = config["accountId"] or key_account
    if account is None and key_id is UNKNOWN:
        yield unknown_until_deployed(
            resource, resource, "keyId", "whether the grantee is in the key's account"
        )
    elif account is not None and caller.account != account:
        yield (
            f"granteePrincipal {grantee} is in account {caller.account}, not the key's account {account}: "
            "the grant opens the key to another account where the key policy does not show it"
        )


def check_rotation(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    spec, usage = resource.get("customerMasterKeySpec"), resource.get("keyUsage")
    store = resource.get("customKeyStoreId")
    if spec not in (ABSENT, "SYMMETRIC_DEFAULT") or usage not in (ABSENT, "ENCRYPT_DECRYPT"):
        return  # Asymmetric, HMAC and unknown key specs cannot rotate automatically.
    if store is not ABSENT and store != "":
        return  # Keys in custom key stores cannot rotate automatically.
    rotation = as_bool(resource.get("enableKeyRotation"))
    if rotation is not True and rotation is not UNKNOWN:
        yield f"enableKeyRotation is {describe(resource.get('enableKeyRotation'))}; it must be true"
    period = as_number(resource.get("rotationPeriodInDays"))
    if period is None or (isinstance(period, float) and not 90 <= period <= 2560):
        shown = describe(resource.get("rotationPeriodInDays"))
        yield f"rotationPeriodInDays is {shown}; AWS accepts whole days from 90 to 2560"


RULES = [
    Rule(
        name="kms-key-policy-no-unconditional-grants",
        description=(
            "Key policies (Key, ReplicaKey, ExternalKey, KeyPolicy) give no principal other than the account "
            "kms:CreateGrant, or any action pattern that covers it, without a Condition that limits grants "
            "(kms:GrantIsForAWSResource, kms:ViaService), and let nobody outside the account use the key: "
            'Principal "*", {"AWS": "*"} or NotPrincipal pass only under a Condition that binds the caller '
            "to an account, organisation, source or VPC (aws:SecureTransport and wildcards bind nothing)."
        ),
        severity=Severity.CRITICAL,
        pci=("3.6.1", "7.2.1"),
        remediation=(
            "Grant services and roles only the actions they use, and put a Condition on kms:CreateGrant "
            '(e.g. "Bool": {"kms:GrantIsForAWSResource": "true"} or kms:ViaService); give Principal "*" only '
            'under a Condition that binds the caller, e.g. "StringEquals": {"kms:CallerAccount": "<account>"}'
        ),
        url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html",
        topic="kms",
        check=check_unconditional_grants,
        resource_types=KEY_TYPES,
        config={"accountId": ACCOUNT_ID_SCHEMA},
    ),
    Rule(
        name="kms-key-policy-keeps-account-access",
        description=(
            "KMS key policies let the account root (arn:aws:iam::<account>:root) administer the key "
            "(kms:* or kms:PutKeyPolicy) and do not bypass the lock-out safety check; otherwise AWS rejects "
            "the policy or the key becomes unmanageable."
        ),
        severity=Severity.HIGH,
        pci=("3.6.1", "3.7.1"),
        remediation=(
            'Keep a statement that allows {"AWS": "arn:aws:iam::<account>:root"} kms:* on Resource "*", '
            "leave bypassPolicyLockoutSafetyCheck unset, and grant other principals through IAM or narrower "
            "statements"
        ),
        url=_KMS_DOCS,
        topic="kms",
        check=check_account_access,
        resource_types=KEY_TYPES,
        config={"accountId": ACCOUNT_ID_SCHEMA},
    ),
    Rule(
        name="kms-key-rotation-enabled",
        description=(
            "Symmetric encryption KMS keys rotate their key material automatically (enableKeyRotation "
            "true, rotationPeriodInDays, when set, within 90-2560)."
        ),
        severity=Severity.MEDIUM,
        pci=("3.6.1", "3.7.4"),
        remediation="Set enable_key_rotation=True on the key (optionally rotation_period_in_days, 90-2560)",
        url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        topic="kms",
        check=check_rotation,
        resource_types=(KEY,),  # Replica keys follow their primary; imported key material cannot rotate.
    ),
    Rule(
        name="kms-grant-restricted",
        description=(
            "KMS grants (aws.kms.Grant) give no principal of another account the key and never pass on "
            "CreateGrant, so nobody outside the key policy's view can use or re-grant the key."
        ),
        severity=Severity.HIGH,
        pci=("3.6.1", "7.2.1"),
        remediation=(
            "Grant only principals of the key's account, without the CreateGrant operation; give another "
            "account access in the key policy, where it is reviewed"
        ),
        url="https://docs.aws.amazon.com/kms/latest/developerguide/grants.html",
        topic="kms",
        check=check_grant,
        resource_types=(GRANT,),
        config={"accountId": ACCOUNT_ID_SCHEMA},
    ),
]
