"""A small stack for preflight's command-line tests: a component with a key and a log group, and a bucket."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()


class Logging(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("shop:index:Logging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, opts=child)
        self.group = aws.cloudwatch.LogGroup(
            f"{name}-group",
            name="/shop/app",
            kms_key_id=self.key.arn,
            retention_in_days=config.require_int("retentionDays"),
            opts=child,
        )
        self.register_outputs({"group": self.group.name})


logging = Logging("logs")
bucket = aws.s3.Bucket("data", bucket="acme-data-dev")
pulumi.export("bucket", bucket.bucket)
