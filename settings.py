"""Reads the stack's configuration into one frozen, typed ``Settings`` object and validates it.

This is the only module that reads Pulumi config. ``load_settings()`` runs before any resource is declared;
a missing or bad value raises ``SettingsError`` whose message is one line naming the key, the value and
what is accepted (``pulumi.RunError`` makes the CLI print just that line, without a traceback).
``SETTINGS`` below is the catalogue of keys; docs/settings.md is generated from it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pulumi
from pulumi.runtime import config as pulumi_config

from components.conventions import PROJECT, Names, Tags, name_limits

# Every value CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
DEFAULT_ALLOWED_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1")
# Interface endpoints with a caller in the private subnets: the ledger and GET /orders call the RDS Data API,
# and the migration function manages the database secrets in Secrets Manager. Nothing in the VPC calls KMS,
# STS, X-Ray or CloudWatch directly (Lambda sends logs and traces, and decrypts its environment, itself).
# The AWS APIs the functions in the private subnets call besides S3 and DynamoDB (gateway endpoints): the Data
# API (the orders API and the ledger), Secrets Manager (the migration function) and SQS (the ledger writer's
# dead letters).
INTERFACE_ENDPOINT_SERVICES = ("rds-data", "secretsmanager", "sqs")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The first minor release of each Aurora PostgreSQL major that accepts 0 ACU (automatic pause).
AUTO_PAUSE_MINIMUM_MINOR = {13: 15, 14: 12, 15: 7, 16: 3, 17: 4}
# The first minor of each major where RDS accepts enable_http_endpoint (the Data API, which the orders API,
# the ledger and its migrations use) on a Serverless v2 or provisioned cluster.
DATA_API_MINIMUM_MINOR = {13: 11, 14: 8, 15: 3, 16: 1, 17: 4}
# The day Aurora standard support ends for each major (Aurora PostgreSQL release calendar). The cluster opts
# out of Extended Support, and with that RDS refuses to create a cluster of a major past this day (and
# upgrades a running one to the next major, so a setting naming the old one would ask for a downgrade).
STANDARD_SUPPORT_ENDS = {
    13: date(2026, 2, 28),
    14: date(2027, 2, 28),
    15: date(2028, 2, 29),
    16: date(2029, 2, 28),
    17: date(2030, 2, 28),
}
# A major version only: AWS creates the cluster at that major's current default minor and applies later minor
# upgrades itself, and the provider keeps a partial version in step with the running one (no downgrade).
DEFAULT_ENGINE_VERSION = "16"
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
SUFFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# A stack as a StackReference names it: the stack alone (this project and organization) or org/project/stack.
STACK_REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+)?$")
# AWS tag values: letters, digits, spaces and + - = . _ : / @, at most 256 characters.
TAG_VALUE_PATTERN = re.compile(r"^[\w .:/=+\-@]{1,256}$")
ACCOUNT_PLACEHOLDER = "0" * 12  # every account id has 12 digits, so names can be measured before we know it


class SettingsError(pulumi.RunError):
    """A configuration value is missing or not accepted; the message is one line for a person."""


def bad(key: str, value: str, accepted: str) -> SettingsError:
    return SettingsError(f"{key} = {value!r} is not accepted: expected {accepted}")


# Parsers turn the CLI's string form of a value into a typed, range-checked value, or raise ValueError;
# the caller then reports the key's `accepted` text.
Parser = Callable[[str], Any]


def text(pattern: re.Pattern[str]) -> Parser:
    def parse(raw: str) -> str:
        if not pattern.match(raw):
            raise ValueError(raw)
        return raw

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"-?\d+", raw) or not low <= int(raw) <= high:
            raise ValueError(raw)
        return int(raw)

    return parse


def number(low: float, high: float, step: float | None = None) -> Parser:
    def parse(raw: str) -> float:
        value = float(raw)  # ValueError for text; inf and nan fail the range check
        if not low <= value <= high or (step is not None and not (value / step).is_integer()):
            raise ValueError(raw)
        return value

    return parse


def boolean(raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise ValueError(raw)
    return raw.lower() == "true"


def one_of(choices: Sequence[Any], convert: Callable[[str], Any] = str) -> Parser:
    def parse(raw: str) -> Any:
        value = convert(raw)
        if value not in choices:
            raise ValueError(raw)
        return value

    return parse


def string_list(item: Parser) -> Parser:
    def parse(raw: str) -> tuple[str, ...]:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError(raw) from None
        if not isinstance(parsed, list) or not all(isinstance(entry, str) for entry in parsed):
            raise ValueError(raw)
        if len(set(parsed)) != len(parsed):
            raise ValueError(raw)
        return tuple(item(entry) for entry in parsed)

    return parse


def vpc_cidr(raw: str) -> str:
    network = ipaddress.IPv4Network(raw, strict=True)  # ValueError when malformed or host bits are set
    if not any(network.subnet_of(block) for block in PRIVATE_RANGES) or not 16 <= network.prefixlen <= 22:
        raise ValueError(raw)
    return str(network)


def engine_version(raw: str) -> str:
    match = re.fullmatch(r"(\d+)(\.\d+)?", raw)
    if not match or int(match.group(1)) not in AUTO_PAUSE_MINIMUM_MINOR:
        raise ValueError(raw)
    return raw


REQUIRED = object()


@dataclass(frozen=True)
class Setting:
    """One configuration key: how to read it, what it accepts, and its default (or REQUIRED)."""

    key: str
    kind: str
    parse: Parser
    accepted: str
    description: str
    default: Any = REQUIRED

    @property
    def field(self) -> str:
        """The Settings attribute: the key without its namespace, in snake_case."""
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.key.partition(":")[2] or self.key).lower()


def _list(values: Sequence[str]) -> str:
    return ", ".join(values)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "aws:region",
        "string",
        text(REGION_PATTERN),
        "a region in trading:allowedRegions",
        "Region the stack deploys to (the AWS provider's region).",
    ),
    Setting(
        "allowedRegions",
        "list of strings",
        string_list(text(REGION_PATTERN)),
        "a JSON list of distinct AWS region names",
        "Regions this program may deploy to.",
        DEFAULT_ALLOWED_REGIONS,
    ),
    Setting(
        "environmentSuffix",
        "string",
        text(SUFFIX_PATTERN),
        "lowercase letters, digits and single hyphens, starting with a letter",
        "Ends every physical name; also the Environment tag and the API stage name.",
    ),
    Setting(
        "owner",
        "string",
        text(TAG_VALUE_PATTERN),
        "a tag value (1-256 letters, digits, _ .:/=+-@)",
        "Owner tag: the team that runs the stack.",
    ),
    Setting(
        "costCenter",
        "string",
        text(TAG_VALUE_PATTERN),
        "a tag value (1-256 letters, digits, _ .:/=+-@)",
        "CostCenter tag.",
    ),
    Setting(
        "vpcCidr",
        "string",
        vpc_cidr,
        "an IPv4 network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a prefix /16 to /22",
        "VPC address range; split into /(prefix+4) subnets per tier and zone.",
    ),
    Setting("azCount", "integer", integer(2, 3), "2 or 3", "Availability zones the VPC spans."),
    Setting(
        "internetEgress",
        "boolean",
        boolean,
        "true or false",
        "Public subnets, an internet gateway and one NAT gateway per zone for outbound internet access.",
    ),
    Setting(
        "interfaceEndpoints",
        "list of strings",
        string_list(one_of(INTERFACE_ENDPOINT_SERVICES)),
        "a JSON list of distinct services from " + _list(INTERFACE_ENDPOINT_SERVICES),
        "Interface VPC endpoints in the private subnets, each for a caller there (S3 and DynamoDB gateway "
        "endpoints always exist); all three are needed unless trading:internetEgress is on.",
        INTERFACE_ENDPOINT_SERVICES,
    ),
    Setting(
        "auroraEngineVersion",
        "string",
        engine_version,
        "an Aurora PostgreSQL major version 13-17 still in Aurora standard support ('16'), or "
        "'<major>.<minor>' (one with the Data API) to pin the version a new cluster starts at",
        "Aurora PostgreSQL engine version. A major alone follows AWS's minor upgrades; a pinned minor is "
        "the creation version only (later changes to it are ignored, so no pulumi up tries a downgrade).",
        DEFAULT_ENGINE_VERSION,
    ),
    Setting(
        "auroraMinCapacity",
        "number",
        number(0, 256, 0.5),
        "a number from 0 to 256 in steps of 0.5",
        "Serverless v2 minimum ACU; 0 lets the cluster pause.",
    ),
    Setting(
        "auroraMaxCapacity",
        "number",
        number(1, 256, 0.5),
        "a number from 1 to 256 in steps of 0.5",
        "Serverless v2 maximum ACU.",
    ),
    Setting(
        "auroraSecondsUntilAutoPause",
        "integer",
        integer(300, 86400),
        "300 to 86400 seconds, and only when trading:auroraMinCapacity is 0",
        "Idle time before a 0-ACU cluster pauses.",
        None,
    ),
    Setting(
        "auroraInstanceCount",
        "integer",
        integer(1, 15),
        "1 to 15",
        "db.serverless instances, spread over the zones in turn.",
    ),
    Setting(
        "backupRetentionDays", "integer", integer(1, 35), "1 to 35 days", "Aurora automated backup retention."
    ),
    Setting(
        "deletionProtection",
        "boolean",
        boolean,
        "true or false",
        "Deletion protection on the Aurora cluster and the DynamoDB tables.",
    ),
    Setting(
        "finalSnapshot",
        "boolean",
        boolean,
        "true or false",
        "Take a final snapshot when the cluster is deleted.",
    ),
    Setting(
        "logRetentionDays",
        "integer",
        one_of(LOG_RETENTION_DAYS, int),
        "one of " + _list([str(days) for days in LOG_RETENTION_DAYS]),
        "Retention of every CloudWatch log group the stack declares.",
    ),
    Setting(
        "logEncryption",
        "boolean",
        boolean,
        "true or false",
        "Encrypt the log groups with the logs key; turning it off must be written down here.",
        True,
    ),
    Setting(
        "keyDeletionWindowDays",
        "integer",
        integer(7, 30),
        "7 to 30 days",
        "Waiting period before a scheduled KMS key deletion.",
    ),
    Setting(
        "lambdaReservedConcurrency",
        "integer",
        integer(1, 900),
        "1 to 900, within the account's concurrency quota less the 100 Lambda keeps unreserved",
        "Reserved concurrency of the function; unset, the function shares the account's unreserved pool "
        "(an account whose quota is still 10 can reserve nothing: see the README).",
        None,
    ),
    Setting("lambdaMemoryMb", "integer", integer(128, 10240), "128 to 10240 MB", "Function memory.", 256),
    Setting(
        "lambdaTimeoutSeconds",
        "integer",
        integer(4, 29),
        "4 to 29 seconds (one 3-s DynamoDB attempt and the answer must fit; API Gateway waits 29 s at most)",
        "Function timeout; the orders API retries DynamoDB only while a whole attempt fits in what is left.",
        10,
    ),
    Setting(
        "logLevel",
        "string",
        one_of(LOG_LEVELS),
        "one of " + _list(LOG_LEVELS),
        "LOG_LEVEL of the orders API and the function's application log level.",
        "INFO",
    ),
    Setting(
        "apiThrottleRateLimit",
        "number",
        number(1, 10000),
        "1 to 10000 requests per second",
        "Stage-wide steady-state request rate.",
        50.0,
    ),
    Setting(
        "apiThrottleBurstLimit",
        "integer",
        integer(1, 5000),
        "1 to 5000 requests",
        "Stage-wide burst limit.",
        100,
    ),
    Setting(
        "manageApiGatewayAccount",
        "boolean",
        boolean,
        "true or false",
        "Set the region-wide API Gateway CloudWatch role (one stack per account and region).",
        True,
    ),
    Setting(
        "apiGatewayAccountStack",
        "string",
        text(STACK_REFERENCE_PATTERN),
        "a stack name (dev) or organization/project/stack, and only when trading:manageApiGatewayAccount is "
        "false",
        "The stack that sets that role when this one does not; read through a stack reference, so this "
        "stack's preview fails, saying which stack to deploy first, until that stack exports the role.",
        None,
    ),
    Setting(
        "protectStatefulResources",
        "boolean",
        boolean,
        "true or false",
        "protect + retainOnDelete on keys, cluster, tables, buckets and log groups.",
    ),
    Setting(
        "accessLogRetentionDays",
        "integer",
        integer(1, 3653),
        "1 to 3653 days",
        "Days S3 server access logs are kept.",
        365,
    ),
    Setting(
        "noncurrentVersionRetentionDays",
        "integer",
        integer(1, 3653),
        "1 to 3653 days",
        "Days a replaced object version is kept in the data bucket.",
        90,
    ),
)


@dataclass(frozen=True)
class Settings:
    """Everything the program needs from configuration, validated."""

    stack: str
    region: str
    allowed_regions: tuple[str, ...]
    environment_suffix: str
    owner: str
    cost_center: str
    vpc_cidr: str
    az_count: int
    internet_egress: bool
    interface_endpoints: tuple[str, ...]
    aurora_engine_version: str
    aurora_min_capacity: float
    aurora_max_capacity: float
    aurora_seconds_until_auto_pause: int | None
    aurora_instance_count: int
    backup_retention_days: int
    deletion_protection: bool
    final_snapshot: bool
    log_retention_days: int
    log_encryption: bool
    key_deletion_window_days: int
    lambda_reserved_concurrency: int | None
    lambda_memory_mb: int
    lambda_timeout_seconds: int
    log_level: str
    api_throttle_rate_limit: float
    api_throttle_burst_limit: int
    manage_api_gateway_account: bool
    api_gateway_account_stack: str | None
    protect_stateful_resources: bool
    access_log_retention_days: int
    noncurrent_version_retention_days: int

    @property
    def tags(self) -> Tags:
        return Tags(
            base=MappingProxyType(
                {
                    "Environment": self.environment_suffix,
                    "Project": PROJECT,
                    "ManagedBy": "pulumi",
                    "Owner": self.owner,
                    "CostCenter": self.cost_center,
                    "Stack": self.stack,
                }
            )
        )

    def names(self, account_id: str) -> Names:
        return Names(suffix=self.environment_suffix, region=self.region, account_id=account_id)


def full_key(setting: Setting) -> str:
    return setting.key if ":" in setting.key else f"{PROJECT}:{setting.key}"


def _raw(key: str) -> str | None:
    namespace, _, name = key.partition(":")
    value = pulumi.Config(namespace).get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _configured_project_keys() -> set[str]:
    """Keys set under ``trading:``, wherever the engine put them (explicit config or PULUMI_CONFIG)."""
    keys = set(pulumi_config.CONFIG.get()) | set(pulumi_config.get_config_env())
    return {key.partition(":")[2] for key in keys if key.startswith(f"{PROJECT}:")}


def _read(setting: Setting, stack: str) -> Any:
    key = full_key(setting)
    raw = _raw(key)
    if raw is None:
        if setting.default is REQUIRED:
            raise SettingsError(
                f"{key} is not set: add it to Pulumi.{stack}.yaml (accepted: {setting.accepted})"
            )
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError:
        raise bad(key, raw, setting.accepted) from None


def check_environment_suffix(suffix: str, region: str) -> None:
    """Every generated name must stay within its AWS limit, and a bucket name may not end in 's3alias'."""
    key = f"{PROJECT}:environmentSuffix"
    if suffix == "s3alias" or suffix.endswith("-s3alias"):
        raise bad(
            key, suffix, "a suffix that does not end in 's3alias' (S3 reserves that bucket-name ending)"
        )
    names = Names(suffix=suffix, region=region, account_id=ACCOUNT_PLACEHOLDER)
    for what, name, limit in name_limits(names):
        if len(name) > limit:
            room = limit - (len(name) - len(suffix))
            raise bad(
                key, suffix, f"at most {room} characters in {region}: the {what} '{name}' exceeds {limit}"
            )


def _check_relations(values: dict[str, Any]) -> None:
    """Rules that involve more than one key."""
    p = f"{PROJECT}:"
    if values["region"] not in values["allowed_regions"]:
        accepted = f"one of {_list(values['allowed_regions'])} (add it to {p}allowedRegions to allow it)"
        raise bad("aws:region", values["region"], accepted)
    check_environment_suffix(values["environment_suffix"], values["region"])

    missing = [name for name in INTERFACE_ENDPOINT_SERVICES if name not in values["interface_endpoints"]]
    if missing and not values["internet_egress"]:
        raise bad(
            p + "interfaceEndpoints",
            json.dumps(list(values["interface_endpoints"])),
            f"a list that includes {_list(missing)}: without {p}internetEgress the functions in the private "
            "subnets reach those APIs only through their endpoints",
        )

    owner = values["api_gateway_account_stack"]
    if values["manage_api_gateway_account"] and owner is not None:
        raise bad(p + "apiGatewayAccountStack", owner, f"no value while {p}manageApiGatewayAccount is true")
    if not values["manage_api_gateway_account"] and owner is None:
        raise SettingsError(
            f"{p}apiGatewayAccountStack is required when {p}manageApiGatewayAccount is false: name the stack "
            "that sets the region-wide API Gateway role in this account (for example dev)"
        )

    low, high = values["aurora_min_capacity"], values["aurora_max_capacity"]
    if low > high:
        raise bad(p + "auroraMinCapacity", _plain(low), f"at most {p}auroraMaxCapacity ({_plain(high)})")
    version = values["aurora_engine_version"]
    _check_engine_version(version)
    if low == 0:
        # A major alone starts at AWS's current default minor; only a pinned minor can be too old to pause.
        major, _, minor = version.partition(".")
        if minor and int(minor) < AUTO_PAUSE_MINIMUM_MINOR[int(major)]:
            needed = f"{major}.{AUTO_PAUSE_MINIMUM_MINOR[int(major)]}"
            raise bad(
                p + "auroraEngineVersion",
                version,
                f"{needed} or later, because {p}auroraMinCapacity 0 (automatic pause) needs it",
            )
    elif values["aurora_seconds_until_auto_pause"] is not None:
        raise bad(
            p + "auroraSecondsUntilAutoPause",
            str(values["aurora_seconds_until_auto_pause"]),
            f"no value unless {p}auroraMinCapacity is 0 (only a 0-ACU cluster pauses)",
        )


def today() -> date:
    """The current day in UTC, the clock AWS's support dates run on."""
    return datetime.now(UTC).date()


