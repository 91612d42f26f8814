"""What an IAM policy document grants: which callers get which actions on which resources, after its
conditions.

Every rule that reads a document (key policies, KMS grants, bucket policies, trust policies, identity
policies, VPC endpoint policies, Secrets Manager policies, Lambda permissions) asks this module, so a
document is judged by its meaning, the same in every spelling: ``"*"``, ``{"AWS": "*"}`` and
``{"AWS": ["*"]}`` are one principal, ``NotPrincipal`` with Allow is everyone, and a Condition counts only
when it binds the caller (see :func:`binding`). Action patterns are read against the real catalogue of
IAM actions (:mod:`iam_catalog`).

Decisions (docs/iam-evaluator.md explains each):

- A Condition narrows who can act only when it binds the caller to an account (``aws:PrincipalAccount``,
  ``aws:SourceAccount``, ``kms:CallerAccount``, the account of ``aws:PrincipalArn``/``aws:SourceArn``), an
  organisation (``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``, their ``Source`` forms), one principal
  (a fixed ``aws:userid``, not ``anonymous``: EFS and S3 count it as not public), a named source resource,
  a VPC or VPC endpoint, or a source IP range that is not the whole internet, with a
  positive operator and values that are not wildcards; or, as EFS defines a non-public file system policy,
  ``"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}`` (only NFS clients that reach one of the
  file system's mount targets, in its VPC; no other service's request carries the key). Anything else
  (``aws:SecureTransport``, ``aws:Referer``, ``aws:UserAgent``, ``aws:CurrentTime``, ``...IfExists``,
  ``ForAllValues:``, negated operators, wildcard values) restricts nothing; ``ForAnyValue:`` is false without
  the key, and on a key with one value it is the plain operator. ``kms:ViaService`` names a
  path, not a caller: it binds nothing by itself; ``kms:GrantIsForAWSResource`` restricts only what a
  grant can pass on.
- A value unknown at preview in a binding condition is taken as binding (it is an ARN or id the stack
  computes); the caller is then reported as unknown, never as everyone, unless a known value beside it
  binds no one (``["*", <unknown>]`` under StringLike is everyone).
- Deny statements are not subtracted from Allow statements: a public Allow stays a finding even when a
  Deny elsewhere narrows it, which errs on the side of the guard rail.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from . import iam_catalog
from .awsfacts import ACCOUNT_PATTERN, is_the_internet, parse_arn, root_account
from .documents import (
    RESOURCE_VARIABLES,
    WILDCARD,
    Condition,
    Document,
    Principal,
    Statement,
    glob_match,
    policy_variables,
    variables_as_wildcards,
    with_variables,
)
from .values import UNKNOWN

EVERYONE = "everyone"
ACCOUNT = "account"
SERVICE = "service"
FEDERATED = "federated"
CANONICAL_USER = "canonical-user"
SCOPED = "scoped"
UNPLACED = "unplaced"
UNKNOWN_CALLER = "unknown"

ACCOUNT_KEYS = frozenset(
    {"aws:principalaccount", "aws:sourceaccount", "kms:calleraccount", "aws:sourceowner"}
)
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
ORG_ID_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
NETWORK_KEYS = frozenset({"aws:sourcevpc", "aws:sourcevpce"})
# True only for an NFS client that reached one of the file system's mount targets (EFS's own test of a
# non-public file system policy).
MOUNT_TARGET_KEY = "elasticfilesystem:accessedviamounttarget"
# The caller's unique id: a user's, a role's with its session name, the root's (the account id), never the
# same for two principals. Fixed, it names one principal (EFS and S3 count it as not public); AWS once gave
# anonymous callers the id "anonymous".
USER_ID_KEY = "aws:userid"
_ANONYMOUS = frozenset({"anonymous"})
CONTEXT_PREFIX = "kms:encryptioncontext:"
STRING_OPERATORS = ("StringEquals", "StringLike")
ARN_OPERATORS = ("ArnEquals", "ArnLike", "StringEquals", "StringLike")
_ORG_PATH = re.compile(r"^o-[a-z0-9]{10,32}/")
_ONLY_WILDCARDS = re.compile(r"[*?]*")
# What a condition that restricts nothing binds (see `_restriction`).
_NOTHING: tuple[str, object] = ("none", None)
# Web identity providers anyone can sign in to, and the claim that names the application a token was issued
# to (AWS's web identity condition keys). Only it binds: a user id is the same in the tokens of every
# application that user signed in to (one an attacker runs too), and ``amr`` says only that someone did.
_OPEN_IDENTITY_PROVIDERS = {
    "cognito-identity.amazonaws.com": ("aud",),
    "accounts.google.com": ("aud",),
    "graph.facebook.com": ("app_id",),
    "www.amazon.com": ("app_id",),
}
_OIDC_PROVIDER = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(.+)$")
# OIDC issuers shared by every customer of a CI service, where the job chooses its own audience: only a
# subject whose owner part is literal binds the trust to one organisation.
_SHARED_OIDC_SUBJECTS = {
    # repo:<owner>/<repo>:..., or a customised subject that starts with the owner.
    "token.actions.githubusercontent.com": re.compile(
        r"^(repo:[^*?/:]+/|repository_owner:[^*?:]+(:|$)|repository_owner_id:\d+(:|$))"
    ),
    "gitlab.com": re.compile(r"^project_path:[^*?/:]+/"),
    "app.terraform.io": re.compile(r"^organization:[^*?:]+:"),
    # organization:<org slug>:pipeline:<pipeline slug>:ref:...; a job requests the audience it likes.
    "agent.buildkite.com": re.compile(r"^organization:[^*?:]+:"),
}


@dataclass(frozen=True)
class Caller:
    """Who a statement lets act once its conditions are applied.

    ``account`` is the account the caller acts in (or, for a service, on behalf of) when the document pins
    it; ``root`` marks the account itself (its root ARN or bare id) rather than one of its principals.
    """

    kind: str
    name: str
    account: str | None = None
    root: bool = False
    open: bool = False
    principal: Principal | None = None

    @property
    def label(self) -> str:
        """The principal as the document writes it, or what the conditions made of it."""
        return self.principal.render() if self.principal is not None else self.name

    @property
    def public(self) -> bool:
        """True when anyone, in any account, can be this caller."""
        return self.kind == EVERYONE or self.open

    def is_account(self, account: str | None) -> bool:
        """True for the account ``account`` itself (its root or bare id), never for a principal in it."""
        return account is not None and self.kind == ACCOUNT and self.root and self.account == account


@dataclass(frozen=True)
class Binding:
    """What a statement's conditions bind the caller to.

    ``accounts`` is None when no condition pins an account; ``scopes`` names the other restrictions
    (organisation, VPC, source resource, IP range); ``own_resource`` those of them that bind the caller to
    the resource's own account or organisation, ``networks`` those that name a VPC or VPC endpoint;
    ``ignored`` lists the conditions that restrict nothing.
    """

    accounts: frozenset[str] | None = None
    scopes: tuple[str, ...] = ()
    service_accounts: frozenset[str] | None = None
    grants_for_aws_resources: bool = False
    via_service: bool = False
    unknown: bool = False
    ignored: tuple[Condition, ...] = ()
    own_resource: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()

    @property
    def restricts(self) -> bool:
        return self.accounts is not None or bool(self.scopes) or self.unknown

    def through_endpoint(self) -> Binding:
        """The binding as a VPC endpoint's policy reads it, where the scopes in ``own_resource`` and
        ``networks`` no longer restrict (both still name them): the resource's own account
        (``"aws:PrincipalAccount": "${aws:ResourceAccount}"``) is every caller's own, and every request
        through the endpoint comes from its VPC and the endpoint itself."""
        blind = set(self.own_resource) | set(self.networks)
        return replace(self, scopes=tuple(s for s in self.scopes if s not in blind))

    def restricts_service(self) -> bool:
        return self.restricts or self.service_accounts is not None


@dataclass(frozen=True)
class Access:
    """One caller that one Allow statement lets act."""

    statement: Statement
    caller: Caller
    binding: Binding


def classify(principal: Principal) -> Caller:
    """The caller a principal names, before conditions. A principal is judged by its type as well as its
    value: ``{"Service": "arn:aws:iam::<account>:root"}`` is no account, ``{"AWS": "logs..."}`` no service."""
    kind, account, root = _classify(principal)
    name = (
        "*" if principal.is_everyone else "<unknown>" if principal.value is UNKNOWN else str(principal.value)
    )
    return Caller(kind, name, account, root, principal=principal)


def _classify(principal: Principal) -> tuple[str, str | None, bool]:
    """``(kind, account, root)`` of a principal."""
    if principal.is_everyone:
        return EVERYONE, None, False
    value = principal.value
    if value is UNKNOWN:
        return UNKNOWN_CALLER, None, False
    assert isinstance(value, str)
    if principal.kind == "AWS":
        account = root_account(value)
        if account is not None:
            return ACCOUNT, account, True
        arn = parse_arn(value)
        if arn is not None and arn.service in ("iam", "sts") and ACCOUNT_PATTERN.match(arn.account):
            return ACCOUNT, arn.account, False
        return UNPLACED, None, False
    if principal.kind == "Service":
        return SERVICE, None, False
    if principal.kind == "Federated":
        arn = parse_arn(value)
        return (
            FEDERATED,
            arn.account if arn is not None and ACCOUNT_PATTERN.match(arn.account) else None,
            False,
        )
    return CANONICAL_USER, None, False


def binding(statement: Statement) -> Binding:
    """What the statement's conditions bind the caller to (all conditions must hold, so they add up)."""
    accounts: frozenset[str] | None = None
    service_accounts: frozenset[str] | None = None
    scopes: list[str] = []
    own_resource: list[str] = []
    networks: list[str] = []
    ignored: list[Condition] = []
    grants = via = unknown = statement.condition_unknown
    for condition in statement.conditions:
        kind, value = _restriction(condition)
        if kind == "accounts":
            accounts = value if accounts is None else accounts & value
        elif kind == "context":
            service_accounts = value if service_accounts is None else service_accounts & value
        elif kind == "scope":
            scopes.append(value)
        elif kind == "own":
            scopes.append(value)
            own_resource.append(value)
        elif kind == "network":
            scopes.append(value)
            networks.append(value)
        elif kind == "grants":
            grants = True
            ignored.append(condition)  # It limits what a grant passes on, not who calls.
        elif kind == "via":
            via = True
            ignored.append(condition)  # A path through a service, open to callers of any account.
        elif kind == "unknown":
            unknown = True
        else:
            ignored.append(condition)
    return Binding(
        accounts,
        tuple(scopes),
        service_accounts,
        grants,
        via,
        unknown,
        tuple(ignored),
        tuple(own_resource),
        tuple(networks),
    )


