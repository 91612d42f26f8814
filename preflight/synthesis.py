"""Plausible values of a declared type: what a provider would give for an output no hand-written rule knows.

``preflight.schema`` says a property's shape (string, number, list of objects, ...) and whether the provider
always gives it; this module makes a value of that shape, guided by the property's name the way the
provider's own values are: an ``...Arn`` is an ARN in the resource's service, region and account, an
``...Id`` an id with the usual prefix, ``...Ip`` an address, ``...Url`` a URL, ``...Date`` a timestamp,
``base64...`` base64, a port 443, a list one element, an object every field. Every value is derived by hashing
the resource's URN (or the invoke's query) and the property's path, so runs are reproducible.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from preflight.identity import Ids, Target, zone_id
from preflight.schema import Choice, Field, ListOf, MapOf, ObjectOf, Scalar, Shape

CREATED = "2025-01-01T00:00:00Z"

# Nested objects deeper than this get only the fields the provider always gives (types can be recursive).
_FULL_DEPTH = 2
_MAX_DEPTH = 6

# The ARN service of a module whose name differs from it.
_ARN_SERVICES = {
    "alb": "elasticloadbalancing",
    "apigatewayv2": "apigateway",
    "cfg": "config",
    "cognito": "cognito-idp",
    "efs": "elasticfilesystem",
    "elasticsearch": "es",
    "elb": "elasticloadbalancing",
    "lb": "elasticloadbalancing",
    "msk": "kafka",
    "opensearch": "es",
    "sfn": "states",
}
# Services whose ARNs name no region (IAM, Route 53, CloudFront) or neither region nor account (S3).
_GLOBAL_SERVICES = {"iam", "route53", "cloudfront", "organizations", "globalaccelerator"}
_NO_ACCOUNT_SERVICES = {"s3"}
# ARNs whose name says which resource they point at: (service, resource format).
_ARN_KINDS = {
    "role": ("iam", "role/{name}"),
    "execution-role": ("iam", "role/{name}"),
    "service-role": ("iam", "role/{name}"),
    "policy": ("iam", "policy/{name}"),
    "user": ("iam", "user/{name}"),
    "instance-profile": ("iam", "instance-profile/{name}"),
    "key": ("kms", "key/{uuid}"),
    "kms-key": ("kms", "key/{uuid}"),
    "topic": ("sns", "{name}"),
    "sns-topic": ("sns", "{name}"),
    "queue": ("sqs", "{name}"),
    "function": ("lambda", "function:{name}"),
    "lambda-function": ("lambda", "function:{name}"),
    "bucket": ("s3", "{name}"),
    "log-group": ("logs", "log-group:{name}"),
    "certificate": ("acm", "certificate/{uuid}"),
    "secret": ("secretsmanager", "secret:{name}"),
    "state-machine": ("states", "stateMachine:{name}"),
    "target-group": ("elasticloadbalancing", "targetgroup/{name}/{hex}"),
    "load-balancer": ("elasticloadbalancing", "loadbalancer/app/{name}/{hex}"),
}
# The prefixes AWS gives ids, by what the property's name says it identifies.
_ID_PREFIXES = {
    "allocation": "eipalloc",
    "association": "eipassoc",
    "image": "ami",
    "instance": "i",
    "internet-gateway": "igw",
    "key-pair": "key",
    "launch-template": "lt",
    "nat-gateway": "nat",
    "network-acl": "acl",
    "network-interface": "eni",
    "route-table": "rtb",
    "security-group": "sg",
    "snapshot": "snap",
    "transit-gateway": "tgw",
    "volume": "vol",
    "vpc-endpoint": "vpce",
}


_HOST_SUFFIXES = ("dnsname", "domainname")


@dataclass(frozen=True)
class Subject:
    """What the values are for: a resource (or an invoke's answer) and where it lives."""

    target: Target
    ids: Ids
    service: str  # the token's module (``ec2``): the ARN service unless _ARN_SERVICES says otherwise
    kind: str  # what it is, in kebab case (``load-balancer``)
    name: str  # its physical name

    @property
    def arn_service(self) -> str:
        return arn_service(self.service)


def arn_service(module: str) -> str:
    """The service an ARN names for a type of this module: ``lb`` -> ``elasticloadbalancing``."""
    return _ARN_SERVICES.get(module, module)


def kebab(name: str) -> str:
    """``GraphQLApi`` -> ``graph-ql-api``."""
    return "-".join(_words(name))


def fill(
    fields: Collection[Field], subject: Subject, skip: Collection[str] = (), inputs: Collection[str] = ()
) -> dict[str, Any]:
    """A value for every always-present field that is neither in ``skip`` (known already) nor in ``inputs``.

    ``inputs`` are the properties a program can set on the type. One it left unset is never invented: the
    provider leaves it absent (or at a default only a hand-written generator knows), and a value here would
    be a claim about the program that policies judge, such as a bucket's ``logging`` naming a target bucket
    or a ``SecretRotation``'s ``rotationEnabled`` false.
    """
    return {
        field.name: value(field.name, field.shape, subject, field.name, 0)
        for field in fields
        if field.required and field.name not in skip and field.name not in inputs
    }


def value(name: str, shape: Shape, subject: Subject, path: str, depth: int = 0) -> Any:
    """A value of ``shape`` for the property ``name``; ``path`` (``a[0].b``) keeps sibling values apart."""
    if isinstance(shape, Scalar):
        return _scalar(shape.kind, name, subject, path)
    if isinstance(shape, Choice):
        return shape.values[0]
    if isinstance(shape, ListOf):
        return [value(singular(name), shape.item, subject, f"{path}[0]", depth + 1)]
    if isinstance(shape, MapOf):
        item = singular(name)  # ``uris["GRAPHQL"]`` is a URI
        return {key: value(item, shape.item, subject, f"{path}.{key}", depth + 1) for key in shape.keys}
    return _object(shape, subject, path, depth, (shape.cls,))


def _object(shape: ObjectOf, subject: Subject, path: str, depth: int, seen: tuple[type, ...]) -> dict:
    result = {}
    for field in shape.fields:
        inner = field.shape
        while isinstance(inner, ListOf | MapOf):
            inner = inner.item
        # Optional nested objects only near the top, and never a type inside itself.
        if isinstance(inner, ObjectOf) and (
            inner.cls in seen or depth + 1 >= _MAX_DEPTH or (not field.required and depth >= _FULL_DEPTH)
        ):
            continue
        result[field.name] = value(field.name, field.shape, subject, f"{path}.{field.name}", depth + 1)
    return result


def _words(name: str) -> list[str]:
    """``publicIpAddress`` -> ``["public", "ip", "address"]``."""
    return [word.lower() for word in re.findall(r"[A-Z]+(?=[A-Z][a-z0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+", name)]


def singular(name: str) -> str:
    """``subnets`` -> ``subnet``, ``policies`` -> ``policy``: the name of one element of a list."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes")):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _scalar(kind: str, name: str, subject: Subject, path: str) -> Any:
    words = _words(name)
    if kind == "string":
        return _string(name, words, subject, path)
    if kind == "integer":
        return 443 if "port" in words else 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return {}


def _string(name: str, words: list[str], subject: Subject, path: str) -> str:
    target, ids = subject.target, subject.ids
    low = name.lower()
    last = words[-1] if words else ""
    if last == "region":
        return target.region
    if low == "partition":
        return target.partition
    if low.endswith("accountid") or low in ("ownerid", "registryid", "catalogid"):
        return target.account_id
    if low == "availabilityzone":
        return f"{target.region}a"
    if low == "availabilityzoneid":
        return zone_id(target.region, "a")
    if low.endswith("hostedzoneid") or (low == "zoneid" and subject.service == "route53"):
        return f"Z{ids.upper(13, path)}"
    if last == "arn":
        return _arn(words[:-1], subject, path)
    if "ipv6" in low:
        block = ids.hex(4, path)
        return (
            f"2600:1f18:{block}:{ids.hex(2, path + 'b')}00::/56"
            if "cidr" in words
            else f"2600:1f18:{block}::1"
        )
    if "cidr" in words:
        return f"10.{ids.number(path) % 250}.0.0/16"
    if last in ("ip", "ips") or (last == "address" and "ip" in words):
        number = ids.number(path)
        first = "3" if "public" in words else "10"
        return f"{first}.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}"
    if last in ("url", "uri", "link"):
        return f"https://{_host(subject, path)}/"
    if last in ("host", "hostname", "domain", "fqdn", "endpoint", "address") or low.endswith(_HOST_SUFFIXES):
        return _host(subject, path)
    if last == "id":
        return _id(words[:-1], subject, path)
    if last in ("date", "time", "timestamp") or (last == "at" and len(words) > 1) or "created" in words:
        return CREATED
    if last == "pem":
        label = "CERTIFICATE" if {"cert", "certificate"} & set(words) else "PUBLIC KEY"
        label = "PRIVATE KEY" if "private" in words else label
        body = base64.b64encode(f"{subject.name}:{path}".encode()).decode()
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
    if "base64" in words or low == "data":
        return base64.b64encode(f"{subject.name}:{path}".encode()).decode()
    if last in ("fingerprint", "hash", "checksum", "digest", "etag", "sha256"):
        return ids.hex(64 if last in ("sha256", "digest") else 40, path)
    if last in ("status", "state"):
        return "available"
    if last == "version":
        return "1"
    if low == "name":
        return subject.name if "." not in path else f"{subject.name}-{ids.hex(6, path)}"
    if last in ("policy", "document", "json"):
        return "{}"
    return f"{'-'.join(words) or 'value'}-{ids.hex(8, path)}"


def _host(subject: Subject, path: str) -> str:
    label = re.sub(r"[^a-z0-9-]", "-", subject.name.lower()).strip("-")[:40] or subject.kind
    where = subject.target
    return f"{label}-{subject.ids.hex(8, path)}.{where.region}.{subject.arn_service}.{where.dns_suffix}"


def _id(words: list[str], subject: Subject, path: str) -> str:
    what = "-".join(words) or subject.kind
    if what in ("key", "kms-key"):
        return subject.ids.uuid(path)
    if what == "unique":
        return f"AIDA{subject.ids.upper(17, path)}"
    return f"{_ID_PREFIXES.get(what, what)}-{subject.ids.hex(17, path)}"


def _arn(words: list[str], subject: Subject, path: str) -> str:
    what = "-".join(words)
    ids, where = subject.ids, subject.target
    # ``nodeRoleArn`` is a role's ARN, and a role's own ``arn`` too.
    known = next((key for key in (what, words[-1] if words else subject.kind) if key in _ARN_KINDS), None)
    if known is not None:
        service, pattern = _ARN_KINDS[known]
        name = f"{what}-{ids.hex(8, path)}" if what else subject.name
    elif what == "stream" and subject.service == "dynamodb":
        service, name = "dynamodb", subject.name
        pattern = f"table/{{name}}/stream/{CREATED.removesuffix('Z')}.000"
    else:
        service = subject.arn_service
        kind = what or subject.kind
        name = subject.name if not what else f"{kind}-{ids.hex(8, path)}"
        pattern = f"{kind}/{{name}}"
    resource = pattern.format(name=name, uuid=ids.uuid(path), hex=ids.hex(16, path))
    region = "" if service in _GLOBAL_SERVICES | _NO_ACCOUNT_SERVICES else where.region
    account = "" if service in _NO_ACCOUNT_SERVICES else where.account_id
    return f"arn:{where.partition}:{service}:{region}:{account}:{resource}"
