"""KMS key rules: key policies that cannot be abused or lock the account out, grants, and key rotation.

Which account is the stack's (the key's) is never read from the document being judged, or a key policy
could name a foreign account's root and pass as that account. It comes from sources the program's key
policy cannot forge (:func:`trusted_account`): the policy config's ``accountId``, the key's own ARNs
(``arn``, a ``keyId`` or ``primaryKeyArn`` ARN) and the provider (the role it assumes, a single
``allowedAccountIds`` entry). Failing those, AWS's lock-out safety check tells it (:func:`key_account`):
AWS refuses a key policy that does not let the caller who puts it, a principal of the key's own account,
call kms:PutKeyPolicy, so when every principal that may administer the key belongs to one account, that
account is the key's. When neither tells it, a policy naming principals of several accounts is a
violation (one of them is another account), as is one naming a single account that the lock-out check
does not prove (see :func:`check_unconditional_grants`).

Every rule here reads the key policy through :mod:`documents` and judges what it grants through
:mod:`evaluator` (who can act after the conditions), so a policy that is garbage is reported, never a
crash, and a Condition that restricts nothing (``aws:SecureTransport``, a wildcard account) does not hide
a public key.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pulumi_policy import Severity

from .awsfacts import ACCOUNT_PATTERN, parse_arn, root_account
from .config import ACCOUNT_ID_SCHEMA
from .documents import (
    Condition,
    Document,
    Principal,
    Statement,
    glob_match,
    parse_policy,
    policy_variables,
    variables_as_wildcards,
    with_variables,
)
from .evaluator import (
    ACCOUNT,
    SCOPED,
    SERVICE,
    UNKNOWN_CALLER,
    UNPLACED,
    Access,
    Caller,
    allowed,
    classify,
    describe_callers,
    public_statements,
    why_open,
)
from .graph import Resource
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, Missing, as_bool, as_number, describe, get

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


# The properties of a key resource that may hold the ARN of the key (or of a replica's primary, which is in
# the same account): a KeyPolicy's keyId and a replica's primaryKeyArn are inputs AWS acts on only in that
# account; arn is an output, which a resource policy sees only where the engine passes outputs.
KEY_ARNS = ("arn", "keyId", "primaryKeyArn")
ACCOUNT_SCHEMA: dict[str, Any] = {
    **ACCOUNT_ID_SCHEMA,
    "description": (
        "The AWS account id of the stack; empty: the key's ARN or the provider's (its assumed role, a "
        "single allowedAccountIds entry), else, for a key policy, the account AWS's lock-out check proves."
    ),
}
LOCK_OUT_PROOF = "AWS's lock-out check: only its principals may administer the key"
SET_ACCOUNT = "set the policy config accountId (or the provider's allowedAccountIds) to the stack's account"


@dataclass(frozen=True)
class KeyAccount:
    """The account a key is in: ``account`` and the ``source`` that tells it, or None when nothing does;
    then ``allowed`` holds the accounts the provider may run in (None: any)."""

    account: str | None
    source: str = ""
    allowed: frozenset[str] | None = None

    def outside(self, account: str) -> bool:
        """True when ``account`` is certainly not the key's account."""
        if self.account is not None:
            return account != self.account
        return self.allowed is not None and account not in self.allowed

    def elsewhere(self, accounts: Iterable[str]) -> str:
        """Why ``accounts`` (each outside) are elsewhere, for a violation message."""
        listed = _join(accounts)
        if self.account is not None:
            return f"account {listed} is not the stack's account {self.account} (from {self.source})"
        return f"account {listed} is not among the provider's allowedAccountIds ({_join(self.allowed or ())})"


def _join(accounts: Iterable[str]) -> str:
    return ", ".join(sorted(set(accounts)))


def trusted_account(resource: Resource, configured: str, arn_props: tuple[str, ...]) -> KeyAccount:
    """The account from the policy config, the resource's own ARNs or its provider, never from a document
    the program writes: the provider refuses to run outside allowedAccountIds, acts in the account of the
    role it assumes, and AWS acts on a key ARN only in that key's account."""
    if configured:
        return KeyAccount(configured, "the policy config accountId")
    for prop in arn_props:
        account = _arn_account(resource.get(prop), "kms")
        if account is not None:
            return KeyAccount(account, f"its {prop}")
    role = _assumed_role(resource.provider_props)
    account = _arn_account(role, "iam")
    if account is not None:
        return KeyAccount(account, f"the provider's assumed role {role}")
    allowed = _provider_value(resource.provider_props, "allowedAccountIds")
    accounts = (
        frozenset(a for a in allowed if isinstance(a, str) and ACCOUNT_PATTERN.match(a))
        if isinstance(allowed, list)
        else frozenset()
    )
    if len(accounts) == 1:
        return KeyAccount(next(iter(accounts)), "the provider's allowedAccountIds")
    return KeyAccount(None, allowed=accounts or None)


def _arn_account(value: Any, service: str) -> str | None:
    arn = parse_arn(value) if isinstance(value, str) else None
    if arn is None or arn.service != service or not ACCOUNT_PATTERN.match(arn.account):
        return None
    return arn.account


