"""settings.py: every key is read, typed and validated; each bad value gives one line naming the key,
the value and what is accepted."""

from datetime import UTC, date, datetime

import pytest
from stack_harness import run_program, stack_config

import settings as settings_module
from settings import (
    SETTINGS,
    Settings,
    SettingsError,
    load_settings,
    select_availability_zones,
    select_endpoint_zones,
)


def load(
    stack: str = "dev", overrides: dict[str, str] | None = None, remove: tuple[str, ...] = ()
) -> Settings:
    config = {**stack_config(stack), **(overrides or {})}
    for key in remove:
        del config[key]
    loaded: list[Settings] = []
    run_program(lambda: loaded.append(load_settings()), config=config, stack=stack)
    return loaded[0]


def error(overrides: dict[str, str] | None = None, remove: tuple[str, ...] = (), stack: str = "dev") -> str:
    with pytest.raises(SettingsError) as raised:
        load(stack, overrides, remove)
    message = str(raised.value)
    assert "\n" not in message, "a settings error must be one line"
    return message


def test_dev_stack_file_loads_into_typed_settings():
    loaded = load("dev")

    assert loaded.stack == "dev"
    assert loaded.environment_suffix == "dev"
    assert loaded.region == "us-east-1"
    assert loaded.az_count == 2
    assert loaded.internet_egress is False
    assert loaded.interface_endpoints == ("rds-data", "secretsmanager", "sqs")
    assert (loaded.aurora_min_capacity, loaded.aurora_max_capacity) == (0.0, 2.0)
    assert loaded.aurora_seconds_until_auto_pause == 600
    assert loaded.log_retention_days == 365
    assert loaded.deletion_protection is True
    assert loaded.log_level == "DEBUG"
    assert loaded.protect_stateful_resources is False
    assert loaded.aurora_engine_version == "16"


def test_prod_stack_file_loads_into_typed_settings():
    loaded = load("prod")

    assert loaded.interface_endpoints == ("rds-data", "secretsmanager", "sqs")
    assert loaded.internet_egress is False
    assert loaded.aurora_seconds_until_auto_pause is None
    assert loaded.aurora_instance_count == 2
    assert loaded.api_throttle_rate_limit == 200.0
    assert loaded.protect_stateful_resources is True
    assert loaded.lambda_reserved_concurrency == 100


def test_with_internet_egress_an_endpoint_may_be_left_out():
    overrides = {"trading:interfaceEndpoints": "[]", "trading:internetEgress": "true"}
    assert load("dev", overrides).interface_endpoints == ()


def test_endpoints_go_only_into_zones_that_offer_them():
    zones = ("us-east-1a", "us-east-1b", "us-east-1c")
    assert select_endpoint_zones("rds-data", ["us-east-1a", "us-east-1c", "us-east-1d"], zones) == (
        "us-east-1a",
        "us-east-1c",
    )
    with pytest.raises(SettingsError) as raised:
        select_endpoint_zones("rds-data", ["us-east-1f"], zones)
    assert str(raised.value) == (
        "trading:interfaceEndpoints lists rds-data, which AWS offers in none of the stack's zones "
        "(us-east-1a, us-east-1b, us-east-1c): choose a region or zone count where it is offered"
    )


def test_a_pinned_minor_that_can_pause_is_accepted():
    assert load("dev", {"trading:auroraEngineVersion": "16.6"}).aurora_engine_version == "16.6"


@pytest.mark.parametrize(
    ("day", "version", "accepted"),
    [
        (date(2026, 12, 3), "13", False),  # Aurora PostgreSQL 13 left standard support on 2026-02-28
        (date(2026, 2, 28), "13", True),
        (date(2026, 12, 3), "14", True),
        (date(2027, 3, 1), "14", False),
        (date(2027, 3, 1), "14.12", False),
        (date(2027, 3, 1), "16", True),
    ],
)
def test_a_major_past_aurora_standard_support_is_refused(monkeypatch, day, version, accepted):
    # Extended Support is opted out: CreateDBCluster then fails for a major past its end of standard support.
    monkeypatch.setattr(settings_module, "today", lambda: day)
    overrides = {"trading:auroraEngineVersion": version}
    if accepted:
        assert load("staging", overrides).aurora_engine_version == version
    else:
        assert error(overrides, stack="staging") == (
            f"trading:auroraEngineVersion = '{version}' is not accepted: expected a major still in Aurora "
            f"standard support: {version.split('.')[0]} left it on "
            f"{settings_module.STANDARD_SUPPORT_ENDS[int(version.split('.')[0])].isoformat()}, and with "
            "Extended Support opted out RDS refuses to create that cluster (and upgrades a running one to "
            "the next major)"
        )


