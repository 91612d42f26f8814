"""The resources a rule looks at, and how a stack rule finds the resources related to one another.

:class:`Resource` is a plain, unknown-safe view of what the SDK passes (``ResourceValidationArgs`` for a
resource rule, ``PolicyResource`` for a stack rule). :class:`Stack` answers "which bucket does this
public access block belong to?" the same way in preview and in update: first through the property
dependencies the engine records (known even when the ARN is not), then by matching known names, ids or
ARNs, then through a single plain dependency or the parent.

Lookups a stack rule needs, each a dictionary read after the stack's first use, so a rule stays linear in
the number of resources however they refer to one another (never loop over ``of_type`` to find a match):

* ``stack.find(types, value, keys)``: the resources of ``types`` whose ``id``, ``arn``, ``name`` (or the
  given ``keys``) equal a literal string, e.g. the bucket a literal ``bucket="acme-logs"`` names;
* ``stack.targets(source, prop, types, keys)``: the resources ``source.<prop>`` refers to, by property
  dependency or literal value (uses ``find``), in ``source``'s region and account (:func:`colocated`): a
  child declared with another provider, or another ``region``, protects what has that name there;
* ``stack.attached(types, prop, target_types, keys)``: for every target, the resources of ``types`` that
  refer to it; computed once per stack and the same read-only mapping on every call;
* ``stack.referrers(target, prop, types)``: the resources of ``types`` whose ``prop`` has a property
  dependency on ``target``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .awsfacts import ACCOUNT_PATTERN, REGION_PATTERN, parse_arn
from .values import ABSENT, UNKNOWN, Missing, get, is_known, plain


@dataclass(eq=False)
class Resource:
    """One resource: type token, logical name, URN, plain properties and its provider's properties."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    provider_props: dict[str, Any] = field(default_factory=dict)
    parent: Resource | None = None
    dependencies: list[Resource] = field(default_factory=list)
    property_dependencies: dict[str, list[Resource]] = field(default_factory=dict)
    # Resource options the engine shows a pack (retainOnDelete is not among them, protect is).
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    _merged_tags: dict[str, Any] | Missing | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_sdk(cls, source: Any, provider_props: dict[str, Any] | None = None) -> Resource:
        """Build the view from a ``ResourceValidationArgs`` or ``PolicyResource`` (links are added later);
        ``provider_props``, when given, are its provider's plain properties, shared with other views."""
        provider = source.provider
        if provider_props is None:
            provider_props = plain(provider.props) if provider is not None else {}
        options = source.opts
        return cls(
            source.resource_type,
            source.name,
            source.urn,
            plain(source.props),
            provider_props,
            protect=bool(options.protect),
            ignore_changes=tuple(options.ignore_changes or ()),
        )

    def get(self, *path: str | int) -> Any:
        return get(self.props, *path)

    def program_value(self, prop: str, *path: str | int) -> Any:
        """``get(prop, *path)``, except that a value unknown while ``prop`` depends on no resource reads as
        ABSENT: a program can only set a value unknown at preview from another resource's output, so such
        a value is one the program left unset and the provider fills in (its planned outputs, which a
        stack rule reads, show it unknown at preview)."""
        value = self.get(prop, *path)
        if value is UNKNOWN and not self.property_dependencies.get(prop):
            return ABSENT
        return value

    def region(self, configured: str | None = None) -> str | None:
        """The resource's region: its own ``region``, else its provider's, else the configured one."""
        for value in (self.get("region"), get(self.provider_props, "region"), configured):
            if isinstance(value, str) and REGION_PATTERN.match(value):
                return value
        return None

    def tags(self) -> dict[str, Any] | Missing:
        """Merged tags: provider default tags, then ``tagsAll``, then ``tags``; UNKNOWN if unknowable."""
        merged = self._tags()
        return dict(merged) if isinstance(merged, dict) else merged

    def _tags(self) -> dict[str, Any] | Missing:
        # Several rules read one resource's tags; a view's properties never change, so merge them once.
        if self._merged_tags is None:
            self._merged_tags = self._merge_tags()
        return self._merged_tags

    def _merge_tags(self) -> dict[str, Any] | Missing:
        merged: dict[str, Any] = {}
        merged.update(_provider_default_tags(self.provider_props))
        tags_all, tags = self.get("tagsAll"), self.get("tags")
        if tags is UNKNOWN and not isinstance(tags_all, dict):
            return UNKNOWN
        for source in (tags_all, tags):
            if isinstance(source, dict):
                merged.update(source)
        return merged

    def environment(self) -> str | None:
        """The value of the ``Environment`` tag, when it is known."""
        tags = self._tags()
        value = tags.get("Environment") if isinstance(tags, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def label(self) -> str:
        return f"{self.type} '{self.name}'"


def _provider_default_tags(provider_props: Mapping[str, Any]) -> dict[str, Any]:
    # The engine passes provider inputs of object type as JSON strings; programs may also pass objects.
    value = get(provider_props, "defaultTags")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    tags = get(value, "tags")
    return tags if isinstance(tags, dict) else {}


def allowed_accounts(resource: Resource) -> list[str]:
    """The accounts ``resource``'s provider allows (allowedAccountIds): it refuses to run in any other."""
    # The engine passes provider inputs of array type as JSON strings; programs may also pass lists.
    value = get(resource.provider_props, "allowedAccountIds")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def provider_account(resource: Resource) -> str | Missing | None:
    """The account ``resource``'s provider acts in: the account of the role it assumes, else the one account
    it allows; None when nothing names one."""
    role = _assumed_role(resource.provider_props)
    if role is not None:
        return role
    allowed = allowed_accounts(resource)
    return allowed[0] if len(allowed) == 1 else None


def _assumed_role(provider_props: Mapping[str, Any]) -> str | Missing | None:
    """The account of the (last) role the provider assumes, the role ARN itself when it names no account,
    UNKNOWN when it is not known yet, None when the provider assumes no role."""
    for key in ("assumeRoles", "assumeRole", "assumeRoleWithWebIdentity"):
        value = get(provider_props, key)
        if isinstance(value, str):
            # The engine passes provider inputs of object and array type as JSON strings.
            try:
                value = plain(json.loads(value))
            except ValueError:
                return value
        roles = [get(role, "roleArn") for role in (value if isinstance(value, list) else [value])]
        roles = [role for role in roles if role is UNKNOWN or (isinstance(role, str) and role)]
        if value is UNKNOWN or roles[-1:] == [UNKNOWN]:
            return UNKNOWN
        if roles:
            arn = parse_arn(roles[-1])
            return arn.account if arn is not None and ACCOUNT_PATTERN.match(arn.account) else roles[-1]
    return None


# Provider settings that choose the credentials, and so the account, it acts with (the roles it assumes are
# read by provider_account); the others (region, tags, retries, skip flags, ...) leave the account as it is.
_CREDENTIALS = frozenset(
    {
        "accessKey",
        "secretKey",
        "token",
        "profile",
        "sharedConfigFiles",
        "sharedCredentialsFiles",
        "assumeRole",
        "assumeRoles",
        "assumeRoleWithWebIdentity",
        "endpoints",
        "ec2MetadataServiceEndpoint",
    }
)


def credentials(resource: Resource) -> dict[str, Any]:
    """The provider settings of ``resource`` that may choose the account it acts in."""
    return {k: v for k, v in resource.provider_props.items() if k in _CREDENTIALS}


def colocated(one: Resource, other: Resource) -> bool:
    """False when the stack shows two resources in different regions or accounts: a regional resource (a
    log group, a parameter group, a secret's rotation, a bucket's settings) protects only what is in its
    own region and account, however alike their names. The region is the resource's own ``region``, else
    its provider's; the account the one its provider's assumed role or allowedAccountIds name, else, when
    neither names one, whether both providers use the same credentials. Unknown values count as the same."""
    mine, theirs = one.region(), other.region()
    if mine and theirs and mine != theirs:
        return False
    return same_account(one, other)


def same_account(one: Resource, other: Resource) -> bool:
    """False when the stack shows two resources in different accounts (see :func:`colocated`): what a global
    resource's name (an IAM role's, a policy's) names is the same in every region of one account."""
    if one.provider_props is other.provider_props:
        return True  # one provider, one account (resources of one provider share its properties)
    ours, yours = provider_account(one), provider_account(other)
    if ours is UNKNOWN or yours is UNKNOWN:
        return True
    if ours is not None and yours is not None:
        return ours == yours
    return credentials(one) == credentials(other)


class Stack:
    """Every resource of a stack with parents and dependencies resolved to :class:`Resource` views.

    ``indexed=False`` answers every lookup by scanning the resources instead (what the pack did before it
    kept indexes); the verdicts are the same, and the tests compare the two.
    """

    def __init__(self, resources: list[Resource], *, indexed: bool = True) -> None:
        self.resources = resources
        self.indexed = indexed
        self._by_type: dict[str, list[Resource]] = {}
        for resource in resources:
            self._by_type.setdefault(resource.type, []).append(resource)
        self._values: dict[tuple[str, tuple[str, ...]], dict[str, list[Resource]]] = {}
        self._attached: dict[tuple, Mapping[Resource, list[Resource]]] = {}
        self._referrers: dict[tuple[str, str], dict[Resource, list[Resource]]] = {}

    @classmethod
    def from_sdk(cls, policy_resources: Iterable[Any], *, indexed: bool = True) -> Stack:
        sources = list(policy_resources)
        # Resources that share one provider object (the pack builds each distinct provider once) share its
        # plain properties too: read-only, like every view's.
        providers: dict[int, dict[str, Any]] = {}
        for source in sources:
            if source.provider is not None and id(source.provider) not in providers:
                providers[id(source.provider)] = plain(source.provider.props)
        views = {
            id(source): Resource.from_sdk(source, providers.get(id(source.provider))) for source in sources
        }
        for source in sources:
            view = views[id(source)]
            view.parent = views.get(id(source.parent)) if source.parent is not None else None
            view.dependencies = [views[id(d)] for d in source.dependencies if id(d) in views]
            view.property_dependencies = {
                key: [views[id(d)] for d in deps if id(d) in views]
                for key, deps in source.property_dependencies.items()
            }
        return cls([views[id(source)] for source in sources], indexed=indexed)

    def of_type(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return list(self._by_type.get(types[0], []))
        return [r for r in self.resources if r.type in types]

    def find(
        self, types: Iterable[str], value: Any, keys: Iterable[str] = ("id", "arn", "name")
    ) -> list[Resource]:
        """The resources of ``types`` (in that order, each in stack order) with a ``keys`` property equal to
        the string ``value``; empty for anything but a string."""
        keys = tuple(keys)
        if not isinstance(value, str):
            return []
        if not self.indexed:
            return [r for kind in types for r in self._by_type.get(kind, []) if _matches(value, r, keys)]
        return [r for kind in types for r in self._values_of(kind, keys).get(value, ())]

    def _values_of(self, kind: str, keys: tuple[str, ...]) -> dict[str, list[Resource]]:
        index = self._values.get((kind, keys))
        if index is None:
            index = self._values[(kind, keys)] = {}
            for resource in self._by_type.get(kind, []):
                for key in keys:
                    value = resource.get(key)
                    if isinstance(value, str):
                        found = index.setdefault(value, [])
                        if not found or found[-1] is not resource:  # once, if id and arn are equal
                            found.append(resource)
        return index

    def targets(
        self,
        source: Resource,
        prop: str,
        types: Iterable[str],
        keys: Iterable[str] = ("id", "arn", "name"),
        *,
        anywhere: bool = False,
    ) -> list[Resource]:
        """The resources of ``types`` that ``source.<prop>`` refers to (empty when none is in the stack), in
        ``source``'s region and account (see :func:`colocated`) unless ``anywhere``: a name or an output
        used in another region or account names a resource there, not this one."""
        found = self._targets(source, prop, tuple(types), tuple(keys))
        return found if anywhere else [r for r in found if colocated(source, r)]

    def _targets(
        self, source: Resource, prop: str, wanted: tuple[str, ...], keys: tuple[str, ...]
    ) -> list[Resource]:
        linked = _unique(r for r in source.property_dependencies.get(prop, []) if r.type in wanted)
        value = source.get(prop)
        if len(linked) > 1 and is_known(value):
            # A value computed from several resources (Output.all(a.id, b.id).apply(...)) depends on each,
            # but is the one it names, or none of them: a public access block computed so protects only it.
            return [r for r in self.find(wanted, value, keys) if any(r is t for t in linked)]
        if linked:
            return linked
        if is_known(value):
            return self.find(wanted, value, keys)
        if value is ABSENT:
            return []
        candidates = _unique(d for d in source.dependencies if d.type in wanted)
        if len(candidates) == 1:
            return candidates
        if source.parent is not None and source.parent.type in wanted:
            return [source.parent]
        return []

    def attached(
        self,
        types: Iterable[str],
        prop: str,
        target_types: Iterable[str],
        keys: Iterable[str] = ("id", "arn", "name"),
    ) -> Mapping[Resource, list[Resource]]:
        """For every resource of ``target_types``, the resources of ``types`` whose ``prop`` refers to it.

        Computed once per stack for each set of arguments: a rule may ask for it once per resource. The
        mapping is read-only and shared, so do not change the lists in it."""
        types, target_types, keys = tuple(types), tuple(target_types), tuple(keys)
        cache_key = (types, prop, target_types, keys)
        if self.indexed and cache_key in self._attached:
            return self._attached[cache_key]
        found: dict[Resource, list[Resource]] = {}
        for kind in types:
            for child in self._by_type.get(kind, []):
                for target in self.targets(child, prop, target_types, keys):
                    found.setdefault(target, []).append(child)
        self._attached[cache_key] = MappingProxyType(found)
        return self._attached[cache_key]

    def referrers(self, target: Resource, prop: str, types: Iterable[str]) -> list[Resource]:
        """The resources of ``types`` (in that order, each in stack order) in ``target``'s region and account
        whose ``prop`` has a property dependency on ``target``."""
        return [r for r in self._referrers_of(target, prop, types) if colocated(target, r)]

    def _referrers_of(self, target: Resource, prop: str, types: Iterable[str]) -> list[Resource]:
        found: list[Resource] = []
        for kind in types:
            if not self.indexed:
                found += [
                    r for r in self._by_type.get(kind, []) if target in r.property_dependencies.get(prop, [])
                ]
                continue
            index = self._referrers.get((kind, prop))
            if index is None:
                index = self._referrers[(kind, prop)] = {}
                for resource in self._by_type.get(kind, []):
                    for dependency in _unique(resource.property_dependencies.get(prop, [])):
                        index.setdefault(dependency, []).append(resource)
            found += index.get(target, [])
        return found


def _matches(value: Any, resource: Resource, keys: Iterable[str]) -> bool:
    candidates = [resource.get(key) for key in keys]
    return any(isinstance(c, str) and c == value for c in candidates)


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    # Views compare by identity, so a dict keeps the first of each, in order, in linear time.
    return list(dict.fromkeys(resources))
