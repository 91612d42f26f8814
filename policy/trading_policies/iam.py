"""IAM rules for the policies a stack creates: no whole-service actions (in one resource, or only between
the resources whose policies reach one role, user, group or permission set), no resource-scoped actions on
every resource,
region restriction, and role trust policies that not every account can use.

Identity documents come from role inline policies, ``RolePolicy``, ``Policy``, ``UserPolicy``,
``GroupPolicy`` and IAM Identity Center permission-set inline policies; managed policies from every resource
that attaches them (:data:`MANAGED_POLICY_PROPERTIES`); trust documents from a role's ``assumeRolePolicy``,
and Cognito identity pools whose guest access hands a role to anyone, whatever its trust says.
Actions are read by meaning against the IAM catalogue and callers after conditions, through
:mod:`evaluator`: ``iam:?*`` is all of IAM, and a trust policy open to ``"*"`` under ``aws:SecureTransport``
is open to every account.

Decision on global services: a statement whose actions all belong to global services (IAM, STS,
Organizations, Route 53, CloudFront, ...) is not asked for a region, and ARNs of services whose ARNs carry
no region by design (S3 buckets, IAM, Route 53, CloudFront, ...) count as scoped when they name a specific
resource: a name that begins with a wildcard (``*``, ``?*``) does not.

Decision on privilege escalation: a Resource pinned to the account is scoped enough for most actions, but
not for those that hand out the privileges of what they act on (:data:`ESCALATION_ACTIONS`): iam:PassRole
or sts:AssumeRole on ``role/*`` reaches the administrators' roles, and so does ``role/*`` in pieces
(``role/a*`` to ``role/9*``), sampled as the pieces of a pattern open to any account are. Conditions are not
read for them, as for every pattern here: iam:PassedToService limits where a role goes, not which role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pulumi_policy import Severity

from . import iam_catalog
from .awsfacts import REGION_PATTERN, parse_arn
from .documents import (
    WILDCARD,
    Condition,
    Statement,
    glob_match,
    parse_policy,
    variables_as_wildcards,
    with_variables,
)
from .evaluator import (
    allowed_actions,
    public_statements,
    scoped_actions_on_everything,
    whole_services,
    whole_services_together,
    why_open,
)
from .graph import Resource, Stack, credentials, provider_account, same_account
from .kms import render_actions, render_principals
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, get

ROLE = "aws:iam/role:Role"
# Guest access (allowUnauthenticatedIdentities) hands anyone credentials of the pool's unauthenticated role,
# whose trust binds cognito-identity.amazonaws.com:aud to this very pool: that binding then binds no caller.
IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool"
PERMISSION_SET_INLINE_POLICY = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy"
# Every resource that attaches managed policies, and the property (one ARN or a list) that names them. The
# *PoliciesExclusive resources name inline policies only; their documents are RolePolicy, UserPolicy and
# GroupPolicy resources, read below.
MANAGED_POLICY_PROPERTIES = {
    ROLE: "managedPolicyArns",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
    "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive": "managedPolicyArns",
    # Gives QuickSight users and groups the policy's permissions (to reach data sources) as a grant. A Roles
    # Anywhere profile's managedPolicyArns are not here: they are session policies, which only restrict.
    "aws:quicksight/iamPolicyAssignment:IamPolicyAssignment": "policyArn",
}
ATTACHMENTS = tuple(t for t in MANAGED_POLICY_PROPERTIES if t != ROLE)
POLICY_TYPES = (
    ROLE,
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    PERMISSION_SET_INLINE_POLICY,
)
GLOBAL_ACTION_SERVICES = frozenset(
    {
        "iam", "sts", "organizations", "route53", "route53domains", "cloudfront", "waf", "shield",
        "globalaccelerator", "budgets", "ce", "health", "support", "trustedadvisor", "account", "aws-portal",
    }
)  # fmt: skip
REGIONLESS_ARN_SERVICES = frozenset(
    {"s3", "iam", "sts", "route53", "cloudfront", "organizations", "waf", "globalaccelerator", "shield"}
)
REGION_OPERATORS = ("StringEquals", "StringLike", "StringEqualsIgnoreCase")
# Policy variables that an identity policy's caller cannot choose: its own account, name and id.
_CALLERS_OWN = frozenset({"aws:principalaccount", "aws:username", "aws:userid", "aws:principalarn"})
# ${Partition}, ${Account}, ${KeyId}, ... in the Service Authorization Reference's ARN formats.
_ARN_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_IAM_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"


def documents(resource: Resource) -> list[tuple[str, Any]]:
    """The (label, document) pairs of an identity-policy resource."""
    if resource.type == PERMISSION_SET_INLINE_POLICY:
        return [("inlinePolicy", resource.get("inlinePolicy"))]
    if resource.type != ROLE:
        return [("policy", resource.get("policy"))]
    inline = resource.get("inlinePolicies")
    if not isinstance(inline, list):
        return []
    found = []
    for index, entry in enumerate(inline):
        policy = entry.get("policy", ABSENT) if isinstance(entry, dict) else ABSENT
        if policy in (ABSENT, None, ""):
            continue
        name = entry.get("name")
        found.append(
            (
                f"inline policy '{name}'" if isinstance(name, str) and name else f"inlinePolicies[{index}]",
                policy,
            )
        )
    return found


def _parsed(resource: Resource) -> Iterator[tuple[str, Statement | str]]:
    """Each Allow statement of each document, or an error line for a document that cannot be read."""
    for label, value in documents(resource):
        if value is ABSENT:
            continue
        document = parse_policy(value, principals_required=False)
        for error in document.errors:
            yield label, f"{label} is unreadable: {error}"
        for statement in document.statements:
            if statement.effect == "Allow":
                yield label, statement


def check_wildcard_actions(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    for arn in managed_policy_arns(resource):
        if iam_catalog.whole_service_managed_policy(arn):
            yield (
                f"attaches the AWS managed policy {arn}, which allows every action of whole services "
                '("*", "<service>:*" or a full-access grant)'
            )
    allows: list[tuple[str, Statement]] = []
    for label, item in _parsed(resource):
        if isinstance(item, str):
            yield item
            continue
        allows.append((label, item))
        if item.negated_actions:
            yield (
                f"{item.label} of {label} uses NotAction with Allow, which allows every other action "
                "of every service"
            )
        else:
            services = whole_services(item)
            if services:
                yield (
                    f"{item.label} of {label} allows every action of {', '.join(services)} "
                    f"({render_actions(item)}); list the actions the workload calls"
                )
    for service, positions in whole_services_together([statement for _, statement in allows]):
        yield (
            f"{_statements([allows[p] for p in positions])} together allow every action of {service}; "
            "list the actions the workload calls"
        )


# What reaches one principal: the identity-policy resources that name it, by the property that does.
USER = "aws:iam/user:User"
GROUP = "aws:iam/group:Group"
POLICY = "aws:iam/policy:Policy"
# An Identity Center permission set becomes a role in each account it is assigned to, holding its inline
# policy, its AWS managed policies and the customer managed policies it names by name and path, which
# Identity Center looks up in that account.
PERMISSION_SET = "aws:ssoadmin/permissionSet:PermissionSet"
PRINCIPAL_KINDS = {ROLE: "role", USER: "user", GROUP: "group", PERMISSION_SET: "permission set"}
_CUSTOMER_MANAGED_REFERENCES = {
    "aws:ssoadmin/customerManagedPolicyAttachment:CustomerManagedPolicyAttachment": (
        "customerManagedPolicyReference"
    ),
    "aws:ssoadmin/customerManagedPolicyAttachmentsExclusive:CustomerManagedPolicyAttachmentsExclusive": (
        "customerManagedPolicyReferences"
    ),
}
_NAMED_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "aws:iam/rolePolicy:RolePolicy": ((ROLE, "role"),),
    "aws:iam/userPolicy:UserPolicy": ((USER, "user"),),
    "aws:iam/groupPolicy:GroupPolicy": ((GROUP, "group"),),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ((ROLE, "role"),),
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": ((USER, "user"),),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": ((GROUP, "group"),),
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": ((ROLE, "roleName"),),
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": ((USER, "userName"),),
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": ((GROUP, "groupName"),),
    "aws:iam/policyAttachment:PolicyAttachment": ((ROLE, "roles"), (USER, "users"), (GROUP, "groups")),
}
# A user holds the policies of the groups it is a member of: (membership type, group property, user property).
_MEMBERSHIPS = (
    ("aws:iam/groupMembership:GroupMembership", "group", "users"),
    ("aws:iam/userGroupMembership:UserGroupMembership", "groups", "user"),
)
# A principal the stack declares, or one it names by a literal name only: (type, lower-case name, account).
Principal = Resource | tuple[str, str, str]


def check_wildcard_actions_across(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    """IAM adds up every identity policy of a principal, and a user's groups' too: each finding is on the
    principal (or, for one the stack names but does not declare, on the first resource that reaches it)."""
    reach = _Reach(stack)
    flagged: dict[Principal, list[tuple[str, str, Resource]]] = {}
    # A group's finding is its members' too: a user is told only of what its own policies add.
    for principal, sources in reach.sources.items():
        if _kind(principal) != USER:
            flagged[principal] = list(_split_between(principal, sources, set(), reach))
    for user in dict.fromkeys([*reach.sources, *reach.groups]):
        if _kind(user) == USER:
            groups = reach.groups.get(user, {})
            sources = [*reach.sources.get(user, {}), *(s for g in groups for s in reach.sources.get(g, {}))]
            already = {service for group in groups for service, _, _ in flagged.get(group, ())}
            flagged[user] = list(_split_between(user, dict.fromkeys(sources), already, reach))
    for principal, faults in flagged.items():
        for _, fault, first in faults:
            yield Finding(principal if isinstance(principal, Resource) else first, fault)


def _split_between(
    principal: Principal, sources: Mapping[Resource, None], already: set[str], reach: _Reach
) -> Iterator[tuple[str, str, Resource]]:
    """``(service, fault, first resource)`` for each service all of whose actions ``sources`` allow only
    between several of them (one that allows it alone is iam-no-wildcard-actions' to report)."""
    allows = [(source, item) for source in sources for item in reach.statements(source)]
    alone = {service for source in sources for service in reach.whole_alone(source)} | already
    for service, positions in whole_services_together([statement for _, (_, statement) in allows]):
        owners = list(dict.fromkeys(allows[p][0] for p in positions))
        if service in alone or len(owners) < 2:
            continue
        yield (
            service,
            f"{_statements([allows[p][1] for p in positions])} reach {_describe(principal)} and together "
            f"allow every action of {service}, which none of them does alone; list the actions the workload "
            "calls",
            owners[0],
        )


def check_scoped_resources_across(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    """IAM adds up every identity policy of a principal, and a user's groups' too: Resource patterns split
    between them count as iam-no-wildcard-resource counts them in one resource. Each finding is on the
    principal (or, for one the stack names but does not declare, on the first resource that reaches it)."""
    reach = _Reach(stack)
    found: dict[Principal, list[tuple[bool, list[str], str, Resource]]] = {}
    for principal, sources in reach.sources.items():
        if _kind(principal) != USER:
            found[principal] = list(_patterns_between(principal, sources, {}, reach))
    for user in dict.fromkeys([*reach.sources, *reach.groups]):
        if _kind(user) == USER:
            groups = reach.groups.get(user, {})
            sources = [*reach.sources.get(user, {}), *(s for g in groups for s in reach.sources.get(g, {}))]
            # A group's finding is its members' too: a user is told only of what its own policies add.
            already: dict[bool, set[str]] = {}
            for group in groups:
                for escalation, kinds, _, _ in found.get(group, ()):
                    already.setdefault(escalation, set()).update(kinds)
            found[user] = list(_patterns_between(user, dict.fromkeys(sources), already, reach))
    for principal, faults in found.items():
        for _, _, fault, first in faults:
            yield Finding(principal if isinstance(principal, Resource) else first, fault)


def _patterns_between(
    principal: Principal, sources: Mapping[Resource, None], already: Mapping[bool, set[str]], reach: _Reach
) -> Iterator[tuple[bool, list[str], str, Resource]]:
    """``(escalation, resource types, fault, first resource)`` for the Resource patterns that match most of
    a type only between several of ``sources`` (one that does so alone is iam-no-wildcard-resource's)."""
    allows = [
        (source, item)
        for source in sources
        for item in reach.statements(source)
        if _scoped_resource_fault(item[1]) is None
    ]
    for escalation in (False, True):
        across = _type_wide_across([statement for _, (_, statement) in allows], escalation=escalation)
        if across is None:
            continue
        patterns, kinds, actions, positions = across
        owners = list(dict.fromkeys(allows[p][0] for p in positions))
        alone = {k for source in sources for k in reach.split_alone(source, escalation)}
        if len(owners) < 2 or set(kinds) <= alone | already.get(escalation, set()):
            continue
        yield (
            escalation,
            kinds,
            f"{_statements([allows[p][1] for p in positions])} reach {_describe(principal)} and together "
            f"allow {_split_fault(actions, patterns, kinds, escalation)}",
            owners[0],
        )


def _describe(principal: Principal) -> str:
    if isinstance(principal, Resource):
        return f"this {PRINCIPAL_KINDS[principal.type]}"
    return f"{PRINCIPAL_KINDS[principal[0]]} '{principal[1]}'"


def _path(policy: Resource) -> Any:
    path = policy.get("path")
    return path if path is UNKNOWN or (isinstance(path, str) and path) else "/"


def _label(principal: Principal) -> str:
    if isinstance(principal, Resource):
        name = principal.get("name")
        return name if isinstance(name, str) and name else principal.name
    return principal[1]


def _kind(principal: Principal) -> str:
    return principal.type if isinstance(principal, Resource) else principal[0]


class _Reach:
    """For each principal, the identity-policy resources whose documents reach it (in stack order), and for
    each user its groups. A reference is followed by property dependency when its value is unknown, else by
    its literal value (IAM names are unique in an account whatever their case, and name the same principal in
    every region); each lookup is a dictionary read, so this stays linear in the number of resources."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sources: dict[Principal, dict[Resource, None]] = {}
        self.groups: dict[Principal, dict[Principal, None]] = {}
        self._by_name: dict[tuple[str, str], list[Resource]] = {}
        for kind in (*PRINCIPAL_KINDS, POLICY):
            for resource in stack.of_type(kind):
                name = resource.get("name")
                if isinstance(name, str):
                    self._by_name.setdefault((kind, name.lower()), []).append(resource)
        self._statements: dict[Resource, list[tuple[str, Statement]]] = {}
        self._alone: dict[Resource, set[str]] = {}
        self._split: dict[tuple[Resource, bool], set[str]] = {}
        for role in stack.of_type(ROLE):
            self._add(role, role)
            for policy in self._policies(role, "managedPolicyArns"):
                self._add(role, policy)
        for kind, links in _NAMED_BY.items():
            prop = MANAGED_POLICY_PROPERTIES.get(kind)
            for source in stack.of_type(kind):
                documents = [source] if prop is None else self._policies(source, prop)
                for principal_type, key in links:
                    for principal in self._principals(source, key, principal_type):
                        for document in documents:
                            self._add(principal, document)
        for kind, group_prop, user_prop in _MEMBERSHIPS:
            for membership in stack.of_type(kind):
                for user in self._principals(membership, user_prop, USER):
                    for group in self._principals(membership, group_prop, GROUP):
                        self.groups.setdefault(user, {})[group] = None
        self._add_permission_sets()

    def _add_permission_sets(self) -> None:
        """A permission set holds its inline policy and the stack's customer managed policies of the names
        and paths it references. Those are looked up in each account the set is assigned to: policies of
        one name in several of the stack's accounts reach the set's role in their own account only."""
        inline: dict[Principal, list[Resource]] = {}
        named: dict[Principal, dict[str, dict[Resource, None]]] = {}
        for source in self.stack.of_type(PERMISSION_SET_INLINE_POLICY):
            for permission_set in self._principals(source, "permissionSetArn", PERMISSION_SET, ("arn",)):
                inline.setdefault(permission_set, []).append(source)
        for kind, prop in _CUSTOMER_MANAGED_REFERENCES.items():
            for source in self.stack.of_type(kind):
                policies = self._customer_managed(source, prop)
                for permission_set in self._principals(source, "permissionSetArn", PERMISSION_SET, ("arn",)):
                    for policy in policies:
                        named.setdefault(permission_set, {}).setdefault(_account_key(policy), {})[policy] = (
                            None
                        )
        for permission_set in dict.fromkeys([*inline, *named]):
            accounts = named.get(permission_set, {"": {}})
            for account, policies in accounts.items():
                principal = permission_set
                if len(accounts) > 1:
                    principal = (PERMISSION_SET, f"{_label(permission_set)}' in account '{account}", account)
                for source in [*inline.get(permission_set, []), *policies]:
                    self._add(principal, source)

    def _customer_managed(self, source: Resource, prop: str) -> list[Resource]:
        """The stack's customer managed policies of the names and paths ``source.<prop>`` references (one
        reference or a list); by property dependency for a reference unknown at preview."""
        value = source.get(prop)
        found: list[Resource] = []
        unknown = False
        for reference in value if isinstance(value, list) else [value]:
            name, path = get(reference, "name"), get(reference, "path")
            if not isinstance(name, str):
                unknown = unknown or name is UNKNOWN
                continue
            path = path if isinstance(path, str) and path else "/"
            found += [
                policy
                for policy in self._by_name.get((POLICY, name.lower()), [])
                if _path(policy) in (UNKNOWN, path)
            ]
        if unknown:
            found += [r for r in source.property_dependencies.get(prop, []) if r.type == POLICY]
        return list(dict.fromkeys(found))

    def _add(self, principal: Principal, source: Resource) -> None:
        self.sources.setdefault(principal, {})[source] = None

    @staticmethod
    def _references(source: Resource, prop: str, kind: str) -> Iterator[str | Resource]:
        """Each known string of ``source.<prop>`` (one or a list), and, when some of it is unknown (preview),
        each resource of ``kind`` it depends on."""
        value = source.get(prop)
        values = value if isinstance(value, list) else [value]
        yield from (item for item in values if isinstance(item, str) and item)
        if any(item is UNKNOWN for item in values):
            yield from (
                r for r in dict.fromkeys(source.property_dependencies.get(prop, [])) if r.type == kind
            )

    def _principals(
        self, source: Resource, prop: str, kind: str, keys: tuple[str, ...] = ("id", "arn", "name")
    ) -> list[Principal]:
        found: list[Principal] = []
        for literal in self._references(source, prop, kind):
            if isinstance(literal, Resource):
                found.append(literal)
                continue
            named = [
                r
                for r in self.stack.find((kind,), literal, keys)
                or self._by_name.get((kind, literal.lower()), [])
                if same_account(source, r)
            ]
            # IAM names are case-insensitive; a permission set's ARN is shown as written.
            key = literal if kind == PERMISSION_SET else literal.lower()
            found += named or [(kind, key, _account_key(source))]
        return list(dict.fromkeys(found))

    def _policies(self, source: Resource, prop: str) -> list[Resource]:
        """The stack's customer managed policies ``source.<prop>`` attaches (by ARN, or by the name in it)."""
        found: list[Resource] = []
        for literal in self._references(source, prop, POLICY):
            if isinstance(literal, Resource):
                found.append(literal)
                continue
            arn = parse_arn(literal)
            named = self.stack.find((POLICY,), literal, ("arn", "id")) or (
                self._by_name.get((POLICY, arn.resource.rsplit("/", 1)[-1].lower()), [])
                if arn is not None and arn.service == "iam" and arn.resource.startswith("policy/")
                else []
            )
            found += [r for r in named if _in_account(r, source, arn.account if arn is not None else "")]
        return list(dict.fromkeys(found))

    def statements(self, source: Resource) -> list[tuple[str, Statement]]:
        """The Allow statements of a resource's readable documents, each labelled with the resource."""
        found = self._statements.get(source)
        if found is None:
            found = self._statements[source] = [
                (f"{label} of {source.label}" if label != "policy" else source.label, statement)
                for label, statement in _parsed(source)
                if not isinstance(statement, str)
            ]
        return found

    def split_alone(self, source: Resource, escalation: bool) -> set[str]:
        """The resource types whose ARNs one resource's patterns match most of between its own statements:
        iam-no-wildcard-resource's own."""
        found = self._split.get((source, escalation))
        if found is None:
            statements = [s for _, s in self.statements(source) if _scoped_resource_fault(s) is None]
            across = _type_wide_across(statements, escalation=escalation)
            found = self._split[(source, escalation)] = set(across[1]) if across is not None else set()
        return found

    def whole_alone(self, source: Resource) -> set[str]:
        """The services one resource's documents allow whole by themselves: iam-no-wildcard-actions' own."""
        found = self._alone.get(source)
        if found is None:
            statements = [statement for _, statement in self.statements(source)]
            found = self._alone[source] = {
                s for statement in statements for s in whole_services(statement)
            } | {service for service, _ in whole_services_together(statements)}
        return found


def _account_key(resource: Resource) -> str:
    account = provider_account(resource)
    return (
        account
        if isinstance(account, str)
        else json.dumps(credentials(resource), sort_keys=True, default=str)
    )


def _in_account(policy: Resource, source: Resource, account: str) -> bool:
    """Whether ``policy`` is the one an ARN of ``account`` attached by ``source`` names."""
    own = provider_account(policy)
    if _ACCOUNT_ONLY.fullmatch(account) and isinstance(own, str) and _ACCOUNT_ONLY.fullmatch(own):
        return account == own
    return same_account(source, policy)


_ACCOUNT_ONLY = re.compile(r"\d{12}")


def managed_policy_arns(resource: Resource) -> list[str]:
    """The managed policy ARNs a resource attaches (those known at preview)."""
    prop = MANAGED_POLICY_PROPERTIES.get(resource.type)
    value = resource.get(prop) if prop is not None else ABSENT
    return [arn for arn in (value if isinstance(value, list) else [value]) if isinstance(arn, str)]


def check_scoped_resources(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    unflagged: list[tuple[str, Statement]] = []
    for label, item in _parsed(resource):
        if isinstance(item, str):
            yield item
            continue
        fault = _scoped_resource_fault(item)
        if fault is None:
            unflagged.append((label, item))
        else:
            yield f"{item.label} of {label} allows {fault}"
    # IAM adds up the statements of a document and the inline policies of a role: ten statements that each
    # name the keys of accounts starting with one digit name every key between them.
    statements = [statement for _, statement in unflagged]
    for escalation in (False, True):
        across = _type_wide_across(statements, escalation=escalation)
        if across is not None:
            patterns, kinds, actions, positions = across
            yield (
                f"{_statements([unflagged[p] for p in positions])} together allow "
                f"{_split_fault(actions, patterns, kinds, escalation)}"
            )


def _scoped_resource_fault(statement: Statement) -> str | None:
    """What a statement allows on too many resources, alone; None when it names its resources."""
    found = scoped_actions_on_everything(statement)
    if found is not None:
        everything, actions = found
        return (
            f"{_summary(actions)} on {everything}; these actions take resource ARNs, so name the resources "
            "they need"
        )
    wide = _type_wide_resource(statement)
    if wide is not None:
        pattern, kinds, actions = wide
        return (
            f"{_summary(actions)} on {pattern}, which matches any {' or '.join(kinds)} of any account; these "
            "actions take resource ARNs, so name the resources they need"
        )
    escalation = _account_wide_escalation(statement)
    if escalation is not None:
        pattern, kinds, actions = escalation
        return (
            f"{_summary(actions)} on {pattern}, which matches every {' or '.join(kinds)} of its account; "
            "these actions hand out the privileges of what they act on (pass, assume or rewrite a role, a "
            "user's credentials or policies, a managed policy's version), an administrator's too, so name "
            "the roles, users, groups or policies they need"
        )
    for escalation in (False, True):
        split = _type_wide_together(statement, escalation=escalation)
        if split is not None:
            patterns, kinds, actions = split
            return _split_fault(actions, patterns, kinds, escalation)
    return None


def _split_fault(actions: list[str], patterns: list[str], kinds: list[str], escalation: bool) -> str:
    if escalation:
        # "iam role" and "sts role" (iam:PassRole, sts:AssumeRole) are the same roles.
        names = " or ".join(dict.fromkeys(kind.split(" ", 1)[-1] for kind in kinds))
        return (
            f"{_summary(actions)} on {_patterns_summary(patterns)}, which together match more than half of "
            f"the {names} names of their account; these actions hand out the privileges of what "
            "they act on, an administrator's too, so name the roles, users, groups or policies they need"
        )
    return (
        f"{_summary(actions)} on {_patterns_summary(patterns)}, which together match more than half of all "
        f"{' or '.join(kinds)} ARNs of any account; these actions take resource ARNs, so name the resources "
        "they need"
    )


def _patterns_summary(patterns: list[str]) -> str:
    shown = ", ".join(patterns[:2]) + (f" and {len(patterns) - 2} more" if len(patterns) > 2 else "")
    return f"{len(patterns)} patterns ({shown})"


def _statements(found: list[tuple[str, Statement]]) -> str:
    """``Statement[0] of policy and Statement[1] of policy``; past three, the first two and how many more."""
    parts = [f"{statement.label} of {label}" for label, statement in found]
    if len(parts) > 3:
        return f"{parts[0]}, {parts[1]} and {len(parts) - 2} more statements"
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _summary(actions: list[str]) -> str:
    return ", ".join(actions[:5]) + (f" and {len(actions) - 5} more" if len(actions) > 5 else "")


def _type_wide_resource(statement: Statement) -> tuple[str, list[str], list[str]] | None:
    """``(pattern, resource types, actions)`` for the first Resource pattern that matches every resource, in
    every account, of a type the statement's actions take (``arn:aws:kms:*:*:key/*`` for kms:Decrypt)."""
    actions = [a for a in allowed_actions(statement) if a.resource_scoped]
    for written in statement.resources:
        if not isinstance(written, str):
            continue
        # The caller's own account or name is one value for a given caller; any other variable (the
        # resource's own account, a request tag) is whatever the request makes it.
        pattern = variables_as_wildcards(written, _CALLERS_OWN)
        kinds: dict[str, None] = {}
        names: dict[str, None] = {}
        for action in actions:
            for kind, arn_format in iam_catalog.resource_arn_formats(action):
                if _matches_every(pattern, arn_format):
                    kinds[f"{action.service} {kind}"] = None
                    names[action.full_name] = None
        if names:
            return written, list(kinds), list(names)
    return None


# The IAM and STS actions that hand the caller the privileges of the role, user, group or policy they act on
# (the privilege-escalation paths): on every one of an account's roles they reach its administrators'.
ESCALATION_ACTIONS = frozenset(
    f"{service}:{name}".lower()
    for service, names in (
        (
            "iam",
            "PassRole PutRolePolicy AttachRolePolicy UpdateAssumeRolePolicy PutRolePermissionsBoundary "
            "DeleteRolePermissionsBoundary CreatePolicyVersion SetDefaultPolicyVersion CreateAccessKey "
            "CreateLoginProfile UpdateLoginProfile AttachUserPolicy PutUserPolicy PutUserPermissionsBoundary "
            "DeleteUserPermissionsBoundary AddUserToGroup AttachGroupPolicy PutGroupPolicy",
        ),
        ("sts", "AssumeRole"),
    )
    for name in names.split()
)


def _account_wide_escalation(statement: Statement) -> tuple[str, list[str], list[str]] | None:
    """``(pattern, resource types, actions)`` for the first Resource pattern that, pinned to an account,
    matches every role (user, group, policy) of it that an escalation action takes: ``role/*`` for
    iam:PassRole. A path or name prefix (``role/service-role/lambda-*``) names some of them and passes."""
    actions = [a for a in allowed_actions(statement) if a.full_name.lower() in ESCALATION_ACTIONS]
    for written in statement.resources:
        if not isinstance(written, str):
            continue
        pattern = _pattern_read(written)
        kinds: dict[str, None] = {}
        names: dict[str, None] = {}
        for action in actions:
            for kind, arn_format in iam_catalog.resource_arn_formats(action):
                if _matches_every_name(pattern, arn_format):
                    kinds[kind] = None
                    names[action.full_name] = None
        if names:
            return written, list(kinds), list(names)
    return None


def _matches_every_name(pattern: str, arn_format: str) -> bool:
    # As _matches_every, with the account the pattern names (its wildcards read as matching nothing).
    fixed = _fixed_parts(pattern)
    account = _account_of(pattern).replace("*", "").replace("?", "0") or "0" * 12
    return all(glob_match(pattern, _fill(arn_format, fixed, account, name)) for name in ("z" * 36, "y" * 36))


def _type_wide_together(
    statement: Statement, *, escalation: bool = False
) -> tuple[list[str], list[str], list[str]] | None:
    """``(patterns, resource types, actions)`` when the statement's Resource patterns, none of them type-wide
    alone, together match most resources of a type its actions take: ``...:0*:key/*`` to ``...:9*:key/*``
    split every account into ten patterns, ``arn:aws:s3:::a*`` to ``z*`` every bucket name. With
    ``escalation``, the patterns of its escalation actions that together match most roles (users, groups,
    policies) of the account they name: ``role/a*`` to ``role/9*`` is ``role/*`` in pieces."""
    # Each sample's account, and its name, repeat one character. A pattern that is not type-wide holds a
    # literal character where accounts or names vary, so it matches the samples of one account or one name
    # character at most: more than half of them takes six patterns or more.
    if len(_split_patterns(statement, escalation)) < _FEWEST_SPLIT_PATTERNS:
        return None
    found = _type_wide_across([statement], escalation=escalation)
    return None if found is None else (found[0], found[1], found[2])


def _split_patterns(statement: Statement, escalation: bool) -> list[str]:
    """The statement's Resource patterns that pieces of a split can be: for escalation actions every one
    (a pattern pinned to an account is a piece of that account), else those that name no account (a
    literal one, or the caller's own), which are not open to any account."""
    return [
        r
        for r in statement.resources
        if isinstance(r, str) and (escalation or not _ACCOUNT_NAMED.fullmatch(_account_of(r)))
    ]


def _type_wide_across(
    statements: list[Statement], *, escalation: bool = False
) -> tuple[list[str], list[str], list[str], list[int]] | None:
    """``(patterns, resource types, actions, positions of the statements)`` when the Resource patterns of
    several statements, pooled for each type their actions take, together match most resources of it, as
    :func:`_type_wide_together` reads the patterns of one statement. With ``escalation``, only escalation
    actions count, and the pooled patterns are sampled in each account they name, not in any account."""
    pools: dict[str, dict[str, list[int]]] = {}
    takers: dict[str, list[tuple[str, str]]] = {}
    for position, statement in enumerate(statements):
        actions = allowed_actions(statement)
        if escalation:
            actions = tuple(a for a in actions if a.full_name.lower() in ESCALATION_ACTIONS)
        written = _split_patterns(statement, escalation)
        for arn_format, taken in _takers(actions).items():
            pool = pools.setdefault(arn_format, {})
            for pattern in written:
                pool.setdefault(pattern, []).append(position)
            takers.setdefault(arn_format, []).extend(taken)
    patterns: dict[str, None] = {}
    kinds: dict[str, None] = {}
    names: dict[str, None] = {}
    positions: set[int] = set()
    for arn_format, pool in pools.items():
        # Only patterns whose service field accepts the format's service can match its ARNs (this keeps
        # Action "*" from sampling every type of every service).
        service = arn_format.split(":")[2]
        candidates = {
            written: read
            for written, read in ((w, _pattern_read(w)) for w in pool)
            if glob_match(_service_of(read), service)
        }
        for account in _named_accounts(candidates.values()) if escalation else (None,):
            # The caller's own account ("${aws:PrincipalAccount}") is the stack's, which may be any account
            # named: its pieces count in each, so that role/a* pinned and role/n* own are role/* in pieces.
            pieces = {
                written: _moved_to(read, account)
                for written, read in candidates.items()
                if account is None
                or glob_match(_account_of(read), account)
                or _account_of(read) == _CALLERS_ACCOUNT
            }
            if len(pieces) >= _FEWEST_SPLIT_PATTERNS and _covers_most(
                tuple(pieces.values()), arn_format, account
            ):
                patterns.update(dict.fromkeys(pieces))
                kinds.update(dict.fromkeys(kind for kind, _ in takers[arn_format]))
                names.update(dict.fromkeys(name for _, name in takers[arn_format]))
                positions.update(p for written in pieces for p in pool[written])
    return (list(patterns), list(kinds), list(names), sorted(positions)) if names else None


def _pattern_read(written: str) -> str:
    # The caller's own account is one account (its "${aws:PrincipalAccount}" holds a colon); its own name is
    # one name; any other variable is whatever the request makes it.
    pinned = with_variables(written, {"aws:principalaccount": _CALLERS_ACCOUNT})
    return variables_as_wildcards(pinned, _CALLERS_OWN)


def _moved_to(read: str, account: str | None) -> str:
    """A pattern read in the caller's own account, moved to ``account`` (the one being sampled)."""
    parts = read.split(":")
    if account is None or len(parts) < 5 or parts[4] != _CALLERS_ACCOUNT:
        return read
    return ":".join([*parts[:4], account, *parts[5:]])


def _named_accounts(patterns: Iterable[str]) -> list[str]:
    """The accounts patterns name, as :func:`_matches_every_name` reads them (wildcards matching nothing);
    a pattern open to every account names none."""
    named = (_account_of(p).replace("*", "").replace("?", "0") for p in patterns)
    return list(dict.fromkeys(account for account in named if account))


@lru_cache(maxsize=64)
def _takers(actions: tuple[iam_catalog.Action, ...]) -> Mapping[str, tuple[tuple[str, str], ...]]:
    """ARN format -> the (resource type, action) pairs of ``actions`` that take it; read-only."""
    takers: dict[str, list[tuple[str, str]]] = {}
    for action in actions:
        if action.resource_scoped:
            for kind, arn_format in iam_catalog.resource_arn_formats(action):
                takers.setdefault(arn_format, []).append((f"{action.service} {kind}", action.full_name))
    return MappingProxyType({arn_format: tuple(taken) for arn_format, taken in takers.items()})


def _service_of(pattern: str) -> str:
    parts = pattern.split(":")
    return parts[2] if len(parts) > 2 else "*"


_FEWEST_SPLIT_PATTERNS = 6
# The account "${aws:PrincipalAccount}" stands for when patterns are read: one account, the caller's own.
_CALLERS_ACCOUNT = "0" * 12
_ACCOUNT_NAMED = re.compile(r"\d{12}|\$\{aws:PrincipalAccount\}", re.IGNORECASE)


def _account_of(pattern: str) -> str:
    parts = pattern.split(":")
    return parts[4] if len(parts) > 4 else ""


_SAMPLE_ACCOUNTS = tuple(digit * 12 for digit in "0123456789")
_SAMPLE_NAMES = tuple(character * 36 for character in "abcdefghijklmnopqrstuvwxyz0123456789")


@lru_cache(maxsize=1024)
def _covers_most(patterns: tuple[str, ...], arn_format: str, account: str | None = None) -> bool:
    """Whether the patterns match more than half of the sampled ARNs of the type: in any account, or in
    ``account`` when it is given."""
    variables = set(_ARN_VARIABLE.findall(arn_format)) - {"Partition", "Region"}
    if not variables:  # one resource per region (see _matches_every)
        return False
    fixed = _fixed_parts(patterns[0])
    has_account = any(v == "Account" or v.endswith("AccountId") for v in variables)
    if account is not None:
        accounts: tuple[str, ...] = (account,)
    else:
        accounts = _SAMPLE_ACCOUNTS if has_account else _SAMPLE_ACCOUNTS[:1]
    grid = [[_fill(arn_format, fixed, account, name) for name in _SAMPLE_NAMES] for account in accounts]
    samples = [sample for row in grid for sample in row]
    # A pattern matches all of the samples' accounts or one, and all of their names or one. One that matches
    # neither a sample of the first name nor one of the first account matches a single sample at most, so
    # such patterns are read only when they could tip the count (which takes a great many of them).
    probes = [row[0] for row in grid] + grid[0]
    broad = tuple(p for p in patterns if any(glob_match(p, probe) for probe in probes))
    matched = _count_matched(broad, samples)
    narrow = len(patterns) - len(broad)
    if 2 * matched <= len(samples) < 2 * (matched + narrow):
        matched = _count_matched(patterns, samples)
    return 2 * matched > len(samples)


def _count_matched(patterns: tuple[str, ...], samples: list[str]) -> int:
    return sum(any(glob_match(pattern, sample) for pattern in patterns) for sample in samples)


def _fixed_parts(pattern: str) -> dict[str, str]:
    # The partition and region of the samples: ones the pattern accepts (the region is iam-region-restricted's
    # concern, not this rule's).
    parts = pattern.split(":")
    return {
        "Partition": parts[1] if len(parts) > 1 and not WILDCARD.search(parts[1]) else "aws",
        "Region": parts[3].replace("*", "").replace("?", "z") if len(parts) > 3 else "zz-zzzz-9",
    }


@lru_cache(maxsize=8192)
def _matches_every(pattern: str, arn_format: str) -> bool:
    # The pattern names every resource of the type when it matches the type's ARN filled in twice, with
    # made-up accounts and names that share no character: a literal account, name or part of one fails one
    # of them, while only wildcards ("key/*", "?*", "????????????") match both. The region is
    # iam-region-restricted's concern, not this rule's: the samples take one the pattern's region accepts.
    # A type whose ARN has no account and no name is a single resource (arn:aws:apigateway:<region>::/apis).
    if not set(_ARN_VARIABLE.findall(arn_format)) - {"Partition", "Region"}:
        return False
    fixed = _fixed_parts(pattern)
    return all(
        glob_match(pattern, _fill(arn_format, fixed, account, name))
        for account, name in (("000000000000", "z" * 36), ("999999999999", "y" * 36))
    )


def _fill(arn_format: str, fixed: dict[str, str], account: str, name: str) -> str:
    def value(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable in fixed:
            return fixed[variable]
        return account if variable == "Account" or variable.endswith("AccountId") else name

    return _ARN_VARIABLE.sub(value, arn_format)


def check_trust_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    if resource.type == IDENTITY_POOL:
        guests = as_bool(resource.get("allowUnauthenticatedIdentities"))
        if guests is UNKNOWN:
            yield unknown_until_deployed(
                resource, resource, "allowUnauthenticatedIdentities", "whether anyone can get credentials"
            )
        elif guests is True:
            yield (
                "allowUnauthenticatedIdentities is true, so anyone on the internet, signed in nowhere, gets "
                "temporary AWS credentials of the pool's unauthenticated role (its trust's "
                "cognito-identity.amazonaws.com:aud names this pool, which hands them to everyone)"
            )
        return
    value = resource.get("assumeRolePolicy")
    if value is ABSENT:
        return
    document = parse_policy(value, principals_required=True, resources_required=False)
    yield from (f"assumeRolePolicy is unreadable: {error}" for error in document.errors)
    if document.unknown:
        yield unknown_until_deployed(resource, resource, "assumeRolePolicy", "the trust policy")
    for statement, bound in public_statements(document):
        if statement.covers_action("sts:AssumeRole") is not False or any(
            statement.covers_action(f"sts:AssumeRoleWith{kind}") is not False
            for kind in ("WebIdentity", "SAML")
        ):
            yield (
                f"trust policy {statement.label} allows {render_principals(statement)} "
                f"{render_actions(statement)} {why_open(bound)}, so any AWS account (or any user of the "
                "identity provider) can assume the role"
            )


def check_region_restricted(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    allowed = config["allowedRegions"]
    for label, item in _parsed(resource):
        if isinstance(item, str):
            yield item
            continue
        if _global_only(item) or item.condition_unknown:
            continue
        conditions = [
            c for c in item.conditions_on("aws:RequestedRegion") if c.base_operator in REGION_OPERATORS
        ]
        if any(_restricts(condition, allowed) for condition in conditions):
            continue
        unscoped = _unscoped_resource(item, allowed)
        if unscoped is not None:
            yield (
                f"{item.label} of {label} allows {render_actions(item)} on {unscoped} "
                f"{_region_condition_fault(conditions, allowed)}, and that resource is not pinned to a region"
            )


def _region_condition_fault(conditions: list[Condition], allowed: list[str]) -> str:
    if not conditions:
        return "without an aws:RequestedRegion condition"
    condition = conditions[0]
    values = ", ".join("<unknown>" if v is UNKNOWN else str(v) for v in condition.values)
    fault = (
        f"whose values are not all regions of allowedRegions ({', '.join(allowed)})"
        if allowed
        else "that does not name a single region"
    )
    return f"with an aws:RequestedRegion condition ({condition.operator} [{values}]) {fault}"


def _global_only(statement: Statement) -> bool:
    if statement.negated_actions:
        return False
    return all(
        isinstance(a, str) and a.split(":", 1)[0].lower() in GLOBAL_ACTION_SERVICES for a in statement.actions
    )


def _restricts(condition: Condition, allowed: list[str]) -> bool:
    # Every value must be a region's name. StringLike reads * and ? in it, and a wildcard in a region name
    # covers several regions ("us-*", "eu-west-?") and the ones AWS opens later. With no allowedRegions the
    # values name one region; with them, regions of that list. Values unknown at preview are judged at update.
    named = set()
    for value in condition.values:
        if value is UNKNOWN:
            continue
        if not isinstance(value, str):
            return False
        region = value.lower() if condition.base_operator == "StringEqualsIgnoreCase" else value
        if not REGION_PATTERN.fullmatch(region) or (allowed and region not in allowed):
            return False
        named.add(region)
    return bool(allowed) or len(named) <= 1


def _unscoped_resource(statement: Statement, allowed: list[str]) -> str | None:
    if statement.negated_resources:
        return "NotResource " + ", ".join(str(r) for r in statement.resources)
    for value in statement.resources:
        if value is UNKNOWN:
            continue
        if not _region_scoped(value, allowed):
            return f"'{value}'"
    return None


def _region_scoped(value: str, allowed: list[str]) -> bool:
    arn = parse_arn(value)
    if arn is None:
        return False
    if arn.service in REGIONLESS_ARN_SERVICES and not arn.region:
        # A name that begins with a wildcard ("*", "?*", "*?", "??*" for S3) names no resource in particular,
        # and neither does one that begins with a variable the request fills in ("${aws:UserAgent}"); the
        # caller's own name is one name.
        return WILDCARD.match(variables_as_wildcards(arn.resource, _CALLERS_OWN)) is None
    if not REGION_PATTERN.match(arn.region):
        return False
    return not allowed or arn.region in allowed


RULES = [
    Rule(
        name="iam-no-wildcard-actions",
        description=(
            "The stack's identity policies (role inline policies, RolePolicy, Policy, UserPolicy, "
            "GroupPolicy, Identity Center permission-set inline policies) allow no action pattern that "
            'covers every action of a service ("*", "s3:*", "iam:?*", or every action listed one by one) and '
            "no NotAction, nor patterns that do so only between the statements and inline policies of one "
            'resource ("iam:A*" to "iam:M*" in one, "iam:N*" to "iam:Z*" in another; between resources, see '
            "iam-no-wildcard-actions-across-policies); and no role, policy attachment (single or exclusive), "
            "permission set or "
            "QuickSight IAM policy assignment attaches an AWS managed policy that allows whole services "
            "(AdministratorAccess, PowerUserAccess, *Administrator, any name with FullAccess such as "
            "AWSLambda_FullAccess, SecretsManagerReadWrite, ...)."
        ),
        severity=Severity.HIGH,
        pci=("7.2.1", "7.2.2", "7.2.5"),
        remediation=(
            "List the exact actions the workload calls (e.g. dynamodb:GetItem, dynamodb:PutItem) on "
            "exact resource ARNs"
        ),
        url=_IAM_DOCS + "best-practices.html#grant-least-privilege",
        topic="iam",
        check=check_wildcard_actions,
        resource_types=POLICY_TYPES + ATTACHMENTS,
    ),
    Rule(
        name="iam-no-wildcard-actions-across-policies",
        description=(
            "No IAM role, user, group or IAM Identity Center permission set holds every action of a "
            "service only between several of the stack's identity-policy resources that reach it (each below "
            'the whole service, as iam-no-wildcard-actions reads one): "iam:A*" to "iam:M*" in one '
            'RolePolicy and "iam:N*" to "iam:Z*" in another, or '
            "between a role's inline policies, its RolePolicy, UserPolicy or GroupPolicy resources and the "
            "stack's managed policies attached by managedPolicyArns or any policy attachment (single, "
            "exclusive or PolicyAttachment); a user also holds the policies of its groups (GroupMembership, "
            "UserGroupMembership); a permission set holds its PermissionSetInlinePolicy and the stack's "
            "policies of the name and path its customer managed policy attachments (single or exclusive) "
            "reference, in each account apart. Principals and policies are followed by output or by "
            "literal name or ARN, in any case, in the same account; documents unknown at preview are judged "
            "at update."
        ),
        severity=Severity.HIGH,
        pci=("7.2.1", "7.2.2", "7.2.5"),
        remediation=(
            "List the exact actions the workload calls (e.g. dynamodb:GetItem, dynamodb:PutItem) in the "
            "principal's policies, instead of patterns that add up to the whole service"
        ),
        url=_IAM_DOCS + "reference_policies_evaluation-logic_policy-eval-basics.html",
        topic="iam",
        check=check_wildcard_actions_across,
        stack=True,
    ),
    Rule(
        name="iam-no-wildcard-resource",
        description=(
            'The stack\'s identity policies allow no action that takes resource ARNs on Resource "*" (or any '
            "ARN pattern that names every resource, or NotResource), nor on a pattern that matches every "
            "resource of a type the action takes in any account, with only wildcards for account and name: "
            '"arn:aws:kms:*:*:key/*" or "arn:*:kms:*:*:*" for kms:Decrypt, "arn:aws:s3:::*/*" or '
            '"arn:aws:s3:::?*" for s3:GetObject; nor on patterns that only together do so for more than '
            "half of all ARNs of the type, in one statement or across the statements and inline policies of "
            'one resource (accounts split by digit, "arn:aws:kms:*:0*:key/*" to '
            '"...:9*:...", or bucket names by initial). ARNs pinned to an account '
            '("arn:aws:kms:us-east-1:<account>:key/*") or naming resources pass, and so do actions that only '
            'work on "*" (ec2:Describe*, xray:PutTraceSegments, ...), except the actions that hand out '
            "privileges (iam:PassRole, sts:AssumeRole, iam:PutRolePolicy, iam:AttachRolePolicy, "
            "iam:UpdateAssumeRolePolicy, iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, "
            "iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile, iam:AttachUserPolicy, "
            "iam:PutUserPolicy, iam:AddUserToGroup, the group policy and permissions boundary actions): on a "
            'pattern that matches every role, user, group or policy of the account ("arn:aws:iam::<account>:'
            'role/*", "...:<account>:*") they reach an administrator\'s, and so do patterns that only '
            'together match more than half of its role (user, group, policy) names ("role/a*" to "role/9*", '
            "in either case, in one statement or across the statements and inline policies of one "
            "resource; between resources, see iam-no-wildcard-resource-across-policies), so only names or a "
            'few path or name prefixes ("role/service-role/lambda-*") pass. '
            "Read against the IAM catalogue."
        ),
        severity=Severity.MEDIUM,
        pci=("7.2.1", "7.2.2"),
        remediation=(
            'Name the resources (table, key, secret, log group ARNs); keep Resource "*" only for actions '
            "that have no resource types in the Service Authorization Reference"
        ),
        url=_IAM_DOCS + "best-practices.html#grant-least-privilege",
        topic="iam",
        check=check_scoped_resources,
        resource_types=POLICY_TYPES,
    ),
    Rule(
        name="iam-no-wildcard-resource-across-policies",
        description=(
            "No IAM role, user or group is allowed an action that takes resource ARNs on patterns that only "
            "between several of the stack's identity-policy resources that reach it (each below the "
            "threshold, as iam-no-wildcard-resource reads one) match more than half of the type's ARNs in "
            'any account ("arn:aws:kms:*:0*:key/*" to "...:4*:..." in one RolePolicy, "5*" to "9*" in '
            "another), or, for the actions that hand out privileges (iam:PassRole, sts:AssumeRole, ...), "
            'more than half of the role, user, group or policy names of their account ("role/a*" to '
            '"role/r*" in one, "role/s*" to "role/9*" in another). Policies are followed as '
            "iam-no-wildcard-actions-across-policies follows them: inline policies, RolePolicy, UserPolicy "
            "and GroupPolicy resources, attached managed policies, and a user's groups."
        ),
        severity=Severity.MEDIUM,
        pci=("7.2.1", "7.2.2"),
        remediation=(
            "Name the resources (roles, keys, tables) in the principal's policies, instead of patterns that "
            "add up to every resource of the type"
        ),
        url=_IAM_DOCS + "reference_policies_evaluation-logic_policy-eval-basics.html",
        topic="iam",
        check=check_scoped_resources_across,
        stack=True,
    ),
    Rule(
        name="iam-role-trust-not-public",
        description=(
            'No role trust policy lets Principal "*", {"AWS": "*"}, NotPrincipal or an open web identity '
            "provider (no aud/sub condition) assume the role, unless a Condition binds the caller to an "
            "account, organisation or source; and no Cognito identity pool allows unauthenticated "
            "identities (guest access), which gives anyone the credentials of its unauthenticated role "
            "however its trust binds aud."
        ),
        severity=Severity.CRITICAL,
        pci=("7.2.1", "8.2.2"),
        remediation=(
            "Trust named principals (a service, a role ARN of a known account) and, for web identity, "
            "condition on <provider>:aud and <provider>:sub; leave allow_unauthenticated_identities False "
            "on Cognito identity pools"
        ),
        url=_IAM_DOCS + "id_roles_create_for-user.html",
        topic="iam",
        check=check_trust_not_public,
        resource_types=(ROLE, IDENTITY_POOL),
    ),
    Rule(
        name="iam-region-restricted",
        description=(
            "Every Allow statement of the stack's identity policies has an aws:RequestedRegion condition "
            "(StringEquals, StringEqualsIgnoreCase or StringLike) whose values are region names without "
            'wildcards ("us-*" covers every US region, and those AWS opens later): one region, or any of '
            "allowedRegions when it is set; or only region-scoped resource ARNs (a regionless ARN counts "
            "when its name begins with no wildcard and no policy variable but the caller's own name: "
            "arn:aws:s3:::trading-data/* does, arn:aws:s3:::*, arn:aws:s3:::?* and "
            "arn:aws:s3:::${aws:UserAgent}/* do not). Statements limited to global services are exempt."
        ),
        severity=Severity.MEDIUM,
        pci=("7.2.1", "7.2.5"),
        remediation=(
            'Add "Condition": {"StringEquals": {"aws:RequestedRegion": "<region>"}} to the statement '
            "(for several regions, list them in the policy's allowedRegions config), or name resources by "
            "ARNs that include the region"
        ),
        url=_IAM_DOCS + "reference_policies_examples_aws_deny-requested-region.html",
        topic="iam",
        check=check_region_restricted,
        resource_types=POLICY_TYPES,
        config={
            "allowedRegions": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$"},
                "default": [],
                "description": (
                    "Regions a statement's aws:RequestedRegion condition may name, several at once; "
                    "[]: any single named region."
                ),
            }
        },
    ),
]