def _restriction(condition: Condition) -> tuple[str, object]:
    """What one condition binds: ("accounts", set), ("scope", text), ("grants"|"via"|"unknown", None) or
    ("none", None) when it restricts nothing."""
    key = condition.key.lower()
    operator = condition.operator
    # ForAllValues: holds when the key is missing; ForAnyValue: does not, and on a key with one value it is
    # the plain operator (AWS's organisation-wide sink and bucket policies write it so).
    if condition.if_exists or operator.startswith("ForAllValues:"):
        return _NOTHING
    base = condition.base_operator
    # IAM reads a number as its digits: "aws:SourceAccount": 123456789012 names that account.
    values = tuple(str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in condition.values)
    if any(v is UNKNOWN for v in values):
        binds = key in ACCOUNT_KEYS | ARN_KEYS | ORG_ID_KEYS | ORG_PATH_KEYS | NETWORK_KEYS | {USER_ID_KEY}
        # The values are alternatives: one known value that restricts nothing ("*" under StringLike, a
        # variable, "anonymous") lets everyone in, whatever the others turn out to be.
        known = tuple(v for v in values if v is not UNKNOWN)
        if known and _restriction(replace(condition, values=known)) == _NOTHING:
            return _NOTHING
        return ("unknown", None) if binds and base in ARN_OPERATORS else _NOTHING
    texts = [v for v in values if isinstance(v, str)]
    if len(texts) != len(values):
        return _flag(key, base, values)
    shown = f"{condition.key} {', '.join(texts)}"
    variables = frozenset().union(*map(policy_variables, texts))
    binds = key in ACCOUNT_KEYS | ARN_KEYS | ORG_ID_KEYS
    if variables and variables <= RESOURCE_VARIABLES and binds and base in ARN_OPERATORS:
        # The caller's account or organisation must be the resource's own, where the variable stands for
        # it: read with the resource's values in place, the condition must bind as a literal one would
        # ("arn:aws:iam::*:role/${aws:ResourceAccount}" is a role so named in any account).
        written = tuple(with_variables(v, _OWN_RESOURCE_VALUES) for v in texts)
        kind, _ = _restriction(Condition(condition.operator, condition.key, written))
        return ("own", shown) if kind in ("accounts", "scope") else _NOTHING
    if variables:
        # The request supplies the value: "aws:PrincipalAccount": "${aws:PrincipalAccount}" holds for every
        # caller. Each variable matches what the caller makes it, as a "*" would.
        texts = [variables_as_wildcards(v) for v in texts]
        base = "StringLike" if base == "StringEquals" else base  # the Arn operators already match globs
    # Only the *Like and Arn* operators read "*" and "?" as wildcards; StringEquals "*" names no one.
    literal = base == "StringEquals" or not any(WILDCARD.search(v) for v in texts)
    if key in ACCOUNT_KEYS and base in STRING_OPERATORS and literal:
        return "accounts", frozenset(texts)
    if key in ARN_KEYS and base in ARN_OPERATORS:
        pinned = _arn_accounts(texts, base)
        if isinstance(pinned, frozenset):
            return "accounts", pinned
        # A named resource without an account (an S3 bucket ARN), or an exact ARN: the source is that.
        return ("scope", shown) if pinned else _NOTHING
    if key.startswith(CONTEXT_PREFIX) and base in ARN_OPERATORS:
        # The caller writes the encryption context, so it binds no one, except a service principal, which
        # AWS trusts to send its own resources' ARNs (CloudWatch Logs sends the log group's).
        pinned = _arn_accounts(texts, base)
        return ("context", pinned) if isinstance(pinned, frozenset) else _NOTHING
    if key in ORG_ID_KEYS and base in STRING_OPERATORS and literal:
        return "scope", shown
    if key in NETWORK_KEYS and base in STRING_OPERATORS and literal:
        return "network", shown
    if (
        key == USER_ID_KEY
        and base in STRING_OPERATORS
        and literal
        and not _ANONYMOUS & {v.lower() for v in texts}
    ):
        return "scope", shown
    if key in ORG_PATH_KEYS and base in STRING_OPERATORS and all(_ORG_PATH.match(v) for v in texts):
        return "scope", shown
    if key == "aws:sourceip" and base == "IpAddress" and _ip_ranges_restrict(texts):
        return "scope", shown
    if key == "kms:viaservice" and base in STRING_OPERATORS and literal:
        return "via", None
    return _flag(key, base, values)