def _provider_value(provider_props: Mapping[str, Any], key: str) -> Any:
    # The engine passes provider inputs of object and array type as JSON strings; programs may pass objects.
    value = get(provider_props, key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return ABSENT
    return value


def _assumed_role(provider_props: Mapping[str, Any]) -> Any:
    """The roleArn of the role the provider ends up acting as (ABSENT: none; UNKNOWN at preview): the last
    of its assumeRoles chain, else assumeRole, else assumeRoleWithWebIdentity (where a chain starts)."""
    chain = _provider_value(provider_props, "assumeRoles")
    blocks = list(reversed(chain)) if isinstance(chain, list) else [chain]
    blocks += [_provider_value(provider_props, key) for key in ("assumeRole", "assumeRoleWithWebIdentity")]
    roles = [get(block, "roleArn") for block in blocks]
    return next((role for role in roles if role is not ABSENT and role != ""), ABSENT)


@dataclass(frozen=True)
class Administrators:
    """Who a key policy lets call kms:PutKeyPolicy, apart from public statements (reported as such).

    ``accounts``: the accounts of the principals among them; ``untied``: the callers tied to no one account
    (a principal limited by an organisation, network or source, or not an account's principal);
    ``unknown``: one of them, or a statement's effect, is not known until deployment.
    """

    accounts: frozenset[str]
    untied: tuple[Access, ...]
    unknown: bool


def administrators(document: Document) -> Administrators:
    accounts: set[str] = set()
    untied: list[Access] = []
    unknown = document.unknown or any(
        s.effect is UNKNOWN and s.covers_action(ADMIN_ACTION) is not False for s in document.statements
    )
    for access in allowed(document):
        caller = access.caller
        if access.statement.covers_action(ADMIN_ACTION) is False or caller.public:
            continue
        if caller.kind == ACCOUNT and caller.account is not None:
            accounts.add(caller.account)
        elif caller.kind == UNKNOWN_CALLER:
            unknown = True
        elif caller.kind in (SCOPED, UNPLACED):
            untied.append(access)
        # Service, federated and canonical-user principals never make the request that puts a key policy.
    return Administrators(frozenset(accounts), tuple(untied), unknown)


def key_account(resource: Resource, trusted: KeyAccount, admins: Administrators) -> KeyAccount:
    """The key's account: the trusted one, else the one AWS's lock-out safety check proves.

    The check makes AWS refuse a key policy (CreateKey, PutKeyPolicy, ReplicateKey, none of which acts
    across accounts) unless the caller, a principal of the key's account, may then call PutKeyPolicy. So
    when the check is not bypassed, every administrator belongs to an account and those accounts (that
    the provider may run in) are one, that account is the key's.
    """
    if trusted.account is not None:
        return trusted
    candidates = _candidates(trusted, admins)
    if len(candidates) == 1 and not _lock_out_unproven(resource, admins):
        return KeyAccount(next(iter(candidates)), LOCK_OUT_PROOF)  # an account told: allowed is not read
    return trusted


def _candidates(trusted: KeyAccount, admins: Administrators) -> frozenset[str]:
    return frozenset(a for a in admins.accounts if not trusted.outside(a))


BYPASS = "bypassPolicyLockoutSafetyCheck"


def _bypassed(resource: Resource) -> bool:
    return as_bool(resource.get(BYPASS)) is True


def _bypass_unknown(resource: Resource) -> bool:
    # bypass_policy_lockout_safety_check=<an Output>: at preview AWS may yet skip the check.
    return resource.get(BYPASS) is UNKNOWN


def _lock_out_unproven(resource: Resource, admins: Administrators) -> bool:
    return _bypassed(resource) or _bypass_unknown(resource) or bool(admins.untied) or admins.unknown


def _why_untold(resource: Resource, trusted: KeyAccount, admins: Administrators) -> str:
    """Why neither a trusted source nor the lock-out check tells the key's account."""
    if _bypassed(resource):
        return "bypassPolicyLockoutSafetyCheck is true, so AWS does not check who may administer the key"
    if _bypass_unknown(resource):
        return "bypassPolicyLockoutSafetyCheck is not known until deployment, so AWS may not check it"
    if admins.untied:
        access = admins.untied[0]
        return (
            f"{access.statement.label} lets {access.caller.label} administer the key, which ties it to no "
            "one account"
        )
    if admins.unknown:
        return "a principal that may administer the key is not known until deployment"
    candidates = _candidates(trusted, admins)
    if candidates:
        return f"principals of accounts {_join(candidates)} may all administer the key"
    return "no principal of an account may administer the key"


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
    trusted = trusted_account(resource, config["accountId"], KEY_ARNS)
    admins = administrators(document)
    account = key_account(resource, trusted, admins)
    public = public_statements(document)
    for statement, bound in public:
        yield (
            f"{statement.label} allows {render_principals(statement)} {render_actions(statement)} "
            f"{why_open(bound)}, so every AWS account can use the key"
        )
    named: set[str] = set()
    unknown = [s for s in document.statements if s.effect is UNKNOWN]
    unsure: list[Statement] = []  # statements whose actions, not known yet, may include kms:CreateGrant
    # Per statement: the callers that can pass the key on, and the others of accounts outside the stack's.
    findings: dict[int, tuple[Statement, list[Caller], list[Caller], set[str]]] = {}
    for access in allowed(document):
        statement, caller, bound = access.statement, access.caller, access.binding
        if any(statement is s for s, _ in public):
            continue
        if caller.kind == UNKNOWN_CALLER:
            unknown.append(statement)
            continue
        owner = caller.account if caller.kind in (ACCOUNT, SERVICE) else None
        outside = owner is not None and account.outside(owner)
        if owner is not None and not outside:
            named.add(owner)
        # The account itself (its root) hands the key on only through its own IAM policies, and a service
        # bound to the account acts for the account's resources.
        own = owner is not None and not outside and (caller.root or caller.kind == SERVICE)
        limited = own or bound.grants_for_aws_resources or bound.via_service
        covers = statement.covers_action(CREATE_GRANT)
        passes = not limited and covers is True
        if not limited and not outside and covers is UNKNOWN:
            unsure.append(statement)
        if outside or passes:
            entry = findings.setdefault(statement.index, (statement, [], [], set()))
            entry[1 if passes else 2].append(caller)
            if outside and owner is not None:
                entry[3].add(owner)
    for statement, passers, others, away in findings.values():
        elsewhere = f"{account.elsewhere(away)}, so another account can use the key"
        if not passers:
            callers = describe_callers(others)
            yield f"{statement.label} allows {callers} {render_actions(statement)}: {elsewhere}"
            continue
        yield (
            f"{statement.label} allows {describe_callers(passers)} {render_actions(statement)} with no "
            "Condition that limits grants; that includes kms:CreateGrant, so the principal can hand the key "
            'on to anyone. Add a Condition such as "Bool": {"kms:GrantIsForAWSResource": "true"} or '
            "kms:ViaService, or narrow the actions" + (f"; {elsewhere}" if away else "")
        )
    if unknown and not document.unknown:
        labels = ", ".join(dict.fromkeys(s.label for s in unknown))
        yield unknown_until_deployed(
            resource,
            resource,
            "policy",
            f"whether anyone outside the stack's account may use the key through {labels}",
        )
    if unsure and not document.unknown:
        labels = ", ".join(dict.fromkeys(s.label for s in unsure))
        yield unknown_until_deployed(
            resource,
            resource,
            "policy",
            f"whether {labels} let a principal other than the account call kms:CreateGrant without a "
            "Condition that limits grants",
        )
    if account.account is None:
        yield from _untold_account(resource, trusted, admins, named)


def _untold_account(
    resource: Resource, trusted: KeyAccount, admins: Administrators, named: set[str]
) -> Iterator[str | Finding]:
    """Principals of accounts that may be the key's own, when nothing tells which account that is."""
    if len(named) > 1:
        yield (
            f"the key policy lets principals of accounts {_join(named)} use the key, and which one is the "
            f"stack's account cannot be told ({_why_untold(resource, trusted, admins)}), so at least one of "
            f"them is another account: {SET_ACCOUNT}"
        )
    elif named and (_bypassed(resource) or admins.untied):
        # With nobody to administer it, AWS refuses the policy (kms-key-policy-keeps-account-access says
        # so); with an administrator not known yet, the note above stands for it.
        (only,) = named
        yield (
            f"the key policy lets principals of account {only} use the key, but whether {only} is the "
            f"stack's account cannot be told ({_why_untold(resource, trusted, admins)}): {SET_ACCOUNT}"
        )
    elif named and _bypass_unknown(resource) and not admins.unknown:
        (only,) = named
        yield unknown_until_deployed(
            resource, resource, BYPASS, f"whether account {only} of the key policy is the stack's account"
        )


def check_account_access(resource: Resource, config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if _bypassed(resource):
        yield (
            "bypassPolicyLockoutSafetyCheck is true, which skips the AWS check that stops a key policy "
            "from locking the account out of the key"
        )
    elif _bypass_unknown(resource):
        yield unknown_until_deployed(
            resource, resource, BYPASS, "whether the lock-out safety check is skipped"
        )
    document = key_policy_document(resource)
    if document is None:
        return
    yield from (f"key policy is unreadable: {error}" for error in document.errors)
    if document.errors:
        return
    document = _as_written(document)
    trusted = trusted_account(resource, config["accountId"], KEY_ARNS)
    admins = administrators(document)
    account = key_account(resource, trusted, admins).account
    named = [
        s
        for s in document.statements
        if s.effect in ("Allow", UNKNOWN) and s.covers_action(ADMIN_ACTION) is not False
    ]
    statements = [s for s in named if _may_be_the_key(s, _own_key_arn(resource))]
    # A root statement counts for the account only under a Condition its administrators meet.
    roots = _roots(statements, trusted, _may_meet)
    # Roots whose statements surely cover kms:PutKeyPolicy, under a Condition surely met (an Action or a
    # Condition value not known yet may not).
    sure = _roots([s for s in statements if s.covers_action(ADMIN_ACTION) is True], trusted, _surely_meet)
    unknown = any(p.value is UNKNOWN for s in statements for p in s.principals)
    # While the account cannot be told, it is one of the accounts whose principals may administer the key:
    # the root of each must be able to.
    needed = {account} if account is not None else set(_candidates(trusted, admins))
    missing = sorted(needed - roots)
    kept = unknown or (bool(roots) and not missing)
    if not kept and document.unknown:
        yield _unknown_policy(resource)
    elif kept and not unknown and needed - sure:
        late = needed - sure
        part = (
            "a Condition value"
            if _roots([s for s in statements if _meets_later(s)], trusted) & late
            else "an Action"
        )
        yield unknown_until_deployed(
            resource,
            resource,
            "policy",
            f"whether {' and '.join(f'arn:aws:iam::{a}:root' for a in sorted(late))} may call "
            f"kms:PutKeyPolicy ({part} of its statement)",
        )
    elif not kept and (account is not None or not roots):
        yield _no_account_access(account, needed, named, statements, trusted)
    elif not kept:
        yield (
            f"principals of accounts {_join(needed)} may administer the key and which one is the stack's "
            f"account cannot be told; if it is {' or '.join(missing)}, no Allow statement gives its root "
            f"({', '.join(f'arn:aws:iam::{a}:root' for a in missing)}) kms:* or kms:PutKeyPolicy, so the "
            f"account cannot manage the key through IAM: {SET_ACCOUNT}"
        )
    configured = trusted.account or ""
    for statement in document.statements:
        # A Condition the account's administrators always meet (their own account) denies them all the same,
        # and one they will meet from a date on, or meet until one, denies them for that time.
        always = not statement.has_condition or any(admins_meet(statement, a) is True for a in needed)
        for_a_time = any(admins_meet(statement, a, eventually=True) is True for a in needed)
        if (
            statement.effect == "Deny"
            and (always or for_a_time)
            and statement.covers_action(ADMIN_ACTION) is True
            and (statement.applies_to_everyone or any(_is_root(p, configured) for p in statement.principals))
        ):
            keys = ", ".join(sorted({c.key for c in statement.conditions}, key=str.lower))
            if not keys:
                when, then = "without a Condition", "nobody can change the key policy again"
            elif always:
                when = f"under a Condition on {keys} that the account's administrators always meet"
                then = "nobody can change the key policy again"
            else:
                when = f"under a Condition on {keys} that the account's administrators all meet for a time"
                then = "for that time nobody can change the key policy"
            denied = f"{statement.label} denies {render_principals(statement)} kms:PutKeyPolicy"
            yield f"{denied} {when}, so {then}"


def _as_written(document: Document) -> Document:
    """The document as IAM reads its Conditions: in one whose Version substitutes no policy variables,
    ``"${aws:userid}"`` is that text, which no caller's id is, so each is escaped (``${$}`` is "$")."""
    if document.substitutes_variables:
        return document

    def literal(condition: Condition) -> Condition:
        values = tuple(v.replace("${", "${$}{") if isinstance(v, str) else v for v in condition.values)
        return replace(condition, values=values)

    statements = tuple(replace(s, conditions=tuple(map(literal, s.conditions))) for s in document.statements)
    return replace(document, statements=statements)


def _no_account_access(
    account: str | None,
    needed: set[str],
    named: list[Statement],
    statements: list[Statement],
    trusted: KeyAccount,
) -> str:
    root = f"arn:aws:iam::{account or '<account>'}:root"
    elsewhere = [s for s in named if all(s is not t for t in statements) and needed & _roots([s], trusted)]
    unmet = [
        s
        for s in statements
        if needed & _roots([s], trusted) and not needed & _roots([s], trusted, _may_meet)
    ]
    if unmet and not elsewhere:
        keys = sorted({c.key for s in unmet for c in s.conditions}, key=str.lower)
        return (
            f"no Allow statement gives the account ({root}) kms:* or kms:PutKeyPolicy under a Condition its "
            f"administrators meet: {', '.join(s.label for s in unmet)} names it under a Condition on "
            f"{', '.join(keys)}, which they may never meet (only aws:PrincipalAccount or kms:CallerAccount "
            "naming the account, aws:PrincipalArn, aws:userid or aws:PrincipalType matching all its "
            "principals, what every direct call over TLS carries, or a key it lacks (kms:ViaService, "
            "aws:SourceArn...) left optional is sure to hold), so the account cannot manage the key through "
            "IAM"
        )
    why = (
        f" ({', '.join(s.label for s in elsewhere)} names it on {render_resources(elsewhere[0])}, which is "
        'not this key: in a key policy the key is Resource "*")'
        if elsewhere
        else ""
    )
    return (
        f"no Allow statement gives the account ({root}) kms:* or kms:PutKeyPolicy{why}, so AWS "
        "rejects the policy (lock-out safety check) or, if bypassed, nobody can manage the key again"
    )


# The condition keys whose value, in every request a principal of an account makes to KMS, is that account.
_CALLER_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "kms:calleraccount"})
_POSITIVE = ("StringEquals", "StringLike", "StringEqualsIgnoreCase")
_NEGATED = ("StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase")