def test_the_current_day_is_taken_in_utc():
    assert settings_module.today() == datetime.now(UTC).date()


@pytest.mark.parametrize(("version", "accepted"), [("15.2", False), ("15.3", True), ("17.4", True)])
def test_a_pinned_minor_without_the_data_api_is_refused(monkeypatch, version, accepted):
    # The stack enables the Data API (enable_http_endpoint), which RDS offers from 15.3 on for major 15.
    monkeypatch.setattr(settings_module, "today", lambda: date(2026, 12, 3))
    overrides = {"trading:auroraEngineVersion": version}
    if accepted:
        assert load("staging", overrides).aurora_engine_version == version
    else:
        assert error(overrides, stack="staging") == (
            f"trading:auroraEngineVersion = '{version}' is not accepted: expected 15.3 or later, because the "
            "stack's Data API (enable_http_endpoint) needs it"
        )


def test_optional_keys_take_their_documented_defaults():
    optional = tuple(
        f"trading:{key}"
        for key in (
            "allowedRegions", "interfaceEndpoints", "auroraEngineVersion", "auroraSecondsUntilAutoPause",
            "logEncryption", "lambdaMemoryMb", "lambdaTimeoutSeconds", "logLevel", "apiThrottleRateLimit",
            "apiThrottleBurstLimit", "manageApiGatewayAccount", "accessLogRetentionDays",
            "noncurrentVersionRetentionDays",
        )
    )  # fmt: skip
    loaded = load("dev", remove=optional)

    assert loaded.allowed_regions == ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1")
    assert loaded.interface_endpoints == ("rds-data", "secretsmanager", "sqs")
    assert loaded.aurora_engine_version == "16"
    assert loaded.aurora_seconds_until_auto_pause == 300  # min 0 in dev: the RDS default, written out
    assert loaded.log_encryption is True
    assert (loaded.lambda_memory_mb, loaded.lambda_timeout_seconds, loaded.log_level) == (256, 10, "INFO")
    assert (loaded.api_throttle_rate_limit, loaded.api_throttle_burst_limit) == (50.0, 100)
    assert loaded.manage_api_gateway_account is True
    assert loaded.api_gateway_account_stack is None
    assert (loaded.access_log_retention_days, loaded.noncurrent_version_retention_days) == (365, 90)
    assert loaded.lambda_reserved_concurrency is None  # dev leaves it out: the account's unreserved pool


def test_tags_carry_the_base_set_and_names_the_conventions():
    loaded = load("staging")

    assert dict(loaded.tags.base) == {
        "Environment": "staging",
        "Project": "trading",
        "ManagedBy": "pulumi",
        "Owner": "platform-team",
        "CostCenter": "CC-TRADING-STG",
        "Stack": "staging",
    }
    assert loaded.names("111122223333").data_bucket == "trading-data-111122223333-us-east-1-staging"


def test_every_setting_maps_to_a_settings_field():
    fields = set(Settings.__dataclass_fields__) - {"stack"}

    assert {setting.field for setting in SETTINGS} == fields


def test_a_missing_required_key_names_the_key_and_the_stack_file():
    assert error(remove=("trading:owner",)) == (
        "trading:owner is not set: add it to Pulumi.dev.yaml "
        "(accepted: a tag value (1-256 letters, digits, _ .:/=+-@))"
    )
    assert error(remove=("aws:region",), stack="prod").startswith(
        "aws:region is not set: add it to Pulumi.prod.yaml"
    )
    assert error({"trading:costCenter": "   "}).startswith("trading:costCenter is not set")