# The resource's own keys, each with a literal value of its shape, which a caller cannot match by accident.
_OWN_RESOURCE_VALUES = {
    "aws:resourceaccount": "000000000000",
    "aws:resourceorgid": "o-0000000000",
    "aws:resourceorgpaths": "o-0000000000/r-0000/",
}


def _flag(key: str, base: str, values: tuple[object, ...]) -> tuple[str, object]:
    # Bool values arrive as strings or booleans; only an exact true restricts (a grant, or the clients).
    if base != "Bool" or not all(str(v).lower() == "true" for v in values):
        return _NOTHING
    if key == "kms:grantisforawsresource":
        return "grants", None
    if key == MOUNT_TARGET_KEY:
        return "scope", "elasticfilesystem:AccessedViaMountTarget true"
    return _NOTHING


def _arn_accounts(values: list[str], base: str) -> frozenset[str] | bool:
    """The accounts ARN values pin, when each value pins one; else True when they name resources without
    pinning every account (a source all the same), False when one of them names any resource anywhere."""
    accounts: set[str] = set()
    for value in values:
        arn = parse_arn(value)
        if base == "StringEquals":
            # An exact string: it binds the caller to that ARN (or to no one, if it is not an ARN).
            if arn is not None and ACCOUNT_PATTERN.match(arn.account):
                accounts.add(arn.account)
            continue
        # StringLike matches the whole string, so a wildcard before the account can run past its colons (an
        # IAM path may hold ":iam::<account>:"); the Arn operators match each part on its own.
        if (
            arn is None
            or (base == "StringLike" and WILDCARD.search(f"{arn.partition}:{arn.service}:{arn.region}"))
            or WILDCARD.search(arn.account)
            or (not arn.account and _names_many(arn.resource))
        ):
            return False  # A wildcard account, or any resource of any account.
        if ACCOUNT_PATTERN.match(arn.account):
            accounts.add(arn.account)
    return frozenset(accounts) if len(accounts) == len(values) else True


