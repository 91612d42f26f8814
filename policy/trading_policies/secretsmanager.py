"""Secrets Manager rules: secrets encrypted with a customer-managed key, and rotated.

Decision on the RDS-managed master secret (``manageMasterUserPassword``): RDS creates it outside the stack
and rotates it itself (every 7 days unless changed), so it needs no ``SecretRotation``; the stack sets only
its key (``masterUserSecretKmsKeyId``, checked here). A ``SecretRotation`` with ``rotationEnabled`` false
is a finding wherever it points, because on that secret it turns AWS's own rotation off. Secrets whose
name starts with ``<service>!`` are created and rotated by that service and are not checked for rotation.

How often a SecretRotation rotates: ``automaticallyAfterDays`` and ``rate()`` say it; for a ``cron()``
schedule the rule computes the longest time between two rotations the expression allows, over the 400
years after which the Gregorian calendar and its weekdays repeat (so a yearly ``cron(0 8 1 1 ? *)`` leaves
366 days, a monthly ``cron(0 8 1 * ? *)`` 31). It reads the syntax Secrets Manager documents: six fields
(minutes, hours, day-of-month, month, day-of-week, year), ``,`` ``-`` ``*`` ``/``, ``?`` in exactly one of
the two day fields, month and weekday names, ``L``, ``LW`` and ``nW`` in day-of-month, ``L``, ``nL`` and
``n#k`` in day-of-week, and ``*`` as the only year. The interval is measured from one rotation window's
start to the next, as for ``rate()``; a window may close up to a day later. An expression the rule cannot
evaluate is a violation: a rotation interval nobody can verify is not a control an assessor can accept,
and Secrets Manager itself rejects almost everything outside that syntax.

A deciding value unknown at preview (``rotationEnabled``, the whole ``rotationRules``, its
``automaticallyAfterDays`` or ``scheduleExpression``) is an advisory note naming it, one per property; a
known rule that already breaks the limit is still a violation beside a note on an unknown
``rotationEnabled``. An unknown the program did not set (its property depends on no resource) is the
provider's own value, planned but not known at preview, and reads as not set: ``rotationEnabled`` then
defaults to on.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Any

from pulumi_policy import Severity

from .awsfacts import is_aws_managed_key
from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe, get

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/instance:Instance"
_SERVICE_MANAGED = re.compile(r"^[a-z0-9-]+!")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_WEEKDAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_NEAREST_WEEKDAY = re.compile(r"^(\d+)W$")
_LAST_WEEKDAY = re.compile(r"^(\w+)L$")
_NTH_WEEKDAY = re.compile(r"^(\w+)#(\d+)$")
_CYCLE_DAYS = 146097  # 400 Gregorian years, after which dates and weekdays repeat
_MINUTES_PER_DAY = 1440
_DOCS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/"


def _aws_managed_key(key: Any) -> bool:
    return key is ABSENT or key == "" or is_aws_managed_key(key, "secretsmanager")


def check_secret_key(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if resource.type == SECRET:
        key = resource.get("kmsKeyId")
        if _aws_managed_key(key):
            yield (
                f"kmsKeyId is {describe(key)}, so the secret is encrypted with the AWS managed key "
                "aws/secretsmanager, whose policy you cannot restrict"
            )
        # Each replica is encrypted with its own key in its region, aws/secretsmanager unless it names one.
        replicas = resource.get("replicas")
        for index, replica in enumerate(replicas if isinstance(replicas, list) else []):
            replica_key = get(replica, "kmsKeyId")
            if _aws_managed_key(replica_key):
                region = get(replica, "region")
                where = f" ({region})" if isinstance(region, str) else ""
                yield (
                    f"replicas[{index}]{where} has kmsKeyId {describe(replica_key)}, so that region's copy "
                    "of the secret is encrypted with the AWS managed key aws/secretsmanager"
                )
        return
    if as_bool(resource.get("manageMasterUserPassword")) is not True:
        return
    key = resource.get("masterUserSecretKmsKeyId")
    if _aws_managed_key(key):
        yield (
            f"manageMasterUserPassword is true but masterUserSecretKmsKeyId is {describe(key)}, so the "
            "RDS-managed master secret is encrypted with the AWS managed key aws/secretsmanager"
        )


def check_rotation(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    maximum = config["maximumRotationDays"]
    rotations = stack.attached((SECRET_ROTATION,), "secretId", (SECRET,), ("arn", "id", "name"))
    for rotation in stack.of_type(SECRET_ROTATION):
        for fault in _rotation_faults(rotation, maximum):
            yield fault if isinstance(fault, Finding) else Finding(rotation, fault)
    for secret in stack.of_type(SECRET):
        name = secret.get("name")
        if isinstance(name, str) and _SERVICE_MANAGED.match(name):
            continue
        if secret not in rotations:
            yield Finding(
                secret,
                "has no aws.secretsmanager.SecretRotation, so its value never changes and a leaked copy "
                "stays valid",
            )


def _rotation_faults(rotation: Resource, maximum: int) -> Iterator[str | Finding]:
    enabled = rotation.program_value("rotationEnabled")
    if as_bool(enabled) is False:
        yield (
            "rotationEnabled is false, which turns rotation off (on an RDS-managed master secret it stops "
            "the rotation RDS would otherwise do every 7 days)"
        )
        return
    if enabled is UNKNOWN:
        yield unknown_until_deployed(rotation, rotation, "rotationEnabled", "whether rotation is on")
    if rotation.program_value("rotationRules") is UNKNOWN:
        yield unknown_until_deployed(rotation, rotation, "rotationRules", "how often the secret rotates")
        return
    unknown: list[str] = []
    after = rotation.program_value("rotationRules", "automaticallyAfterDays")
    days = as_number(after)
    if days is UNKNOWN:
        unknown.append("rotationRules.automaticallyAfterDays")
    elif days is None:
        yield f"rotationRules.automaticallyAfterDays is {describe(after)}, which is not a number of days"
    elif isinstance(days, float) and days > maximum:
        yield f"rotates every {days:g} days; rotate at least every {maximum} days"
    expression = rotation.program_value("rotationRules", "scheduleExpression")
    if expression is UNKNOWN:
        unknown.append("rotationRules.scheduleExpression")
    elif isinstance(expression, str):
        yield from _schedule_faults(expression, maximum)
    if unknown:
        yield unknown_until_deployed(
            rotation, rotation, "rotationRules", f"how often the secret rotates ({' and '.join(unknown)})"
        )


def _schedule_faults(expression: str, maximum: int) -> Iterator[str]:
    shown = f"rotationRules.scheduleExpression {describe(expression)}"
    text = expression.strip()
    rate = _RATE.match(text.lower())
    if rate is not None:
        count = float(rate.group(1))
        days = count if rate.group(2).startswith("day") else count / 24
        if days > maximum:
            yield f"rotates every {days:g} days; rotate at least every {maximum} days"
        return
    cron = _CRON.match(text)
    if cron is None:
        yield (
            f"{shown} is neither rate() nor cron(), so how often the secret rotates cannot be checked; write "
            "rate(30 days) or a cron() expression"
        )
        return
    longest, problem = _longest_gap(cron.group(1))
    if problem is not None:
        yield (
            f"{shown} cannot be evaluated ({problem}), so how often the secret rotates cannot be checked; "
            "write rate(30 days) or a cron() expression of the form Secrets Manager documents"
        )
    elif longest is None:
        yield f"{shown} matches no date, so the secret never rotates"
    elif longest > maximum:
        yield (
            f"{shown} leaves up to {round(longest, 2):g} days between two rotations; rotate at least every "
            f"{maximum} days"
        )


class _Unreadable(ValueError):
    """A cron() expression the rule cannot evaluate; the message says why."""


# The days of a month (1-based) a day field picks, given the weekday of the 1st (1 = Sunday) and its length.
_DayPicker = Callable[[int, int], set[int]]


@lru_cache(maxsize=64)
def _longest_gap(body: str) -> tuple[float | None, str | None]:
    """(the longest time in days between two rotations, None if it never fires; the reason it cannot be
    evaluated, or None) for the fields of a Secrets Manager cron() expression."""
    try:
        fields = body.upper().split()
        if len(fields) != 6:
            raise _Unreadable(
                f"it has {len(fields)} fields, not the 6 of minutes, hours, day-of-month, month, day-of-week "
                "and year"
            )
        minutes, hours, month_days, months, weekdays, years = fields
        if years != "*":
            raise _Unreadable("the year field must be *")
        if (month_days == "?") == (weekdays == "?"):
            raise _Unreadable("exactly one of day-of-month and day-of-week must be ?")
        times = sorted(
            hour * 60 + minute
            for hour in _values(hours, 0, 23, "hours")
            for minute in _values(minutes, 0, 59, "minutes")
        )
        chosen = _values(months, 1, 12, "month", _MONTHS)
        pickers = _month_days(month_days) if weekdays == "?" else _weekdays(weekdays)
    except _Unreadable as problem:
        return None, str(problem)
    # A month's picked days depend only on the weekday of its 1st and its length: 28 kinds of month.
    kinds: dict[tuple[int, int], tuple[int, int, int] | None] = {}
    between_days, first_date, last_date = 0, None, 0
    for index in range(400 * 12):
        year, month = 2000 + index // 12, index % 12 + 1
        if month not in chosen:
            continue
        monday_based, length = calendar.monthrange(year, month)
        kind = ((monday_based + 1) % 7 + 1, length)
        if kind not in kinds:
            picked = sorted(set().union(*(pick(*kind) for pick in pickers)))
            inside = max((b - a for a, b in pairwise(picked)), default=0)
            kinds[kind] = (picked[0], picked[-1], inside) if picked else None
        found = kinds[kind]
        if found is None:
            continue
        low, high, inside = found
        start = date(year, month, 1).toordinal() - 1
        if first_date is None:
            first_date = start + low
        else:
            between_days = max(between_days, start + low - last_date)
        between_days = max(between_days, inside)
        last_date = start + high
    if first_date is None:
        return None, None
    between_days = max(between_days, first_date + _CYCLE_DAYS - last_date)
    longest = between_days * _MINUTES_PER_DAY + times[0] - times[-1]
    longest = max([longest, *(b - a for a, b in pairwise(times))])
    return longest / _MINUTES_PER_DAY, None


def _values(field: str, low: int, high: int, what: str, names: Mapping[str, int] | None = None) -> set[int]:
    """The numbers a field's comma-separated items name: n, a-b (wrapping past ``high``), */s, a/s, a-b/s."""
    size = high - low + 1
    found: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        if step_text and not (step_text.isdigit() and int(step_text) >= 1):
            raise _Unreadable(f"the {what} field's step in '{item}' is not a positive number")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (_number(part, low, high, what, names) for part in span.split("-", 1))
        else:
            first = _number(span, low, high, what, names)
            last = high if step_text else first
        found |= {low + (first - low + k) % size for k in range(0, (last - first) % size + 1, step)}
    return found


