"""Reading the function's environment: defaults, accepted values and one-line errors."""

from __future__ import annotations

import pytest
from orders_api.config import Config, ConfigError, load_config

TABLE = {"ORDERS_TABLE_NAME": "trading-orders-dev"}


def test_defaults():
    assert load_config(TABLE) == Config(table_name="trading-orders-dev", log_level="INFO", order_ttl_days=90)


def test_all_settings():
    config = load_config({**TABLE, "LOG_LEVEL": " debug ", "ORDER_TTL_DAYS": "30"})
    assert config == Config(table_name="trading-orders-dev", log_level="DEBUG", order_ttl_days=30)


@pytest.mark.parametrize("level", ["", "  "])
def test_blank_log_level_means_info(level):
    assert load_config({**TABLE, "LOG_LEVEL": level}).log_level == "INFO"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "ORDERS_TABLE_NAME is not set: the stack must set it to the orders table's name"),
        ({"ORDERS_TABLE_NAME": "  "}, "ORDERS_TABLE_NAME is not set"),
        (
            {"ORDERS_TABLE_NAME": "ab"},
            "ORDERS_TABLE_NAME='ab' is not a DynamoDB table name: use 3-255 characters",
        ),
        ({"ORDERS_TABLE_NAME": "orders table"}, "is not a DynamoDB table name"),
        ({**TABLE, "LOG_LEVEL": "VERBOSE"}, "LOG_LEVEL='VERBOSE' is not a log level: use one of DEBUG, INFO"),
        (
            {**TABLE, "ORDER_TTL_DAYS": "0"},
            "ORDER_TTL_DAYS='0' is not a retention in days: use a whole number",
        ),
        ({**TABLE, "ORDER_TTL_DAYS": "3651"}, "from 1 to 3650"),
        ({**TABLE, "ORDER_TTL_DAYS": "7.5"}, "ORDER_TTL_DAYS='7.5'"),
        ({**TABLE, "ORDER_TTL_DAYS": "-1"}, "ORDER_TTL_DAYS='-1'"),
        ({**TABLE, "ORDER_TTL_DAYS": "\u00b2"}, "is not a retention in days"),
    ],
)
def test_bad_environment_gives_one_line(environ, message):
    with pytest.raises(ConfigError) as caught:
        load_config(environ)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