def admins_meet(statement: Statement, account: str, *, eventually: bool = False) -> bool | Missing:
    """Whether the IAM administrators of ``account`` (the key's) meet the statement's Condition: True,
    False, or UNKNOWN while a value is not known until deployment. ``eventually``: whether they will all
    meet it at some time from now on (a Deny that does locks them out for that time); else whether they
    meet it now and always (an Allow that keeps them in).

    AWS's default statement for the account has no Condition. A Condition is surely met only when every
    request an administrator makes to KMS, directly, over TLS (KMS takes no other), satisfies it: on the
    caller's account (aws:PrincipalAccount, kms:CallerAccount) naming the account; on aws:PrincipalArn
    matching every principal of the account ("*", "arn:aws:iam::<account>:*") or naming only other
    accounts' (negated); on aws:userid or aws:RequestedRegion a pattern that matches any value ("*"); on
    aws:PrincipalType every type of an account's principal (Account, User, FederatedUser, AssumedRole) or,
    negated, none of them ("Anonymous"); aws:SecureTransport true, aws:PrincipalIsAWSService or
    aws:ViaAWSService false; a time from a date now past on (aws:CurrentTime, aws:EpochTime, which alone a
    Numeric operator reads, given a number); Null "false" on a key every request has; and one that lets a
    direct call, without kms:ViaService, aws:SourceArn or another key only a service's call or another
    operation carries, through (Null "true", IfExists, a negated operator, ForAllValues). Any other
    (kms:ViaService or aws:ViaAWSService required: only through a service; a time that ends or has not
    begun; one fixed user id or principal type) may never hold for a person who administers the key, so it
    is not met. Read both ways: a Deny of kms:PutKeyPolicy under a Condition they meet locks them out.
    """
    if statement.condition_unknown:
        return UNKNOWN
    verdict: bool | Missing = True
    window = _ALL_TIME
    for condition in statement.conditions:
        if condition.key.lower() in _TIME_KEYS and condition.base_operator != "Null":
            met: bool | Missing | tuple[float, float] = _time_window(condition)
        else:
            met = _condition_met(condition, account)
        if isinstance(met, tuple):
            window = (max(window[0], met[0]), min(window[1], met[1]))
            continue
        if met is False:
            return False
        if met is UNKNOWN:
            verdict = UNKNOWN
    now = time.time()
    # An Allow must hold from now on; a Deny locks out whenever it holds, now or from a date on.
    if (max(window[0], now) >= window[1]) if eventually else not (window[0] <= now and window[1] == _FOREVER):
        return False
    return verdict