def _names_many(resource: str) -> bool:
    return not resource or WILDCARD.search(resource) is not None


def _ip_ranges_restrict(values: list[str]) -> bool:
    """Whether source addresses limit the callers: ranges that add up to more public addresses than a /8 of
    IPv4 or a /32 of IPv6 are a sizeable part of the internet (all of it but one address is 32 ranges)."""
    try:
        networks = [ipaddress.ip_network(v, strict=False) for v in values]
    except ValueError:
        return False
    return not any(is_the_internet(networks, version) for version in (4, 6))


def callers(statement: Statement) -> tuple[Caller, ...]:
    """Who the statement lets act once its conditions apply (an Allow statement's audience)."""
    return _callers(statement, binding(statement))


def _callers(statement: Statement, bound: Binding) -> tuple[Caller, ...]:
    named = (
        (Caller(EVERYONE, "*"),)
        if statement.negated_principals
        else tuple(map(classify, statement.principals))
    )
    found: list[Caller] = []
    for caller in named:
        if caller.kind == SERVICE and bound.restricts_service():
            accounts = bound.service_accounts if bound.accounts is None else bound.accounts
            found.extend(_bound(caller, Binding(accounts, bound.scopes)))
        elif caller.kind in (EVERYONE, FEDERATED, CANONICAL_USER, UNPLACED) and bound.restricts:
            found.extend(_bound(caller, bound))
        elif caller.kind == FEDERATED:
            found.append(_federated(caller, statement))
        else:
            found.append(caller)
    return tuple(found)


