"""The harness itself: it must fail when it should, or every other test here proves nothing."""

import pulumi
import pulumi_aws as aws
import pytest
from stack_harness import ACCOUNT, UNKNOWN, run_program


def _bucket_program() -> None:
    bucket = aws.s3.Bucket("canary", bucket="canary-bucket")
    pulumi.export("arn", bucket.arn)


def test_canary_a_false_assertion_inside_apply_fails_the_run():
    def program() -> None:
        bucket = aws.s3.Bucket("canary", bucket="canary-bucket")

        def check(arn: str) -> None:
            assert arn == "arn:aws:s3:::another-bucket", "canary: this assertion is false on purpose"

        bucket.arn.apply(check)

    with pytest.raises(AssertionError, match="canary: this assertion is false on purpose"):
        run_program(program)


def test_mocks_invent_provider_computed_values_in_update_mode():
    run = run_program(_bucket_program)

    assert run.outputs == {"arn": "arn:aws:s3:::canary-bucket"}
    assert run.one("aws:s3/bucket:Bucket").inputs["bucket"] == "canary-bucket"


def test_preview_mode_leaves_computed_values_unknown():
    run = run_program(_bucket_program, preview=True)

    assert run.outputs == {"arn": UNKNOWN}


def test_invokes_answer_with_wire_names():
    def program() -> None:
        pulumi.export("account", aws.get_caller_identity().account_id)
        pulumi.export("zones", aws.get_availability_zones(state="available").names)
        pulumi.export("region", aws.get_region().region)

    run = run_program(program, zone_count=2)

    assert run.outputs == {"account": ACCOUNT, "zones": ["us-east-1b", "us-east-1a"], "region": "us-east-1"}


def test_an_unexpected_invoke_fails_the_run():
    def program() -> None:
        aws.ec2.get_vpc(default=True)

    with pytest.raises(Exception, match="invoke the tests do not expect: aws:ec2/getVpc:getVpc"):
        run_program(program)


def test_a_duplicate_resource_name_fails_like_the_engine():
    def program() -> None:
        aws.s3.Bucket("same", bucket="one")
        aws.s3.Bucket("same", bucket="two")

    with pytest.raises(Exception, match="duplicate resource URN"):
        run_program(program)


def test_options_and_dependencies_are_recorded():
    def program() -> None:
        first = aws.s3.Bucket(
            "first", bucket="first", opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True)
        )
        aws.s3.BucketVersioning(
            "second",
            bucket=first.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        )

    run = run_program(program)
    first, second = run.named("first"), run.named("second")

    assert (first.protect, first.retain_on_delete) == (True, True)
    assert (second.protect, second.retain_on_delete) == (False, False)
    assert second.property_dependencies["bucket"] == [first.urn]
    assert run.by_urn(first.urn) is first
