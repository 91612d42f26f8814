"""DynamoDB: on-demand, data-key encryption, point-in-time recovery, TTL, deletion protection."""

import pytest
from stack_harness import BASE_TAGS, PCI_TAGS, component_context, run_program

from components.tables import Tables, TablesArgs

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"


def _orders(deletion_protection: bool, protect: bool):
    _, names, tags = component_context()
    args = TablesArgs(
        names=names, tags=tags, kms_key_arn=KEY_ARN, deletion_protection=deletion_protection, protect=protect
    )
    return run_program(lambda: Tables("tables", args)).one("aws:dynamodb/table:Table")


def test_orders_table_matches_what_the_api_expects():
    table = _orders(False, False).inputs

    assert table["name"] == "trading-orders-dev"
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["hashKey"] == "orderId"
    assert table["attributes"] == [{"name": "orderId", "type": "S"}]
    assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert "readCapacity" not in table
    assert "rangeKey" not in table


def test_orders_table_is_encrypted_with_the_data_key_and_recoverable():
    table = _orders(False, False).inputs

    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY_ARN}
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-orders-dev"}


@pytest.mark.parametrize("keep", [False, True])
def test_deletion_protection_and_retention_follow_the_stack(keep):
    table = _orders(keep, keep)

    assert table.inputs["deletionProtectionEnabled"] is keep
    assert (table.protect, table.retain_on_delete) == (keep, keep)