def _bound(caller: Caller, bound: Binding) -> list[Caller]:
    if bound.accounts is not None:
        who = "any principal" if caller.kind == EVERYONE else caller.label
        kind = ACCOUNT if caller.kind == EVERYONE else caller.kind
        return [Caller(kind, f"{who} of account {a}", a) for a in sorted(bound.accounts)]
    if bound.scopes:
        return [Caller(SCOPED, f"{caller.label} limited by {'; '.join(bound.scopes)}")]
    return [Caller(UNKNOWN_CALLER, f"{caller.label} limited by a condition not known until deployed")]


def _federated(caller: Caller, statement: Statement) -> Caller:
    oidc = _OIDC_PROVIDER.match(caller.name)
    host = (oidc.group(1) if oidc else caller.name).lower()
    if not oidc and host not in _OPEN_IDENTITY_PROVIDERS:
        return caller  # A SAML provider: assertions come only from the account's own identity provider.
    # A GitHub Enterprise Cloud issuer adds the enterprise: token.actions.githubusercontent.com/<slug>.
    shared = _SHARED_OIDC_SUBJECTS.get(host.partition("/")[0])  # never one of the open providers above
    open_provider = host in _OPEN_IDENTITY_PROVIDERS
    names = ("sub",) if shared else _OPEN_IDENTITY_PROVIDERS.get(host, ("aud", "sub"))
    claims = {f"{host}:{claim}" for claim in names}
    for condition in statement.conditions:
        if (
            condition.key.lower() in claims
            and condition.base_operator in STRING_OPERATORS
            and not condition.if_exists
            and not condition.operator.startswith(("ForAnyValue:", "ForAllValues:"))
            and all(_names_one(v, shared, open_provider, condition.base_operator) for v in condition.values)
        ):
            return caller
    return Caller(FEDERATED, caller.name, caller.account, open=True, principal=caller.principal)