# Keys every request of an IAM principal to KMS holds.
_ALWAYS_PRESENT = _CALLER_ACCOUNT_KEYS | {
    "aws:principalarn",
    "aws:principaltype",
    "aws:userid",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:principalisawsservice",
    "aws:viaawsservice",
}
# Keys a direct call to KMS (an administrator's PutKeyPolicy) never holds: the services it came through
# (kms:ViaService, aws:CalledVia...), the resource a service calls for (aws:SourceArn, aws:SourceAccount and
# its organisation, only in a service's call on a resource's behalf), tags (PutKeyPolicy takes none), and what
# only the cryptographic operations and the grant operations carry.
_ABSENT_IN_DIRECT_CALLS = frozenset(
    {
        "kms:viaservice",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:tagkeys",
        "kms:encryptioncontextkeys",
        "kms:encryptionalgorithm",
        "kms:signingalgorithm",
        "kms:macalgorithm",
        "kms:grantoperations",
        "kms:granteeprincipal",
        "kms:retiringprincipal",
        "kms:grantisforawsresource",
        "kms:grantconstrainttype",
    }
)
_ABSENT_PREFIXES = ("aws:requesttag/", "kms:encryptioncontext:")
_ARN_POSITIVE = ("ArnLike", "ArnEquals", "StringLike", "StringEquals", "StringEqualsIgnoreCase")
_ARN_NEGATED = ("ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals", "StringNotEqualsIgnoreCase")
# The aws:PrincipalType of each principal of an account that may administer a key: its root, an IAM user, a
# federated user, a role session ("Anonymous" is no one's).
_PRINCIPAL_TYPES = ("Account", "User", "FederatedUser", "AssumedRole")
# Keys any text may be the value of, with the length of the shortest: a caller's unique id (the root's is the
# account id), the key's Region ("us-east-1"). Only a pattern that matches all of them holds for everyone.
_ANY_TEXT = {"aws:userid": 12, "aws:requestedregion": 9}
# The value of Boolean keys in every direct request to KMS, which takes TLS connections only.
_DIRECT_CALL = {
    "aws:securetransport": "true",
    "aws:principalisawsservice": "false",
    "aws:viaawsservice": "false",
}


