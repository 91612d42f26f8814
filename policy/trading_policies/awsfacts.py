"""AWS facts the rules rely on: ARNs, regions, CloudWatch retention values, S3 bucket naming rules (general
purpose and directory buckets)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Every value CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
)  # fmt: skip

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
_ACCOUNT_TOKEN = re.compile(r"(?<!\d)\d{12}(?!\d)")
_ROOT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")
_AUTONAME_SUFFIX = re.compile(r"-[0-9a-f]{7}$")


@dataclass(frozen=True)
class Arn:
    """The six colon-separated parts of an ARN; ``resource`` keeps any further colons."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its parts; None when ``text`` is not an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def is_aws_managed_key(key: object, service: str) -> bool:
    """Whether a KMS key reference names ``service``'s AWS managed key: ``alias/aws/<service>`` or its alias
    ARN. (A key left unset is the AWS managed key too for most services; each rule says so itself.)"""
    alias = f"alias/aws/{service}"
    return isinstance(key, str) and (key == alias or key.endswith(":" + alias))


def root_account(principal_value: str) -> str | None:
    """The account of an ``arn:aws:iam::<account>:root`` principal or of a bare account id."""
    if ACCOUNT_PATTERN.match(principal_value):
        return principal_value
    match = _ROOT_ARN.match(principal_value)
    return match.group(1) if match else None


def account_tokens(text: str) -> list[str]:
    """Every 12-digit run in ``text`` that is not part of a longer run of digits."""
    return _ACCOUNT_TOKEN.findall(text)


def is_autoname(value: str, logical_name: str) -> bool:
    """True when ``value`` is what Pulumi generates for ``logical_name``: the name, a hyphen, 7 hex digits."""
    return _AUTONAME_SUFFIX.search(value) is not None and value[:-8].lower() == logical_name.lower()


def s3_bucket_name_problems(name: str) -> list[str]:
    """The S3 general purpose bucket naming rules ``name`` breaks (empty when it is valid)."""
    problems: list[str] = []
    if not 3 <= len(name) <= 63:
        problems.append(f"is {len(name)} characters long (S3 allows 3-63)")
    if not re.fullmatch(r"[a-z0-9.-]*", name):
        problems.append("contains characters other than lowercase letters, digits, hyphens and dots")
    if (name[:1] and not name[:1].isalnum()) or (name[-1:] and not name[-1:].isalnum()):
        problems.append("must begin and end with a lowercase letter or digit")
    if ".." in name:
        problems.append("contains two adjacent periods")
    if _is_ip_address(name):
        problems.append("is formatted as an IP address")
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            problems.append(f"starts with the reserved prefix '{prefix}'")
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            problems.append(f"ends with the reserved suffix '{suffix}'")
    return problems


# A directory bucket's name ends with the id of its zone (an Availability Zone or Local Zone) and --x-s3.
_DIRECTORY_SUFFIX = re.compile(r"--[a-z0-9]+(-[a-z0-9]+)+--x-s3$")


def s3_directory_bucket_name_problems(name: str) -> list[str]:
    """The S3 directory bucket (S3 Express One Zone) naming rules ``name`` breaks (empty when it is valid)."""
    problems: list[str] = []
    if not 3 <= len(name) <= 63:
        problems.append(f"is {len(name)} characters long (S3 allows 3-63, suffix included)")
    if not re.fullmatch(r"[a-z0-9-]*", name):
        problems.append("contains characters other than lowercase letters, digits and hyphens")
    if (name[:1] and not name[:1].isalnum()) or (name[-1:] and not name[-1:].isalnum()):
        problems.append("must begin and end with a lowercase letter or digit")
    if not _DIRECTORY_SUFFIX.search(name):
        problems.append("does not end with --<zone id>--x-s3 (e.g. --use1-az4--x-s3)")
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            problems.append(f"starts with the reserved prefix '{prefix}'")
    return problems


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


# Addresses no one on the internet can send from (IANA's special-purpose registries, the ranges they mark
# not globally reachable), written out here: what Python's ipaddress calls private changed in patch releases
# (3.11.10, 3.12.4); before them a network was private when its first and last addresses were, so 0.0.0.0/0
# was. IPv6's 2001::/23 is left out as a whole, since Teredo (2001::/32) and others inside it are routable.
_NOT_ON_THE_INTERNET = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/29", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "240.0.0.0/4", "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7",
        "fe80::/10",
    )
)  # fmt: skip


def is_private_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Whether every address of ``network`` lies in one range that is not reachable from the internet."""
    return any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in _NOT_ON_THE_INTERNET
    )


# Public addresses beyond which ranges are the internet rather than a set of peers: a /8 of IPv4, a /32 of
# IPv6 (0.0.0.0/1 is half the internet; all of it but one address is 32 ranges).
_INTERNET_SHARE = {4: 2**24, 6: 2**96}


def is_the_internet(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network], version: int) -> bool:
    """Whether the public addresses of ``networks`` of IP ``version`` add up to more than a share of the
    internet (overlapping ranges counted once)."""
    public = [n for n in networks if n.version == version and not is_private_network(n)]
    collapsed = ipaddress.collapse_addresses(public)  # type: ignore[misc]
    return sum(n.num_addresses for n in collapsed) > _INTERNET_SHARE[version]
