"""Where resources land and how they are named: account, region, partition, and identifiers derived from URNs.

Every value preflight invents is derived from a URN (or an invoke's query) by hashing, so the same program
always gets the same ids, names and addresses, and reports are identical from run to run.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Where resources land: the account and region that ARNs and endpoints name."""

    account_id: str
    region: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)[0]

    @property
    def dns_suffix(self) -> str:
        return partition_of(self.region)[1]


def partition_of(region: str) -> tuple[str, str, str]:
    """(partition, DNS suffix, reverse DNS prefix) of a region, as getPartition reports them."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com", "com.amazonaws"
    return "aws", "amazonaws.com", "com.amazonaws"


# --- deterministic identifiers ---------------------------------------------------------------------------

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits


class Ids:
    """Identifiers derived from a URN: the same program always gets the same ids."""

    def __init__(self, urn: str) -> None:
        self.urn = urn

    def number(self, salt: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{salt}|{self.urn}".encode()).digest(), "big")

    def text(self, alphabet: str, length: int, salt: str) -> str:
        value = self.number(salt)
        chars = []
        for _ in range(length):
            value, index = divmod(value, len(alphabet))
            chars.append(alphabet[index])
        return "".join(chars)

    def hex(self, length: int, salt: str = "hex") -> str:
        return self.text("0123456789abcdef", length, salt)

    def lower(self, length: int, salt: str = "lower") -> str:
        return self.text(_LOWER_ALNUM, length, salt)

    def upper(self, length: int, salt: str = "upper") -> str:
        return self.text(_UPPER_ALNUM, length, salt)

    def digits(self, length: int, salt: str = "digits") -> str:
        return self.text(string.digits, length, salt)

    def uuid(self, salt: str = "uuid") -> str:
        h = self.hex(32, salt)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def autoname_suffix(urn: str) -> str:
    """The 7 hex characters Pulumi appends to a logical name when it autonames a resource."""
    return Ids(urn).hex(7, "autoname")


def zone_id(region: str, letter: str) -> str:
    """The AWS zone id (``use1-az1``) of a region's zone letter."""
    words = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c"}
    words.update(northeast="ne", northwest="nw", southeast="se", southwest="sw")
    parts = region.split("-")
    code = parts[0] + "".join(words.get(part, part[:1]) for part in parts[1:-1]) + parts[-1]
    return f"{code}-az{max(string.ascii_lowercase.find(letter), 0) + 1}"