def _condition_met(condition: Condition, account: str) -> bool | Missing:
    key, base = condition.key.lower(), condition.base_operator
    if base == "Null":
        # {"Null": {key: "false"}} holds when the key is in the request, "true" when it is not.
        expected = "false" if key in _ALWAYS_PRESENT else "true" if _absent(key) else None
        known = [v for v in condition.values if v is not UNKNOWN]
        if expected is None or any(str(v).lower() != expected for v in known):
            return False
        return True if len(known) == len(condition.values) else UNKNOWN
    if _absent(key):
        # Without the key, IfExists and a negated operator (StringNotEquals, ArnNotLike...) hold, and so does
        # ForAllValues (over no values); ForAnyValue and a positive operator do not.
        if condition.operator.startswith("ForAnyValue:"):
            return False
        return condition.if_exists or "Not" in base or condition.operator.startswith("ForAllValues:")
    # The other keys hold one value in every request, so a set operator or IfExists reads as the operator
    # alone.
    if key == "aws:principalarn":
        return _principal_arns_met(condition, account)
    if key in _DIRECT_CALL:
        return base == "Bool" and _any_value(condition, lambda v: str(v).lower() == _DIRECT_CALL[key])
    if key == "aws:principaltype" and base in _POSITIVE + _NEGATED:
        return _principal_types_met(condition)
    if key in _ANY_TEXT and base in ("StringLike", "StringEquals"):
        shortest = _ANY_TEXT[key]
        return _any_value(condition, lambda v: isinstance(v, str) and _matches_any(v, key, base, shortest))
    if key not in _CALLER_ACCOUNT_KEYS or base not in _POSITIVE + _NEGATED:
        return False
    matches = [_names_account(v, account, base) for v in condition.values]
    if base in _POSITIVE:
        return True if True in matches else UNKNOWN if UNKNOWN in matches else False
    if True in matches or None in matches:
        return False
    return UNKNOWN if UNKNOWN in matches else True


def _absent(key: str) -> bool:
    return key in _ABSENT_IN_DIRECT_CALLS or key.startswith(_ABSENT_PREFIXES)