def _names_one(value: object, shared: re.Pattern[str] | None, open_provider: bool, operator: str) -> bool:
    """Whether a claim's value names one application or owner (for a shared issuer, its subject's owner)."""
    if not isinstance(value, str):
        return False
    pattern = operator == "StringLike" or bool(policy_variables(value))
    value = variables_as_wildcards(value)  # a claim compared with a variable is compared with itself
    if _ONLY_WILDCARDS.fullmatch(value):
        return False
    if open_provider and pattern and WILDCARD.search(value):
        # Anyone can register an application with these providers: "*.apps.googleusercontent.com" or
        # "us-east-1:*" (every identity pool of a region) names the attacker's application too.
        return False
    return shared is None or shared.match(value) is not None


def allowed(document: Document, *, through_endpoint: bool = False) -> list[Access]:
    """Every caller of every Allow statement, after conditions; ``through_endpoint`` reads them as a VPC
    endpoint's policy (see :meth:`Binding.through_endpoint`)."""
    found: list[Access] = []
    for statement in document.statements:
        if statement.effect != "Allow":
            continue
        bound = binding(statement)
        if through_endpoint:
            bound = bound.through_endpoint()
        found.extend(Access(statement, caller, bound) for caller in _callers(statement, bound))
    return found


def public_statements(
    document: Document, *, through_endpoint: bool = False
) -> list[tuple[Statement, Binding]]:
    """The Allow statements that anyone, in any account, can use after conditions (each once)."""
    seen: list[tuple[Statement, Binding]] = []
    for access in allowed(document, through_endpoint=through_endpoint):
        if access.caller.public and all(s is not access.statement for s, _ in seen):
            seen.append((access.statement, access.binding))
    return seen


def unbound_services(document: Document) -> list[Access]:
    """The service principals of Allow statements that no aws:SourceArn, aws:SourceAccount (or other source
    binding) ties to whose resources they act for: the service then acts for any account's resources, the
    confused deputy AWS warns of."""
    return [a for a in allowed(document) if a.caller.kind == SERVICE and a.caller.account is None]


def why_open(bound: Binding) -> str:
    """Why a statement's conditions do not narrow it, for a violation message."""
    if not bound.ignored:
        return "without a Condition"
    keys = sorted({c.key for c in bound.ignored}, key=str.lower)
    return f"with a Condition on {', '.join(keys)} that binds no caller to an account, organisation or source"