def _check_engine_version(version: str) -> None:
    """A major still in Aurora standard support, and a pinned minor where RDS offers the Data API."""
    key = f"{PROJECT}:auroraEngineVersion"
    major_text, _, minor = version.partition(".")
    major = int(major_text)
    ended = STANDARD_SUPPORT_ENDS[major]
    if today() > ended:
        raise bad(
            key,
            version,
            f"a major still in Aurora standard support: {major} left it on {ended.isoformat()}, and with "
            "Extended Support opted out RDS refuses to create that cluster (and upgrades a running one to "
            "the next major)",
        )
    if minor and int(minor) < DATA_API_MINIMUM_MINOR[major]:
        needed = f"{major}.{DATA_API_MINIMUM_MINOR[major]}"
        raise bad(
            key, version, f"{needed} or later, because the stack's Data API (enable_http_endpoint) needs it"
        )


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def load_settings() -> Settings:
    """Read and validate every setting of the current stack."""
    stack = pulumi.get_stack()
    known = {setting.key for setting in SETTINGS}
    unknown = sorted(_configured_project_keys() - known)
    if unknown:
        # A misspelt optional key would otherwise leave its default in place without a word.
        raise SettingsError(
            f"{PROJECT}:{unknown[0]} in Pulumi.{stack}.yaml is not a setting this program reads: "
            "see docs/settings.md for the accepted keys"
        )
    values = {setting.field: _read(setting, stack) for setting in SETTINGS}
    _check_relations(values)
    owner = values["api_gateway_account_stack"]
    if owner in (stack, f"{pulumi.get_organization()}/{PROJECT}/{stack}"):
        raise bad(
            f"{PROJECT}:apiGatewayAccountStack",
            owner,
            "another stack: this stack cannot read the role from itself (set "
            f"{PROJECT}:manageApiGatewayAccount to true to set it here)",
        )
    if values["aurora_min_capacity"] == 0 and values["aurora_seconds_until_auto_pause"] is None:
        values["aurora_seconds_until_auto_pause"] = 300  # the RDS default, written out so outputs show it
    return Settings(stack=stack, **values)


def select_availability_zones(available: Sequence[str], count: int, region: str) -> tuple[str, ...]:
    """The first ``count`` zones of the region in name order, or one line saying it has too few."""
    zones = tuple(sorted(available))
    if len(zones) < count:
        raise bad(f"{PROJECT}:azCount", str(count), f"at most {len(zones)}: {region} has only {zones}")
    return zones[:count]


def select_endpoint_zones(service: str, offered: Sequence[str], zones: Sequence[str]) -> tuple[str, ...]:
    """The stack's zones where AWS offers the interface endpoint ``service``, or one line if none does."""
    chosen = tuple(zone for zone in zones if zone in offered)
    if not chosen:
        raise SettingsError(
            f"{PROJECT}:interfaceEndpoints lists {service}, which AWS offers in none of the stack's zones "
            f"({', '.join(zones)}): choose a region or zone count where it is offered"
        )
    return chosen
