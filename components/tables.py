"""The DynamoDB tables the orders API needs: on-demand, encrypted with the data key, point-in-time
recovery on, expired items removed by TTL, deletion protection per stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.conventions import Names, Tags, child_options

ORDERS_HASH_KEY = "orderId"
ORDERS_TTL_ATTRIBUTE = "expiresAt"  # epoch seconds, set by the orders API
ORDERS_STREAM_VIEW = "NEW_IMAGE"  # the ledger needs the order as written, nothing older
POINT_IN_TIME_RECOVERY = True  # a safeguard, not a setting: PCI DSS 12.10.1 needs data restorable


@dataclass(frozen=True)
class TablesArgs:
    names: Names
    tags: Tags
    kms_key_arn: pulumi.Input[str]
    deletion_protection: bool
    protect: bool


class Tables(pulumi.ComponentResource):
    """The orders table (hash key ``orderId``)."""

    orders: aws.dynamodb.Table

    def __init__(self, name: str, args: TablesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:tables:Tables", name, None, opts)
        self.orders = aws.dynamodb.Table(
            f"{name}-orders",
            name=args.names.table,
            billing_mode="PAY_PER_REQUEST",
            hash_key=ORDERS_HASH_KEY,
            attributes=[aws.dynamodb.TableAttributeArgs(name=ORDERS_HASH_KEY, type="S")],
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.kms_key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=POINT_IN_TIME_RECOVERY),
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=ORDERS_TTL_ATTRIBUTE, enabled=True),
            # The ledger writer reads every new order from the stream (components/ledger.py).
            stream_enabled=True,
            stream_view_type=ORDERS_STREAM_VIEW,
            deletion_protection_enabled=args.deletion_protection,
            tags=args.tags.sensitive(args.names.table),
            opts=child_options(self, keep=args.protect),
        )
        self.register_outputs({"ordersTableName": self.orders.name, "ordersTableArn": self.orders.arn})