def _number(text: str, low: int, high: int, what: str, names: Mapping[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    raise _Unreadable(f"'{text}' is not a value of the {what} field ({low}-{high})")


def _weekday(first: int, day: int) -> int:
    return (first - 1 + day - 1) % 7 + 1


def _month_days(field: str) -> list[_DayPicker]:
    pickers: list[_DayPicker] = []
    for item in field.split(","):
        nearest = _NEAREST_WEEKDAY.match(item)
        if item == "L":
            pickers.append(lambda _first, length: {length})
        elif item == "LW":
            pickers.append(lambda first, length: {_nearest_weekday(first, length, length)})
        elif nearest is not None:
            day = _number(nearest.group(1), 1, 31, "day-of-month", None)
            pickers.append(
                lambda first, length, day=day: (
                    {_nearest_weekday(first, length, day)} if day <= length else set()
                )
            )
        else:
            chosen = _values(item, 1, 31, "day-of-month")
            pickers.append(lambda _first, length, chosen=chosen: {d for d in chosen if d <= length})
    return pickers


def _nearest_weekday(first: int, length: int, day: int) -> int:
    """The weekday (Monday to Friday) nearest ``day`` in its month (``nW``; ``LW`` for the last day)."""
    weekday = _weekday(first, day)
    if weekday == 7:  # Saturday: the Friday before, or the Monday after the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday: the Monday after, or the Friday before the last day
        return day + 1 if day < length else day - 2
    return day


def _weekdays(field: str) -> list[_DayPicker]:
    pickers: list[_DayPicker] = []
    for item in field.split(","):
        last = _LAST_WEEKDAY.match(item)
        nth = _NTH_WEEKDAY.match(item)
        if last is not None:  # nL: the last such weekday of the month
            weekday = _number(last.group(1), 1, 7, "day-of-week", _WEEKDAYS)
            pickers.append(
                lambda first, length, weekday=weekday: {length - (_weekday(first, length) - weekday) % 7}
            )
        elif nth is not None:  # n#k: the k-th such weekday of the month
            weekday = _number(nth.group(1), 1, 7, "day-of-week", _WEEKDAYS)
            week = _number(nth.group(2), 1, 5, "day-of-week's #", None)
            pickers.append(
                lambda first, length, weekday=weekday, week=week: {
                    day for day in [1 + (weekday - first) % 7 + 7 * (week - 1)] if day <= length
                }
            )
        else:  # L alone is the last day of the week, Saturday
            chosen = _values("7" if item == "L" else item, 1, 7, "day-of-week", _WEEKDAYS)
            pickers.append(
                lambda first, length, chosen=chosen: {
                    day for weekday in chosen for day in range(1 + (weekday - first) % 7, length + 1, 7)
                }
            )
    return pickers


RULES = [
    Rule(
        name="secretsmanager-secret-encrypted-with-cmk",
        description=(
            "Secrets Manager secrets and each of their replicas (replicas[].kmsKeyId), and the master "
            "secrets RDS manages for clusters and instances (masterUserSecretKmsKeyId), are encrypted with a "
            "customer-managed KMS key."
        ),
        severity=Severity.MEDIUM,
        pci=("3.6.1", "8.3.2"),
        remediation=(
            "Set kms_key_id=data_key.arn on the secret (and on each replica, a key in its region), or "
            "master_user_secret_kms_key_id=data_key.arn on a cluster or instance with "
            "manage_master_user_password=True"
        ),
        url=_DOCS + "security-encryption.html",
        topic="secretsmanager",
        check=check_secret_key,
        resource_types=(SECRET, CLUSTER, INSTANCE),
    ),
    Rule(
        name="secretsmanager-secret-rotation",
        description=(
            "Every Secrets Manager secret the stack declares has a SecretRotation rotating it at least every "
            "maximumRotationDays days (automaticallyAfterDays, rate(), or the longest gap a cron() schedule "
            "allows; a schedule the pack cannot evaluate is a violation), and no SecretRotation turns "
            "rotation off; RDS-managed master secrets rotate by themselves and need none, and a rotation "
            "setting not known at preview is a note."
        ),
        severity=Severity.MEDIUM,
        pci=("8.3.9", "8.6.3"),
        remediation=(
            "Add aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
            "rotation_rules={'automatically_after_days': 30}); for a database password prefer "
            "manage_master_user_password=True, which RDS rotates itself"
        ),
        url=_DOCS + "rotating-secrets.html",
        topic="secretsmanager",
        check=check_rotation,
        stack=True,
        config={
            "maximumRotationDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "default": 90,
                "description": "Longest accepted interval between rotations, in days.",
            }
        },
    ),
]