def test_a_bad_value_names_the_key_the_value_and_what_is_accepted():
    assert error({"trading:auroraMinCapacity": "0.3"}) == (
        "trading:auroraMinCapacity = '0.3' is not accepted: expected a number from 0 to 256 in steps of 0.5"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"aws:region": "ap-south-1"},
            "aws:region = 'ap-south-1' is not accepted: expected one of us-east-1,",
        ),
        (
            {"aws:region": "Mars"},
            "aws:region = 'Mars' is not accepted: expected a region in trading:allowedRegions",
        ),
        ({"trading:allowedRegions": '["nowhere"]'}, "expected a JSON list of distinct AWS region names"),
        ({"trading:allowedRegions": "us-east-1"}, "trading:allowedRegions = 'us-east-1' is not accepted"),
        ({"trading:allowedRegions": '{"a": 1}'}, "trading:allowedRegions = '{\"a\": 1}' is not accepted"),
        ({"trading:allowedRegions": '["us-east-1", "us-east-1"]'}, "expected a JSON list of distinct"),
        (
            {"trading:environmentSuffix": "Dev"},
            "'Dev' is not accepted: expected lowercase letters, digits and",
        ),
        ({"trading:environmentSuffix": "dev--1"}, "trading:environmentSuffix = 'dev--1' is not accepted"),
        ({"trading:environmentSuffix": "1dev"}, "trading:environmentSuffix = '1dev' is not accepted"),
        ({"trading:environmentSuffix": "dev-"}, "trading:environmentSuffix = 'dev-' is not accepted"),
        ({"trading:environmentSuffix": "x-s3alias"}, "a suffix that does not end in 's3alias'"),
        ({"trading:environmentSuffix": "s3alias"}, "a suffix that does not end in 's3alias'"),
        (
            {"trading:environmentSuffix": "a" * 21},
            "expected at most 20 characters in us-east-1: the S3 bucket name "
            f"'trading-access-logs-000000000000-us-east-1-{'a' * 21}' exceeds 63",
        ),
        (
            {"aws:region": "eu-central-1", "trading:environmentSuffix": "a" * 18},
            "expected at most 17 characters in eu-central-1",
        ),
        (
            {"trading:owner": "team<script>"},
            "trading:owner = 'team<script>' is not accepted: expected a tag value",
        ),
        (
            {"trading:vpcCidr": "10.0.0.0/8"},
            "trading:vpcCidr = '10.0.0.0/8' is not accepted: expected an IPv4",
        ),
        ({"trading:vpcCidr": "10.0.0.0/23"}, "trading:vpcCidr = '10.0.0.0/23' is not accepted"),
        ({"trading:vpcCidr": "8.8.0.0/16"}, "trading:vpcCidr = '8.8.0.0/16' is not accepted"),
        ({"trading:vpcCidr": "10.0.0.1/16"}, "trading:vpcCidr = '10.0.0.1/16' is not accepted"),
        ({"trading:vpcCidr": "a-network"}, "trading:vpcCidr = 'a-network' is not accepted"),
        ({"trading:azCount": "4"}, "trading:azCount = '4' is not accepted: expected 2 or 3"),
        ({"trading:azCount": "two"}, "trading:azCount = 'two' is not accepted: expected 2 or 3"),
        (
            {"trading:internetEgress": "yes"},
            "trading:internetEgress = 'yes' is not accepted: expected true or false",
        ),
        (
            {"trading:interfaceEndpoints": '["ec2"]'},
            "expected a JSON list of distinct services from rds-data, secretsmanager, sqs",
        ),
        (
            {"trading:interfaceEndpoints": '["rds-data", "rds-data"]'},
            'trading:interfaceEndpoints = \'["rds-data", "rds-data"]\'',
        ),
        (
            {"trading:interfaceEndpoints": '["rds-data"]'},
            "trading:interfaceEndpoints = '[\"rds-data\"]' is not accepted: expected a list that includes "
            "secretsmanager, sqs: without trading:internetEgress the functions in the private subnets reach "
            "those APIs only through their endpoints",
        ),
        ({"trading:interfaceEndpoints": "[1]"}, "trading:interfaceEndpoints = '[1]' is not accepted"),
        (
            {"trading:interfaceEndpoints": "{not json"},
            "trading:interfaceEndpoints = '{not json' is not accepted",
        ),
        (
            {"trading:auroraEngineVersion": "16.x"},
            "trading:auroraEngineVersion = '16.x' is not accepted: expected an Aurora PostgreSQL major",
        ),
        ({"trading:auroraEngineVersion": "16.6.1"}, "trading:auroraEngineVersion = '16.6.1' is not"),
        ({"trading:auroraEngineVersion": "12.1"}, "major version 13-17"),
        (
            {"trading:auroraEngineVersion": "16.2"},
            "trading:auroraEngineVersion = '16.2' is not accepted: expected 16.3 or later, because "
            "trading:auroraMinCapacity 0 (automatic pause) needs it",
        ),
        ({"trading:auroraMinCapacity": "257"}, "trading:auroraMinCapacity = '257' is not accepted"),
        ({"trading:auroraMinCapacity": "-0.5"}, "trading:auroraMinCapacity = '-0.5' is not accepted"),
        ({"trading:auroraMinCapacity": "lots"}, "trading:auroraMinCapacity = 'lots' is not accepted"),
        ({"trading:auroraMinCapacity": "nan"}, "trading:auroraMinCapacity = 'nan' is not accepted"),
        ({"trading:auroraMaxCapacity": "inf"}, "trading:auroraMaxCapacity = 'inf' is not accepted"),
        ({"trading:auroraMaxCapacity": "0.5"}, "expected a number from 1 to 256 in steps of 0.5"),
        (
            {"trading:auroraMinCapacity": "8", "trading:auroraMaxCapacity": "4.5"},
            "trading:auroraMinCapacity = '8' is not accepted: expected at most "
            "trading:auroraMaxCapacity (4.5)",
        ),
        ({"trading:auroraSecondsUntilAutoPause": "100"}, "expected 300 to 86400 seconds, and only when"),
        (
            {"trading:auroraMinCapacity": "0.5"},
            "trading:auroraSecondsUntilAutoPause = '600' is not accepted: expected no value unless "
            "trading:auroraMinCapacity is 0 (only a 0-ACU cluster pauses)",
        ),
        (
            {"trading:auroraInstanceCount": "0"},
            "trading:auroraInstanceCount = '0' is not accepted: expected 1 to 15",
        ),
        ({"trading:auroraInstanceCount": "16"}, "trading:auroraInstanceCount = '16' is not accepted"),
        (
            {"trading:backupRetentionDays": "36"},
            "trading:backupRetentionDays = '36' is not accepted: expected 1 to 35",
        ),
        ({"trading:deletionProtection": "maybe"}, "trading:deletionProtection = 'maybe' is not accepted"),
        (
            {"trading:finalSnapshot": "1"},
            "trading:finalSnapshot = '1' is not accepted: expected true or false",
        ),
        (
            {"trading:logRetentionDays": "45"},
            "trading:logRetentionDays = '45' is not accepted: expected one of 1, 3,",
        ),
        ({"trading:logRetentionDays": "a year"}, "trading:logRetentionDays = 'a year' is not accepted"),
        ({"trading:logEncryption": "off"}, "trading:logEncryption = 'off' is not accepted"),
        (
            {"trading:keyDeletionWindowDays": "6"},
            "trading:keyDeletionWindowDays = '6' is not accepted: expected 7 to",
        ),
        (
            {"trading:lambdaReservedConcurrency": "0"},
            "trading:lambdaReservedConcurrency = '0' is not accepted",
        ),
        (
            {"trading:lambdaReservedConcurrency": "901"},
            "expected 1 to 900, within the account's concurrency quota",
        ),
        (
            {"trading:lambdaMemoryMb": "64"},
            "trading:lambdaMemoryMb = '64' is not accepted: expected 128 to 10240 MB",
        ),
        (
            {"trading:lambdaTimeoutSeconds": "30"},
            "expected 4 to 29 seconds",
        ),
        (
            {"trading:lambdaTimeoutSeconds": "3"},
            "trading:lambdaTimeoutSeconds = '3' is not accepted: expected 4 to 29 seconds (one 3-s DynamoDB",
        ),
        (
            {"trading:logLevel": "TRACE"},
            "trading:logLevel = 'TRACE' is not accepted: expected one of DEBUG, INFO,",
        ),
        (
            {"trading:apiThrottleRateLimit": "0"},
            "trading:apiThrottleRateLimit = '0' is not accepted: expected 1 to",
        ),
        ({"trading:apiThrottleBurstLimit": "5001"}, "trading:apiThrottleBurstLimit = '5001' is not accepted"),
        ({"trading:manageApiGatewayAccount": "sometimes"}, "trading:manageApiGatewayAccount = 'sometimes'"),
        (
            {"trading:protectStatefulResources": "no"},
            "trading:protectStatefulResources = 'no' is not accepted",
        ),
        ({"trading:accessLogRetentionDays": "0"}, "trading:accessLogRetentionDays = '0' is not accepted"),
        (
            {"trading:noncurrentVersionRetentionDays": "3654"},
            "trading:noncurrentVersionRetentionDays = '3654'",
        ),
    ],
)
def test_each_bad_value_gives_its_message(overrides, expected):
    assert expected in error(overrides)