def _any_value(condition: Condition, holds: Callable[[Any], bool]) -> bool | Missing:
    """Whether one of the condition's values surely holds: UNKNOWN when only a value not known yet may."""
    if any(v is not UNKNOWN and holds(v) for v in condition.values):
        return True
    return UNKNOWN if UNKNOWN in condition.values else False


def _matches_any(value: str, key: str, base: str, shortest: int) -> bool:
    """Whether a value matches every text of at least ``shortest`` characters: "*", "?*", or the key's own
    policy variable ("${aws:userid}" is the caller's id)."""
    text = variables_as_wildcards(value) if policy_variables(value) <= {key} else value
    if base == "StringEquals":
        return text == "*" and value != "*"  # StringEquals reads "*" as itself, a variable as its value
    return "*" in text and not text.strip("*?") and text.count("?") <= shortest


def _principal_types_met(condition: Condition) -> bool | Missing:
    """A positive operator must name every type of an account's principal, a negated one none of them."""
    base = condition.base_operator
    texts = [v for v in condition.values if isinstance(v, str)]
    named = {t for t in _PRINCIPAL_TYPES for v in texts if _names_type(v, t, base)}
    unknown = UNKNOWN in condition.values
    if base in _POSITIVE:
        return True if len(named) == len(_PRINCIPAL_TYPES) else UNKNOWN if unknown else False
    # A value with another policy variable in it may be any type.
    if named or any(policy_variables(v) - {"aws:principaltype"} for v in texts):
        return False
    return UNKNOWN if unknown else True


def _names_type(value: str, principal_type: str, base: str) -> bool:
    # "${aws:PrincipalType}" is the caller's own type: the value matches a caller of that type only as it
    # reads with the type in its place ("${aws:PrincipalType}-x" is no type).
    value = with_variables(value, {"aws:principaltype": principal_type})
    if "IgnoreCase" in base:
        return value.lower() == principal_type.lower()
    if "Like" in base:
        return glob_match(value, principal_type, case_sensitive=True)
    return value == principal_type


# When a statement's Condition on the time holds: from (start) until (end), in seconds of Unix time.
_FOREVER = float("inf")
_ALL_TIME = (-_FOREVER, _FOREVER)
_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_AFTER = ("DateGreaterThan", "DateGreaterThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals")
_BEFORE = ("DateLessThan", "DateLessThanEquals", "NumericLessThan", "NumericLessThanEquals")


def _time_window(condition: Condition) -> tuple[float, float] | bool | Missing:
    """When a Condition on the request's time holds, as (start, end); False: never (an operator that does
    not compare times, a value that is no time), True: at every time but one (DateNotEquals)."""
    base = condition.base_operator
    numeric = base.startswith("Numeric")
    # aws:CurrentTime is a date ("2026-01-01T00:00:00Z"), which a Numeric operator cannot read: it never
    # matches (only aws:EpochTime is also a number).
    if numeric and condition.key.lower() == "aws:currenttime":
        return False
    if base in ("DateNotEquals", "NumericNotEquals"):
        return True
    times = [_seconds(v, numeric=numeric) for v in condition.values if v is not UNKNOWN]
    known = [t for t in times if t is not None]
    if base not in _AFTER + _BEFORE or not known:
        return UNKNOWN if UNKNOWN in condition.values and base in _AFTER + _BEFORE else False
    if UNKNOWN in condition.values:
        return UNKNOWN
    # Values are alternatives: after the earliest of them, or before the latest.
    return (min(known), _FOREVER) if base in _AFTER else (-_FOREVER, max(known))


def _seconds(value: Any, *, numeric: bool) -> float | None:
    """A date (ISO 8601) or Unix time as seconds of Unix time; None when it is neither, or when a Numeric
    operator (``numeric``), which reads its value as a number, is given a date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    text = str(value)  # a condition value is a string, a number or a boolean ("True" is no time)
    if text.strip().isdigit():
        return float(text)
    try:
        return None if numeric else _iso_seconds(text)
    except ValueError:
        return None


def _iso_seconds(value: str) -> float:
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _principal_arns_met(condition: Condition, account: str) -> bool | Missing:
    """Whether every principal of ``account`` meets a Condition on aws:PrincipalArn: a positive operator
    with a pattern that matches its root, roles and users ("*", "arn:aws:iam::<account>:*"), a negated one
    whose every value names another account."""
    base = condition.base_operator
    if base not in _ARN_POSITIVE + _ARN_NEGATED:
        return False
    probes = [f"arn:aws:iam::{account}:{name}" for name in ("root", "role/z", "user/z")]
    found: list[bool | Missing] = []
    for value in condition.values:
        text = _with_account(value, account)
        if text is UNKNOWN or text is None:
            found.append(UNKNOWN if text is UNKNOWN else False)
        elif base in _ARN_POSITIVE:
            # One value equal to each of them would be three values: only a pattern matches them all, and
            # ArnLike and StringLike match case-sensitively. A pattern that holds another policy variable
            # matches none of them (none holds "${"): it is not sure to match every principal.
            like = base.startswith("Arn") or "Like" in base
            found.append(like and all(glob_match(text, p, case_sensitive=True) for p in probes))
        else:
            # The account is read before any other policy variable: after it, a variable changes the
            # principal named, not its account ("arn:aws:iam::<other>:user/${aws:username}").
            head = text.split("${", 1)[0]
            named = head.split(":")[4] if head.count(":") >= 5 else ""
            found.append(bool(_ACCOUNT_ID.fullmatch(named)) and named != account)
    if base in _ARN_POSITIVE:
        return True if True in found else UNKNOWN if UNKNOWN in found else False
    return False if False in found else UNKNOWN if UNKNOWN in found else True


_ACCOUNT_ID = re.compile(r"\d{12}")


def _with_account(value: Any, account: str) -> str | Missing | None:
    """A condition value with the caller's and the key's account filled in (other policy variables left as
    written): None when it is no string."""
    if value is UNKNOWN:
        return UNKNOWN
    if not isinstance(value, str):
        return None
    return with_variables(value, dict.fromkeys(("aws:resourceaccount", "aws:principalaccount"), account))


def _names_account(value: Any, account: str, base: str) -> bool | Missing | None:
    """Whether a condition value matches the account: None when a policy variable leaves it unsure."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))  # IAM reads a JSON number as its digits
    if not isinstance(value, str):
        return False
    # The key's account is the resource's, and a caller of the account is its own principal account.
    text = with_variables(value, dict.fromkeys(("aws:resourceaccount", "aws:principalaccount"), account))
    if policy_variables(text):
        return None
    return glob_match(text, account) if "Like" in base else text == account