def allowed_actions(statement: Statement) -> tuple[iam_catalog.Action, ...]:
    """The catalogue actions a statement's Action (or NotAction complement) covers; unknown patterns and
    patterns naming no real action cover nothing."""
    patterns = [p for p in statement.actions if isinstance(p, str)]
    matched = {a for p in patterns for a in iam_catalog.matching(p)}
    if statement.negated_actions:
        return tuple(a for a in iam_catalog.all_actions() if a not in matched)
    return tuple(sorted(matched, key=lambda a: a.full_name))


def whole_services(statement: Statement) -> list[str]:
    """The services all of whose actions the statement allows, however the patterns spell it."""
    if statement.negated_actions:
        return ["every service but " + ", ".join(str(a) for a in statement.actions)]
    if any(p == "*" for p in statement.actions):
        return ["every service"]
    covered: dict[str, int] = {}
    for action in allowed_actions(statement):
        covered[action.service] = covered.get(action.service, 0) + 1
    services = [s for s, n in covered.items() if n == len(iam_catalog.actions_of(s))]
    unknown = {iam_catalog.unknown_service_wildcard(p) for p in statement.actions if isinstance(p, str)}
    return sorted(set(services) | {s for s in unknown if s})


def whole_services_together(statements: Sequence[Statement]) -> list[tuple[str, list[int]]]:
    """The services all of whose actions Allow statements allow only between them (IAM adds up the
    statements of a document and the policies of an identity), each with the positions of the statements
    that allow some of its actions: ``s3:A*`` to ``s3:M*`` in one and ``s3:N*`` to ``s3:Z*`` in another.
    A service one statement allows whole is :func:`whole_services`' to report."""
    granted: dict[str, set[iam_catalog.Action]] = {}
    sources: dict[str, list[int]] = {}
    whole_alone: set[str] = set()
    for position, statement in enumerate(statements):
        if statement.negated_actions:
            continue
        own: dict[str, set[iam_catalog.Action]] = {}
        for action in allowed_actions(statement):
            own.setdefault(action.service, set()).add(action)
        for service, actions in own.items():
            if len(actions) == len(iam_catalog.actions_of(service)):
                whole_alone.add(service)
            granted.setdefault(service, set()).update(actions)
            sources.setdefault(service, []).append(position)
    return [
        (service, sources[service])
        for service in sorted(granted)
        if service not in whole_alone and len(granted[service]) == len(iam_catalog.actions_of(service))
    ]


def unscoped_resource(statement: Statement) -> str | None:
    """The Resource entry that names every resource (``*``, ``arn:*``, ``arn:aws:*:*:*:*``) or NotResource."""
    if statement.negated_resources:
        return "NotResource " + ", ".join(str(r) for r in statement.resources)
    for value in statement.resources:
        if isinstance(value, str) and _names_everything(value):
            return value
    return None


def _names_everything(pattern: str) -> bool:
    # A pattern names every resource when it matches ARNs of made-up services, regions, accounts and
    # resource names, with or without a region and account (in its own partition, if it names one).
    parts = pattern.split(":")
    partition = parts[1] if len(parts) > 1 and not WILDCARD.search(parts[1]) else "aws"
    samples = (f"arn:{partition}:zzservice:zz-zzzz-9:000000000000:zz/zz", f"arn:{partition}:yyservice:::yy")
    return all(glob_match(pattern, sample) for sample in samples)


def scoped_actions_on_everything(statement: Statement) -> tuple[str, list[str]] | None:
    """``(resource, actions)`` when an Allow statement lets actions that take resource ARNs act on every
    resource; None otherwise."""
    everything = unscoped_resource(statement)
    if everything is None:
        return None
    scoped = [a.full_name for a in allowed_actions(statement) if a.resource_scoped]
    return (everything, scoped) if scoped else None


def describe_callers(found: Iterable[Caller]) -> str:
    return ", ".join(dict.fromkeys(c.label for c in found))