def test_a_stack_that_does_not_set_the_api_gateway_role_names_the_stack_that_does():
    assert load("staging").api_gateway_account_stack == "dev"
    assert load(
        "staging", {"trading:apiGatewayAccountStack": "acme/trading/dev"}
    ).api_gateway_account_stack == ("acme/trading/dev")
    assert error(remove=("trading:apiGatewayAccountStack",), stack="staging") == (
        "trading:apiGatewayAccountStack is required when trading:manageApiGatewayAccount is false: name the "
        "stack that sets the region-wide API Gateway role in this account (for example dev)"
    )
    assert error({"trading:apiGatewayAccountStack": "prod"}) == (
        "trading:apiGatewayAccountStack = 'prod' is not accepted: expected no value while "
        "trading:manageApiGatewayAccount is true"
    )
    for itself in ("staging", "organization/trading/staging"):
        assert error({"trading:apiGatewayAccountStack": itself}, stack="staging") == (
            f"trading:apiGatewayAccountStack = '{itself}' is not accepted: expected another stack: this "
            "stack cannot read the role from itself (set trading:manageApiGatewayAccount to true to set it "
            "here)"
        )
    assert error({"trading:apiGatewayAccountStack": "a/b"}, stack="staging").startswith(
        "trading:apiGatewayAccountStack = 'a/b' is not accepted: expected a stack name (dev) or "
        "organization/project/stack"
    )