def _may_meet(statement: Statement, account: str) -> bool:
    return admins_meet(statement, account) is not False


def _surely_meet(statement: Statement, account: str) -> bool:
    return admins_meet(statement, account) is True


def _meets_later(statement: Statement) -> bool:
    return any(admins_meet(statement, a) is UNKNOWN for a in _roots([statement], _ANY_ACCOUNT))


def _own_key_arn(resource: Resource) -> str | None:
    """The key's own ARN when it is known: a key's arn output, a KeyPolicy's keyId given as an ARN."""
    for prop in ("arn", "keyId"):
        value = resource.get(prop)
        arn = parse_arn(value) if isinstance(value, str) else None
        if arn is not None and arn.service == "kms" and arn.resource.startswith("key/"):
            return value
    return None


def _may_be_the_key(statement: Statement, key_arn: str | None) -> bool:
    """Whether the statement's Resource may name the key the policy is attached to. AWS reads "*" as the
    key and an ARN pattern as itself: a statement on "arn:aws:dynamodb:*" applies to nothing here, and
    AWS's lock-out check does not count it. When unsure (a value or the key's ARN not known yet), it may."""
    if statement.negated_resources:
        # NotResource applies to the key unless an entry surely names it.
        return not any(
            isinstance(r, str) and (r == "*" or (key_arn is not None and glob_match(r, key_arn)))
            for r in statement.resources
        )
    return any(_may_name_key(r, key_arn) for r in statement.resources)


def _may_name_key(pattern: Any, key_arn: str | None) -> bool:
    if not isinstance(pattern, str):
        return True
    if key_arn is not None:
        return glob_match(pattern, key_arn)
    arn = parse_arn(pattern)
    if arn is None:
        return glob_match(pattern, "arn:aws:kms:us-east-1:000000000000:key/x")
    return glob_match(arn.service, "kms") and glob_match(arn.resource.split("/", 1)[0], "key")


def render_resources(statement: Statement) -> str:
    shown = ", ".join("<unknown>" if r is UNKNOWN else str(r) for r in statement.resources)
    return f"{'NotResource' if statement.negated_resources else 'Resource'} [{shown}]"


def _roots(
    statements: Iterable[Statement],
    trusted: KeyAccount,
    meets: Callable[[Statement, str], bool] = lambda _s, _a: True,
) -> set[str]:
    """The accounts whose root (or bare id) the statements name, apart from those surely elsewhere, and
    whose statement's Condition ``meets`` says the account meets."""
    return {
        a
        for s in statements
        for p in s.principals
        if p.kind == "AWS" and isinstance(p.value, str)
        for a in [root_account(p.value)]
        if a is not None and not trusted.outside(a) and meets(s, a)
    }


_ANY_ACCOUNT = KeyAccount(None)


def _is_root(principal: Principal, configured: str) -> bool:
    if principal.kind != "AWS" or not isinstance(principal.value, str):
        return False
    account = root_account(principal.value)
    return account is not None and (not configured or account == configured)


# A grant's principal properties: who each is, and what it can do from another account.
GRANT_PRINCIPALS = {
    "granteePrincipal": (
        "the grantee",
        "the grant opens the key to another account where the key policy does not show it",
    ),
    "retiringPrincipal": (
        "the retiring principal",
        "another account can retire the grant, where the key policy does not show it",
    ),
}