def test_a_region_outside_the_default_list_is_accepted_once_allowed():
    loaded = load("dev", {"aws:region": "ap-south-1", "trading:allowedRegions": '["ap-south-1"]'})

    assert (loaded.region, loaded.allowed_regions) == ("ap-south-1", ("ap-south-1",))


def test_a_misspelt_key_is_refused_rather_than_ignored():
    assert error({"trading:logEncrpytion": "false"}) == (
        "trading:logEncrpytion in Pulumi.dev.yaml is not a setting this program reads: "
        "see docs/settings.md for the accepted keys"
    )


def test_a_misspelt_key_in_the_environment_config_is_refused(monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", '{"trading:auroraMinCapacty": "0"}')

    assert "trading:auroraMinCapacty in Pulumi.dev.yaml is not a setting" in error()


def test_keys_of_other_namespaces_are_not_this_programs_business():
    assert load("dev", {"aws:defaultTags": '{"tags": {}}', "other:key": "x"}).region == "us-east-1"


def test_availability_zones_are_taken_in_name_order():
    assert select_availability_zones(["us-east-1c", "us-east-1a", "us-east-1b"], 2, "us-east-1") == (
        "us-east-1a",
        "us-east-1b",
    )


def test_a_region_with_too_few_zones_is_refused_in_one_line():
    with pytest.raises(SettingsError) as raised:
        select_availability_zones(["xx-test-1a", "xx-test-1b"], 3, "xx-test-1")

    assert str(raised.value) == (
        "trading:azCount = '3' is not accepted: expected at most 2: "
        "xx-test-1 has only ('xx-test-1a', 'xx-test-1b')"
    )


def test_settings_error_is_a_clean_pulumi_run_error():
    # The Pulumi CLI prints a RunError's message alone, without the program's traceback.
    import pulumi

    assert issubclass(SettingsError, pulumi.RunError)
    assert settings_module.bad("k", "v", "w").args == ("k = 'v' is not accepted: expected w",)