def check_grant(resource: Resource, config: Mapping[str, Any]) -> Iterator[str | Finding]:
    operations = resource.get("operations")
    listed = operations if isinstance(operations, list) else []
    blocked = any(isinstance(o, str) and o.lower() == "creategrant" for o in listed)
    if blocked:
        yield (
            "operations include CreateGrant, so the grantee can hand the key on to anyone with grants of "
            "its own, which no key policy shows"
        )
    elif operations is UNKNOWN or any(o is UNKNOWN for o in listed):
        # operations=[..., other.operation]: the one not known yet may be CreateGrant.
        yield unknown_until_deployed(
            resource, resource, "operations", "whether the grant passes on CreateGrant"
        )
    if resource.get("granteePrincipal") == "*":
        yield 'granteePrincipal is "*", which KMS refuses and which would give the key to everyone'
        return
    for prop, (who, _) in GRANT_PRINCIPALS.items():
        # An unknown principal may be in any account. A grant already blocked gets no note, as below.
        if resource.get(prop) is UNKNOWN and not blocked:
            yield unknown_until_deployed(resource, resource, prop, f"whether {who} is in the key's account")
    key = trusted_account(resource, config["accountId"], ("keyId",))
    # A service grantee ("logs.<region>.amazonaws.com") is no account: it is placed nowhere, like any name
    # that is not an account or an account's principal.
    placed = {
        prop: (value, caller.account)
        for prop in GRANT_PRINCIPALS
        for value in [resource.get(prop)]
        if isinstance(value, str)
        for caller in [classify(Principal("AWS", value))]
        if caller.kind == ACCOUNT and caller.account is not None
    }
    inside: dict[str, str] = {}
    for prop, (value, owner) in placed.items():
        opens = GRANT_PRINCIPALS[prop][1]
        if key.account is not None and owner != key.account:
            yield f"{prop} {value} is in account {owner}, not the key's account {key.account}: {opens}"
        elif key.outside(owner):
            yield f"{prop} {value} is in account {owner}: {key.elsewhere([owner])}; {opens}"
        elif key.account is None:
            inside[prop] = owner
    if len(set(inside.values())) > 1:
        yield (
            f"granteePrincipal is in account {inside['granteePrincipal']} and retiringPrincipal in account "
            f"{inside['retiringPrincipal']}, so one of them is outside the key's account, which nothing "
            f"tells (keyId {describe(resource.get('keyId'))} names no account): {SET_ACCOUNT}"
        )
    elif inside and not blocked:
        # A grant already blocked gets no note: the note comes once what blocks it is fixed.
        prop, owner = next(iter(inside.items()))
        if resource.get("keyId") is UNKNOWN:
            who = GRANT_PRINCIPALS[prop][0]
            yield unknown_until_deployed(
                resource, resource, "keyId", f"whether {who} is in the key's account"
            )
            return
        yield Finding(
            resource,
            f"whether account {owner} of {prop} {placed[prop][0]} is the key's account cannot be checked: "
            f"keyId {describe(resource.get('keyId'))} is a key id or alias, not an ARN, and neither the "
            "policy config accountId nor the provider (assumed role, allowedAccountIds) names the account; "
            "give keyId the key's ARN or set accountId",
            unknown_at_preview=True,
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
            "Key policies (Key, ReplicaKey, ExternalKey, KeyPolicy) give no principal other than the "
            "account kms:CreateGrant, or any action pattern that covers it, without a Condition that limits "
            "grants (kms:GrantIsForAWSResource, kms:ViaService), and let nobody outside the account use the "
            'key: Principal "*", {"AWS": "*"} or NotPrincipal pass only under a Condition that binds the '
            "caller to an account, organisation, source or VPC (aws:SecureTransport and wildcards bind "
            "nothing). The stack's account comes from the accountId config, the key's ARN (a KeyPolicy's "
            "keyId, a replica's primaryKeyArn) or the provider (its assumed role, a single "
            "allowedAccountIds entry), else from AWS's lock-out check (the one account whose principals "
            "alone may administer the key), never from whom the policy names: while nothing tells it, "
            "principals of several accounts are a violation, and so is a single account the lock-out check "
            "does not prove (bypassed, or an administrator tied to no account); a principal, an action "
            "that may be kms:CreateGrant, or a bypassPolicyLockoutSafetyCheck that may leave the one account "
            "unproven, not known at preview, is a note."
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
        config={"accountId": ACCOUNT_SCHEMA},
    ),
    Rule(
        name="kms-key-policy-keeps-account-access",
        description=(
            "KMS key policies let the stack's account root (arn:aws:iam::<account>:root) administer the key "
            '(kms:* or kms:PutKeyPolicy, on Resource "*" or an ARN that may be the key\'s, not another '
            "resource's), without a Condition or only under one the account's administrators surely meet "
            "(aws:PrincipalAccount or kms:CallerAccount naming the account, aws:PrincipalArn, aws:userid or "
            "aws:PrincipalType matching all its principals, aws:SecureTransport true, a time from a past "
            "date on, a key a direct call lacks (kms:ViaService, aws:SourceArn...) left optional; "
            "kms:ViaService or aws:ViaAWSService required, a time that ends or is to come, one user id or "
            "principal type, or another account do not count), deny nobody kms:PutKeyPolicy without a "
            "Condition (or under one they always meet, e.g. StringLike aws:PrincipalArn or aws:userid "
            '"*", StringNotEquals aws:SourceAccount, or will all meet for a time, e.g. DateGreaterThan '
            "aws:CurrentTime), and do not bypass the lock-out safety check; otherwise AWS rejects the "
            "policy or the key becomes unmanageable. The account is found as for "
            "kms-key-policy-no-unconditional-grants; while it cannot be told, the root of each account whose "
            "principals may administer the key must be able to. A policy variable in a Condition counts as "
            "one only under Version 2012-10-17 (else it is literal text). A root statement whose Action or "
            "Condition value, or a bypassPolicyLockoutSafetyCheck, is not known at preview is a note."
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
        config={"accountId": ACCOUNT_SCHEMA},
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
            "KMS grants (aws.kms.Grant) give no principal of another account the key (granteePrincipal) or "
            "its retirement (retiringPrincipal) and never pass on CreateGrant, so nobody outside the key "
            "policy's view can use or re-grant the key. The key's account comes from the accountId config, "
            "a keyId ARN or the provider (its assumed role, allowedAccountIds); a grant whose bare key id "
            "or alias none of them places gets an advisory note, and principals of two accounts a "
            "violation. A principal or operation not known at preview is a note."
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
        config={"accountId": ACCOUNT_SCHEMA},
    ),
]
